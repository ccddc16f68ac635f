import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfluenceSyncError } from "../errors.js";
import type { Embedder, EmbedOptions, EmbedResult } from "../ports/embedder.js";
import { EmbedBatcher } from "./embed-batcher.js";

/** An embedder whose calls are answered when the test says so (or at once with `auto`), recording each call. */
class ManualEmbedder implements Embedder {
  readonly modelId = "test:manual";
  readonly dimensions = 2;
  readonly calls: { texts: readonly string[]; answer: () => void; fail: (error: unknown) => void }[] = [];
  inFlight = 0;
  mostInFlight = 0;
  fail: ((texts: readonly string[]) => unknown) | null = null;

  constructor(
    readonly maxBatchSize: number,
    readonly maxRequestTokens: number | undefined,
    private readonly auto = true,
  ) {}

  readonly hints: (readonly number[] | undefined)[] = [];

  embed(texts: readonly string[], options?: EmbedOptions): Promise<EmbedResult> {
    this.hints.push(options?.tokens);
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    return new Promise<EmbedResult>((resolve, reject) => {
      const answer = () => resolve({ embeddings: texts.map((t) => [t.length, 1]), tokens: texts.length });
      const error = this.fail?.(texts);
      const call = { texts, answer, fail: reject };
      this.calls.push(call);
      if (error) reject(error);
      else if (this.auto) answer();
    }).finally(() => this.inFlight--);
  }

  sizes(): number[] {
    return this.calls.map((call) => call.texts.length);
  }
}

