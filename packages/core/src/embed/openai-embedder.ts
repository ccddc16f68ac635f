import { ConfluenceSyncError } from "../errors.js";
import { type Logger, silentLogger } from "../logger.js";
import type { Embedder, EmbedOptions, EmbedResult, TokenCounter } from "../ports/embedder.js";
import {
  EmbeddingHTTPError,
  type EmbeddingRequestBody,
  type EmbeddingRequestConfig,
  fromClientError,
  type OpenAICompatibleClient,
  postEmbeddings,
} from "./openai-http.js";
import { OPENAI_EMBEDDING_MODELS } from "./openai-models.js";
import {
  type OpenAIEmbedderOptions,
  openAIEmbedderOptionsSchema,
  type ParsedOpenAIEmbedderOptions,
} from "./openai-options.js";
import { type EndpointContext, isRetryable, readEmbeddingResponse, toEmbedError } from "./openai-response.js";
import { parseEmbedderOptions } from "./parse-options.js";
import { AdaptiveLimiter, abortError, retryDelay, runPool, sleep } from "./retry.js";
import { type EmbeddingTokenizer, loadCl100kTokenizer, planBatches } from "./tokenizer.js";

const DEFAULT_BASE_URL = "https://api.openai.com/v1";

/** {@link EmbedResult} with the request accounting of one `embed()` call. */
export interface OpenAIEmbedResult extends EmbedResult {
  /** HTTP requests sent, retries included. */
  readonly requests: number;
  /** Requests sent again after a 408, 409, 429, 5xx or network error. */
  readonly retries: number;
  /** Retries caused by 429 responses, and the time spent waiting for them. */
  readonly rateLimitWaits: number;
  readonly rateLimitWaitMs: number;
  /** Inputs cut to `maxInputTokens`. */
  readonly truncated: number;
}

type Usage = { -readonly [K in keyof Omit<OpenAIEmbedResult, "embeddings">]: number };

/**
 * Embeds through the OpenAI embeddings API, or any compatible one via `baseURL` (Ollama, OpenRouter, Azure OpenAI,
 * Google's OpenAI-compatible endpoint, LM Studio; see docs/embedders.md).
 *
 * Each call is split into requests within the API's limits (`maxBatchSize` inputs and `maxRequestTokens` tokens),
 * inputs over `maxInputTokens` are truncated with a warning, and up to `concurrency` requests run at once. 408, 409,
 * 429, 5xx and network errors are retried with exponential backoff that honours `retry-after-ms` and `retry-after`
 * (clamped to `maxRetryDelayMs`). A 429 also halves the requests kept in flight and holds new ones for the wait the
 * server asked for; successes raise the limit again, one request per run of successes, up to `concurrency`. Every response is checked: one vector per input, placed by `index`, of
 * `dimensions` finite numbers; anything else rejects with `EMBED_BAD_RESPONSE` or `EMBED_DIMENSION_MISMATCH`.
 * Errors and logs never contain the API key.
 */
export class OpenAIEmbedder implements Embedder {
  /** Stored with every vector. @default `openai:<model>` */
  readonly modelId: string;
  /** Length of every vector. @default the model's own: 1536 for text-embedding-3-small */
  readonly dimensions: number;
  /** Inputs per request; larger calls are split. @default 2048 */
  readonly maxBatchSize: number;
  /** Tokens per request, all inputs together; the engine packs calls toward it. @default 300000 */
  readonly maxRequestTokens: number;
  /** The model name sent to the API. */
  readonly model: string;
  /**
   * The `tokenizer` option, for the chunker to size chunks by; unset when it is the default `cl100k`, which the
   * chunker already uses.
   */
  readonly tokenizer?: TokenCounter;
  readonly #options: ParsedOpenAIEmbedderOptions;
  /** A caller's own SDK client, or else the request settings for `fetch`. */
  readonly #client: OpenAICompatibleClient | undefined;
  readonly #request: EmbeddingRequestConfig;
  readonly #context: EndpointContext;
  readonly #sendDimensions: boolean;
  readonly #logger: Logger;
  readonly #slots: AdaptiveLimiter;
  readonly #totals: Usage = { tokens: 0, requests: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0, truncated: 0 };

