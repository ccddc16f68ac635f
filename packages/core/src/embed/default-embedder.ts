import { type Logger, silentLogger } from "../logger.js";
import type { Embedder } from "../ports/embedder.js";
import { HashingEmbedder, type HashingEmbedderOptions } from "./hashing-embedder.js";
import { OpenAIEmbedder } from "./openai-embedder.js";
import type { OpenAIEmbedderOptions } from "./openai-options.js";

export interface DefaultEmbedderOptions {
  /** @default `env.OPENAI_API_KEY` */
  readonly apiKey?: string;
  /** Where to look for `OPENAI_API_KEY`. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Used when a key is configured. */
  readonly openai?: Omit<OpenAIEmbedderOptions, "apiKey" | "logger">;
  /** Used when no key is configured. */
  readonly hashing?: HashingEmbedderOptions;
  /** pino-compatible; silent by default. */
  readonly logger?: Logger;
}

/**
 * `OpenAIEmbedder` when an OpenAI API key is configured, else the local `HashingEmbedder` (lexical similarity only,
 * no network, no key). Switching later re-embeds everything: the two have different model ids and dimensions.
 */
export function createDefaultEmbedder(options: DefaultEmbedderOptions = {}): Embedder {
  const logger = options.logger ?? silentLogger;
  const apiKey = options.apiKey ?? (options.env ?? process.env).OPENAI_API_KEY;
  if (apiKey) return new OpenAIEmbedder({ ...options.openai, apiKey, logger });
  logger.info({ embedder: "hashing" }, "no OpenAI API key configured: using the local lexical HashingEmbedder");
  return new HashingEmbedder(options.hashing);
}
