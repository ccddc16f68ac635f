// How ConvertPool keeps a page queued in each worker without letting a stuck page hold up the one behind it.
import { afterAll, describe, expect, it } from "vitest";
import { MarkdownChunker } from "../chunk/markdown-chunker.js";
import { StorageConverter } from "../convert/storage-converter.js";
import { ConvertPool } from "./convert-pool.js";
import { type ConvertSpec, portableSpec } from "./convert-task.js";
import { hangingWorker } from "./hanging-worker.js";

const spec = portableSpec(new StorageConverter(), new MarkdownChunker()) as ConvertSpec;
const context = (pageId: string) => ({
  pageId,
  title: `Page ${pageId}`,
  spaceKey: "ENG",
  baseUrl: "https://acme.atlassian.net/wiki",
  linkRoot: "https://acme.atlassian.net/wiki",
  users: {},
});
const body = (n: number) => `<h2>Part ${n}</h2><p>${"Plain words about the topic. ".repeat(20)}</p>`;

const pools: ConvertPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

describe("ConvertPool worker queues", () => {
  it("converts many more pages than workers, each once and in its own output", async () => {
    const pool = new ConvertPool({ size: 2 });
    pools.push(pool);
    const outputs = await Promise.all(
      Array.from({ length: 24 }, (_, n) => pool.run(spec, body(n), context(String(n)), { budgetMs: 60_000 })),
    );
    for (const [n, output] of outputs.entries()) expect(output.markdown).toContain(`Part ${n}`);
    expect(pool.workers).toBeLessThanOrEqual(2);
  });

  it("starts another worker only when pages wait for the running one", async () => {
    const pool = new ConvertPool({ size: 2, worker: hangingWorker() });
    pools.push(pool);
    pool.warm();
    expect(pool.workers).toBe(1);
    // Pages one at a time: the first worker keeps up, and no other starts.
    for (const n of [1, 2, 3]) await pool.run(spec, body(n), context(String(n)), { budgetMs: 60_000 });
    expect(pool.workers).toBe(1);
    // A page that never ends holds it: the pages behind it wait, so a second worker starts and takes them.
    const stuck = pool.run(spec, "<p>HANG</p>", context("stuck"), { budgetMs: 3_600_000 });
    stuck.catch(() => {});
    const waiting = [4, 5, 6].map((n) => pool.run(spec, body(n), context(String(n)), { budgetMs: 3_600_000 }));
    for (const [i, output] of (await Promise.all(waiting)).entries())
      expect(output.markdown).toContain(`Part ${i + 4}`);
    expect(pool.workers).toBe(2);
  }, 20_000);

  it("moves a page queued behind a stuck one to a worker that is free", async () => {
    const pool = new ConvertPool({ size: 2, worker: hangingWorker() });
    pools.push(pool);
    pool.warm();
    const budget = { budgetMs: 3_600_000 };
    const stuck = pool.run(spec, "<p>HANG</p>", context("stuck"), budget);
    stuck.catch(() => {});
    // Both workers busy: the third page waits in a worker's queue, possibly behind the stuck page.
    const pages = [1, 2, 3].map((n) => pool.run(spec, body(n), context(String(n)), budget));
    const outputs = await Promise.all(pages);
    for (const [i, output] of outputs.entries()) expect(output.markdown).toContain(`Part ${i + 1}`);
  }, 20_000);

  it("fails a page over its budget and gives the page queued behind it to a fresh worker", async () => {
    const pool = new ConvertPool({ size: 1, worker: hangingWorker() });
    pools.push(pool);
    const stuck = pool.run(spec, "<p>HANG</p>", context("stuck"), { budgetMs: 1500 });
    const next = pool.run(spec, body(1), context("1"), { budgetMs: 60_000 });
    await expect(stuck).rejects.toMatchObject({ code: "PAGE_TOO_COMPLEX" });
    expect((await next).markdown).toContain("Part 1");
  }, 20_000);

  it("rejects a cancelled page that waits in a worker's queue, and the worker goes on", async () => {
    const pool = new ConvertPool({ size: 1 });
    pools.push(pool);
    const controller = new AbortController();
    const first = pool.run(spec, body(1), context("1"), { budgetMs: 60_000 });
    const cancelled = pool.run(spec, body(2), context("2"), { budgetMs: 60_000, signal: controller.signal });
    const third = pool.run(spec, body(3), context("3"), { budgetMs: 60_000 });
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: "SYNC_ABORTED" });
    expect((await first).markdown).toContain("Part 1");
    expect((await third).markdown).toContain("Part 3");
  }, 20_000);
});
