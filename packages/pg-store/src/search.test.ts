import type { SearchHit, SearchQuery } from "@archon/confluence-core";
import { axis, makeChunk, makePage, makeSource } from "@archon/confluence-core/testing";
import { describe, expect, it } from "vitest";
import type { Db } from "./db.js";
import { migrate, rollback } from "./migrate.js";
import { PgKnowledgeStore } from "./pg-knowledge-store.js";
import { searchChunks } from "./search.js";
import { resetDatabase, sharedPgliteDatabase } from "./test-support.js";

const database = sharedPgliteDatabase();

async function freshStore(): Promise<PgKnowledgeStore> {
  const db = await database();
  await resetDatabase(db);
  return new PgKnowledgeStore({ ...db, close: async () => {} });
}

/** What the narrow table holds against what it mirrors: every Confluence chunk, with the same tsvector. */
async function mirror(db: Db) {
  const narrow = await db.query<{ k: string }>(
    `SELECT s.source_id || '/' || s.page_id || '#' || s.chunk_number || ':' || s.content_type || ':' ||
       s.search_vector::text AS k FROM confluence_chunk_search s ORDER BY 1`,
  );
  const chunks = await db.query<{ k: string }>(
    `SELECT c.source_id || '/' || (c.metadata ->> 'confluence_page_id') || '#' || c.chunk_number || ':' ||
       COALESCE(c.metadata ->> 'content_type', 'page') || ':' || c.content_search_vector::text AS k
     FROM archon_crawled_pages c WHERE (c.metadata ->> 'confluence_page_id') IS NOT NULL ORDER BY 1`,
  );
  return { narrow: narrow.rows.map((r) => r.k), chunks: chunks.rows.map((r) => r.k) };
}

const WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
/** Chunk texts where common words repeat at varied distances, so ts_rank orders them in many different ways. */
function text(page: number, chunk: number): string {
  return Array.from({ length: 24 }, (_, i) => WORDS[(page * 7 + chunk * 3 + i * i) % WORDS.length]).join(" ");
}

async function writeCorpus(store: PgKnowledgeStore, pages = 12): Promise<void> {
  await store.upsertSource(makeSource("s"));
  for (let p = 0; p < pages; p++) {
    const chunks = [0, 1, 2].map((n) => makeChunk(n, text(p, n), axis((p + n) % 8, 384)));
    await store.writePage(
      makePage("s", String(p), { labels: p % 2 === 0 ? ["even"] : [], spaceKey: p % 3 === 0 ? "A" : "B" }),
      chunks,
    );
  }
}

const key = (hits: SearchHit[]) => hits.map((h) => `${h.pageId}#${h.chunkNumber}:${h.score.toFixed(9)}`);

describe("keyword ranking on confluence_chunk_search", () => {
  it("mirrors every Confluence chunk through writes, rewrites, deletes and truncation, and skips Archon's own", async () => {
    const store = await freshStore();
    const db = store.db;
    await writeCorpus(store, 4);
    expect((await mirror(db)).narrow).toHaveLength(12);
    expect((await mirror(db)).narrow).toEqual((await mirror(db)).chunks);
    await store.writePage(makePage("s", "1", { title: "rewritten" }), [makeChunk(0, "omega theta", axis(1, 384))]);
    await store.deletePages("s", ["2"]);
    const after = await mirror(db);
    expect(after.narrow).toHaveLength(7);
    expect(after.narrow).toEqual(after.chunks);
    expect(after.narrow.some((k) => k.includes("omega"))).toBe(true);
    await db.exec(`INSERT INTO archon_sources (source_id, title) VALUES ('web', 'Docs');
      INSERT INTO archon_crawled_pages (url, chunk_number, content, source_id) VALUES ('https://docs.example/a', 0, 'alpha web', 'web')`);
    expect((await mirror(db)).narrow).toHaveLength(7);
    await db.exec(
      "UPDATE archon_crawled_pages SET content = 'kappa lambda' WHERE (metadata ->> 'confluence_page_id') = '3'",
    );
    const updated = await mirror(db);
    expect(updated.narrow).toEqual(updated.chunks);
    expect(updated.narrow.filter((k) => k.includes("kappa"))).toHaveLength(3);
    await db.exec("TRUNCATE archon_crawled_pages");
    expect((await mirror(db)).narrow).toEqual([]);
    await writeCorpus(store, 1);
    expect((await mirror(db)).narrow).toHaveLength(3);
    await db.exec("TRUNCATE archon_crawled_pages, confluence_chunk_search");
    expect((await mirror(db)).narrow).toEqual([]);
  });

  it("returns the same hits, scores and order as ranking on the chunk table, with and without filters", async () => {
    const store = await freshStore();
    await writeCorpus(store);
    const readers = new Map<string, string[][]>();
    for (let p = 0; p < 12; p++) readers.set(String(p), p % 4 === 0 ? [["group:eng"]] : []);
    await store.setPageReaders("s", readers);
    const queries: SearchQuery[] = [];
    for (const words of ["alpha beta", "gamma", "delta zeta epsilon", "alpha -beta", '"beta gamma"', "nothing"]) {
      const base = { text: words, embedding: axis(3, 384), limit: 5 };
      queries.push(
        { ...base, mode: "keyword" },
        base,
        { ...base, filters: { spaceKeys: ["A"], labels: ["even"] } },
        { ...base, filters: { pathPrefix: "/0" } },
        { ...base, filters: { contentTypes: ["page"], sourceIds: ["s"] } },
        { ...base, principal: { userId: "u", groups: [] } },
      );
    }
    let matched = 0;
    for (const query of queries) {
      const narrow = await searchChunks(store.db, query);
      const wide = await searchChunks(store.db, query, { keyword: { table: "wide" } });
      expect(key(narrow), JSON.stringify(query)).toEqual(key(wide));
      if (narrow.some((hit) => hit.matched.keyword)) matched += 1;
    }
    // The comparison is not vacuous: most queries find keyword hits.
    expect(matched).toBeGreaterThanOrEqual(queries.length / 2);
  });

  it("copies the chunks a database held before the table existed", async () => {
    const store = await freshStore();
    const db = store.db;
    await rollback(db, { to: 12 });
    expect((await db.query("SELECT to_regclass('confluence_chunk_search') AS t")).rows).toEqual([{ t: null }]);
    await writeCorpus(store, 3);
    await migrate(db);
    const copied = await mirror(db);
    expect(copied.narrow).toHaveLength(9);
    expect(copied.narrow).toEqual(copied.chunks);
    const query: SearchQuery = { text: "alpha beta", mode: "keyword", limit: 5 };
    expect(key(await searchChunks(db, query))).toEqual(
      key(await searchChunks(db, query, { keyword: { table: "wide" } })),
    );
  });
});
