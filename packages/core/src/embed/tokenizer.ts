/** Counts and cuts text in a model's tokens, so batches stay within a provider's limits. */
export interface EmbeddingTokenizer {
  /** Tokens in `text`. Must not throw for any string. */
  count(text: string): number;
  /** The longest prefix of `text` of at most `maxTokens` tokens. */
  truncate(text: string, maxTokens: number): string;
}

// Confluence pages about LLMs may contain "<|endoftext|>": it is text to embed, never a control token.
const AS_TEXT = { disallowedSpecial: new Set<string>() };

let cl100k: Promise<EmbeddingTokenizer> | undefined;

/**
 * The `cl100k_base` tokenizer of OpenAI's embedding models (text-embedding-3-*, ada-002), loaded on first use.
 * Other providers' models tokenize differently; for them it is an estimate (pass your own via `tokenizer`).
 */
export function loadCl100kTokenizer(): Promise<EmbeddingTokenizer> {
  cl100k ??= Promise.all([import("gpt-tokenizer/encoding/cl100k_base"), import("./cl100k-count.js")]).then(
    ([{ encode, decode }, { countCl100k }]) => ({
      count: countCl100k,
      truncate: (text: string, maxTokens: number) => decode(encode(text, AS_TEXT).slice(0, maxTokens)),
    }),
  );
  return cl100k;
}

/** Splits inputs, in order, into `[start, end)` ranges of at most `maxInputs` inputs and `maxTokens` tokens. */
export function planBatches(
  tokens: readonly number[],
  maxInputs: number,
  maxTokens: number,
): Array<readonly [start: number, end: number]> {
  const batches: Array<readonly [number, number]> = [];
  let start = 0;
  let sum = 0;
  for (let i = 0; i < tokens.length; i++) {
    const count = tokens[i]!;
    if (i > start && (i - start >= maxInputs || sum + count > maxTokens)) {
      batches.push([start, i]);
      start = i;
      sum = 0;
    }
    sum += count;
  }
  if (tokens.length > start) batches.push([start, tokens.length]);
  return batches;
}
