import type { PageSummary, SyncState } from "../../ports/knowledge-store.js";
import { expect, it } from "../../testing/test-api.js";
import { axis, MODEL, makeChunk, makeMetrics, makePage, makeSource } from "../fixtures.js";
import { expectCoded, type SuiteContext } from "./context.js";

/** Tree: 1 > (10 > 100, 11, 12), and a second root 2. */
const TREE: [string, string[]][] = [
  ["1", []],
  ["10", ["1"]],
  ["100", ["1", "10"]],
  ["11", ["1"]],
  ["12", ["1"]],
  ["2", []],
];

export function listingAndStateTests(ctx: SuiteContext): void {
  const { dims } = ctx;

  async function tree() {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    await store.upsertSource(makeSource("other"));
    for (const [id, ancestors] of TREE) await store.writePage(makePage("s", id, { ancestors }), []);
    await store.writePage(makePage("other", "10"), []);
    return store;
  }
  const ids = (items: PageSummary[]) => items.map((p) => p.pageId);

  it("lists top-level pages, children and subtrees with child counts", async () => {
    const store = await tree();
    const top = await store.listPages({ sourceId: "s", parentId: null });
    expect(ids(top.items)).toEqual(["1", "2"]);
    expect(top.total).toBe(2);
    expect(top.items[0]?.childCount).toBe(3);
    expect(top.items[0]).not.toHaveProperty("markdown");
    expect(top.items[0]).not.toHaveProperty("metadata");
    const { markdown: _m, metadata: _d, ...summary } = makePage("s", "1");
    expect(top.items[0]).toEqual({ ...summary, childCount: 3 });

    const children = await store.listPages({ sourceId: "s", parentId: "1" });
    expect(ids(children.items)).toEqual(["10", "11", "12"]);
    expect(children.items.map((p) => p.childCount)).toEqual([1, 0, 0]);

    expect(ids((await store.listPages({ sourceId: "s", pathPrefix: "/1/10" })).items)).toEqual(["10", "100"]);
    // A prefix matches whole path segments: "/1/1" is not the subtree of page 10, 11 or 12.
    expect((await store.listPages({ sourceId: "s", pathPrefix: "/1/1" })).total).toBe(0);
    expect(ids((await store.listPages({ sourceId: "s", pathPrefix: "/1/" })).items)).toEqual(["10", "100", "11", "12"]);
    expect((await store.listPages({ sourceId: "s" })).total).toBe(6);
    expect((await store.listPages({ sourceId: "unknown" })).items).toEqual([]);
  });

  it("paginates listings with an opaque cursor in path order", async () => {
    const store = await tree();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const list: Awaited<ReturnType<typeof store.listPages>> = await store.listPages({
        sourceId: "s",
        limit: 4,
        cursor,
      });
      expect(list.total).toBe(6);
      expect(list.items.length).toBeLessThanOrEqual(4);
      seen.push(...ids(list.items));
      cursor = list.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(2);
    expect(seen).toEqual(["1", "10", "100", "11", "12", "2"]);
    await expectCoded(store.listPages({ sourceId: "s", cursor: "not-a-cursor" }), "CONFIG_INVALID", /cursor/);
    await expectCoded(store.listPages({ sourceId: "s", limit: 0 }), "CONFIG_INVALID", /limit/);
  });

  it("finds cached embeddings by model, dimension and text hash, across sources and after re-creation", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("a"));
    await store.upsertSource(makeSource("b"));
    const chunk = makeChunk(0, "cached text", axis(3, dims));
    await store.writePage(makePage("a", "1"), [chunk]);
    const found = await store.findEmbeddings(MODEL, dims, [chunk.hash, "0".repeat(64)]);
    expect([...found.keys()]).toEqual([chunk.hash]);
    expect(found.get(chunk.hash)).toEqual(axis(3, dims));
    expect((await store.findEmbeddings("other-model", dims, [chunk.hash])).size).toBe(0);
    expect((await store.findEmbeddings(MODEL, ctx.altDims, [chunk.hash])).size).toBe(0);
    expect((await store.findEmbeddings(MODEL, dims, [])).size).toBe(0);

    await store.deleteSource("a");
    await store.upsertSource(makeSource("a"));
    expect((await store.findEmbeddings(MODEL, dims, [chunk.hash])).get(chunk.hash)).toEqual(axis(3, dims));
    // Many hashes in one call.
    const many = Array.from({ length: 2500 }, (_, i) => i.toString(16).padStart(64, "0"));
    expect((await store.findEmbeddings(MODEL, dims, [...many, chunk.hash])).size).toBe(1);
  });

  it("round-trips sync state with checkpoint and failed pages, and sync metrics", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    expect(await store.getSyncState("s")).toBeNull();
    const state: SyncState = {
      sourceId: "s",
      watermark: "2024-05-01T10:00:00.000Z",
      lastMode: "incremental",
      lastCompletedAt: "2024-05-01T10:05:00.000Z",
      checkpoint: {
        operationId: "op-1",
        mode: "full",
        startedAt: "2024-05-02T00:00:00.000Z",
        pagesDone: 42,
        updatedAt: "2024-05-02T00:01:00.000Z",
      },
      failedPages: {
        "9": {
          pageId: "9",
          version: 3,
          title: "Broken 'page'",
          error: "boom",
          code: "CONVERT_FAILED",
          attempts: 2,
          failedAt: "2024-05-02T00:00:30.000Z",
        },
      },
    };
    await store.saveSyncState(state);
    expect(await store.getSyncState("s")).toEqual(state);
    const cleared: SyncState = { ...state, checkpoint: null, failedPages: {}, watermark: null };
    await store.saveSyncState(cleared);
    expect(await store.getSyncState("s")).toEqual(cleared);

    expect(store.getSyncMetrics, "the store implements getSyncMetrics").toBeTypeOf("function");
    expect(await store.getSyncMetrics?.("s")).toBeNull();
    await store.saveSyncMetrics("s", makeMetrics("op-1"));
    await store.saveSyncMetrics("s", makeMetrics("op-2", { pagesIndexed: 99 }));
    expect(await store.getSyncMetrics?.("s")).toEqual(makeMetrics("op-2", { pagesIndexed: 99 }));
    await store.upsertSource(makeSource("s"));
    expect((await store.getSyncMetrics?.("s"))?.operationId).toBe("op-2");
    // Metrics do not leak into the source's own metadata.
    expect(await store.getSource("s")).toEqual(makeSource("s"));
  });
}
