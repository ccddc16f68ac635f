import { axis, makeChunk, makePage, makeSource } from "@archon/confluence-core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { BULK_LOAD_MIN_PAGES } from "./bulk-load.js";
import { type Db, fromPglite } from "./db.js";
import { migrate } from "./migrate.js";
import { PgKnowledgeStore } from "./pg-knowledge-store.js";
import { openPglite } from "./pglite.js";
import { resetDatabase } from "./test-support.js";

let shared: Promise<Db> | null = null;
function database(): Promise<Db> {
  shared ??= (async () => {
    const db = fromPglite(await openPglite(), { ownsDb: true });
    await migrate(db);
    return db;
  })();
  return shared;
}
afterAll(async () => {
  await (await shared)?.close();
});

async function freshStore(): Promise<PgKnowledgeStore> {
  const db = await database();
  await db.exec("SELECT confluence_build_deferred_indexes(NULL)");
  await resetDatabase(db);
  await db.exec("TRUNCATE confluence_embedding_cache");
  return new PgKnowledgeStore({ ...db, close: async () => {} });
}

async function indexNames(store: PgKnowledgeStore): Promise<string[]> {
  const { rows } = await store.db.query<{ name: string }>(
    "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'archon_crawled_pages' ORDER BY indexname",
  );
  return rows.map((row) => row.name);
}

async function deferred(store: PgKnowledgeStore): Promise<string[]> {
  const { rows } = await store.db.query<{ index_name: string }>(
    "SELECT index_name FROM confluence_deferred_indexes ORDER BY index_name",
  );
  return rows.map((row) => row.index_name);
}

/** The model `makeChunk` stamps on its chunks. */
const MODEL = "conformance:model-a";
const load = (pages: number) => ({ sourceId: "a", pages, embeddingModel: MODEL, dimensions: 384 });

describe("PgKnowledgeStore.writePages", () => {
  it("writes several pages in one transaction: all of them, or none when one is invalid", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("a"));
    await store.writePages([
      { page: makePage("a", "1"), chunks: [makeChunk(0, "one", axis(0, 384))] },
      { page: makePage("a", "2"), chunks: [makeChunk(0, "two", axis(1, 384)), makeChunk(1, "more", axis(2, 384))] },
    ]);
    expect([...(await store.getPageStates("a")).keys()].sort()).toEqual(["1", "2"]);
    expect((await store.getChunks("a", "2")).map((c) => c.content)).toEqual(["two", "more"]);

    const bad = makeChunk(0, "bad", axis(0, 384));
    await expect(
      store.writePages([
        { page: makePage("a", "3"), chunks: [makeChunk(0, "three", axis(3, 384))] },
        { page: makePage("a", "4"), chunks: [bad, { ...bad, content: "duplicate number" }] },
      ]),
    ).rejects.toThrow(/chunkNumber/);
    expect(await store.getPage("a", "3")).toBeNull();
  });

  it("replaces the chunks of pages it rewrites and keeps the last write of a page given twice", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("a"));
    await store.writePages([{ page: makePage("a", "1"), chunks: [makeChunk(0, "old", axis(0, 384))] }]);
    await store.writePages([
      { page: makePage("a", "1", { title: "First" }), chunks: [makeChunk(0, "first", axis(1, 384))] },
      { page: makePage("a", "2"), chunks: [makeChunk(0, "two", axis(2, 384))] },
      { page: makePage("a", "1", { title: "Second" }), chunks: [makeChunk(0, "second", axis(3, 384))] },
    ]);
    expect((await store.getPage("a", "1"))?.title).toBe("Second");
    expect((await store.getChunks("a", "1")).map((c) => c.content)).toEqual(["second"]);
    // The replaced chunk's vector stays findable through the embedding cache.
    const old = makeChunk(0, "old", axis(0, 384));
    expect((await store.findEmbeddings(old.embeddingModel, 384, [old.hash])).size).toBe(1);
  });

  it("refuses pages of an unknown source before writing any", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("a"));
    await expect(
      store.writePages([
        { page: makePage("a", "1"), chunks: [] },
        { page: makePage("nope", "2"), chunks: [] },
      ]),
    ).rejects.toThrow(/unknown source "nope"/);
    expect(await store.getPage("a", "1")).toBeNull();
  });
});

describe("PgKnowledgeStore bulk load", () => {
  it("defers the vector index of a first load's dimension, searches by exact scan meanwhile, builds it at the end", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("a"));
    expect(await store.hasEmbeddings(MODEL, 384)).toBe(false);
    await store.beginBulkLoad(load(BULK_LOAD_MIN_PAGES));
    expect(await deferred(store)).toEqual(["confluence_chunks_embedding_384_hnsw"]);
    expect(await indexNames(store)).not.toContain("confluence_chunks_embedding_384_hnsw");
    // Other dimensions keep their indexes.
    expect(await indexNames(store)).toContain("confluence_chunks_embedding_768_hnsw");
    await store.writePages(
      [0, 1, 2].map((i) => ({ page: makePage("a", String(i)), chunks: [makeChunk(0, `text ${i}`, axis(i, 384))] })),
    );
    expect(await store.hasEmbeddings(MODEL, 384)).toBe(true);
    const hits = await store.search({ text: "", embedding: axis(1, 384), mode: "vector", limit: 1 });
    expect(hits.map((h) => h.pageId)).toEqual(["1"]);
    await store.endBulkLoad(load(BULK_LOAD_MIN_PAGES));
    expect(await deferred(store)).toEqual([]);
    expect(await indexNames(store)).toContain("confluence_chunks_embedding_384_hnsw");
  });

  it("does not defer a small load, nor one into a table that already holds vectors of the dimension", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("a"));
    await store.beginBulkLoad(load(BULK_LOAD_MIN_PAGES - 1));
    expect(await deferred(store)).toEqual([]);
    await store.writePage(makePage("a", "1"), [makeChunk(0, "one", axis(0, 384))]);
    await store.beginBulkLoad(load(10_000));
    expect(await deferred(store)).toEqual([]);
    expect(await indexNames(store)).toContain("confluence_chunks_embedding_384_hnsw");
  });

  it("after a crash mid-load, a large load keeps the index deferred and a small one builds it first", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("a"));
    await store.beginBulkLoad(load(1000));
    await store.writePage(makePage("a", "1"), [makeChunk(0, "one", axis(0, 384))]);
    // The process dies here: no endBulkLoad. A new store on the same database resumes the load.
    const resumed = new PgKnowledgeStore(store.db);
    await resumed.beginBulkLoad(load(1000));
    expect(await deferred(resumed)).toEqual(["confluence_chunks_embedding_384_hnsw"]);
    const later = new PgKnowledgeStore(store.db);
    await later.beginBulkLoad(load(3));
    expect(await deferred(later)).toEqual([]);
    expect(await indexNames(later)).toContain("confluence_chunks_embedding_384_hnsw");
  });
});
