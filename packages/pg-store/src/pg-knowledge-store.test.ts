import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  axis,
  describeKnowledgeStore,
  describeProgressSink,
  makeChunk,
  makePage,
  makeSource,
  tilt,
} from "@archon/confluence-core/testing";
import { describe, expect, it } from "vitest";
import { archonPageId } from "./archon-pages.js";
import { createPgliteStore } from "./create.js";
import type { Db } from "./db.js";
import { PgKnowledgeStore } from "./pg-knowledge-store.js";
import { PgProgressSink } from "./progress-sink.js";
import { resetDatabase, sharedPgliteDatabase } from "./test-support.js";

const database = sharedPgliteDatabase();

/** A store on the shared database whose close() leaves the database open for the next test. */
async function freshStore(): Promise<PgKnowledgeStore> {
  const db = await database();
  await resetDatabase(db);
  return new PgKnowledgeStore({ ...db, close: async () => {} });
}

describeKnowledgeStore("PgKnowledgeStore on PGlite", freshStore, { dimensions: 384, alternateDimensions: 768 });
/** Same database without COPY support, so the json_to_recordset fallback passes the suite too. */
async function storeWithoutCopy(): Promise<PgKnowledgeStore> {
  const db = await database();
  await resetDatabase(db);
  const strip = (tx: Db): Db => ({
    ...tx,
    copyFrom: undefined,
    transaction: (fn) => tx.transaction((t) => fn(strip(t))),
  });
  return new PgKnowledgeStore({ ...strip(db), close: async () => {} });
}
describeKnowledgeStore("PgKnowledgeStore on PGlite, INSERT fallback", storeWithoutCopy, {
  dimensions: 384,
  alternateDimensions: 768,
});
describeProgressSink("PgProgressSink on PGlite", async () => {
  const db = await database();
  await resetDatabase(db);
  return new PgProgressSink(db);
});

describe("PgKnowledgeStore on PGlite: hierarchy", () => {
  it("returns children, subtree and breadcrumb of a page", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("s"));
    for (const [id, ancestors] of [
      ["1", []],
      ["2", ["1"]],
      ["3", ["1", "2"]],
      ["4", ["1"]],
    ] as const) {
      await store.writePage(makePage("s", id, { ancestors: [...ancestors], title: `T${id}` }), []);
    }
    expect((await store.getChildren("s", "1")).items.map((p) => p.pageId)).toEqual(["2", "4"]);
    expect((await store.getChildren("s", null)).items.map((p) => p.pageId)).toEqual(["1"]);
    expect((await store.getSubtree("s", "2")).items.map((p) => p.pageId)).toEqual(["2", "3"]);
    expect((await store.getSubtree("s", "404")).total).toBe(0);
    expect(await store.getBreadcrumb("s", "3")).toEqual([
      { id: "1", kind: "page", title: "T1", webUrl: makePage("s", "1").webUrl },
      { id: "2", kind: "page", title: "T2", webUrl: makePage("s", "2").webUrl },
      { id: "3", kind: "page", title: "T3", webUrl: makePage("s", "3").webUrl },
    ]);
    expect(await store.getBreadcrumb("s", "404")).toEqual([]);
  });

  it("stores chunks as Archon rows: url, Archon's metadata keys, page link, model, dimension and the tsvector", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("s"));
    await store.writePage(makePage("s", "9", { title: "Runbook" }), [
      makeChunk(0, "Restart the ingestion workers", axis(1, 384), { breadcrumb: ["Runbook", "Restart"] }),
    ]);
    const { rows } = await store.db.query(
      `SELECT url, chunk_number, source_id, metadata ->> 'confluence_page_id' AS confluence_page_id,
         metadata ->> 'page_id' AS page_id, page_id::text AS page_column, metadata ->> 'url' AS meta_url,
         metadata ->> 'source_id' AS meta_source, (metadata ->> 'word_count')::int AS words,
         metadata ->> 'headers' AS headers,
         embedding_model, embedding_dimension, embedding_384 IS NOT NULL AS has_vector,
         content_search_vector @@ to_tsquery('english', 'worker') AS searchable
       FROM archon_crawled_pages`,
    );
    expect(rows).toEqual([
      {
        url: makePage("s", "9").webUrl,
        chunk_number: 0,
        source_id: "s",
        confluence_page_id: "9",
        page_id: archonPageId("s", "9"),
        page_column: archonPageId("s", "9"),
        meta_url: makePage("s", "9").webUrl,
        meta_source: "s",
        words: 4,
        headers: "Runbook > Restart",
        embedding_model: "conformance:model-a",
        embedding_dimension: 384,
        has_vector: true,
        searchable: true,
      },
    ]);
    const source = await store.db.query(
      "SELECT source_display_name, metadata ->> 'source_type' AS type FROM archon_sources",
    );
    expect(source.rows).toEqual([{ source_display_name: "Source s", type: "url" }]);
    const page = await store.db.query(
      "SELECT id::text AS id, url, section_title, word_count, chunk_count, full_content FROM archon_page_metadata",
    );
    expect(page.rows).toEqual([
      {
        id: archonPageId("s", "9"),
        url: makePage("s", "9").webUrl,
        section_title: "Runbook",
        word_count: 4,
        chunk_count: 1,
        full_content: makePage("s", "9").markdown,
      },
    ]);
    // The same id as the migration's SQL function computes.
    const sql = await store.db.query<{ id: string }>("SELECT confluence_page_uuid('s', '9')::text AS id");
    expect(sql.rows[0]?.id).toBe(archonPageId("s", "9"));
  });
});

