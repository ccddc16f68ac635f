// What Archon reads of blog posts and comments, on real PostgreSQL (TEST_DATABASE_URL or DATABASE_URL; skipped, saying
// why, without a server): chunk rows and page rows carry the content type, and Archon's metadata filter selects by it.
import { axis, makeChunk, makePage, makeSource } from "@archon/confluence-core/testing";
import { toSql } from "pgvector";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archonPageId } from "./archon-pages.js";
import { createTestDatabase, type TestDatabase } from "./archon-test-support.js";
import { loadMigrations, migrate, rollback } from "./migrate.js";
import { PgKnowledgeStore } from "./pg-knowledge-store.js";
import { probePostgres } from "./test-support.js";

const skip = await probePostgres(process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL);
if (skip) console.warn(`[pg-store] skipping content-type tests: ${skip}`);
const suite = skip ? describe.skip : describe;
const DIMS = 384;

suite(`content types in Archon's rows${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let test: TestDatabase;
  let store: PgKnowledgeStore;
  beforeAll(async () => {
    test = await createTestDatabase("content");
    await migrate(test.db);
    store = new PgKnowledgeStore(test.db);
    await store.upsertSource(makeSource("s"));
    await store.writePage(makePage("s", "1"), [
      makeChunk(0, "page text", axis(0, DIMS)),
      makeChunk(1, "a comment on the page", axis(1, DIMS), { contentType: "comment" }),
    ]);
    await store.writePage(makePage("s", "2", { contentType: "blogpost", ancestors: ["blog"] }), [
      makeChunk(0, "blog post text", axis(2, DIMS)),
    ]);
  });
  afterAll(async () => test?.drop());

  it("writes content_type into every chunk's metadata and every Archon page row", async () => {
    const chunks = await test.db.query<{ page: string; n: number; type: string }>(
      `SELECT metadata ->> 'confluence_page_id' AS page, chunk_number AS n, metadata ->> 'content_type' AS type
       FROM archon_crawled_pages ORDER BY 1, 2`,
    );
    expect(chunks.rows).toEqual([
      { page: "1", n: 0, type: "page" },
      { page: "1", n: 1, type: "comment" },
      { page: "2", n: 0, type: "blogpost" },
    ]);
    const pages = await test.db.query<{ id: string; type: string }>(
      "SELECT id::text AS id, metadata ->> 'content_type' AS type FROM archon_page_metadata ORDER BY 2",
    );
    expect(pages.rows).toEqual([
      { id: archonPageId("s", "2"), type: "blogpost" },
      { id: archonPageId("s", "1"), type: "page" },
    ]);
  });

  it("lets Archon's own search filter by content type through its metadata filter", async () => {
    const { rows } = await test.db.query<{ content: string }>(
      "SELECT content FROM match_archon_crawled_pages_multi(query_embedding => $1, embedding_dimension => $2, " +
        "match_count => 10, filter => $3)",
      [toSql(axis(1, DIMS)), DIMS, { content_type: "comment" }],
    );
    expect(rows.map((row) => row.content)).toEqual(["a comment on the page"]);
  });

  it("rolls back to 0005, keeping pages and dropping blog posts, and migrates up again", async () => {
    const at = loadMigrations().findIndex((m) => m.name.startsWith("0006"));
    expect(at).toBeGreaterThan(0);
    await rollback(test.db, { to: loadMigrations()[at - 1]?.version });
    const left = await test.db.query<{ page_id: string }>("SELECT page_id FROM confluence_pages ORDER BY 1");
    expect(left.rows.map((row) => row.page_id)).toEqual(["1"]);
    const keys = await test.db.query("SELECT 1 FROM archon_crawled_pages WHERE metadata ? 'content_type'");
    expect(keys.rows).toEqual([]);
    await migrate(test.db);
    const back = await test.db.query<{ type: string }>(
      "SELECT DISTINCT metadata ->> 'content_type' AS type FROM archon_crawled_pages",
    );
    expect(back.rows).toEqual([{ type: "page" }]);
  });
});