/** Lets promise callbacks and immediates run without moving the fake clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("EmbedBatcher with a per-request token limit", () => {
  it("packs the texts of many pages into calls up to the token limit, and sends the rest once the pipeline is idle", async () => {
    const embedder = new ManualEmbedder(2048, 100);
    const batcher = new EmbedBatcher(embedder, 2048, 4, undefined, { idleMs: 20 });
    const vectors = new Map<number, number[][]>();
    const pages = Array.from({ length: 10 }, (_, i) => i);
    await batcher.runPages(pages, 2, async (i) => {
      vectors.set(i, await batcher.embed([`page ${i}`], [30]));
    });
    await settle();
    // 30 tokens each: three pages fit a 100-token call; the tenth waits for company while the pipeline is busy.
    expect(embedder.sizes()).toEqual([3, 3, 3]);
    await vi.advanceTimersByTimeAsync(19);
    expect(embedder.sizes()).toEqual([3, 3, 3]);
    await vi.advanceTimersByTimeAsync(1);
    expect(embedder.sizes()).toEqual([3, 3, 3, 1]);
    // The callers' counts go along, so that the embedder need not count again.
    expect(embedder.hints[0]).toEqual([30, 30, 30]);
    await batcher.drain();
    expect([...vectors.keys()].sort((a, b) => a - b)).toEqual(pages);
    for (const [i, v] of vectors) expect(v).toEqual([[`page ${i}`.length, 1]]);
    expect(batcher.calls).toBe(4);
  });

  it("holds a partial call while a page is still being prepared, until its oldest text waited maxWaitMs", async () => {
    const embedder = new ManualEmbedder(2048, 1000);
    const batcher = new EmbedBatcher(embedder, 2048, 4, undefined, { maxWaitMs: 5000, idleMs: 20 });
    let release!: () => void;
    const converting = new Promise<void>((resolve) => {
      release = resolve;
    });
    const run = batcher.runPages([0, 1], 2, async (i) => {
      if (i === 1) await converting;
      await batcher.embed([`page ${i}`], [10]);
    });
    await vi.advanceTimersByTimeAsync(4999);
    expect(embedder.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(embedder.sizes()).toEqual([1]);
    release();
    await run;
    await batcher.drain();
    expect(embedder.sizes()).toEqual([1, 1]);
  });

  it("never has more calls in flight than maxInFlight, and a page waiting for vectors frees its slot", async () => {
    const embedder = new ManualEmbedder(2048, 100, false);
    const batcher = new EmbedBatcher(embedder, 2048, 2, undefined, { idleMs: 20 });
    const started: number[] = [];
    // One page at a time, each filling a call: the next page starts while the previous waits for its vectors.
    const run = batcher.runPages([0, 1, 2], 1, async (i) => {
      started.push(i);
      await batcher.embed([`page ${i}`], [100]);
    });
    await settle();
    expect(started).toEqual([0, 1, 2]);
    expect(embedder.calls).toHaveLength(2);
    // Every page is handed over: the call returns while their vectors are still on the way.
    await run;
    embedder.calls[0]!.answer();
    await settle();
    expect(embedder.calls).toHaveLength(3);
    for (const call of embedder.calls.slice(1)) call.answer();
    await batcher.drain();
    expect(embedder.mostInFlight).toBe(2);
    expect(batcher.mostInFlight).toBe(2);
  });

  it("starts no page while a full set of calls is queued behind the ones in flight", async () => {
    const embedder = new ManualEmbedder(2048, 100, false);
    const batcher = new EmbedBatcher(embedder, 2048, 1, undefined, { idleMs: 20 });
    const started: number[] = [];
    const run = batcher.runPages([0, 1, 2, 3], 4, async (i) => {
      started.push(i);
      await batcher.embed([`page ${i}`], [100]);
    });
    await settle();
    // Page 0 is in flight and page 1 fills the queue; pages 2 and 3 wait for room.
    expect(started).toEqual([0, 1]);
    embedder.calls[0]!.answer();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    embedder.calls[1]!.answer();
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    await run;
    for (const call of embedder.calls.slice(2)) call.answer();
    await settle();
    embedder.calls.at(-1)?.answer();
    await batcher.drain();
    expect(embedder.sizes()).toEqual([1, 1, 1, 1]);
  });

  it("never lets two pages with the same key overlap", async () => {
    const embedder = new ManualEmbedder(2048, 100, false);
    const batcher = new EmbedBatcher(embedder, 2048, 4, undefined, { idleMs: 20 });
    const order: string[] = [];
    const page = (version: number) => async () => {
      order.push(`start v${version}`);
      await batcher.embed([`v${version}`], [100]);
      order.push(`end v${version}`);
    };
    await batcher.runPages(
      [page(1)],
      4,
      (work) => work(),
      () => "same-page",
    );
    const second = batcher.runPages(
      [page(2)],
      4,
      (work) => work(),
      () => "same-page",
    );
    await settle();
    expect(order).toEqual(["start v1"]);
    embedder.calls[0]!.answer();
    await settle();
    expect(order).toEqual(["start v1", "end v1", "start v2"]);
    embedder.calls[1]!.answer();
    await second;
    await batcher.drain();
    expect(order).toEqual(["start v1", "end v1", "start v2", "end v2"]);
  });
});

describe("EmbedBatcher failures", () => {
  // Nothing here depends on the clock; calls without a token limit go out at the next turn of the event loop.
  beforeEach(() => {
    vi.useRealTimers();
  });

  it("retries a failed shared call in halves, so a text the provider rejects fails only its own page", async () => {
    const embedder = new ManualEmbedder(2048, undefined);
    embedder.fail = (texts) =>
      texts.includes("bad") ? new ConfluenceSyncError("EMBED_FAILED", "the provider rejected an input") : null;
    const batcher = new EmbedBatcher(embedder, 2048, 1);
    const texts = ["a", "b", "bad", "c", "d", "e", "f", "g"];
    const results = await Promise.allSettled(texts.map((text) => batcher.embed([text])));
    expect(results.map((r) => r.status)).toEqual(texts.map((t) => (t === "bad" ? "rejected" : "fulfilled")));
    // One shared call, then a search by halves: far fewer calls than one per page.
    expect(embedder.calls[0]!.texts).toEqual(texts);
    expect(embedder.calls.length).toBeLessThanOrEqual(1 + 2 * Math.log2(texts.length));
  });

  it("fails every page after one split when the provider is down, instead of a call per page", async () => {
    const embedder = new ManualEmbedder(2048, undefined);
    embedder.fail = () => new ConfluenceSyncError("EMBED_FAILED", "provider unavailable", { retryable: true });
    const batcher = new EmbedBatcher(embedder, 2048, 1);
    const results = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => batcher.embed([`t${i}`])));
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    expect(embedder.sizes()).toEqual([16, 8, 8]);
  });

  it("rethrows a page's error from drain when it failed after runPages returned", async () => {
    const embedder = new ManualEmbedder(2048, 100, false);
    const batcher = new EmbedBatcher(embedder, 2048, 1, undefined, { idleMs: 20 });
    await batcher.runPages([0], 1, async () => {
      await batcher.embed(["x"], [100]);
      throw new ConfluenceSyncError("STORE_FAILED", "the store refused the page");
    });
    embedder.calls[0]!.answer();
    await expect(batcher.drain()).rejects.toThrow("the store refused the page");
    await expect(batcher.runPages([1], 1, async () => {})).rejects.toThrow("the store refused the page");
  });
});

describe("EmbedBatcher without a token limit", () => {
  it("sends queued texts at the next turn of the event loop, merged up to maxBatchSize", async () => {
    const embedder = new ManualEmbedder(3, undefined);
    const batcher = new EmbedBatcher(embedder, 3, 4);
    const all = Promise.all(Array.from({ length: 7 }, (_, i) => batcher.embed([`t${i}`])));
    expect(embedder.calls).toHaveLength(2);
    await settle();
    expect(embedder.sizes()).toEqual([3, 3, 1]);
    expect(await all).toHaveLength(7);
  });
});
