import { describe, expect, it } from "vitest";
import type { ConfluenceSpace, PageRef, SourceCallOptions } from "../ports/confluence-source.js";
import type { BulkLoad, PageWrite } from "../ports/knowledge-store.js";
import { makeSource } from "../store/fixtures.js";
import { InMemoryKnowledgeStore } from "../store/index.js";
import { FakeEmbedder } from "../testing/embedder.js";
import { FakeConfluenceSource } from "../testing/source.js";
import { ConfluenceSync } from "./index.js";
import { ListingFeed } from "./listing-feed.js";

/** Records, in order, the listing batches handed out and the page groups written. */
class RecordingStore extends InMemoryKnowledgeStore {
  readonly loads: BulkLoad[] = [];
  constructor(private readonly log: string[]) {
    super();
  }
  async writePages(writes: readonly PageWrite[]): Promise<void> {
    this.log.push(`write ${writes.length}`);
    for (const { page, chunks } of writes) await this.writePage(page, chunks);
  }
  async beginBulkLoad(load: BulkLoad): Promise<void> {
    this.loads.push(load);
  }
}

/**
 * A source whose listing hands out its first batch, then holds the rest until a page was written (or the sync
 * stops waiting for its listing): a sync that waited for the whole listing before streaming bodies would never write.
 */
function holdListing(source: FakeConfluenceSource, log: string[], released: Promise<void>) {
  const list = source.listPageRefs.bind(source);
  source.listPageRefs = async function* (space: ConfluenceSpace, options?: SourceCallOptions) {
    let n = 0;
    for await (const batch of list(space, options)) {
      if (n++ === 1) await released;
      log.push(`listed ${batch.length}`);
      yield batch;
    }
    log.push("listing ended");
  } as typeof source.listPageRefs;
}

async function setup(pages: number) {
  const source = new FakeConfluenceSource({ batchSize: 10 });
  source.addSpace("ENG");
  const ids: string[] = [];
  for (let i = 0; i < pages; i++) {
    ids.push(source.addPage("ENG", { title: `Page ${i}`, body: `<p>Text of page ${i}.</p>`, labels: [`l${i}`] }).id);
  }
  const log: string[] = [];
  const store = new RecordingStore(log);
  await store.upsertSource(makeSource("eng", { spaceKey: "ENG" }));
  const sync = new ConfluenceSync({
    source,
    store,
    embedder: new FakeEmbedder({ dimensions: 8 }),
    convertPool: false,
    concurrency: 4,
  });
  return { source, store, sync, ids, log };
}

describe("a full sync streams bodies while the space is listed", () => {
  it("writes the first pages before the listing ends, with their labels and places from the listing", async () => {
    const { source, store, sync, ids, log } = await setup(30);
    const child = source.addPage("ENG", { title: "Child", body: "<p>Under page 0.</p>", parentId: ids[0]! });
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    holdListing(source, log, released);
    const originalWrite = store.writePages.bind(store);
    store.writePages = async (writes) => {
      await originalWrite(writes);
      release();
    };
    const metrics = await sync.run({ sourceId: "eng", mode: "full" });
    expect(metrics.pagesIndexed).toBe(31);
    const firstWrite = log.findIndex((entry) => entry.startsWith("write"));
    expect(firstWrite).toBeGreaterThanOrEqual(0);
    expect(firstWrite).toBeLessThan(log.indexOf("listing ended"));
    // The store was told the listing was still running, with what it had counted.
    expect(store.loads).toEqual([expect.objectContaining({ pages: 10, more: true })]);
    const page0 = await store.getPage("eng", ids[0]!);
    expect(page0?.labels).toEqual(["l0"]);
    const stored = await store.getPage("eng", child.id);
    expect(stored?.ancestors).toEqual([ids[0]]);
    expect(stored?.path).toBe(`/${ids[0]}/${child.id}`);
  });

  it("still removes what vanished and keeps what a lagging listing missed but the stream returned", async () => {
    const { source, store, sync, ids } = await setup(30);
    await sync.run({ sourceId: "eng", mode: "full" });
    source.deletePage(ids[3]!);
    // The listing (a search index) lags: it misses a page that still exists. Its body batch waits for the listing
    // to end, and the page is kept.
    const list = source.listPageRefs.bind(source);
    source.listPageRefs = async function* (space: ConfluenceSpace, options?: SourceCallOptions) {
      for await (const batch of list(space, options)) yield batch.filter((ref: PageRef) => ref.id !== ids[7]);
    } as typeof source.listPageRefs;
    const metrics = await sync.run({ sourceId: "eng", mode: "full" });
    expect(metrics.pagesDeleted).toBe(1);
    const states = await store.getPageStates("eng");
    expect(states.has(ids[3]!)).toBe(false);
    expect(states.has(ids[7]!)).toBe(true);
    expect(states.size).toBe(29);
  });

  it("fails with the listing's error when the listing fails while bodies stream", async () => {
    const { source, sync, store } = await setup(30);
    const list = source.listPageRefs.bind(source);
    source.listPageRefs = async function* (space: ConfluenceSpace, options?: SourceCallOptions) {
      let n = 0;
      for await (const batch of list(space, options)) {
        if (n++ === 1) throw new Error("listing broke");
        yield batch;
      }
    } as typeof source.listPageRefs;
    await expect(sync.run({ sourceId: "eng", mode: "full" })).rejects.toThrow("listing broke");
    // Nothing was removed on the strength of an unfinished listing.
    expect((await store.getSyncState("eng"))?.checkpoint).not.toBeNull();
  });
});

describe("ListingFeed", () => {
  const ref = (id: string) => ({ id }) as PageRef;

  it("lets a wait go on once its ids are listed or the listing has ended", async () => {
    const feed = new ListingFeed();
    const order: string[] = [];
    const a = feed.waitFor(["1", "2"]).then(() => order.push("a"));
    const b = feed.waitFor(["3"]).then(() => order.push("b"));
    feed.add([ref("1"), ref("2")]);
    await a;
    expect(order).toEqual(["a"]);
    feed.finish();
    await b;
    expect(order).toEqual(["a", "b"]);
    await feed.waitFor(["never listed"]);
  });

  it("fails every wait, and every later one, with the listing's error", async () => {
    const feed = new ListingFeed();
    const waiting = feed.waitFor(["1"]);
    feed.fail(new Error("gone"));
    await expect(waiting).rejects.toThrow("gone");
    await expect(feed.waitFor(["2"])).rejects.toThrow("gone");
    expect(() => feed.throwIfFailed()).toThrow("gone");
  });
});
