import { HashingEmbedder } from "../embed/hashing-embedder.js";
import { ConfluenceSyncError, isConfluenceSyncError } from "../errors.js";
import type { Embedder, EmbedResult } from "../ports/embedder.js";
import { describe, expect, it } from "./test-api.js";

export type {
  FakeOpenAIResponse,
  FakeOpenAIServerOptions,
  FakeOpenAIServerRequest,
} from "../embed/fake-openai-server.js";
export { FakeOpenAIServer } from "../embed/fake-openai-server.js";

/** Ways {@link FakeEmbedder} can misbehave on purpose, to test what callers do with a broken provider. */
export type FakeEmbedderFault =
  /** Reject the call with `EMBED_FAILED`. */
  | "fail"
  /** Return vectors one element longer than `dimensions`. */
  | "wrong-dimension"
  /** Return one vector fewer than there are inputs. */
  | "fewer-vectors"
  /** Return a `NaN` in the first vector. */
  | "non-finite";

export interface FakeEmbedderOptions {
  /** @default 32 */
  readonly dimensions?: number;
  /** @default "fake:embedder" */
  readonly modelId?: string;
  /** @default 2048 */
  readonly maxBatchSize?: number;
  /** Wait this long (abortably) before answering each call, to let tests overlap calls. @default 0 */
  readonly delayMs?: number;
}

/** One `embed()` call as {@link FakeEmbedder} saw it. */
export interface FakeEmbedderCall {
  readonly texts: readonly string[];
}

/**
 * A deterministic embedder for tests that records every call. Its vectors come from a small `HashingEmbedder`, so
 * texts that share words are close and search results are meaningful. It can be told to fail on given texts or to
 * return malformed results for the next calls, and it rejects a call of more than `maxBatchSize` texts.
 */
export class FakeEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly maxBatchSize: number;
  /** Every call with inputs, in order. Calls with no inputs are not recorded. */
  readonly calls: FakeEmbedderCall[] = [];
  readonly #inner: HashingEmbedder;
  readonly #delayMs: number;
  #failOn: Array<{ match: (text: string) => boolean; error?: Error }> = [];
  #faults: FakeEmbedderFault[] = [];

  constructor(options: FakeEmbedderOptions = {}) {
    this.dimensions = options.dimensions ?? 32;
    this.modelId = options.modelId ?? "fake:embedder";
    this.maxBatchSize = options.maxBatchSize ?? 2048;
    this.#delayMs = options.delayMs ?? 0;
    this.#inner = new HashingEmbedder({ dimensions: Math.max(16, this.dimensions), maxBatchSize: this.maxBatchSize });
  }

  /** Every text ever embedded, in call order. */
  get inputs(): string[] {
    return this.calls.flatMap((call) => call.texts);
  }

  /** Any call containing a matching text rejects, with `error` or an `EMBED_FAILED` error. */
  failOn(match: string | RegExp | ((text: string) => boolean), error?: Error): this {
    const test =
      typeof match === "string"
        ? (t: string) => t === match
        : match instanceof RegExp
          ? (t: string) => match.test(t)
          : match;
    this.#failOn.push(error === undefined ? { match: test } : { match: test, error });
    return this;
  }

  /** The next `count` calls with inputs misbehave as `fault` says. */
  failNextCalls(count: number, fault: FakeEmbedderFault = "fail"): this {
    for (let i = 0; i < count; i++) this.#faults.push(fault);
    return this;
  }

  /** Forgets recorded calls and every configured failure. */
  reset(): void {
    this.calls.length = 0;
    this.#failOn = [];
    this.#faults = [];
  }

  async embed(texts: readonly string[], options?: { readonly signal?: AbortSignal }): Promise<EmbedResult> {
    const signal = options?.signal;
    if (signal?.aborted)
      throw new ConfluenceSyncError("SYNC_ABORTED", "Embedding was aborted.", { cause: signal.reason });
    if (texts.length === 0) return { embeddings: [], tokens: 0, requests: 0 };
    if (texts.length > this.maxBatchSize) {
      // Real providers reject oversized requests too; this catches callers that ignore maxBatchSize.
      throw new ConfluenceSyncError(
        "EMBED_FAILED",
        `FakeEmbedder was called with ${texts.length} texts, more than its maxBatchSize of ${this.maxBatchSize}.`,
      );
    }
    this.calls.push({ texts: [...texts] });
    if (this.#delayMs > 0) await abortableDelay(this.#delayMs, signal);
    const fault = this.#faults.shift();
    const failure = this.#failOn.find((rule) => texts.some(rule.match));
    if (failure) {
      throw (
        failure.error ?? new ConfluenceSyncError("EMBED_FAILED", "FakeEmbedder was told to fail on one of these texts.")
      );
    }
    if (fault === "fail")
      throw new ConfluenceSyncError("EMBED_FAILED", "FakeEmbedder was told to fail this call.", { retryable: true });
    const { embeddings: full, tokens } = await this.#inner.embed(texts);
    const embeddings = full.map((vector) => vector.slice(0, this.dimensions));
    if (fault === "wrong-dimension") for (const vector of embeddings) vector.push(0);
    if (fault === "fewer-vectors") embeddings.pop();
    if (fault === "non-finite" && embeddings[0]) embeddings[0][0] = Number.NaN;
    return { embeddings, tokens, requests: 1 };
  }
}

