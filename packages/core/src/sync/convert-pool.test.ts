import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it, vi } from "vitest";
import { MarkdownChunker } from "../chunk/markdown-chunker.js";
import { StorageConverter } from "../convert/storage-converter.js";
import { InMemoryKnowledgeStore, InMemoryProgressSink } from "../store/index.js";
import { FakeEmbedder } from "../testing/embedder.js";
import { FakeConfluenceSource } from "../testing/source.js";
import { ConvertPool } from "./convert-pool.js";
import { portableSpec } from "./convert-task.js";
import { ConfluenceSync } from "./engine.js";
import { hangingWorker, tsxImport } from "./hanging-worker.js";

const SOURCE_ID = "eng";
const tsx = tsxImport;

const pools: ConvertPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

function pool(options: ConstructorParameters<typeof ConvertPool>[0]) {
  const created = new ConvertPool(options);
  pools.push(created);
  return created;
}

async function setup(bodies: Record<string, string>, options: { pool?: ConvertPool; pageTimeBudgetMs?: number } = {}) {
  const source = new FakeConfluenceSource({ batchSize: 10 });
  source.addSpace("ENG");
  const ids: Record<string, string> = {};
  for (const [title, body] of Object.entries(bodies)) ids[title] = source.addPage("ENG", { title, body }).id;
  const store = new InMemoryKnowledgeStore();
  const now = new Date().toISOString();
  await store.upsertSource({
    sourceId: SOURCE_ID,
    name: "Engineering",
    deployment: "cloud",
    baseUrl: source.baseUrl,
    spaceKey: "ENG",
    deletionStrategy: "listing",
    removeArchived: true,
    createdAt: now,
    updatedAt: now,
  });
  const sink = new InMemoryProgressSink();
  const sync = new ConfluenceSync({
    source,
    store,
    embedder: new FakeEmbedder({ dimensions: 8 }),
    sinks: [sink],
    concurrency: 4,
    ...(options.pool ? { convertPool: options.pool } : {}),
    ...(options.pageTimeBudgetMs ? { pageTimeBudgetMs: options.pageTimeBudgetMs } : {}),
  });
  return { source, store, sink, sync, ids };
}

const normal = (n: number) => `<h2>Part ${n}</h2><p>${"Plain words about the topic. ".repeat(40)}</p>`;

