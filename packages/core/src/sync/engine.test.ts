import { describe, expect, it, vi } from "vitest";
import { embedText } from "../chunk/index.js";
import { ConfluenceSyncError } from "../errors.js";
import type { ChunkRecord, PageRecord, SourceRecord } from "../ports/knowledge-store.js";
import type { SyncEvent } from "../ports/progress-sink.js";
import { InMemoryKnowledgeStore, InMemoryProgressSink } from "../store/index.js";
import { FakeEmbedder } from "../testing/embedder.js";
import { FakeConfluenceSource } from "../testing/source.js";
import { ConfluenceSync } from "./engine.js";

const SOURCE_ID = "eng";

function sourceRecord(overrides: Partial<SourceRecord> = {}): SourceRecord {
  const now = new Date().toISOString();
  return {
    sourceId: SOURCE_ID,
    name: "Engineering",
    deployment: "cloud",
    baseUrl: "https://fake.atlassian.net",
    spaceKey: "ENG",
    deletionStrategy: "listing",
    removeArchived: true,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

const section = (n: number) =>
  `<h2>Section ${n}</h2><p>Words about topic ${n}. ${"lorem ipsum dolor sit amet ".repeat(60)}</p>`;

/** A space with a chain 9 levels deep plus a few siblings. */
async function setup(options: { record?: Partial<SourceRecord>; store?: InMemoryKnowledgeStore } = {}) {
  // Pages are created "long ago", so only later edits fall inside an incremental sync's window.
  let fixed: Date | null = new Date("2026-01-01T00:00:00Z");
  const source = new FakeConfluenceSource({ batchSize: 5, now: () => fixed ?? new Date() });
  source.addSpace("ENG");
  let parent: string | null = null;
  const chain: string[] = [];
  for (let depth = 0; depth < 9; depth++) {
    const page = source.addPage("ENG", {
      title: `Level ${depth}`,
      parentId: parent,
      body: `<h1>Level ${depth}</h1>${section(depth)}${section(depth + 100)}`,
      labels: depth % 2 === 0 ? ["even"] : [],
    });
    chain.push(page.id);
    parent = page.id;
  }
  const siblings = [1, 2, 3].map(
    (n) => source.addPage("ENG", { title: `Sibling ${n}`, parentId: chain[0]!, body: `<p>Sibling ${n} text</p>` }).id,
  );
  fixed = null;
  const store = options.store ?? new InMemoryKnowledgeStore();
  await store.upsertSource(sourceRecord(options.record));
  const embedder = new FakeEmbedder({ dimensions: 16 });
  const sink = new InMemoryProgressSink();
  const sync = new ConfluenceSync({ source, store, embedder, sinks: [sink], concurrency: 3 });
  return { source, store, embedder, sink, sync, chain, siblings };
}

function record(events: SyncEvent[], sync: ConfluenceSync) {
  for (const type of [
    "sync-start",
    "page-indexed",
    "page-skipped",
    "page-deleted",
    "page-failed",
    "progress",
    "sync-end",
    "sync-error",
    "retry",
    "rate-limited",
  ] as const) {
    sync.on(type, (payload: object) => events.push({ type, ...payload } as SyncEvent));
  }
}

describe("ConfluenceSync", () => {
  it("indexes a whole space with ancestors, paths, depth and labels", async () => {
    const { store, sync, chain, siblings } = await setup();
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    expect(metrics.pagesIndexed).toBe(12);
    expect(metrics.mode).toBe("full");
    const deepest = await store.getPage(SOURCE_ID, chain[8]!);
    expect(deepest?.ancestors).toEqual(chain.slice(0, 8));
    expect(deepest?.path).toBe(`/${chain.join("/")}`);
    expect(deepest?.depth).toBe(8);
    expect(deepest?.labels).toEqual(["even"]);
    expect(deepest?.markdown).toContain("# Level 8");
    const sibling = await store.getPage(SOURCE_ID, siblings[0]!);
    expect(sibling?.path).toBe(`/${chain[0]}/${siblings[0]}`);
    expect((await store.getChunks(SOURCE_ID, chain[3]!)).length).toBeGreaterThan(0);
    expect((await store.getPageStates(SOURCE_ID)).size).toBe(12);
  });

  it("sizes chunks in the embedder's tokens and embeds them without link targets", async () => {
    const { source, store } = await setup();
    // A tokenizer that counts characters: chunk sizes in it are far from cl100k's.
    class CharacterEmbedder extends FakeEmbedder {
      readonly tokenizer = { id: "chars", count: (text: string) => text.length };
    }
    const embedder = new CharacterEmbedder({ dimensions: 16 });
    const page = source.addPage("ENG", {
      title: "Linked",
      body: `<p>Read <a href="https://wiki.example.com/spaces/ENG/pages/9/%EB%B0%B0%ED%8F%AC">the guide</a>. ${"word ".repeat(400)}</p>`,
    });
    await new ConfluenceSync({ source, store, embedder }).run({ sourceId: SOURCE_ID, mode: "full" });
    const chunks = await store.getChunks(SOURCE_ID, page.id);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      expect(chunk.tokens).toBeLessThanOrEqual(512);
      expect(chunk.tokens).toBeGreaterThanOrEqual(embedText(chunk.content).length);
    }
    expect(chunks[0]?.content).toContain("(https://wiki.example.com/spaces/ENG/pages/9/%EB%B0%B0%ED%8F%AC)");
    const texts = embedder.calls.flatMap((call) => call.texts);
    expect(texts.some((text) => text.startsWith("Read the guide."))).toBe(true);
    expect(texts.some((text) => text.includes("https://"))).toBe(false);
  });

  it("turns page links into by-title URLs that do not depend on which pages exist", async () => {
    const { source, sync, store, chain } = await setup();
    const linking = source.addPage("ENG", {
      title: "Linking page",
      body: '<p>See <ac:link><ri:page ri:content-title="Level 3" /><ac:plain-text-link-body><![CDATA[the third level]]></ac:plain-text-link-body></ac:link> and <ac:link><ri:page ri:content-title="Nowhere" /></ac:link>.</p>',
    });
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    const markdown = (await store.getPage(SOURCE_ID, linking.id))?.markdown ?? "";
    expect(markdown).toContain("[the third level](https://fake.atlassian.net/wiki/display/ENG/Level+3)");
    expect(markdown).toContain("https://fake.atlassian.net/wiki/display/ENG/Nowhere");
    // Removing the target changes nothing in the linking page: no other page's state leaks into a conversion.
    const before = await store.getChunks(SOURCE_ID, linking.id);
    source.deletePage(chain[3]!);
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    expect(await store.getPage(SOURCE_ID, chain[3]!)).toBeNull();
    expect(await store.getChunks(SOURCE_ID, linking.id)).toEqual(before);
  });

  it("emits typed events in order and gives sinks the same stream", async () => {
    const { sync, sink } = await setup();
    const events: SyncEvent[] = [];
    record(events, sync);
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    expect(events[0]?.type).toBe("sync-start");
    expect(events.at(-1)?.type).toBe("sync-end");
    expect(events.filter((e) => e.type === "page-indexed")).toHaveLength(12);
    expect(sink.events.map((e) => e.type)).toEqual(events.map((e) => e.type));
    const progress = events.filter((e) => e.type === "progress");
    const percents = progress.map((p) => p.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ percent: 100, stage: "done", done: 12, total: 12, indexed: 12 });
    const operationIds = new Set(events.map((e) => e.operationId));
    expect(operationIds.size).toBe(1);
  });

  it("a no-change incremental resync fetches no body and embeds nothing", async () => {
    const { source, sync, embedder } = await setup();
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    source.calls.length = 0;
    const before = embedder.calls.length;
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect(embedder.calls.length).toBe(before);
    expect(metrics.pagesFetched).toBe(0);
    expect(metrics.pagesIndexed).toBe(0);
    expect(metrics.embeddingCalls).toBe(0);
    expect(source.calls.map((c) => c.method)).not.toContain("getPages");
    expect(source.calls.map((c) => c.method)).not.toContain("listPages");
  });

  it("re-indexes only the edited page and re-embeds only its changed chunks", async () => {
    const { source, sync, embedder, store, chain } = await setup();
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    const oldChunks = await store.getChunks(SOURCE_ID, chain[2]!);
    embedder.reset();
    source.editPage(chain[2]!, {
      body: `<h1>Level 2</h1>${section(2)}<h2>Brand new</h2><p>A fresh paragraph about rollbacks. ${"lorem ipsum dolor sit amet ".repeat(60)}</p>`,
    });
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect(metrics.pagesIndexed).toBe(1);
    expect(metrics.chunksReused).toBeGreaterThan(0);
    const newChunks = await store.getChunks(SOURCE_ID, chain[2]!);
    const oldTexts = new Set(oldChunks.map((c) => c.content));
    const changed = newChunks.filter((c) => !oldTexts.has(c.content)).map((c) => c.content);
    expect(changed.length).toBeGreaterThan(0);
    expect(embedder.inputs.sort()).toEqual([...new Set(changed)].sort());
    expect(newChunks.some((c) => c.content.includes("rollbacks"))).toBe(true);
  });

  it("moves a subtree without re-embedding and updates every descendant's path", async () => {
    const { source, sync, store, embedder, chain, siblings } = await setup();
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    embedder.reset();
    source.movePage(chain[5]!, siblings[1]!);
    source.renamePage(siblings[2]!, "Sibling Three");
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect(embedder.calls).toHaveLength(0);
    const moved = await store.getPage(SOURCE_ID, chain[5]!);
    expect(moved?.path).toBe(`/${chain[0]}/${siblings[1]}/${chain[5]}`);
    expect(moved?.parentId).toBe(siblings[1]);
    const deepest = await store.getPage(SOURCE_ID, chain[8]!);
    expect(deepest?.ancestors).toEqual([chain[0], siblings[1], chain[5], chain[6], chain[7]]);
    expect(deepest?.depth).toBe(5);
    expect((await store.getPage(SOURCE_ID, siblings[2]!))?.title).toBe("Sibling Three");
    expect(metrics.pagesMoved).toBeGreaterThanOrEqual(4);
  });

  it("removes deleted, trashed and archived pages, and keeps them when the strategy says never", async () => {
    const { source, sync, store, chain, siblings } = await setup();
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    const events: SyncEvent[] = [];
    record(events, sync);
    source.deletePage(siblings[0]!);
    source.trashPage(siblings[1]!);
    source.archivePage(chain[8]!);
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect(metrics.pagesDeleted).toBe(3);
    for (const id of [siblings[0]!, siblings[1]!, chain[8]!]) expect(await store.getPage(SOURCE_ID, id)).toBeNull();
    expect(await store.getChunks(SOURCE_ID, siblings[0]!)).toEqual([]);
    expect(events.filter((e) => e.type === "page-deleted")).toHaveLength(3);

    const kept = await setup({ record: { deletionStrategy: "never" } });
    await kept.sync.run({ sourceId: SOURCE_ID, mode: "full" });
    kept.source.deletePage(kept.siblings[0]!);
    await kept.sync.run({ sourceId: SOURCE_ID, mode: "full" });
    expect(await kept.store.getPage(SOURCE_ID, kept.siblings[0]!)).not.toBeNull();
  });

  it("keeps archived pages when removeArchived is off", async () => {
    const { source, sync, store, chain } = await setup({ record: { removeArchived: false } });
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    source.archivePage(chain[8]!);
    await sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect((await store.getPage(SOURCE_ID, chain[8]!))?.status).toBe("archived");
  });

  it("records a page the converter chokes on, finishes the rest, and retries it next sync", async () => {
    const { source, sync, store, chain } = await setup();
    const converter = { id: "flaky", convert: vi.fn() };
    const real = (await import("../convert/storage-converter.js")).createStorageConverter();
    let broken = true;
    converter.convert.mockImplementation((body: string, ctx) => {
      if (broken && body.includes("Level 4")) throw new Error("converter exploded");
      return real.convert(body, ctx);
    });
    const flaky = new ConfluenceSync({ source, store, embedder: new FakeEmbedder({ dimensions: 16 }), converter });
    const failures: unknown[] = [];
    flaky.on("page-failed", (e) => failures.push(e));
    const first = await flaky.run({ sourceId: SOURCE_ID, mode: "full" });
    expect(first.pagesFailed).toBe(1);
    expect(first.pagesIndexed).toBe(11);
    expect(failures).toEqual([
      expect.objectContaining({ pageId: chain[4], code: "CONVERT_FAILED", error: "converter exploded" }),
    ]);
    expect((await store.getSyncState(SOURCE_ID))?.failedPages[chain[4]!]).toMatchObject({
      attempts: 1,
      code: "CONVERT_FAILED",
    });
    expect(await store.getPage(SOURCE_ID, chain[4]!)).toBeNull();
    broken = false;
    const second = await flaky.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect(second.pagesIndexed).toBe(1);
    expect(await store.getPage(SOURCE_ID, chain[4]!)).not.toBeNull();
    expect((await store.getSyncState(SOURCE_ID))?.failedPages).toEqual({});
    void sync;
  });

  it("fails only the page whose text the embedder rejects", async () => {
    const { sync, embedder, store, siblings } = await setup();
    embedder.failOn(/Sibling 2 text/);
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    expect(metrics.pagesFailed).toBe(1);
    expect(metrics.pagesIndexed).toBe(11);
    expect(await store.getPage(SOURCE_ID, siblings[1]!)).toBeNull();
    expect(await store.getPage(SOURCE_ID, siblings[0]!)).not.toBeNull();
  });

  it("ends with STORE_FAILED when the store breaks, keeps what was stored, and resumes", async () => {
    class BreakingStore extends InMemoryKnowledgeStore {
      breakOn: string | null = null;
      override async writePage(page: PageRecord, chunks: readonly ChunkRecord[]): Promise<void> {
        if (page.pageId === this.breakOn) throw new Error("disk full");
        return super.writePage(page, chunks);
      }
    }
    const store = new BreakingStore();
    const { source, sync, chain, embedder } = await setup({ store });
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    const before = await store.getPage(SOURCE_ID, chain[3]!);
    source.editPage(chain[3]!, { body: "<p>new body</p>" });
    source.editPage(chain[1]!, { body: "<p>other new body</p>" });
    store.breakOn = chain[3]!;
    const errors: SyncEvent[] = [];
    sync.on("sync-error", (e) => errors.push({ type: "sync-error", ...e }));
    const failed = sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    await expect(failed).rejects.toMatchObject({ code: "STORE_FAILED" });
    expect(errors).toHaveLength(1);
    expect(await store.getPage(SOURCE_ID, chain[3]!)).toEqual(before);
    const state = await store.getSyncState(SOURCE_ID);
    expect(state?.checkpoint).not.toBeNull();
    store.breakOn = null;
    embedder.reset();
    const starts: boolean[] = [];
    sync.on("sync-start", (e) => starts.push(e.resumed));
    await sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect(starts).toEqual([true]);
    expect((await store.getPage(SOURCE_ID, chain[3]!))?.markdown).toContain("new body");
    expect((await store.getPage(SOURCE_ID, chain[1]!))?.markdown).toContain("other new body");
    expect((await store.getSyncState(SOURCE_ID))?.checkpoint).toBeNull();
  });

  it("stops on abort with SYNC_ABORTED and a resumed sync converges without redoing finished pages", async () => {
    const { sync, store, embedder } = await setup();
    const controller = new AbortController();
    let indexed = 0;
    sync.on("page-indexed", () => {
      indexed += 1;
      if (indexed === 5) controller.abort();
    });
    await expect(sync.run({ sourceId: SOURCE_ID, mode: "full", signal: controller.signal })).rejects.toMatchObject({
      code: "SYNC_ABORTED",
    });
    const partial = await store.getPageStates(SOURCE_ID);
    expect(partial.size).toBeGreaterThanOrEqual(5);
    expect(partial.size).toBeLessThan(12);
    const embeddedBefore = new Set(embedder.inputs);
    embedder.reset();
    const resumed = await sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect(resumed.mode).toBe("full");
    expect(resumed.pagesIndexed).toBe(12 - partial.size);
    expect(resumed.pagesSkipped).toBe(partial.size);
    for (const text of embedder.inputs) expect(embeddedBefore.has(text)).toBe(false);
    expect((await store.getPageStates(SOURCE_ID)).size).toBe(12);
  });

  it("refuses a second run of the same source while one runs", async () => {
    const { sync } = await setup();
    const first = sync.run({ sourceId: SOURCE_ID, mode: "full", operationId: "op-1" });
    expect(sync.runningOperation(SOURCE_ID)).toBe("op-1");
    await expect(sync.run({ sourceId: SOURCE_ID, mode: "full" })).rejects.toMatchObject({
      code: "SYNC_ALREADY_RUNNING",
      message: expect.stringContaining("op-1"),
    });
    await first;
  });

  it("rejects invalid configuration with a message that names the field", async () => {
    const { source, store, embedder } = await setup();
    expect(() => new ConfluenceSync({ source, store, embedder, concurrency: 0 })).toThrow(/concurrency/);
    expect(() => new ConfluenceSync({ source, store, embedder: undefined as never })).toThrow(ConfluenceSyncError);
    const sync = new ConfluenceSync({ source, store, embedder });
    await expect(sync.run({ sourceId: "" })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("sourceId"),
    });
    await expect(sync.run({ sourceId: "missing" })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("missing"),
    });
  });

  it("turns source waits into rate-limited and retry events and metrics", async () => {
    const { source, sync } = await setup();
    source.simulateWaits("listPageRefs", [
      { kind: "rate-limited", attempt: 1, delayMs: 5, reason: "429" },
      { kind: "retry", attempt: 2, delayMs: 3, reason: "503" },
    ]);
    const events: SyncEvent[] = [];
    record(events, sync);
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    expect(metrics).toMatchObject({ rateLimitWaits: 1, rateLimitWaitMs: 5, retries: 1 });
    expect(events.filter((e) => e.type === "rate-limited")).toHaveLength(1);
    expect(events.filter((e) => e.type === "retry")).toEqual([expect.objectContaining({ reason: "503", delayMs: 3 })]);
    expect(metrics.apiRequests).toBeGreaterThan(0);
  });

  it("ends with the source's coded error when Confluence fails, leaving the store as it was", async () => {
    const { source, sync, store } = await setup();
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    const before = await store.getPageStates(SOURCE_ID);
    source.failNext(
      "listPageRefs",
      new ConfluenceSyncError("SOURCE_AUTH", "Confluence rejected the credentials (401)."),
    );
    await expect(sync.run({ sourceId: SOURCE_ID, mode: "incremental" })).rejects.toMatchObject({ code: "SOURCE_AUTH" });
    expect(await store.getPageStates(SOURCE_ID)).toEqual(before);
  });
});

describe("ConfluenceSync: the store's source lock", () => {
  it("refuses to run while another process holds the source, saying which, and releases its own lock", async () => {
    const { source, store } = await setup();
    const calls: string[] = [];
    let heldBy: string | undefined = "process other-host:99:deadbeef (operation op-1)";
    const locking = Object.assign(store, {
      lockSource: async (sourceId: string) => {
        calls.push(`lock ${sourceId}`);
        if (heldBy) return { heldBy };
        return { release: async () => void calls.push(`release ${sourceId}`) };
      },
    });
    const sync = new ConfluenceSync({ source, store: locking, embedder: new FakeEmbedder({ dimensions: 16 }) });
    const refused = await sync.run({ sourceId: SOURCE_ID }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfluenceSyncError);
    expect(refused).toMatchObject({ code: "SYNC_ALREADY_RUNNING", retryable: true });
    expect((refused as Error).message).toContain("already running in process other-host:99:deadbeef (operation op-1)");
    expect(await store.getSyncState(SOURCE_ID)).toBeNull();
    heldBy = undefined;
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    expect(calls).toEqual([`lock ${SOURCE_ID}`, `lock ${SOURCE_ID}`, `release ${SOURCE_ID}`]);
  });
});
