import { ConfluenceSyncError } from "../../errors.js";
import { expect, it } from "../../testing/test-api.js";
import { axis, makeChunk, makeMetrics, makePage, makeSource } from "../fixtures.js";
import { expectCoded, type SuiteContext } from "./context.js";

export function sourceAndWriteTests(ctx: SuiteContext): void {
  const { dims } = ctx;

  it("creates, replaces, lists and reads sources", async () => {
    const store = ctx.store();
    expect(await store.getSource("missing")).toBeNull();
    await store.upsertSource(makeSource("b"));
    await store.upsertSource(makeSource("a"));
    await store.upsertSource(
      makeSource("a", { name: "Renamed", spaceKey: "OPS", updatedAt: "2024-02-01T00:00:00.000Z" }),
    );
    expect(await store.getSource("a")).toEqual(
      makeSource("a", { name: "Renamed", spaceKey: "OPS", updatedAt: "2024-02-01T00:00:00.000Z" }),
    );
    expect((await store.listSources()).map((s) => s.sourceId)).toEqual(["a", "b"]);
  });

  it("hands back what indexed a page (indexedWith) in its page state", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    const indexedWith = { embeddingModel: "fake:embedder", dimensions: dims, converter: "conv@1", chunker: "chunk@1" };
    await store.writePage(makePage("s", "1", { indexedWith }), [makeChunk(0, "signature text", axis(0, dims))]);
    await store.writePage(makePage("s", "2"), [makeChunk(0, "no signature text", axis(1, dims))]);
    const states = await store.getPageStates("s");
    expect(states.get("1")?.indexedWith).toEqual(indexedWith);
    // A page written without one reports at most the model its chunks carry; nothing else is made up.
    const unknown = states.get("2")?.indexedWith;
    expect(unknown?.converter ?? null).toBeNull();
    expect(unknown?.chunker ?? null).toBeNull();
  });

  it("deletes a source with its pages, chunks, sync state and metrics, leaving other sources untouched", async () => {
    const store = ctx.store();
    for (const id of ["gone", "kept"]) {
      await store.upsertSource(makeSource(id));
      await store.writePage(makePage(id, "1"), [makeChunk(0, `cascade ${id} wombat`, axis(0, dims))]);
      await store.saveSyncState({
        sourceId: id,
        watermark: null,
        lastMode: null,
        lastCompletedAt: null,
        checkpoint: null,
        failedPages: {},
      });
      await store.saveSyncMetrics(id, makeMetrics(`op-${id}`));
    }
    await store.deleteSource("gone");
    expect(await store.getSource("gone")).toBeNull();
    expect((await store.getPageStates("gone")).size).toBe(0);
    expect(await store.getPage("gone", "1")).toBeNull();
    expect(await store.getChunks("gone", "1")).toEqual([]);
    expect(await store.getSyncState("gone")).toBeNull();
    expect(await store.getSyncMetrics?.("gone")).toBeNull();
    expect((await store.listSources()).map((s) => s.sourceId)).toEqual(["kept"]);
    const hits = await store.search({ text: "wombat", mode: "keyword" });
    expect(hits.map((h) => h.sourceId)).toEqual(["kept"]);
    expect(await store.getChunks("kept", "1")).toHaveLength(1);
    expect(await store.getSyncState("kept")).not.toBeNull();
    expect(await store.getSyncMetrics?.("kept")).toEqual(makeMetrics("op-kept"));
    // Deleting an unknown source is not an error.
    await store.deleteSource("never-existed");
  });

  it("round-trips a page and its chunks, chunks ordered by number", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    const page = makePage("s", "7", {
      ancestors: ["1", "3"],
      labels: ["runbook", "ops"],
      authorId: "acc-9",
      updatedAt: "2024-03-04T05:06:07.000Z",
    });
    const chunks = [makeChunk(1, "second", axis(1, dims)), makeChunk(0, "first", axis(0, dims))];
    await store.writePage(page, chunks);
    expect(await store.getPage("s", "7")).toEqual(page);
    expect(await store.getChunks("s", "7")).toEqual([chunks[1], chunks[0]]);
    expect(await store.getPage("s", "8")).toBeNull();
    expect(await store.getChunks("s", "8")).toEqual([]);
  });

  it("replaces a page's chunks on rewrite, dropping chunks the new version no longer has", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    await store.writePage(makePage("s", "1"), [
      makeChunk(0, "alpha", axis(0, dims)),
      makeChunk(1, "bravo", axis(1, dims)),
      makeChunk(2, "obsoletechunk", axis(2, dims)),
    ]);
    const v2 = makePage("s", "1", { version: 2, title: "Version two" });
    const v2chunks = [makeChunk(0, "alpha two", axis(3, dims)), makeChunk(1, "bravo two", axis(4, dims))];
    await store.writePage(v2, v2chunks);
    expect(await store.getPage("s", "1")).toEqual(v2);
    expect(await store.getChunks("s", "1")).toEqual(v2chunks);
    expect(await store.search({ text: "obsoletechunk", mode: "keyword" })).toEqual([]);
  });

  it("leaves the previous version intact when a write fails midway", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    const v1 = makePage("s", "1");
    const v1chunks = [makeChunk(0, "stable text", axis(0, dims)), makeChunk(1, "more stable", axis(1, dims))];
    await store.writePage(v1, v1chunks);
    const v2 = makePage("s", "1", { version: 2 });
    const bad = (embedding: number[]) => [
      makeChunk(0, "new text", axis(2, dims)),
      makeChunk(1, "new more", axis(3, dims)),
      makeChunk(2, "broken", embedding),
    ];
    await expectCoded(store.writePage(v2, bad(axis(0, dims - 1))), "EMBED_DIMENSION_MISMATCH", /dimension/);
    const nan = axis(0, dims);
    nan[1] = Number.NaN;
    await expectCoded(store.writePage(v2, bad(nan)), "EMBED_BAD_RESPONSE", /NaN/);
    const inf = axis(0, dims);
    inf[1] = Number.POSITIVE_INFINITY;
    await expectCoded(store.writePage(v2, bad(inf)), "EMBED_BAD_RESPONSE", /Infinity/);
    await expectCoded(
      store.writePage(v2, [makeChunk(0, "dup", axis(0, dims)), makeChunk(0, "dup", axis(0, dims))]),
      "CONFIG_INVALID",
      /chunkNumber/,
    );
    expect(await store.getPage("s", "1")).toEqual(v1);
    expect(await store.getChunks("s", "1")).toEqual(v1chunks);
    expect((await store.search({ text: "broken", mode: "keyword" })).length).toBe(0);
  });

  it("keeps one vector dimension per embedding model", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    await store.writePage(makePage("s", "1"), [makeChunk(0, "one", axis(0, dims))]);
    await expectCoded(
      store.writePage(makePage("s", "2"), [makeChunk(0, "two", axis(0, ctx.altDims))]),
      "EMBED_DIMENSION_MISMATCH",
      new RegExp(String(ctx.altDims)),
    );
    expect(await store.getPage("s", "2")).toBeNull();
    // Another model may use another dimension, and a page may switch once it is the model's only page.
    await store.writePage(makePage("s", "3"), [makeChunk(0, "three", axis(0, ctx.altDims), { embeddingModel: "m2" })]);
    await store.writePage(makePage("s", "1", { version: 2 }), [makeChunk(0, "one", axis(0, ctx.altDims))]);
    expect((await store.getChunks("s", "1"))[0]?.embedding).toHaveLength(ctx.altDims);
  });

  it("rejects writes and sync state for an unknown source, naming it", async () => {
    const store = ctx.store();
    const rejected = await store.writePage(makePage("nope", "1"), [makeChunk(0, "x", axis(0, dims))]).catch((e) => e);
    expect(rejected).toBeInstanceOf(ConfluenceSyncError);
    expect(String(rejected.message)).toContain("nope");
    const state = { sourceId: "nope", watermark: null, lastMode: null, lastCompletedAt: null, checkpoint: null };
    await expect(store.saveSyncState({ ...state, failedPages: {} })).rejects.toBeInstanceOf(ConfluenceSyncError);
  });

  it("reports the stored state of every page", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    await store.writePage(makePage("s", "1"), []);
    await store.writePage(makePage("s", "2", { ancestors: ["1"], version: 4, status: "archived", title: "Two" }), [
      makeChunk(0, "x", axis(0, dims)),
    ]);
    const states = await store.getPageStates("s");
    expect([...states.keys()].sort()).toEqual(["1", "2"]);
    const { indexedWith: _, ...state } = states.get("2") ?? {};
    expect(state).toEqual({
      pageId: "2",
      version: 4,
      contentHash: makePage("s", "2", { version: 4 }).contentHash,
      parentId: "1",
      path: "/1/2",
      title: "Two",
      status: "archived",
      labels: [...makePage("s", "2").labels],
    });
    expect((await store.getPageStates("other")).size).toBe(0);
  });

  it("moves and renames pages without touching their chunks or content", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    const page = makePage("s", "5", { ancestors: ["1"] });
    const chunks = [makeChunk(0, "kept chunk", axis(0, dims))];
    await store.writePage(page, chunks);
    await store.updatePlacements("s", [
      {
        pageId: "5",
        title: "Moved",
        parentId: "2",
        ancestors: ["1", "2"],
        path: "/1/2/5",
        depth: 2,
        status: "archived",
      },
      { pageId: "404", title: "Ghost", parentId: null, ancestors: [], path: "/404", depth: 0, status: "current" },
    ]);
    expect(await store.getPage("s", "5")).toEqual({
      ...page,
      title: "Moved",
      parentId: "2",
      ancestors: ["1", "2"],
      path: "/1/2/5",
      depth: 2,
      status: "archived",
    });
    expect(await store.getChunks("s", "5")).toEqual(chunks);
    expect(await store.getPage("s", "404")).toBeNull();
    const [hit] = await store.search({ text: "kept", mode: "keyword" });
    expect(hit?.title).toBe("Moved");
  });

  it("replaces labels when a placement carries them, and keeps them otherwise", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    const page = { ...makePage("s", "7"), labels: ["old", "kept"] };
    await store.writePage(page, [makeChunk(0, "labelled chunk", axis(0, dims))]);
    const place = { pageId: "7", title: page.title, parentId: null, ancestors: [], path: "/7", depth: 0 } as const;
    await store.updatePlacements("s", [{ ...place, status: "current", labels: ["fresh", "kept"] }]);
    expect((await store.getPageStates("s")).get("7")?.labels).toEqual(["fresh", "kept"]);
    expect((await store.getPage("s", "7"))?.labels).toEqual(["fresh", "kept"]);
    await store.updatePlacements("s", [{ ...place, status: "current" }]);
    expect((await store.getPage("s", "7"))?.labels).toEqual(["fresh", "kept"]);
    const filtered = await store.search({ text: "labelled", mode: "keyword", filters: { labels: ["fresh"] } });
    expect(filtered.map((hit) => hit.pageId)).toEqual(["7"]);
    expect(await store.search({ text: "labelled", mode: "keyword", filters: { labels: ["old"] } })).toEqual([]);
  });

  it("deletes pages with their chunks, ignoring unknown ids", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    await store.writePage(makePage("s", "1"), [makeChunk(0, "platypus one", axis(0, dims))]);
    await store.writePage(makePage("s", "2"), [makeChunk(0, "platypus two", axis(1, dims))]);
    await store.deletePages("s", ["1", "missing"]);
    expect(await store.getPage("s", "1")).toBeNull();
    expect(await store.getChunks("s", "1")).toEqual([]);
    expect((await store.search({ text: "platypus", mode: "keyword" })).map((h) => h.pageId)).toEqual(["2"]);
    expect(await store.getChunks("s", "2")).toEqual([makeChunk(0, "platypus two", axis(1, dims))]);
  });
}
