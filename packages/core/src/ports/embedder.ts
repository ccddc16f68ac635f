/** Turns texts into vectors. */

export interface EmbedResult {
  /** One vector per input, in input order, each of length {@link Embedder.dimensions}. */
  readonly embeddings: number[][];
  /** Tokens the provider billed (or the embedder estimated) for this call. */
  readonly tokens: number;
  /** Provider requests made for this call, retries included. @default 1 */
  readonly requests?: number;
}

/** What a caller may pass along with the texts of one {@link Embedder.embed} call. */
export interface EmbedOptions {
  readonly signal?: AbortSignal;
  /**
   * Tokens of each text as the caller's chunker counted them (upper bounds, in the embedder's tokenizer), so that an
   * embedder that plans requests by tokens need not count them again. Embedders may ignore it.
   */
  readonly tokens?: readonly number[];
}

/** Counts tokens the way an embedding model does. */
export interface TokenCounter {
  /** Short stable name of the tokenizer, e.g. `cl100k`; it becomes part of the chunker id. */
  readonly id: string;
  /** Tokens in `text`. Must not throw for any string. */
  count(text: string): number;
}

/** Implementations must return one vector per input, in order, of {@link Embedder.dimensions} finite numbers. */
export interface Embedder {
  /** Stable id stored with every vector, e.g. `openai:text-embedding-3-small`. */
  readonly modelId: string;
  /** Length of every vector; the store checks it against its column. */
  readonly dimensions: number;
  /** Most inputs per call; the engine batches to this. @default 2048 */
  readonly maxBatchSize: number;
  /**
   * Most tokens per request, all inputs together, for a remote provider with such a limit (OpenAI: 300,000). When
   * set, the engine packs the texts of many pages into calls close to it instead of sending what it has at once.
   * @default unset: calls are sent as soon as a slot is free
   */
  readonly maxRequestTokens?: number;
  /**
   * The model's tokenizer, when known: the default chunker sizes chunks in its tokens (Korean text, say, counts very
   * differently in different tokenizers). @default the chunker's own (`cl100k`)
   */
  readonly tokenizer?: TokenCounter;
  embed(texts: readonly string[], options?: EmbedOptions): Promise<EmbedResult>;
}
