/** What the SDK knows about an embedding model, to default and check `dimensions`. */
export interface EmbeddingModelInfo {
  /** Vector length when no `dimensions` is requested. */
  readonly dimensions: number;
  /** Whether the model accepts the `dimensions` parameter (shortened vectors). */
  readonly shortenable: boolean;
  /** Longest input, in tokens. */
  readonly maxInputTokens: number;
}

/** OpenAI's embedding models. Other names are allowed, given their `dimensions`. */
export const OPENAI_EMBEDDING_MODELS: Readonly<Record<string, EmbeddingModelInfo>> = {
  "text-embedding-3-small": { dimensions: 1536, shortenable: true, maxInputTokens: 8191 },
  "text-embedding-3-large": { dimensions: 3072, shortenable: true, maxInputTokens: 8191 },
  "text-embedding-ada-002": { dimensions: 1536, shortenable: false, maxInputTokens: 8191 },
};

/**
 * **Approximate** list prices in US dollars per million input tokens, as published by the providers for standard
 * (non-batch) requests when this table was written. Prices change and differ by contract, region and reseller:
 * use the result for estimates and dashboards, never for billing. Keys are model names or `Embedder.modelId`s.
 */
export const EMBEDDING_PRICES_USD_PER_MILLION_TOKENS: Readonly<Record<string, number>> = {
  "text-embedding-3-small": 0.02,
  "text-embedding-3-large": 0.13,
  "text-embedding-ada-002": 0.1,
  "local:hashing-v1": 0,
};

export interface EmbeddingCostEstimate {
  readonly tokens: number;
  readonly usdPerMillionTokens: number;
  /** Approximate cost in US dollars. */
  readonly usd: number;
}

/**
 * Approximate cost of `tokens` embedded with `model` (a model name like `text-embedding-3-small` or a model id like
 * `openai:text-embedding-3-small`), or `null` when the model is not in the price table and `prices` has no entry.
 *
 * @param prices your own prices, consulted before {@link EMBEDDING_PRICES_USD_PER_MILLION_TOKENS}
 */
export function estimateEmbeddingCost(
  model: string,
  tokens: number,
  prices: Readonly<Record<string, number>> = {},
): EmbeddingCostEstimate | null {
  const bare = model.replace(/^[a-z-]+:(?=text-embedding-)/, "");
  const usdPerMillionTokens =
    prices[model] ??
    prices[bare] ??
    EMBEDDING_PRICES_USD_PER_MILLION_TOKENS[model] ??
    EMBEDDING_PRICES_USD_PER_MILLION_TOKENS[bare];
  if (usdPerMillionTokens === undefined) return null;
  return { tokens, usdPerMillionTokens, usd: (tokens / 1_000_000) * usdPerMillionTokens };
}
