import { z } from "zod";
import type { Logger } from "../logger.js";
import type { OpenAICompatibleClient } from "./openai-http.js";
import { OPENAI_EMBEDDING_MODELS } from "./openai-models.js";
import type { EmbeddingTokenizer } from "./tokenizer.js";

const int = (min: number, max: number) =>
  z.number().int("must be an integer").min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

export const openAIEmbedderOptionsSchema = z
  .object({
    /**
     * API key, sent as a Bearer token. Without `baseURL` it defaults to `OPENAI_API_KEY`; with a `baseURL` it is
     * never read from the environment, so an OpenAI key is not sent to another provider by accident.
     */
    apiKey: z.string().min(1, "must not be empty").optional(),
    /** Any OpenAI-compatible API, e.g. `http://localhost:11434/v1`. @default "https://api.openai.com/v1" */
    baseURL: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. http://localhost:11434/v1" })
      .optional(),
    /** @default "text-embedding-3-small" */
    model: z.string().min(1, "must not be empty").default("text-embedding-3-small"),
    /** Vector length. Defaults to the model's own for OpenAI models; required for any other model. */
    dimensions: int(1, 16_384).optional(),
    /** Send `dimensions` with every request. @default true for text-embedding-3-*, false otherwise */
    sendDimensions: z.boolean().optional(),
    /** Stored with every vector; vectors are reused only under the same id. @default `openai:<model>` */
    modelId: z.string().min(1, "must not be empty").optional(),
    /** Wire format of vectors; some compatible servers only speak `float`. @default "base64" */
    encodingFormat: z.enum(["base64", "float"]).default("base64"),
    /** Inputs per request. @default 2048 */
    maxBatchSize: int(1, 2048).default(2048),
    /** Tokens per request, all inputs together. @default 300000 */
    maxRequestTokens: int(1, 10_000_000).default(300_000),
    /** Tokens per input; longer inputs are truncated (or rejected, see `truncate`). @default 8191 */
    maxInputTokens: int(1, 1_000_000).default(8191),
    /** Cut inputs over `maxInputTokens` (with a warning) instead of failing the call. @default true */
    truncate: z.boolean().default(true),
    /**
     * Most requests in flight at once, across all concurrent `embed()` calls of this embedder; a 429 halves the
     * number for a while. @default 4
     */
    concurrency: int(1, 64).default(4),
    /** Retries of a request that got a 408, 409, 429, 5xx or a network error. @default 6 */
    maxRetries: int(0, 50).default(6),
    /** First backoff delay when the server names none; doubles per retry. @default 500 */
    initialRetryDelayMs: int(0, 600_000).default(500),
    /** Cap on every retry delay, including `retry-after` / `retry-after-ms` from the server. @default 60000 */
    maxRetryDelayMs: int(0, 3_600_000).default(60_000),
    /** Per-request timeout. @default 60000 */
    timeoutMs: int(1, 3_600_000).default(60_000),
    /** Extra headers on every request (e.g. OpenRouter's `HTTP-Referer`, Azure's `api-key`); never logged. */
    headers: z.record(z.string(), z.string()).optional(),
    /** Extra query parameters on every request (e.g. Azure's `api-version`). */
    query: z.record(z.string(), z.string()).optional(),
    organization: z.string().min(1, "must not be empty").optional(),
    project: z.string().min(1, "must not be empty").optional(),
    /**
     * A preconfigured client of the `openai` package (e.g. `AzureOpenAI` with Entra ID), which is then the
     * caller's own dependency. `apiKey`, `baseURL`, `headers`, `query`, `organization`, `project` and `fetch` are
     * then ignored; its own retries are turned off.
     */
    client: z
      .custom<OpenAICompatibleClient>(
        (value) => typeof (value as OpenAICompatibleClient | null)?.embeddings?.create === "function",
        "must be a client of the openai package (an object with embeddings.create)",
      )
      .optional(),
    /** Token counting and truncation. @default cl100k_base, exact for OpenAI models */
    tokenizer: z
      .custom<EmbeddingTokenizer>(
        (value) =>
          typeof (value as EmbeddingTokenizer | null)?.count === "function" &&
          typeof (value as EmbeddingTokenizer).truncate === "function",
        "must have count(text) and truncate(text, maxTokens) functions",
      )
      .optional(),
    /** pino-compatible; silent by default. Never receives the key or input texts. */
    logger: z
      .custom<Logger>(
        (value) =>
          ["debug", "info", "warn", "error"].every(
            (level) => typeof (value as Record<string, unknown> | null)?.[level] === "function",
          ),
        "must have debug, info, warn and error methods",
      )
      .optional(),
    /** Custom fetch, e.g. behind a proxy. */
    fetch: z.custom<typeof fetch>((value) => typeof value === "function", "must be a function").optional(),
  })
  .strict()
  .superRefine((options, ctx) => {
    const known = OPENAI_EMBEDDING_MODELS[options.model];
    if (!known && options.dimensions === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["dimensions"],
        message: `required for model "${options.model}", which this SDK does not know: set it to the model's vector length`,
      });
    }
    if (known && options.dimensions !== undefined && options.dimensions > known.dimensions) {
      ctx.addIssue({
        code: "custom",
        path: ["dimensions"],
        message: `${options.model} returns at most ${known.dimensions} dimensions`,
      });
    }
    if (known && !known.shortenable && options.dimensions !== undefined && options.dimensions !== known.dimensions) {
      ctx.addIssue({
        code: "custom",
        path: ["dimensions"],
        message: `${options.model} always returns ${known.dimensions} dimensions and cannot shorten them`,
      });
    }
  });

export type OpenAIEmbedderOptions = z.input<typeof openAIEmbedderOptionsSchema>;
export type ParsedOpenAIEmbedderOptions = z.output<typeof openAIEmbedderOptionsSchema>;