  /** @throws ConfluenceSyncError `CONFIG_INVALID` naming the field, for invalid options or a missing API key. */
  constructor(options: OpenAIEmbedderOptions = {}) {
    const parsed = parseEmbedderOptions(openAIEmbedderOptionsSchema, options, "OpenAIEmbedder");
    const known = OPENAI_EMBEDDING_MODELS[parsed.model];
    this.#options = parsed;
    this.model = parsed.model;
    this.dimensions = parsed.dimensions ?? known!.dimensions;
    this.maxBatchSize = parsed.maxBatchSize;
    this.maxRequestTokens = parsed.maxRequestTokens;
    this.modelId = parsed.modelId ?? `openai:${parsed.model}`;
    const custom = parsed.tokenizer;
    if (custom !== undefined) this.tokenizer = { id: "custom", count: (text) => custom.count(text) };
    this.#sendDimensions = parsed.sendDimensions ?? known?.shortenable ?? false;
    this.#logger = parsed.logger ?? silentLogger;
    this.#slots = new AdaptiveLimiter(parsed.concurrency);

    const baseURL = parsed.baseURL ?? DEFAULT_BASE_URL;
    const apiKey = parsed.apiKey ?? (parsed.baseURL === undefined ? process.env.OPENAI_API_KEY : undefined);
    if (!parsed.client && parsed.baseURL === undefined && !apiKey) {
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        "OpenAIEmbedder options are invalid: apiKey: required for api.openai.com; pass it or set OPENAI_API_KEY.",
      );
    }
    const secretHeaders = Object.entries(parsed.headers ?? {})
      .filter(([name]) => /key|auth|token|secret|cookie/i.test(name))
      .map(([, value]) => value.replace(/^Bearer\s+/i, ""));
    const endpointURL = new URL(parsed.client?.baseURL ?? baseURL);
    this.#context = {
      endpoint: `${endpointURL.origin}${endpointURL.pathname.replace(/\/$/, "")}`,
      model: parsed.model,
      dimensions: this.dimensions,
      secrets: [
        ...(apiKey ? [apiKey] : []),
        ...(typeof parsed.client?.apiKey === "string" ? [parsed.client.apiKey] : []),
        ...secretHeaders,
      ],
    };
    // Nothing is read from the environment beyond OPENAI_API_KEY above; retries are ours, so that each one is
    // counted, logged and clamped.
    this.#client = parsed.client?.withOptions?.({ maxRetries: 0, timeout: parsed.timeoutMs }) ?? parsed.client;
    this.#request = {
      baseURL,
      apiKey,
      organization: parsed.organization,
      project: parsed.project,
      headers: parsed.headers,
      query: parsed.query,
      timeoutMs: parsed.timeoutMs,
      fetch: parsed.fetch,
    };
  }

  /** Requests allowed in flight now: `concurrency`, halved by each 429 and raised again by successes. */
  get requestsInFlightLimit(): number {
    return this.#slots.limit;
  }

  /** Totals over every call since construction, e.g. for a cost estimate with `estimateEmbeddingCost`. */
  get usage(): Readonly<Usage> {
    return { ...this.#totals };
  }

  /**
   * One vector per text, in order. Rejects with `EMBED_FAILED`, `EMBED_BAD_RESPONSE`, `EMBED_DIMENSION_MISMATCH` or
   * `SYNC_ABORTED`; a rejected call returns no vector at all.
   */
  async embed(texts: readonly string[], options?: EmbedOptions): Promise<OpenAIEmbedResult> {
    const outer = options?.signal;
    if (outer?.aborted) throw abortError(outer);
    const usage: Usage = { tokens: 0, requests: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0, truncated: 0 };
    if (texts.length === 0) return { embeddings: [], ...usage };

    const hints = options?.tokens?.length === texts.length ? options.tokens : undefined;
    const { inputs, tokens } = await this.#prepare(texts, usage, hints);
    const embeddings: number[][] = new Array(texts.length);
    // One failed batch cancels its siblings: their vectors would be thrown away anyway.
    const failed = new AbortController();
    const signal = outer ? AbortSignal.any([outer, failed.signal]) : failed.signal;
    const batches = planBatches(tokens, this.maxBatchSize, this.#options.maxRequestTokens);
    const tasks = batches.map(([start, end]) => async () => {
      const vectors = await this.#send(inputs.slice(start, end), tokens.slice(start, end), signal, usage);
      for (let i = 0; i < vectors.length; i++) embeddings[start + i] = vectors[i]!;
    });
    try {
      await runPool(tasks, this.#options.concurrency);
    } catch (error) {
      failed.abort();
      if (outer?.aborted) throw abortError(outer);
      throw error;
    } finally {
      for (const key of Object.keys(usage) as Array<keyof Usage>) this.#totals[key] += usage[key];
    }
    return { embeddings, ...usage };
  }

  /**
   * Makes every input acceptable to the API: non-empty and within `maxInputTokens`. A caller's count within the
   * limit is trusted (the chunker counted in the same tokenizer); anything else is counted here.
   */
  async #prepare(
    texts: readonly string[],
    usage: Usage,
    hints: readonly number[] | undefined,
  ): Promise<{ inputs: string[]; tokens: number[] }> {
    const max = this.#options.maxInputTokens;
    let loaded: EmbeddingTokenizer | undefined = this.#options.tokenizer;
    const inputs: string[] = new Array(texts.length);
    const tokens: number[] = new Array(texts.length);
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i];
      if (typeof text !== "string")
        throw new ConfluenceSyncError("EMBED_FAILED", `Embedding input ${i} is not a string.`);
      // The API rejects empty strings; a space embeds as "nothing" just as well.
      let input = text === "" ? " " : text;
      const hint = hints?.[i];
      if (hint !== undefined && Number.isFinite(hint) && hint >= 0 && hint <= max) {
        inputs[i] = input;
        tokens[i] = Math.max(1, Math.ceil(hint));
        continue;
      }
      loaded ??= await loadCl100kTokenizer();
      const tokenizer = loaded;
      let count = tokenizer.count(input);
      if (count > max) {
        if (!this.#options.truncate) {
          throw new ConfluenceSyncError(
            "EMBED_FAILED",
            `Embedding input ${i} has ${count} tokens, more than maxInputTokens (${max}) of model "${this.model}". ` +
              "Split it upstream (smaller chunks) or enable truncate.",
          );
        }
        this.#logger.warn(
          { model: this.model, input: i, tokens: count, maxInputTokens: max },
          "embedding input over the model's token limit was truncated",
        );
        // A cut can split a multi-byte character, which may count as more tokens once decoded: cut until it fits.
        for (let limit = max; count > max && limit > 0; limit -= count - max) {
          input = tokenizer.truncate(input, limit);
          count = tokenizer.count(input);
        }
        usage.truncated++;
      }
      inputs[i] = input;
      tokens[i] = count;
    }
    return { inputs, tokens };
  }

  /** One batch: sends it, retrying what may succeed later, and splits it when the server finds it too large. */
  async #send(inputs: string[], tokens: number[], signal: AbortSignal, usage: Usage): Promise<number[][]> {
    const { maxRetries, initialRetryDelayMs, maxRetryDelayMs, timeoutMs, encodingFormat } = this.#options;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw abortError(signal);
      const release = await this.#slots.acquire(signal);
      usage.requests++;
      try {
        const body: EmbeddingRequestBody = {
          model: this.model,
          input: inputs,
          encoding_format: encodingFormat,
          ...(this.#sendDimensions ? { dimensions: this.dimensions } : {}),
        };
        const response: unknown = this.#client
          ? await this.#client.embeddings
              .create(body, { signal, maxRetries: 0, timeout: timeoutMs })
              .then(undefined, (error: unknown) => Promise.reject(fromClientError(error)))
          : await postEmbeddings(this.#request, body, signal);
        release();
        this.#slots.succeeded();
        const { vectors, tokens: billed } = readEmbeddingResponse(response, inputs.length, this.#context);
        usage.tokens += billed ?? tokens.reduce((sum, n) => sum + n, 0);
        return vectors;
      } catch (error) {
        release();
        if (signal.aborted) throw abortError(signal);
        if (error instanceof ConfluenceSyncError) throw error;
        if (inputs.length > 1 && isTooLarge(error)) {
          // The provider counts tokens differently than our tokenizer: halve the batch instead of failing it.
          const half = Math.ceil(inputs.length / 2);
          this.#logger.warn(
            { model: this.model, inputs: inputs.length },
            "embedding batch too large for the provider; splitting it",
          );
          const first = await this.#send(inputs.slice(0, half), tokens.slice(0, half), signal, usage);
          const second = await this.#send(inputs.slice(half), tokens.slice(half), signal, usage);
          return [...first, ...second];
        }
        if (!isRetryable(error) || attempt >= maxRetries) throw toEmbedError(error, this.#context, attempt + 1);
        const status = error instanceof EmbeddingHTTPError ? error.status : undefined;
        const headers = error instanceof EmbeddingHTTPError ? error.headers : undefined;
        const { delayMs, fromServer } = retryDelay(headers, attempt, {
          initialDelayMs: initialRetryDelayMs,
          maxDelayMs: maxRetryDelayMs,
        });
        usage.retries++;
        if (status === 429) {
          usage.rateLimitWaits++;
          usage.rateLimitWaitMs += delayMs;
          this.#slots.rateLimited(delayMs);
        }
        this.#logger.warn(
          { model: this.model, status: status ?? "network", attempt: attempt + 1, delayMs, fromServer },
          "embedding request failed; retrying",
        );
        await sleep(delayMs, signal);
      }
    }
  }
}

/** A 400/413 about size: too many tokens or inputs in one request. */
function isTooLarge(error: unknown): boolean {
  if (!(error instanceof EmbeddingHTTPError) || (error.status !== 400 && error.status !== 413)) return false;
  if (error.status === 413) return true;
  const message = (error.error as { message?: unknown } | undefined)?.message;
  return typeof message === "string" && /tokens per request|too many (tokens|inputs)|at most \d+ items/i.test(message);
}
