import { describe, expect, it } from "vitest";
import { AdaptiveLimit } from "./adaptive-limit.js";

describe("AdaptiveLimit", () => {
  it("halves on a 429 once per generation, never below 1", async () => {
    const limit = new AdaptiveLimit(8);
    const a = await limit.acquire();
    const b = await limit.acquire();
    expect(limit.rateLimited(a)).toEqual({ limit: 4, previous: 8, reason: "rate-limited" });
    // b was sent before the decrease: its 429 belongs to the same storm.
    expect(limit.rateLimited(b)).toBeUndefined();
    a.release();
    b.release();
    for (const expected of [2, 1]) {
      const permit = await limit.acquire();
      expect(limit.rateLimited(permit)?.limit).toBe(expected);
      permit.release();
    }
    const last = await limit.acquire();
    expect(limit.rateLimited(last)).toBeUndefined();
    expect([limit.limit, limit.lowest]).toEqual([1, 1]);
  });

  it("raises the limit by one per run of `limit` successes, up to the maximum", async () => {
    const limit = new AdaptiveLimit(4);
    limit.rateLimited(await limit.acquire());
    limit.rateLimited(await limit.acquire());
    expect(limit.limit).toBe(1);
    const changes = [];
    for (let i = 0; i < 20; i++) {
      const change = limit.succeeded();
      if (change) changes.push(`${change.previous}->${change.limit}`);
    }
    expect(changes).toEqual(["1->2", "2->3", "3->4"]);
    expect(limit.limit).toBe(4);
  });

  it("keeps at most `limit` permits out and hands freed ones to waiters in order", async () => {
    const limit = new AdaptiveLimit(2);
    const first = await limit.acquire();
    await limit.acquire();
    const order: number[] = [];
    const third = limit.acquire().then((permit) => order.push(3) && permit);
    const fourth = limit.acquire().then((permit) => order.push(4) && permit);
    await Promise.resolve();
    expect(order).toEqual([]);
    first.release();
    first.release(); // a second release frees nothing more
    await third;
    await Promise.resolve();
    expect(order).toEqual([3]);
    void fourth;
  });

  it("stays fixed when not adaptive", async () => {
    const limit = new AdaptiveLimit(8, false);
    expect(limit.rateLimited(await limit.acquire())).toBeUndefined();
    expect(limit.limit).toBe(8);
  });

  it("stops waiting when the signal aborts", async () => {
    const limit = new AdaptiveLimit(1);
    await limit.acquire();
    const controller = new AbortController();
    const waiting = limit.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: "SYNC_ABORTED" });
  });
});