describe("ConvertPool", () => {
  it("converts the default converter and chunker off the main thread, a 120 KB run of letters included", async () => {
    const onMain = vi.spyOn(StorageConverter.prototype, "convert");
    const chunkOnMain = vi.spyOn(MarkdownChunker.prototype, "chunk");
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const { sync, sink, ids } = await setup(
        { One: normal(1), Letters: `<p>${"a".repeat(120_000)}</p>`, Two: normal(2), Three: normal(3) },
        { pool: pool({ size: 2 }), pageTimeBudgetMs: 5_000 },
      );
      const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "full" });
      expect(onMain).not.toHaveBeenCalled();
      expect(chunkOnMain).not.toHaveBeenCalled();
      const indexed = sink.ofType("page-indexed").map((e) => e.pageId);
      expect(indexed).toEqual(expect.arrayContaining([ids.One, ids.Two, ids.Three]));
      // However long the letters take, they end indexed or failed for their budget, never blocking the rest.
      const failed = sink.ofType("page-failed");
      expect(failed.every((e) => e.pageId === ids.Letters && e.code === "PAGE_TOO_COMPLEX")).toBe(true);
      expect(metrics.pagesIndexed + metrics.pagesFailed).toBe(4);
      expect(ticks).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
      onMain.mockRestore();
      chunkOnMain.mockRestore();
    }
  });

  it("keeps a health check and cancellation answering while a page never finishes", async () => {
    const health = createServer((_, res) => res.end("ok"));
    await new Promise<void>((resolve) => health.listen(0, "127.0.0.1", resolve));
    const { port } = health.address() as { port: number };
    try {
      const { sync, sink, ids } = await setup(
        { One: normal(1), Stuck: "<p>HANG</p>", Two: normal(2) },
        { pool: pool({ size: 2, worker: hangingWorker() }), pageTimeBudgetMs: 3_600_000 },
      );
      const controller = new AbortController();
      const normalDone = new Promise<void>((resolve) => {
        const seen = new Set<string>();
        sync.on("page-indexed", (e) => {
          seen.add(e.pageId);
          if (seen.has(ids.One!) && seen.has(ids.Two!)) resolve();
        });
      });
      let settled = false;
      const running = sync.run({ sourceId: SOURCE_ID, mode: "full", signal: controller.signal }).finally(() => {
        settled = true;
      });
      running.catch(() => {});
      await normalDone;
      const answer = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await answer.text()).toBe("ok");
      expect(settled).toBe(false);
      controller.abort();
      await expect(running).rejects.toMatchObject({ code: "SYNC_ABORTED" });
      expect(sink.ofType("page-failed")).toEqual([]);
    } finally {
      health.close();
    }
  });

  it("fails a page over its time budget with PAGE_TOO_COMPLEX and skips it until its version changes", async () => {
    const { sync, sink, source, ids, store } = await setup(
      { One: normal(1), Stuck: "<p>HANG</p>", Two: normal(2) },
      { pool: pool({ size: 2, worker: hangingWorker() }), pageTimeBudgetMs: 10_000 },
    );
    const first = await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    expect(first.pagesIndexed).toBe(2);
    expect(sink.ofType("page-failed")).toEqual([
      expect.objectContaining({ pageId: ids.Stuck, code: "PAGE_TOO_COMPLEX" }),
    ]);
    expect((await store.getSyncState(SOURCE_ID))?.failedPages[ids.Stuck!]).toMatchObject({
      code: "PAGE_TOO_COMPLEX",
      version: 1,
    });

    for (const mode of ["full", "incremental"] as const) {
      const again = await sync.run({ sourceId: SOURCE_ID, mode });
      expect(again.pagesFailed).toBe(0);
    }
    expect(sink.ofType("page-failed")).toHaveLength(1);
    // Both later runs list the space and skip the page without sending it to a worker again.
    expect(sink.ofType("page-skipped").filter((e) => e.pageId === ids.Stuck)).toEqual([
      expect.objectContaining({ reason: "gave-up" }),
      expect.objectContaining({ reason: "gave-up" }),
    ]);

    source.editPage(ids.Stuck!, { body: "<p>Fixed now</p>" });
    const fixed = await sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect(fixed.pagesIndexed).toBe(1);
    expect((await store.getPage(SOURCE_ID, ids.Stuck!))?.markdown).toContain("Fixed now");
    expect((await store.getSyncState(SOURCE_ID))?.failedPages).toEqual({});
  });

  it("starts a worker when a sync begins, before the first page arrives, and no other while it keeps up", async () => {
    const warmed = pool({ size: 2 });
    expect(warmed.workers).toBe(0);
    const { sync, source } = await setup({ One: normal(1) }, { pool: warmed });
    let atStart = -1;
    sync.on("sync-start", () => {
      atStart = warmed.workers;
    });
    const seen: number[] = [];
    const list = source.listPageRefs.bind(source);
    source.listPageRefs = (...args) => {
      seen.push(warmed.workers);
      return list(...args);
    };
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    expect(atStart).toBe(0);
    // The worker is up while the space is still being listed; one page never waits, so no second one starts.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(warmed.workers).toBe(1);
  });

  it("converts a caller's own chunker on the calling thread", async () => {
    const countTokens = vi.fn((text: string) => Math.ceil(text.length / 4));
    const chunker = new MarkdownChunker({ countTokens });
    expect(portableSpec(new StorageConverter(), chunker)).toBeUndefined();
    // A tokenizer other than the default is a function too.
    const tokenizer = { id: "chars", count: (text: string) => text.length };
    expect(portableSpec(new StorageConverter(), new MarkdownChunker({ tokenizer }))).toBeUndefined();
    expect(portableSpec(new StorageConverter({ maxDepth: 50 }), new MarkdownChunker({ maxTokens: 256 }))).toEqual({
      converter: { id: new StorageConverter().id, options: { maxDepth: 50 } },
      chunker: { id: new MarkdownChunker({ maxTokens: 256 }).id, maxTokens: 256, overlapTokens: 64 },
    });
    const { source, store } = await setup({ One: normal(1) });
    const sync = new ConfluenceSync({ source, store, embedder: new FakeEmbedder({ dimensions: 8 }), chunker });
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    expect(metrics.pagesIndexed).toBe(1);
    expect(countTokens).toHaveBeenCalled();
  });

  it("reports a worker that cannot start, and the engine then converts on its own thread", async () => {
    const missing = pool({ size: 1, worker: { url: pathToFileURL(join(tmpdir(), "no-such-worker.mjs")) } });
    const { sync } = await setup({ One: normal(1) }, { pool: missing });
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    expect(metrics.pagesIndexed).toBe(1);
    expect(missing.unavailable).toBeDefined();
  });

  it("lets a script exit once its sync is done: idle workers do not hold the process", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "convert-pool-")), "sync-and-exit.mjs");
    const from = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
    writeFileSync(
      file,
      [
        `const { ConfluenceSync } = await import(${from("./engine.ts")});`,
        `const { InMemoryKnowledgeStore } = await import(${from("../store/index.ts")});`,
        `const { FakeEmbedder } = await import(${from("../testing/embedder.ts")});`,
        `const { FakeConfluenceSource } = await import(${from("../testing/source.ts")});`,
        "const source = new FakeConfluenceSource();",
        'for (let i = 0; i < 6; i++) source.addPage("ENG", { title: "P" + i, body: "<p>Page " + i + "</p>" });',
        "const store = new InMemoryKnowledgeStore();",
        "const now = new Date().toISOString();",
        'await store.upsertSource({ sourceId: "s", name: "s", deployment: "cloud", baseUrl: source.baseUrl,',
        '  spaceKey: "ENG", deletionStrategy: "listing", removeArchived: true, createdAt: now, updatedAt: now });',
        "const sync = new ConfluenceSync({ source, store, embedder: new FakeEmbedder({ dimensions: 8 }) });",
        'const metrics = await sync.run({ sourceId: "s", mode: "full" });',
        'console.log("indexed " + metrics.pagesIndexed);',
      ].join("\n"),
    );
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", tsx, file], { timeout: 50_000 });
    expect(stdout.trim()).toBe("indexed 6");
  });

  const built = fileURLToPath(new URL("../../dist/convert-worker.js", import.meta.url));
  it.skipIf(!existsSync(built))(
    "runs the built worker (skipped until `npm run build -w packages/core` made dist/)",
    async () => {
      const distPool = pool({ size: 1, worker: { url: pathToFileURL(built) } });
      const spec = portableSpec(new StorageConverter(), new MarkdownChunker());
      const output = await distPool.run(
        spec!,
        "<h1>Hi</h1><p>Built worker</p>",
        { pageId: "1", title: "T", spaceKey: "ENG", baseUrl: "https://x", linkRoot: "https://x/wiki", users: {} },
        { budgetMs: 60_000 },
      );
      expect(output.markdown).toContain("Built worker");
      expect(output.chunks.length).toBeGreaterThan(0);
    },
  );
});