function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ConfluenceSyncError("SYNC_ABORTED", "Embedding was aborted.", { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export interface DescribeEmbedderOptions {
  /**
   * The embedder returns the same vector for the same text, whatever else is in the call; enables the ordering
   * checks, which compare each vector of a batch with the text embedded alone. @default false
   */
  readonly deterministic?: boolean;
  /** Largest call to try; the suite sends `min(maxBatchSize, this)` inputs at once. @default 2048 */
  readonly largestBatch?: number;
}

const TEXTS = [
  "How do I roll back a failed deployment?",
  "",
  "Résumé of the incident: the café's POS lost 3 orders at 12:05 UTC.",
  "日本語のテキストと emoji 🚀 mixed in.",
  "x".repeat(20_000),
  "SELECT * FROM pages WHERE space_key = 'ENG';",
];

/**
 * The contract every `Embedder` must meet; run it from the implementation's test file:
 * `describeEmbedder("OpenAIEmbedder", () => new OpenAIEmbedder({...}), { deterministic: true })`.
 *
 * Like the engine, the suite never sends more than `maxBatchSize` texts in one call.
 *
 * Checks: sane `modelId`, `dimensions` and `maxBatchSize`; an empty call returns nothing; one vector per input, of
 * `dimensions` finite numbers, for empty, Unicode, long and ordinary texts; different texts get different vectors;
 * a call of `maxBatchSize` inputs works; `tokens` and `requests` are non-negative; an aborted signal rejects with
 * `SYNC_ABORTED`. With `deterministic`, also: vectors come back in input order and concurrent calls don't mix.
 */
export function describeEmbedder(
  name: string,
  create: () => Embedder | Promise<Embedder>,
  options: DescribeEmbedderOptions = {},
): void {
  const closeTo = (actual: readonly number[], expected: readonly number[]) => {
    expect(actual).toHaveLength(expected.length);
    // Providers may send float32: compare to float32 precision.
    for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(1e-6);
  };
  const checkShape = (embedder: Embedder, result: EmbedResult, inputs: number) => {
    expect(result.embeddings).toHaveLength(inputs);
    for (const vector of result.embeddings) {
      expect(vector).toHaveLength(embedder.dimensions);
      expect(vector.every(Number.isFinite)).toBe(true);
    }
    expect(Number.isFinite(result.tokens) && result.tokens >= 0).toBe(true);
    if (result.requests !== undefined) expect(Number.isInteger(result.requests) && result.requests >= 0).toBe(true);
  };

  /** Embeds `texts` in calls of at most `maxBatchSize`, as the engine does, merging the results. */
  const embedAll = async (embedder: Embedder, texts: readonly string[]): Promise<EmbedResult> => {
    const embeddings: number[][] = [];
    let tokens = 0;
    for (let i = 0; i < texts.length; i += embedder.maxBatchSize) {
      const result = await embedder.embed(texts.slice(i, i + embedder.maxBatchSize));
      expect(result.embeddings).toHaveLength(Math.min(embedder.maxBatchSize, texts.length - i));
      embeddings.push(...result.embeddings);
      tokens += result.tokens;
    }
    return { embeddings, tokens };
  };

  describe(`${name} conformance (Embedder)`, () => {
    it("declares a model id, a dimension and a batch size", async () => {
      const embedder = await create();
      expect(typeof embedder.modelId).toBe("string");
      expect(embedder.modelId.length).toBeGreaterThan(0);
      expect(Number.isInteger(embedder.dimensions) && embedder.dimensions > 0).toBe(true);
      expect(Number.isInteger(embedder.maxBatchSize) && embedder.maxBatchSize > 0).toBe(true);
    });

    it("returns nothing for no input", async () => {
      const result = await (await create()).embed([]);
      expect(result.embeddings).toEqual([]);
      expect(result.tokens).toBe(0);
    });

    it("returns one vector of finite numbers of the declared dimension per input", async () => {
      const embedder = await create();
      checkShape(embedder, await embedAll(embedder, TEXTS), TEXTS.length);
    });

    it("gives different texts different vectors", async () => {
      const embedder = await create();
      const { embeddings } = await embedder.embed(["kubernetes rollback runbook", "zebra migration in the Serengeti"]);
      expect(embeddings[0]).not.toEqual(embeddings[1]);
    });

    it("accepts a call of maxBatchSize inputs", async () => {
      const embedder = await create();
      const size = Math.min(embedder.maxBatchSize, options.largestBatch ?? 2048);
      const texts = Array.from({ length: size }, (_, i) => `chunk ${i} of a large page about topic ${i % 17}`);
      checkShape(embedder, await embedder.embed(texts), size);
    });

    it("rejects with SYNC_ABORTED when the signal is already aborted", async () => {
      const embedder = await create();
      const controller = new AbortController();
      controller.abort();
      const error = await embedder.embed(["text"], { signal: controller.signal }).catch((e: unknown) => e);
      expect(isConfluenceSyncError(error, "SYNC_ABORTED")).toBe(true);
    });

    // Ordering can only be checked by comparing vectors, which needs an embedder that repeats itself.
    if (!options.deterministic) return;

    it("returns vectors in input order, the same as each text alone", async () => {
      const embedder = await create();
      const texts = TEXTS.slice(0, 4);
      const batch = await embedAll(embedder, texts);
      const reversed = await embedAll(embedder, [...texts].reverse());
      for (let i = 0; i < texts.length; i++) {
        const alone = await embedder.embed([texts[i]!]);
        closeTo(batch.embeddings[i]!, alone.embeddings[0]!);
        closeTo(reversed.embeddings[texts.length - 1 - i]!, alone.embeddings[0]!);
      }
    });

    it("keeps concurrent calls apart", async () => {
      const embedder = await create();
      const a = ["alpha one", "alpha two", "alpha three"];
      const b = ["beta one", "beta two"];
      const [ra, rb] = await Promise.all([embedAll(embedder, a), embedAll(embedder, b)]);
      const [sa, sb] = [await embedAll(embedder, a), await embedAll(embedder, b)];
      for (const [i, vector] of ra.embeddings.entries()) closeTo(vector, sa.embeddings[i]!);
      for (const [i, vector] of rb.embeddings.entries()) closeTo(vector, sb.embeddings[i]!);
    });
  });
}
