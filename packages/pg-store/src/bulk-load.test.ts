import { axis, makeChunk, makePage, makeSource } from "@archon/confluence-core/testing";
import { describe, expect, it } from "vitest";
import { archonPageId } from "./archon-pages.js";
import { BULK_LOAD_MIN_PAGES } from "./bulk-load.js";
import type { Db } from "./db.js";
import { PgKnowledgeStore } from "./pg-knowledge-store.js";
import { resetDatabase, sharedPgliteDatabase } from "./test-support.js";

const database = sharedPgliteDatabase();

async function freshStore(): Promise<PgKnowledgeStore> {
  const db = await database();
  await db.exec("SELECT confluence_build_deferred_indexes(NULL)");
  await resetDatabase(db);
  await db.exec("TRUNCATE confluence_embedding_cache");
  return new PgKnowledgeStore({ ...db, close: async () => {} });
}

async function indexNames(store: PgKnowledgeStore): Promise<string[]> {
  const { rows } = await store.db.query<{ name: string }>(
    "SELECT indexname AS name FROM pg_indexes WHERE tablename IN ('archon_crawled_pages', 'confluence_chunk_search') " +
      "ORDER BY indexname",
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

  it("gives every page of a group its Archon page row and its chunks Archon's page link and keys", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("a"));
    await store.writePages([
      { page: makePage("a", "1"), chunks: [makeChunk(0, "old one", axis(0, 384))] },
      { page: makePage("a", "2"), chunks: [makeChunk(0, "old two", axis(1, 384))] },
    ]);
    const signature = { embeddingModel: MODEL, dimensions: 384, converter: "conv", chunker: "chunk" };
    await store.writePages([
      {
        page: makePage("a", "1", { title: "One", markdown: "one two three", indexedWith: signature }),
        chunks: [makeChunk(0, "first chunk", axis(2, 384)), makeChunk(1, "second chunk", axis(3, 384))],
      },
      { page: makePage("a", "3", { title: "Three", indexedWith: signature }), chunks: [] },
      {
        page: makePage("a", "2", { title: "Two", indexedWith: signature }),
        chunks: [makeChunk(0, "two", axis(4, 384))],
      },
    ]);
    const pages = await store.db.query(
      `SELECT id::text AS id, source_id, url, section_title, word_count, chunk_count,
         metadata ->> 'confluence_page_id' AS confluence_page_id
       FROM archon_page_metadata ORDER BY metadata ->> 'confluence_page_id'`,
    );
    expect(pages.rows).toEqual([
      {
        id: archonPageId("a", "1"),
        source_id: "a",
        url: makePage("a", "1").webUrl,
        section_title: "One",
        word_count: 3,
        chunk_count: 2,
        confluence_page_id: "1",
      },
      expect.objectContaining({ id: archonPageId("a", "2"), section_title: "Two", chunk_count: 1 }),
      expect.objectContaining({ id: archonPageId("a", "3"), section_title: "Three", chunk_count: 0 }),
    ]);
    const chunks = await store.db.query(
      `SELECT content, metadata ->> 'confluence_page_id' AS confluence_page_id, metadata ->> 'page_id' AS page_id,
         page_id::text AS page_column, metadata ->> 'url' AS url, metadata ->> 'source_id' AS source_id
       FROM archon_crawled_pages ORDER BY content`,
    );
    // The old chunks of both rewritten pages are gone; every new chunk points at its page's Archon row.
    expect(chunks.rows).toEqual(
      [
        ["first chunk", "1"],
        ["second chunk", "1"],
        ["two", "2"],
      ].map(([content, pageId]) => ({
        content,
        confluence_page_id: pageId,
        page_id: archonPageId("a", pageId as string),
        page_column: archonPageId("a", pageId as string),
        url: makePage("a", pageId as string).webUrl,
        source_id: "a",
      })),
    );
    const recorded = await store.db.query(
      "SELECT page_id, embedding_model, embedding_dimension, converter_id, chunker_id FROM confluence_pages ORDER BY 1",
    );
    expect(recorded.rows).toEqual(
      ["1", "2", "3"].map((pageId) => ({
        page_id: pageId,
        embedding_model: MODEL,
        embedding_dimension: 384,
        converter_id: "conv",
        chunker_id: "chunk",
      })),
    );
    expect((await store.getPageStates("a")).get("3")?.indexedWith).toEqual(signature);
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
  it("defers the vector and full-text indexes of a first load into an empty table, searches meanwhile, builds them at the end", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("a"));
    expect(await store.hasEmbeddings(MODEL, 384)).toBe(false);
    await store.beginBulkLoad(load(BULK_LOAD_MIN_PAGES));
    const both = [
      "confluence_chunk_embedding_384_hnsw",
      "confluence_chunk_search_vector_idx",
      "confluence_crawled_pages_search_idx",
    ];
    expect(await deferred(store)).toEqual(both);
    for (const name of both) expect(await indexNames(store)).not.toContain(name);
    // Other dimensions keep their indexes.
    expect(await indexNames(store)).toContain("confluence_chunk_embedding_768_hnsw");
    await store.writePages(
      [0, 1, 2].map((i) => ({ page: makePage("a", String(i)), chunks: [makeChunk(0, `text ${i}`, axis(i, 384))] })),
    );
    expect(await store.hasEmbeddings(MODEL, 384)).toBe(true);
    const hits = await store.search({ text: "", embedding: axis(1, 384), mode: "vector", limit: 1 });
    expect(hits.map((h) => h.pageId)).toEqual(["1"]);
    const words = await store.search({ text: "text", embedding: axis(2, 384), mode: "keyword", limit: 5 });
    expect(words.map((h) => h.pageId).sort()).toEqual(["0", "1", "2"]);
    await store.endBulkLoad(load(BULK_LOAD_MIN_PAGES));
    expect(await deferred(store)).toEqual([]);
    for (const name of both) expect(await indexNames(store)).toContain(name);
  });

  it("analyzes with a small sample while a bulk load writes, and fully at its end and outside a load", async () => {
    // Histogram bounds of the chunk contents: the statistics target plus one, when the column has more values.
    const bounds = async (store: PgKnowledgeStore) => {
      const { rows } = await store.db.query<{ n: number | null }>(
        "SELECT array_length(histogram_bounds::text::text[], 1) AS n FROM pg_stats " +
          "WHERE tablename = 'archon_crawled_pages' AND attname = 'content'",
      );
      return rows[0]?.n ?? null;
    };
    const group = (from: number) =>
      Array.from({ length: 30 }, (_, p) => ({
        page: makePage("a", String(from + p)),
        chunks: Array.from({ length: 40 }, (_, n) => makeChunk(n, `page ${from + p} part ${n}`, axis(n, 384))),
      }));
    const store = await freshStore();
    await store.upsertSource(makeSource("a"));
    await store.beginBulkLoad(load(BULK_LOAD_MIN_PAGES));
    // 1,200 chunk rows pass the first threshold of the store's ANALYZE schedule.
    await store.writePages(group(0));
    expect(await bounds(store)).toBe(11);
    await store.endBulkLoad(load(BULK_LOAD_MIN_PAGES));
    expect(await bounds(store)).toBe(101);

    const later = await freshStore();
    await later.upsertSource(makeSource("a"));
    await later.writePages(group(0));
    expect(await bounds(later)).toBe(101);
  });

  it("keeps the full-text index of a table that already holds chunks, even of another dimension", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("a"));
    await store.writePage(makePage("a", "1"), [makeChunk(0, "one", axis(0, 768))]);
    await store.beginBulkLoad(load(BULK_LOAD_MIN_PAGES));
    expect(await deferred(store)).toEqual(["confluence_chunk_embedding_384_hnsw"]);
    expect(await indexNames(store)).toContain("confluence_crawled_pages_search_idx");
    expect(await indexNames(store)).toContain("confluence_chunk_search_vector_idx");
    await store.endBulkLoad(load(BULK_LOAD_MIN_PAGES));
  });

  it("defers the full HNSW index of the column Archon searches, and leaves Archon's own indexes alone", async () => {
    const store = await freshStore();
    await store.db.exec(
      `CREATE INDEX archon_own_embedding_1536 ON archon_crawled_pages
         USING ivfflat (embedding_1536 vector_cosine_ops) WITH (lists = 1)`,
    );
    try {
      await store.upsertSource(makeSource("a"));
      const load1536 = { sourceId: "a", pages: BULK_LOAD_MIN_PAGES, embeddingModel: MODEL, dimensions: 1536 };
      await store.beginBulkLoad(load1536);
      expect(await deferred(store)).toEqual([
        "confluence_chunk_search_vector_idx",
        "confluence_crawled_pages_search_idx",
        "confluence_embedding_1536_hnsw",
      ]);
      expect(await indexNames(store)).toContain("archon_own_embedding_1536");
      await store.writePages([{ page: makePage("a", "1"), chunks: [makeChunk(0, "one", axis(0, 1536))] }]);
      await store.endBulkLoad(load1536);
      expect(await deferred(store)).toEqual([]);
      const { rows } = await store.db.query<{ definition: string }>(
        "SELECT indexdef AS definition FROM pg_indexes WHERE indexname = 'confluence_embedding_1536_hnsw'",
      );
      // Rebuilt as 0003 made it: a full index, not a partial one (PGlite builds it with a lower ef_construction).
      expect(rows[0]?.definition).toMatch(
        /USING hnsw \(embedding_1536 vector_cosine_ops\) WITH \(ef_construction='32'\)$/,
      );
    } finally {
      await store.db.exec("DROP INDEX IF EXISTS archon_own_embedding_1536");
    }
  });

  it("does not defer a small load, nor one into a table that already holds vectors of the dimension", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("a"));
    await store.beginBulkLoad(load(BULK_LOAD_MIN_PAGES - 1));
    expect(await deferred(store)).toEqual([]);
    await store.writePage(makePage("a", "1"), [makeChunk(0, "one", axis(0, 384))]);
    await store.beginBulkLoad(load(10_000));
    expect(await deferred(store)).toEqual([]);
    expect(await indexNames(store)).toContain("confluence_chunk_embedding_384_hnsw");
  });

  it("defers the indexes of a load whose listing still runs, whatever it has counted so far", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("a"));
    await store.beginBulkLoad({ ...load(25), more: true });
    expect(await deferred(store)).toEqual([
      "confluence_chunk_embedding_384_hnsw",
      "confluence_chunk_search_vector_idx",
      "confluence_crawled_pages_search_idx",
    ]);
    await store.writePage(makePage("a", "1"), [makeChunk(0, "one", axis(0, 384))]);
    await store.endBulkLoad(load(25));
    expect(await deferred(store)).toEqual([]);
    expect(await indexNames(store)).toContain("confluence_chunk_embedding_384_hnsw");
  });

  it("after a crash mid-load, a large load keeps the index deferred and a small one builds it first", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("a"));
    await store.beginBulkLoad(load(1000));
    await store.writePage(makePage("a", "1"), [makeChunk(0, "one", axis(0, 384))]);
    // The process dies here: no endBulkLoad. A new store on the same database resumes the load.
    const resumed = new PgKnowledgeStore(store.db);
    await resumed.beginBulkLoad(load(1000));
    expect(await deferred(resumed)).toEqual([
      "confluence_chunk_embedding_384_hnsw",
      "confluence_chunk_search_vector_idx",
      "confluence_crawled_pages_search_idx",
    ]);
    const later = new PgKnowledgeStore(store.db);
    await later.beginBulkLoad(load(3));
    expect(await deferred(later)).toEqual([]);
    expect(await indexNames(later)).toContain("confluence_chunk_embedding_384_hnsw");
    expect(await indexNames(later)).toContain("confluence_crawled_pages_search_idx");
    expect(await indexNames(later)).toContain("confluence_chunk_search_vector_idx");
  });
});

