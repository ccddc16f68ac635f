import { axis, makeChunk, makePage, makeSource } from "@archon/confluence-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archonPageId } from "./archon-pages.js";
import { type Db, fromPglite } from "./db.js";
import { migrate } from "./migrate.js";
import { PgKnowledgeStore } from "./pg-knowledge-store.js";
import { openPglite } from "./pglite.js";

describe("page readers in Archon rows (PGlite)", () => {
  let db: Db;
  let store: PgKnowledgeStore;
  beforeAll(async () => {
    db = fromPglite(await openPglite(), { ownsDb: true });
    await migrate(db);
    store = new PgKnowledgeStore({ ...db, close: async () => {} });
  });
  afterAll(() => db.close());

  /** Readers as an Archon integration finds them: through each chunk's `page_id`, on the Archon page row. */
  const chunkReaders = async (pageId: string) =>
    (
      await db.query<{ readers: unknown }>(
        "SELECT m.metadata -> 'confluence_readers' AS readers FROM archon_crawled_pages c " +
          "JOIN archon_page_metadata m ON m.id = c.page_id " +
          "WHERE c.source_id = 's' AND c.metadata ->> 'confluence_page_id' = $1 ORDER BY c.chunk_number",
        [pageId],
      )
    ).rows.map((row) => row.readers);

  it("writes the readers into the Archon page row every chunk points at, and drops unused clauses", async () => {
    await store.upsertSource(makeSource("s", { syncPermissions: true, enforcePermissions: true }));
    expect(await store.getSource("s")).toMatchObject({ syncPermissions: true, enforcePermissions: true });
    await store.writePage(makePage("s", "1"), [
      makeChunk(0, "alpha one", axis(0, 384)),
      makeChunk(1, "alpha two", axis(1, 384)),
    ]);
    const readers = [["group:eng"], ["user:alice", "user:bob"]];
    await store.setPageReaders("s", new Map([["1", readers]]));
    expect(await chunkReaders("1")).toEqual([readers, readers]);
    const page = await db.query<{ readers: unknown }>(
      "SELECT metadata -> 'confluence_readers' AS readers FROM archon_page_metadata WHERE id = $1",
      [archonPageId("s", "1")],
    );
    expect(page.rows[0]?.readers).toEqual(readers);

    await store.setPageReaders("s", new Map([["1", [["group:eng"]]]]));
    expect(await chunkReaders("1")).toEqual([[["group:eng"]], [["group:eng"]]]);
    const clauses = await db.query<{ principals: string[] }>(
      "SELECT principals FROM confluence_reader_clauses WHERE source_id = 's'",
    );
    expect(clauses.rows.map((row) => row.principals)).toEqual([["group:eng"]]);
  });
});
