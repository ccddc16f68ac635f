import { describe, expect, it, vi } from "vitest";
import { isConfluenceSyncError } from "../errors.js";
import { AdaptiveLimiter, retryDelay, runPool, Semaphore, sleep } from "./retry.js";

const policy = { initialDelayMs: 100, maxDelayMs: 10_000 };
const headers = (init: Record<string, string>) => new Headers(init);

describe("retryDelay", () => {
  it("prefers retry-after-ms, in milliseconds, fractions included", () => {
    expect(retryDelay(headers({ "retry-after-ms": "250.5", "retry-after": "9" }), 0, policy)).toEqual({
      delayMs: 251,
      fromServer: true,
    });
  });

  it("reads retry-after in seconds", () => {
    expect(retryDelay(headers({ "retry-after": "3" }), 0, policy)).toEqual({ delayMs: 3000, fromServer: true });
    expect(retryDelay(headers({ "retry-after": "0.5" }), 0, policy).delayMs).toBe(500);
  });

  it("reads retry-after as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    const later = new Date(now + 7000).toUTCString();
    expect(retryDelay(headers({ "retry-after": later }), 0, policy, Math.random, now)).toEqual({
      delayMs: 7000,
      fromServer: true,
    });
  });

  it("clamps what the server asks for to maxDelayMs, and past dates to zero", () => {
    expect(retryDelay(headers({ "retry-after": "86400" }), 0, policy).delayMs).toBe(10_000);
    expect(retryDelay(headers({ "retry-after-ms": "99999999" }), 0, policy).delayMs).toBe(10_000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(
      retryDelay(headers({ "retry-after": new Date(now - 5000).toUTCString() }), 0, policy, Math.random, now).delayMs,
    ).toBe(0);
  });

  it("falls back to exponential backoff with jitter between half and all of the step", () => {
    const none = headers({ "retry-after": "soon" });
    expect(retryDelay(none, 0, policy, () => 0)).toEqual({ delayMs: 50, fromServer: false });
    expect(retryDelay(none, 3, policy, () => 0.999_999).delayMs).toBe(800);
    expect(retryDelay(undefined, 20, policy, () => 0.999_999).delayMs).toBe(10_000);
  });
});

describe("sleep", () => {
  it("rejects with SYNC_ABORTED when aborted while waiting", async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    const error = await waiting.catch((e: unknown) => e);
    expect(isConfluenceSyncError(error, "SYNC_ABORTED")).toBe(true);
  });
});

describe("runPool", () => {
  it("runs every task with at most the given concurrency", async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const tasks = Array.from({ length: 9 }, (_, i) => async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      done.push(i);
    });
    await runPool(tasks, 3);
    expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(most).toBe(3);
  });
});

describe("Semaphore", () => {
  it("hands out permits in order and lets an aborted waiter leave the queue", async () => {
    const semaphore = new Semaphore(1);
    const first = await semaphore.acquire();
    const order: string[] = [];
    const controller = new AbortController();
    const aborted = semaphore.acquire(controller.signal).then(
      () => order.push("aborted waiter got a permit"),
      (error: unknown) => order.push(isConfluenceSyncError(error, "SYNC_ABORTED") ? "aborted" : "other error"),
    );
    const second = semaphore.acquire().then((release) => {
      order.push("second");
      return release;
    });
    controller.abort();
    await aborted;
    first();
    first(); // releasing twice frees one permit only
    (await second)();
    expect(order).toEqual(["aborted", "second"]);
    const third = await semaphore.acquire();
    let fourth = false;
    const pending = semaphore.acquire().then(() => {
      fourth = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(fourth).toBe(false);
    third();
    await pending;
    expect(fourth).toBe(true);
  });
});

describe("AdaptiveLimiter", () => {
  /** Asks for `count` permits; returns the releases granted so far (the array fills as permits come). */
  const ask = (limiter: AdaptiveLimiter, count: number) => {
    const granted: Array<() => void> = [];
    for (let i = 0; i < count; i++) void limiter.acquire().then((release) => granted.push(release));
    return granted;
  };
  const flush = () => new Promise((resolve) => setImmediate(resolve));

  it("halves the requests in flight on a 429 and raises them by one per run of successes", async () => {
    const limiter = new AdaptiveLimiter(4);
    const granted = ask(limiter, 12);
    await flush();
    expect(granted).toHaveLength(4);
    limiter.rateLimited(0);
    expect(limiter.limit).toBe(2);
    // Four in flight, limit two: nothing new goes out until two of them are back.
    granted[0]!();
    await flush();
    expect(granted).toHaveLength(4);
    granted[1]!();
    granted[2]!();
    await flush();
    expect(granted).toHaveLength(5);
    limiter.succeeded();
    limiter.succeeded();
    expect(limiter.limit).toBe(3);
    await flush();
    expect(granted).toHaveLength(6);
    limiter.rateLimited(0);
    limiter.rateLimited(0);
    expect(limiter.limit).toBe(1);
    for (let i = 0; i < 1 + 2 + 3; i++) limiter.succeeded();
    expect(limiter.limit).toBe(4);
    limiter.succeeded();
    expect(limiter.limit).toBe(4);
  });

  it("holds every new request until the wait a 429 asked for has passed", async () => {
    vi.useFakeTimers();
    try {
      const limiter = new AdaptiveLimiter(4);
      const first = ask(limiter, 1);
      await vi.advanceTimersByTimeAsync(0);
      limiter.rateLimited(500);
      const later = ask(limiter, 1);
      await vi.advanceTimersByTimeAsync(499);
      expect(later).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(later).toHaveLength(1);
      expect(first).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
