import { z } from "zod";
import { ConfluenceSyncError } from "../errors.js";
import type { Embedder, EmbedResult } from "../ports/embedder.js";
import { parseEmbedderOptions } from "./parse-options.js";

export const hashingEmbedderOptionsSchema = z
  .object({
    /** Length of every vector. @default 384 */
    dimensions: z
      .number()
      .int("must be an integer")
      .min(16, "must be at least 16")
      .max(16_384, "must be at most 16384")
      .default(384),
    /** Add a feature for every pair of adjacent words, so phrases weigh more than scattered words. @default true */
    wordBigrams: z.boolean().default(true),
    /** Add character trigrams of every word, so inflections and typos still overlap. @default true */
    charTrigrams: z.boolean().default(true),
    /** Most inputs per call the engine should send. @default 2048 */
    maxBatchSize: z.number().int("must be an integer").min(1, "must be at least 1").default(2048),
  })
  .strict();

export type HashingEmbedderOptions = z.input<typeof hashingEmbedderOptionsSchema>;

const WORD_WEIGHT = 1;
const STOPWORD_WEIGHT = 0.2;
const BIGRAM_WEIGHT = 0.5;
/** Stands for the start and end of a word inside character trigrams. */
const BOUNDARY = 0x2;
/** Texts embedded between two yields to the event loop, so a large call neither blocks I/O nor ignores an abort. */
const SLICE = 256;