describe("PgKnowledgeStore on PGlite: Archon's search", () => {
  it("stays quiet on a database no Archon deployment reads, and explains the fix on one it does", async () => {
    const store = await freshStore();
    expect(await store.checkArchonSearch({ modelId: "hashing:v1", dimensions: 384 })).toEqual({
      archonSearch: false,
      archonModel: null,
      searchable: true,
      message: null,
    });
    // Archon's setup ran here: its settings table names the model its search embeds queries with.
    await store.db.exec(`CREATE TABLE archon_settings (key TEXT PRIMARY KEY, value TEXT);
      INSERT INTO archon_settings VALUES ('EMBEDDING_MODEL', 'text-embedding-3-small');`);
    const hashing = await store.checkArchonSearch({ modelId: "hashing:v1", dimensions: 384 });
    expect(hashing).toMatchObject({ archonSearch: true, archonModel: "text-embedding-3-small", searchable: false });
    expect(hashing.message).toMatch(/384-dimension vectors.*embedding_1536.*OPENAI_API_KEY/);
    const other = await store.checkArchonSearch({ modelId: "openai:other-model", dimensions: 1536 });
    expect(other.message).toMatch(/not Archon's embedding model \(text-embedding-3-small\)/);
    const same = await store.checkArchonSearch({ modelId: "openai:text-embedding-3-small", dimensions: 1536 });
    expect(same).toMatchObject({ searchable: true, message: null });
  });
});

describe("PgKnowledgeStore on PGlite: Archon's page rows", () => {
  it("follow renames and moves, and go with their pages", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("s"));
    await store.writePage(makePage("s", "5"), [makeChunk(0, "kept chunk", axis(0, 384))]);
    await store.updatePlacements("s", [
      { pageId: "5", title: "Renamed", parentId: null, ancestors: [], path: "/5", depth: 0, status: "current" },
    ]);
    const row = await store.db.query("SELECT section_title, metadata ->> 'title' AS title FROM archon_page_metadata");
    expect(row.rows).toEqual([{ section_title: "Renamed", title: "Renamed" }]);
    await store.deletePages("s", ["5"]);
    expect((await store.db.query("SELECT id FROM archon_page_metadata")).rows).toEqual([]);
  });
});

