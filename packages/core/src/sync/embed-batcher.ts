import { ConfluenceSyncError } from "../errors.js";
import type { Embedder } from "../ports/embedder.js";

interface Pending {
  texts: readonly string[];
  resolve: (vectors: number[][]) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects the texts that concurrently processed pages need embedded into shared calls, up to the embedder's batch
 * size, with at most `maxInFlight` calls running: while they are all busy, texts queue up, so a slow provider gets
 * full calls instead of one per page. When a shared call fails, each page's texts are retried alone, so one text
 * the provider rejects fails only its own page.
 */
export class EmbedBatcher {
  #queue: Pending[] = [];
  #queued = 0;
  #scheduled = false;
  #inFlight = 0;
  calls = 0;
  tokens = 0;

  constructor(
    private readonly embedder: Embedder,
    private readonly batchSize: number,
    private readonly maxInFlight: number,
    private readonly signal?: AbortSignal,
  ) {}

  embed(texts: readonly string[]): Promise<number[][]> {
    if (texts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#queue.push({ texts, resolve, reject });
      this.#queued += texts.length;
      if (this.#queued >= this.batchSize) this.#flush();
      else this.#schedule();
    });
  }

  /** Gives the other in-flight pages a turn to add their texts before calling the provider. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    while (this.#queue.length > 0 && this.#inFlight < this.maxInFlight) {
      const group: Pending[] = [];
      let count = 0;
      while (this.#queue.length > 0 && (group.length === 0 || count + this.#queue[0]!.texts.length <= this.batchSize)) {
        const next = this.#queue.shift()!;
        group.push(next);
        count += next.texts.length;
      }
      this.#queued -= count;
      this.#inFlight += 1;
      void this.#run(group).finally(() => {
        this.#inFlight -= 1;
        if (this.#queue.length > 0) this.#schedule();
      });
    }
  }

  async #run(group: Pending[]): Promise<void> {
    const texts = group.flatMap((p) => p.texts);
    try {
      const vectors = await this.#call(texts);
      let offset = 0;
      for (const pending of group) {
        pending.resolve(vectors.slice(offset, offset + pending.texts.length));
        offset += pending.texts.length;
      }
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      await Promise.all(
        group.map(async (pending) => {
          try {
            pending.resolve(await this.#call(pending.texts));
          } catch (inner) {
            pending.reject(inner);
          }
        }),
      );
    }
  }

  async #call(texts: readonly string[]): Promise<number[][]> {
    const out: number[][] = [];
    // A single page can have more chunks than one call takes.
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const slice = texts.slice(i, i + this.batchSize);
      this.calls += 1;
      const result = await this.embedder.embed(slice, { signal: this.signal });
      this.tokens += result.tokens;
      checkVectors(this.embedder, slice.length, result.embeddings);
      out.push(...result.embeddings);
    }
    return out;
  }
}

/** The engine trusts no embedder blindly: a wrong count, length or a non-finite value would corrupt the store. */
function checkVectors(embedder: Embedder, expected: number, vectors: readonly number[][]): void {
  if (vectors.length !== expected) {
    throw new ConfluenceSyncError(
      "EMBED_BAD_RESPONSE",
      `Embedder ${embedder.modelId} returned ${vectors.length} vectors for ${expected} inputs.`,
    );
  }
  for (const vector of vectors) {
    if (vector.length !== embedder.dimensions) {
      throw new ConfluenceSyncError(
        "EMBED_DIMENSION_MISMATCH",
        `Embedder ${embedder.modelId} returned a vector of length ${vector.length}; it declares ${embedder.dimensions} dimensions.`,
      );
    }
    for (const value of vector) {
      if (!Number.isFinite(value)) {
        throw new ConfluenceSyncError(
          "EMBED_BAD_RESPONSE",
          `Embedder ${embedder.modelId} returned a non-finite number.`,
        );
      }
    }
  }
}