describe("ConvertPool heap cap", () => {
  it("fails a page that outgrows a worker's heap with PAGE_TOO_COMPLEX and goes on with a fresh worker", async () => {
    const rows = Array.from(
      { length: 60_000 },
      (_, i) => `<tr><td>Row ${i}</td><td><strong>cell ${i}</strong></td></tr>`,
    );
    const huge = `<table><tbody>${rows.join("")}</tbody></table>`;
    const capped = pool({ size: 1, maxHeapMb: 64 });
    const { sync, sink, ids, store } = await setup(
      { One: normal(1), Huge: huge, Two: normal(2), Three: normal(3) },
      { pool: capped, pageTimeBudgetMs: 600_000 },
    );
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    const failed = sink.ofType("page-failed");
    expect(failed).toEqual([expect.objectContaining({ pageId: ids.Huge, code: "PAGE_TOO_COMPLEX" })]);
    expect(failed[0]?.error).toContain("64 MB heap");
    // One worker only: the pages after the huge one were converted by its replacement.
    expect(metrics.pagesIndexed).toBe(3);
    expect(capped.unavailable).toBeUndefined();
    expect((await store.getSyncState(SOURCE_ID))?.failedPages[ids.Huge!]).toMatchObject({ code: "PAGE_TOO_COMPLEX" });
  });

  it("refuses a heap cap too small to run a worker", () => {
    expect(() => new ConvertPool({ maxHeapMb: 2 })).toThrow(expect.objectContaining({ code: "CONFIG_INVALID" }));
  });
});