describe("PgKnowledgeStore on PGlite: large pages", () => {
  it("writes a page of 1,200 chunks by COPY and by the batched INSERT fallback", async () => {
    const chunks = Array.from({ length: 1200 }, (_, n) => makeChunk(n, `chunk number ${n}`, axis(n, 384)));
    for (const [name, store] of [
      ["copy", await freshStore()],
      ["fallback", await storeWithoutCopy()],
    ] as const) {
      await store.upsertSource(makeSource(name));
      await store.writePage(makePage(name, "1"), chunks);
      const stored = await store.getChunks(name, "1");
      expect(stored, name).toHaveLength(1200);
      expect(stored[1199], name).toEqual(chunks[1199]);
    }
  });
});

describe("PgKnowledgeStore on PGlite: deleting a source", () => {
  it("removes its progress rows and keeps other sources' progress and Archon's rows", async () => {
    const store = await freshStore();
    const sink = new PgProgressSink(store.db);
    for (const id of ["a", "b"]) {
      await store.upsertSource(makeSource(id));
      const startedAt = "2024-01-01T00:00:00.000Z";
      await sink.handle({
        type: "sync-start",
        operationId: `op-${id}`,
        sourceId: id,
        mode: "full",
        resumed: false,
        startedAt,
      });
    }
    await store.db.exec(`INSERT INTO archon_sources (source_id, title) VALUES ('web', 'Archon web source');
      INSERT INTO archon_crawled_pages (url, chunk_number, content, source_id) VALUES ('https://x/1', 0, 'web', 'web')`);
    await store.deleteSource("a");
    expect(await sink.getProgress("op-a")).toBeNull();
    expect((await sink.getProgress("op-b"))?.state).toBe("running");
    expect((await store.db.query("SELECT source_id FROM archon_crawled_pages")).rows).toEqual([{ source_id: "web" }]);
    const sources = await store.db.query(`SELECT source_id FROM archon_sources ORDER BY source_id`);
    expect(sources.rows).toEqual([{ source_id: "b" }, { source_id: "web" }]);
  });
});

describe("PgKnowledgeStore on PGlite: 3,072 dimensions", () => {
  it("searches 3,072-dimension vectors through the halfvec HNSW index", async () => {
    const store = await freshStore();
    await store.upsertSource(makeSource("big"));
    for (let i = 0; i < 4; i++) {
      await store.writePage(makePage("big", String(i)), [
        makeChunk(0, `large ${i}`, i === 3 ? tilt(3, 2, 0.5, 3072) : axis(i, 3072), { embeddingModel: "l" }),
      ]);
    }
    const hits = await store.search({
      text: "",
      embedding: axis(2, 3072),
      embeddingModel: "l",
      mode: "vector",
      limit: 2,
    });
    expect(hits.map((h) => h.pageId)).toEqual(["2", "3"]);
    expect(hits[0]?.score).toBeCloseTo(1, 3);
    const plan = await store.db.transaction(async (tx) => {
      // With 4 rows a sort beats any index; whatever the statistics say, the ordered scan must be the HNSW one.
      await tx.exec("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off");
      const { rows } = await tx.query<{ "QUERY PLAN": string }>(
        `EXPLAIN SELECT c.id FROM archon_crawled_pages c WHERE (c.metadata ->> 'confluence_page_id') IS NOT NULL
         ORDER BY (c.embedding_3072)::halfvec(3072) <=> $1::halfvec(3072) LIMIT 5`,
        [JSON.stringify(axis(2, 3072))],
      );
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    });
    expect(plan).toContain("confluence_chunk_embedding_3072_hnsw");
  });
});

describe("createPgliteStore", () => {
  it("persists to a directory and reopens with the data", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "archon-pglite-"));
    try {
      const first = await createPgliteStore({ dataDir });
      await first.upsertSource(makeSource("persisted"));
      await first.writePage(makePage("persisted", "1"), [makeChunk(0, "durable words", axis(0, 384))]);
      await first.close();
      const second = await createPgliteStore({ dataDir });
      expect((await second.getChunks("persisted", "1"))[0]?.content).toBe("durable words");
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
