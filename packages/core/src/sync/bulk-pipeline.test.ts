import { describe, expect, it } from "vitest";
import { ConfluenceSyncError } from "../errors.js";
import type { BulkLoad, PageWrite } from "../ports/knowledge-store.js";
import { makeSource } from "../store/fixtures.js";
import { InMemoryKnowledgeStore } from "../store/index.js";
import { FakeEmbedder } from "../testing/embedder.js";
import { FakeConfluenceSource } from "../testing/source.js";
import { ConfluenceSync, type SyncTuningInput } from "./index.js";

/** The in-memory store with the optional bulk methods, recording how the engine used them. */
class BulkStore extends InMemoryKnowledgeStore {
  readonly groups: string[][] = [];
  readonly lookups: string[][] = [];
  readonly loads: Array<{ event: "begin" | "end"; load: BulkLoad }> = [];
  failOnPage: string | null = null;
  holdsNothing = false;

  async writePages(writes: readonly PageWrite[]): Promise<void> {
    this.groups.push(writes.map((w) => w.page.pageId));
    if (this.failOnPage !== null && writes.some((w) => w.page.pageId === this.failOnPage)) {
      throw new Error(`refused page ${this.failOnPage}`);
    }
    for (const { page, chunks } of writes) await this.writePage(page, chunks);
  }

  async hasEmbeddings(): Promise<boolean> {
    return !this.holdsNothing;
  }

  override async findEmbeddings(model: string, dimensions: number, hashes: readonly string[]) {
    this.lookups.push([...hashes]);
    return super.findEmbeddings(model, dimensions, hashes);
  }

  async beginBulkLoad(load: BulkLoad): Promise<void> {
    this.loads.push({ event: "begin", load });
  }

  async endBulkLoad(load: BulkLoad): Promise<void> {
    this.loads.push({ event: "end", load });
  }
}

async function setup(
  pages: number,
  tuning: SyncTuningInput & { convertPool?: false } = {},
  embedder = new FakeEmbedder({ dimensions: 16 }),
) {
  const source = new FakeConfluenceSource({ batchSize: 25 });
  source.addSpace("ENG");
  const ids: string[] = [];
  for (let i = 0; i < pages; i++) {
    ids.push(source.addPage("ENG", { title: `Page ${i}`, body: `<p>Text of page ${i}, unlike any other.</p>` }).id);
  }
  const store = new BulkStore();
  await store.upsertSource(makeSource("eng", { spaceKey: "ENG" }));
  const sync = new ConfluenceSync({ source, store, embedder, ...tuning });
  return { source, store, sync, ids, embedder };
}

describe("bulk pipeline", () => {
  it("writes pages in groups of at most writeBatchPages, each page reported once it is committed", async () => {
    const { store, sync, ids } = await setup(60, { writeBatchPages: 10 });
    const indexed: string[] = [];
    sync.on("page-indexed", (event) => indexed.push(event.pageId));
    const metrics = await sync.run({ sourceId: "eng", mode: "full" });
    expect(metrics.pagesIndexed).toBe(60);
    expect(store.groups.every((group) => group.length <= 10)).toBe(true);
    expect(store.groups.some((group) => group.length > 1)).toBe(true);
    expect(store.groups.flat().sort()).toEqual([...ids].sort());
    expect(indexed.sort()).toEqual([...ids].sort());
    expect((await store.getPageStates("eng")).size).toBe(60);
  });

  it("writes a failing group page by page: earlier pages are kept, the sync fails naming the page", async () => {
    const { store, sync, ids } = await setup(30, { writeBatchPages: 10 });
    store.failOnPage = ids[14]!;
    const indexed = new Set<string>();
    sync.on("page-indexed", (event) => indexed.add(event.pageId));
    const run = sync.run({ sourceId: "eng", mode: "full" });
    await expect(run).rejects.toThrow(ConfluenceSyncError);
    await expect(run).rejects.toThrow(`write page ${ids[14]}`);
    const stored = new Set((await store.getPageStates("eng")).keys());
    expect(stored.has(ids[14]!)).toBe(false);
    // Every page reported indexed is stored, and every stored page was reported.
    expect([...indexed].sort()).toEqual([...stored].sort());
    // The pages grouped before the refused one were written one by one and kept.
    const group = store.groups.find((g) => g.length > 1 && g.includes(ids[14]!))!;
    for (const pageId of group.slice(0, group.indexOf(ids[14]!))) expect(stored.has(pageId)).toBe(true);
  });

  it("skips embedding look-ups when the store holds no vector of the model", async () => {
    const { store, sync, source, ids } = await setup(40);
    // Two pages share a text: only that text can be found, once the first page's vectors are written.
    source.editPage(ids[1]!, { body: "<p>Text of page 0, unlike any other.</p>" });
    store.holdsNothing = true;
    await sync.run({ sourceId: "eng", mode: "full" });
    const looked = store.lookups.flat();
    const chunks0 = await store.getChunks("eng", ids[0]!);
    expect(looked.every((hash) => hash === chunks0[0]?.hash)).toBe(true);
    store.holdsNothing = false;
    store.lookups.length = 0;
    source.editPage(ids[5]!, { body: "<p>A new text.</p>" });
    await sync.run({ sourceId: "eng", mode: "incremental" });
    expect(store.lookups.flat().length).toBeGreaterThan(0);
  });

  it("tells the store about the bulk load before writing and after the last page, even when the sync fails", async () => {
    const { store, sync, ids } = await setup(30);
    store.failOnPage = ids[3]!;
    await expect(sync.run({ sourceId: "eng", mode: "full" })).rejects.toThrow();
    expect(store.loads.map((l) => l.event)).toEqual(["begin", "end"]);
    // Bodies stream while the space is listed: the load begins with what the listing had counted by then.
    expect(store.loads[0]?.load).toEqual({
      sourceId: "eng",
      pages: 25,
      more: true,
      embeddingModel: "fake:embedder",
      dimensions: 16,
    });
    expect(store.groups.length).toBeGreaterThan(0);
  });
});

describe("embedding calls", () => {
  it("merges the texts of concurrent pages into shared calls while earlier calls are in flight", async () => {
    const embedder = new FakeEmbedder({ dimensions: 16, delayMs: 30 });
    // Converted on this thread, pages reach the batcher as fast as the event loop runs, however loaded the machine.
    const { sync } = await setup(80, { concurrency: 40, embedConcurrency: 1, convertPool: false }, embedder);
    const metrics = await sync.run({ sourceId: "eng", mode: "full" });
    expect(metrics.pagesIndexed).toBe(80);
    // One call per page without merging; with one call in flight the queue fills while it runs.
    expect(embedder.calls.length).toBeLessThanOrEqual(10);
    expect(embedder.inputs.length).toBe(80);
  });

  it("never sends more texts per call than the embedder takes, nor more calls at once than embedConcurrency", async () => {
    const embedder = new FakeEmbedder({ dimensions: 16, delayMs: 10, maxBatchSize: 7 });
    let inFlight = 0;
    let most = 0;
    const embed = embedder.embed.bind(embedder);
    embedder.embed = async (texts, options) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        return await embed(texts, options);
      } finally {
        inFlight -= 1;
      }
    };
    const { sync } = await setup(50, { concurrency: 50, embedConcurrency: 3 }, embedder);
    await sync.run({ sourceId: "eng", mode: "full" });
    expect(embedder.calls.every((call) => call.texts.length <= 7)).toBe(true);
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
    expect(embedder.inputs.length).toBe(50);
  });
});
