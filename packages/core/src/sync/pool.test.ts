import { describe, expect, it } from "vitest";
import { pipeBatches, runPool } from "./pool.js";

describe("runPool", () => {
  it("never runs more than the limit at once and rethrows the first error", async () => {
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    await runPool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      active += 1;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(n);
      active -= 1;
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await expect(
      runPool([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error("two");
      }),
    ).rejects.toThrow("two");
  });
});

describe("pipeBatches", () => {
  it("fetches the next batch while the current one is handled", async () => {
    const log: string[] = [];
    async function* batches() {
      for (const n of [1, 2, 3]) {
        log.push(`fetch ${n}`);
        yield [n];
      }
    }
    await pipeBatches(batches(), async ([n]) => {
      log.push(`handle ${n}`);
      await new Promise((resolve) => setImmediate(resolve));
    });
    expect(log.indexOf("fetch 2")).toBeLessThan(log.indexOf("handle 2"));
    expect(log.indexOf("fetch 2")).toBeLessThan(log.indexOf("fetch 3"));
    expect(log.filter((l) => l.startsWith("handle"))).toEqual(["handle 1", "handle 2", "handle 3"]);
  });

  it("surfaces a fetch that fails during handling once, without an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      async function* batches() {
        yield [1];
        throw new Error("listing broke");
      }
      await expect(
        pipeBatches(batches(), async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }),
      ).rejects.toThrow("listing broke");
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