/** 32-bit finalizer of MurmurHash3: spreads every input bit over the whole word, so `h % dims` and `h & 1` are fair. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over UTF-16 code units of `text[start, end)`. */
function fnv(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

// Frequent English function words still count, at a fifth of the weight, so they do not dominate short texts.
const STOPWORDS = new Set(
  (
    "a an and are as at be but by for from has have he in is it its of on or that the this to was were will with " +
    "we you your they their not can do does if into than then there these those which who what when where how"
  )
    .split(" ")
    .map((word) => fnv(word, 0, word.length)),
);

// 0 = unknown yet, 1 = part of a word, 2 = separator. ASCII is filled eagerly, the rest on first sight.
const charClass = new Uint8Array(65_536);
for (let c = 0; c < 128; c++) charClass[c] = (c >= 48 && c <= 57) || (c >= 97 && c <= 122) ? 1 : 2;
const WORD_CHAR = /^[\p{L}\p{N}\p{M}]$/u;
function classify(c: number): number {
  // Surrogate halves stay inside words: astral letters (and emoji) then hash like any other character.
  const cls = (c >= 0xd800 && c <= 0xdfff) || WORD_CHAR.test(String.fromCharCode(c)) ? 1 : 2;
  charClass[c] = cls;
  return cls;
}

/**
 * A local, deterministic, **lexical** embedder that needs no API key and no network: the default when no provider
 * is configured.
 *
 * How it works: the text is lower-cased (and NFKC-normalized when it is not ASCII), split into words of letters
 * and digits, and each word, each pair of adjacent words and each character trigram of a word is hashed into one of
 * {@link HashingEmbedder.dimensions} buckets with a hashed sign (the "hashing trick"); the vector is then
 * L2-normalized, so cosine similarity measures weighted overlap of those features.
 *
 * What it is: fast (tens of MB of text per second on one core), free, stable across runs, machines and releases
 * of the same `modelId`, and good at finding texts that share words, phrases, identifiers, error codes or word
 * stems ("deploy" / "deployment").
 *
 * What it is not: a semantic model. It knows no synonyms ("car" and "automobile" are unrelated), no paraphrase, no
 * translation, and scripts written without spaces (Chinese, Japanese, Thai) only match through character trigrams.
 * Hash collisions add a little noise, more so at small dimensions. For question answering over prose, configure a
 * real model such as `OpenAIEmbedder`; keep this one for offline use, tests, demos and identifier-heavy content.
 */
export class HashingEmbedder implements Embedder {
  /** `local:hashing-v1`, with a suffix when n-gram features are turned off; changes whenever vectors would change. */
  readonly modelId: string;
  /** Length of every vector. @default 384 */
  readonly dimensions: number;
  /** @default 2048 */
  readonly maxBatchSize: number;
  readonly #bigrams: boolean;
  readonly #trigrams: boolean;
  readonly #scratch: Float64Array;

  /** @throws ConfluenceSyncError `CONFIG_INVALID` naming the field, for invalid options. */
  constructor(options: HashingEmbedderOptions = {}) {
    const parsed = parseEmbedderOptions(hashingEmbedderOptionsSchema, options, "HashingEmbedder");
    this.dimensions = parsed.dimensions;
    this.maxBatchSize = parsed.maxBatchSize;
    this.#bigrams = parsed.wordBigrams;
    this.#trigrams = parsed.charTrigrams;
    const features = ["words", ...(this.#bigrams ? ["bigrams"] : []), ...(this.#trigrams ? ["trigrams"] : [])];
    this.modelId = features.length === 3 ? "local:hashing-v1" : `local:hashing-v1:${features.join("+")}`;
    this.#scratch = new Float64Array(this.dimensions);
  }

  /** Vectors for `texts`; `tokens` is the number of words seen (nothing is billed). */
  async embed(texts: readonly string[], options?: { readonly signal?: AbortSignal }): Promise<EmbedResult> {
    const signal = options?.signal;
    const embeddings: number[][] = new Array(texts.length);
    let tokens = 0;
    for (let i = 0; i < texts.length; i++) {
      if (i % SLICE === 0) {
        if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        if (signal?.aborted) {
          throw new ConfluenceSyncError("SYNC_ABORTED", "Embedding was aborted.", { cause: signal.reason });
        }
      }
      const text = texts[i];
      if (typeof text !== "string") {
        throw new ConfluenceSyncError("EMBED_FAILED", `HashingEmbedder: input ${i} is not a string.`);
      }
      tokens += this.#accumulate(text);
      embeddings[i] = this.#finish();
    }
    return { embeddings, tokens, requests: 0 };
  }

  /** Adds the features of `raw` into the scratch vector; returns the number of words. */
  #accumulate(raw: string): number {
    const vector = this.#scratch;
    vector.fill(0);
    const dims = this.dimensions;
    const text = /[^\u0000-\u007f]/.test(raw) ? raw.normalize("NFKC").toLowerCase() : raw.toLowerCase();
    const length = text.length;
    const bigrams = this.#bigrams;
    const trigrams = this.#trigrams;
    let words = 0;
    let previous = 0;
    let i = 0;
    while (i < length) {
      let c = text.charCodeAt(i);
      if ((charClass[c] || classify(c)) !== 1) {
        i++;
        continue;
      }
      const start = i;
      while (i < length) {
        c = text.charCodeAt(i);
        if ((charClass[c] || classify(c)) !== 1) break;
        i++;
      }
      const word = fnv(text, start, i);
      words++;
      const stop = STOPWORDS.has(word);
      let h = fmix(word ^ 0x5bd1e995);
      vector[(h >>> 1) % dims]! +=
        h & 1 ? -(stop ? STOPWORD_WEIGHT : WORD_WEIGHT) : stop ? STOPWORD_WEIGHT : WORD_WEIGHT;
      if (bigrams && words > 1) {
        h = fmix((Math.imul(previous, 0x9e3779b1) + word) ^ 0x27d4eb2f);
        vector[(h >>> 1) % dims]! += h & 1 ? -BIGRAM_WEIGHT : BIGRAM_WEIGHT;
      }
      previous = word;
      if (trigrams && !stop) {
        // Trigrams over BOUNDARY + word + BOUNDARY: a word of n characters yields n of them, each weighing
        // 1/sqrt(n) so that a word's trigrams together weigh as much as the word, however long it is.
        const weight = 1 / Math.sqrt(i - start);
        let a = BOUNDARY;
        let b = text.charCodeAt(start);
        for (let j = start + 1; j <= i; j++) {
          const next = j < i ? text.charCodeAt(j) : BOUNDARY;
          h = fmix(Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(next, 0xc2b2ae3d));
          vector[(h >>> 1) % dims]! += h & 1 ? -weight : weight;
          a = b;
          b = next;
        }
      }
    }
    return words;
  }

  /** L2-normalizes the scratch vector into a fresh array. */
  #finish(): number[] {
    const vector = this.#scratch;
    const dims = this.dimensions;
    let sum = 0;
    for (let d = 0; d < dims; d++) sum += vector[d]! * vector[d]!;
    const out: number[] = new Array(dims).fill(0);
    if (sum === 0) {
      // No features (empty text, punctuation only, or features that cancelled out): a fixed unit vector keeps
      // cosine distance defined, and all such texts are equal to each other.
      out[0] = 1;
      return out;
    }
    const scale = 1 / Math.sqrt(sum);
    for (let d = 0; d < dims; d++) out[d] = vector[d]! * scale;
    return out;
  }
}