describe("buildDeferredIndexes on a server", () => {
  const HNSW = "CREATE INDEX h ON archon_crawled_pages USING hnsw (embedding_384 vector_cosine_ops)";
  const GIN_A = "CREATE INDEX g1 ON archon_crawled_pages USING gin (content_search_vector)";
  const GIN_B = "CREATE INDEX g2 ON confluence_chunk_search USING gin (search_vector)";

  /**
   * A server-kind Db holding three deferred indexes. Every statement is logged with the transaction it ran in; each
   * CREATE INDEX waits turns of the event loop (the HNSW one five), and `failures` are thrown by the first builds of
   * the indexes named.
   */
  function recordingServer(
    failures: Record<string, { code: string; message: string }> = {},
    stored = new Map([[384, 50_000]]),
  ) {
    const log: string[] = [];
    const records = new Map([
      ["g1", GIN_A],
      ["h", HNSW],
      ["g2", GIN_B],
    ]);
    let transactions = 0;
    const connection = (tx: number): Db => ({
      kind: "pg",
      async query<Row>(sql: string, params?: unknown[]) {
        log.push(`${tx}: ${sql}${params ? ` [${params.join(",")}]` : ""}`);
        if (sql.startsWith("SELECT index_name, definition")) {
          const rows = [...records]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([n, d]) => ({ index_name: n, definition: d }));
          return { rows: rows as Row[], rowCount: rows.length };
        }
        const definition = records.get(String(params?.[0]));
        if (sql.startsWith("SELECT count(*) AS n FROM archon_crawled_pages")) {
          return { rows: [{ n: String(stored.get(Number(params?.[0])) ?? 0) }] as Row[], rowCount: 1 };
        }
        if (sql.includes("FOR UPDATE")) {
          const rows = definition ? [{ definition, dimensions: 384, present: false }] : [];
          return { rows: rows as Row[], rowCount: rows.length };
        }
        if (sql.startsWith("DELETE")) records.delete(String(params?.[0]));
        return { rows: [] as Row[], rowCount: 0 };
      },
      async exec(sql: string) {
        log.push(`${tx}: ${sql}`);
        if (!sql.startsWith("CREATE INDEX")) return;
        const name = sql.split(" ")[2] as string;
        // The graph index takes longest, as it does on a server.
        for (let turn = 0; turn < (name === "h" ? 5 : 1); turn++) await new Promise((resolve) => setImmediate(resolve));
        const failure = failures[name];
        if (failure) {
          delete failures[name];
          throw Object.assign(new Error(failure.message), { code: failure.code });
        }
        log.push(`${tx}: built ${name}`);
      },
      transaction: (fn) => fn(connection(++transactions)),
      close: async () => {},
    });
    return { db: connection(0), log, records };
  }

  it("builds two at a time, the graph index first with more memory, each forgotten in its own transaction", async () => {
    const { buildDeferredIndexes } = await import("./bulk-load.js");
    const { db, log, records } = recordingServer();
    expect(await buildDeferredIndexes(db)).toBe(3);
    expect(records.size).toBe(0);
    const creates = log.filter((line) => line.includes("CREATE INDEX"));
    const built = log.filter((line) => line.includes(": built"));
    // The graph index was taken first; the HNSW build and a full-text one both started before either ended.
    const taken = log.filter((line) => line.includes("FOR UPDATE")).map((line) => line.slice(line.lastIndexOf("[")));
    expect(taken).toEqual(["[h]", "[g1]", "[g2]"]);
    expect(log.indexOf(creates[1] as string)).toBeLessThan(log.indexOf(built[0] as string));
    const hnsw = creates.find((line) => line.split(" ")[3] === "h") as string;
    const txOf = (line: string) => line.slice(0, line.indexOf(":"));
    // Each build and the deletion of its record share one transaction, after the shared advisory lock.
    for (const name of ["h", "g1", "g2"]) {
      const create = creates.find((line) => line.split(" ")[3] === name) as string;
      const tx = txOf(create);
      const ofTx = log.filter((line) => txOf(line) === tx).map((line) => line.slice(tx.length + 2));
      expect(ofTx[0]).toBe("SELECT pg_advisory_xact_lock_shared(4242018)");
      expect(ofTx.at(-1)).toMatch(/^DELETE FROM confluence_deferred_indexes/);
    }
    const settings = log.filter((line) => line.includes("SET LOCAL"));
    // The graph's memory: 50,000 vectors of 384 dimensions with their neighbour lists, and a margin.
    expect(settings.filter((line) => line.includes("'257MB'"))).toHaveLength(1);
    expect(settings.find((line) => line.includes("'257MB'"))?.split(":")[0]).toBe(txOf(hnsw));
    expect(settings.every((line) => line.includes("min_parallel_table_scan_size = 0"))).toBe(true);
    expect(log.slice(-3)).toEqual([
      "0: ANALYZE archon_crawled_pages",
      "0: ANALYZE confluence_chunk_search",
      "0: ANALYZE confluence_pages",
    ]);
  });

  it("builds without parallel workers when shared memory is refused, and fails on any other error", async () => {
    const { buildDeferredIndexes } = await import("./bulk-load.js");
    const small = recordingServer({
      h: { code: "53100", message: 'could not resize shared memory segment "/PostgreSQL.1"' },
    });
    expect(await buildDeferredIndexes(small.db)).toBe(3);
    const graphSettings = small.log.filter((line) => line.includes("'257MB'"));
    expect(graphSettings.map((line) => line.includes("max_parallel_maintenance_workers = 0"))).toEqual([false, true]);

    const broken = recordingServer({ g2: { code: "XX000", message: "index row size exceeds maximum" } });
    await expect(buildDeferredIndexes(broken.db)).rejects.toThrow(/index row size/);
    // The failure is reported once the HNSW build running beside it has ended, not while it still runs.
    expect(broken.log.some((line) => line.endsWith(": built h"))).toBe(true);
    // What was built stays built and forgotten; the failed index keeps its record for the next attempt.
    expect([...broken.records.keys()]).toEqual(["g2"]);
  });

  it("gives an HNSW build room for its graph, from 64 MB up to 512 MB", async () => {
    const { hnswBuildMemory } = await import("./bulk-load.js");
    const memory = (stored: Map<number, number>, dimensions: number) =>
      hnswBuildMemory(recordingServer({}, stored).db, dimensions);
    expect(await memory(new Map([[384, 5_000]]), 384)).toBe("64MB");
    expect(await memory(new Map([[384, 14_550]]), 384)).toBe("75MB");
    expect(await memory(new Map([[1536, 30_000]]), 1536)).toBe("352MB");
    expect(await memory(new Map([[1536, 100_000]]), 1536)).toBe("512MB");
  });
});
