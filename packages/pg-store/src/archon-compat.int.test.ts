// An unmodified Archon reading what the SDK writes, on real PostgreSQL: the database is built from Archon's own
// complete_setup.sql plus our migrations (in both orders), and Archon's SQL is called as its Python calls it.
// Skips, saying why, without ../shared/fixtures/archon or a server (TEST_DATABASE_URL / DATABASE_URL).
import { randomBytes } from "node:crypto";
import { ConfluenceSync, HashingEmbedder, OpenAIEmbedder } from "@archon/confluence-core";
import { FakeConfluenceSource, FakeOpenAIServer } from "@archon/confluence-core/testing";
import { toSql } from "pgvector";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archonPageId } from "./archon-pages.js";
import {
  archonHybridSearch,
  archonPageById,
  archonSetupSql,
  archonSkipReason,
  archonVectorPlan,
  archonVectorSearch,
  createTestDatabase,
  exactTopIds,
  type TestDatabase,
} from "./archon-test-support.js";
import { createPgStore } from "./create.js";
import { keyRingFromEnv, PgCredentialStore } from "./credential-store.js";
import type { Db } from "./db.js";
import { loadMigrations, migrate, rollback } from "./migrate.js";
import { PgKnowledgeStore } from "./pg-knowledge-store.js";
import { PgProgressSink } from "./progress-sink.js";

const skip = await archonSkipReason();
if (skip) console.warn(`[pg-store] skipping Archon compatibility tests: ${skip}`);
const suite = skip ? describe.skip : describe;
const SUFFIX = skip ? ` (skipped: ${skip})` : "";

const WORDS = (
  "deploy rollback cluster ingress certificate rotation backup restore replica failover latency budget alert " +
  "pager runbook incident postmortem schema migration index vacuum partition shard queue worker retry timeout " +
  "token secret vault audit access role policy network firewall subnet gateway proxy cache cdn bucket archive " +
  "billing invoice refund ledger payroll onboarding laptop badge holiday travel expense contract vendor legal"
).split(" ");

/** Deterministic prose: each page mixes a few topic words with shared filler. */
function prose(seed: number, words: number): string {
  let x = seed * 2654435761;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out.push(WORDS[(x >>> 8) % WORDS.length] as string);
  }
  return out.join(" ");
}

const PAGES = 40;
const CONF = "conf";

function confluenceSpace(): FakeConfluenceSource {
  const source = new FakeConfluenceSource({ now: () => new Date("2026-01-01T00:00:00Z") });
  source.addSpace("OPS");
  for (let n = 0; n < PAGES; n++) {
    // One page is about a term no other text has.
    const body =
      n === 7
        ? "<h1>Quokkaflux</h1><p>The quokkaflux procedure resets the telemetry relay: run quokkaflux on the relay.</p>"
        : `<h1>Runbook ${n}</h1><p>${prose(n, 120)}</p><h2>Details</h2><p>${prose(n + 1000, 160)}</p>`;
    source.addPage("OPS", { title: `Runbook ${n}`, body });
  }
  return source;
}

async function countRows(db: Db, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return rows[0]?.n ?? 0;
}

/** Archon's own crawled web source, as Archon's crawler stores it, so Confluence content sits among Archon's. */
async function addArchonWebSource(db: Db, server: FakeOpenAIServer, chunks: number): Promise<void> {
  await db.query(
    `INSERT INTO archon_sources (source_id, source_url, title, summary, total_word_count, metadata)
     VALUES ('web', 'https://docs.example', 'Docs', 'Web docs', 100, '{"knowledge_type":"technical","source_type":"url"}')`,
  );
  for (let n = 0; n < chunks; n++) {
    const content = prose(n + 5000, 80);
    await db.query(
      `INSERT INTO archon_crawled_pages (url, chunk_number, content, metadata, source_id, embedding_1536,
         embedding_model, embedding_dimension)
       VALUES ($1, 0, $2, $3, 'web', $4, 'text-embedding-3-small', 1536)`,
      [
        `https://docs.example/${n}`,
        content,
        { url: `https://docs.example/${n}`, source_id: "web" },
        toSql(await server.vectorFor(content)),
      ],
    );
  }
}

interface Scenario {
  readonly name: string;
  /** Builds the database; returns what Archon's setup reported, for scenario-specific checks. */
  build(db: Db): Promise<void>;
}

const archonFirst: Scenario = {
  name: "an existing Archon database (complete_setup.sql, then our migrations)",
  async build(db) {
    await db.exec(archonSetupSql());
    await migrate(db);
  },
};

const oursFirst: Scenario = {
  name: "a database made by our migrations, then Archon's complete_setup.sql",
  async build(db) {
    await migrate(db);
    // Archon runs on it as it is: its tables, cascade, page table and search functions already exist.
    const fk = await db.query<{ confdeltype: string }>(
      `SELECT confdeltype FROM pg_constraint
       WHERE conrelid = 'archon_crawled_pages'::regclass AND confrelid = 'archon_sources'::regclass AND contype = 'f'`,
    );
    expect(fk.rows).toEqual([{ confdeltype: "c" }]);
    const functions = await db.query<{ ok: boolean }>(
      `SELECT to_regprocedure('match_archon_crawled_pages(vector, integer, jsonb, text)') IS NOT NULL
         AND to_regprocedure('hybrid_search_archon_crawled_pages(vector, text, integer, jsonb, text)') IS NOT NULL
         AND to_regclass('archon_page_metadata') IS NOT NULL AS ok`,
    );
    expect(functions.rows).toEqual([{ ok: true }]);
    await db.exec(archonSetupSql());
  },
};

for (const scenario of [archonFirst, oursFirst]) {
  suite(`Archon reads Confluence content on ${scenario.name}${SUFFIX}`, () => {
    let test: TestDatabase;
    let server: FakeOpenAIServer;
    let store: PgKnowledgeStore;
    let source: FakeConfluenceSource;
    let openai: OpenAIEmbedder;
    const now = new Date().toISOString();

    beforeAll(async () => {
      test = await createTestDatabase("compat");
      server = await FakeOpenAIServer.start();
      await scenario.build(test.db);
      await test.reconnect();
      await addArchonWebSource(test.db, server, 150);
      store = new PgKnowledgeStore(test.db);
      source = confluenceSpace();
      openai = new OpenAIEmbedder({ apiKey: "test-key", baseURL: server.baseURL, maxRetries: 0 });
      await store.upsertSource({
        sourceId: CONF,
        name: "Operations",
        deployment: "cloud",
        baseUrl: source.baseUrl,
        spaceKey: "OPS",
        deletionStrategy: "listing",
        removeArchived: true,
        createdAt: now,
        updatedAt: now,
      });
    }, 300_000);

    afterAll(async () => {
      await server?.close();
      await test?.drop();
    });

    it("with the local default embedder, start-up says Archon cannot find it, naming the fix", async () => {
      const hashing = new HashingEmbedder();
      const check = await store.checkArchonSearch(hashing);
      expect(check).toMatchObject({ archonSearch: true, archonModel: "text-embedding-3-small", searchable: false });
      expect(check.message).toMatch(/embedding_1536/);
      expect(check.message).toMatch(/OPENAI_API_KEY/);
      await new ConfluenceSync({ source, store, embedder: hashing }).run({ sourceId: CONF, mode: "full" });
      const hits = await archonVectorSearch(test.db, await server.vectorFor("rollback runbook"), 10, CONF);
      expect(hits).toEqual([]);
      expect(await store.checkArchonSearch(openai)).toMatchObject({ searchable: true, message: null });
    }, 300_000);

    it("switching to the 1536-d model re-indexes every page on the next incremental sync and clears old vectors", async () => {
      const metrics = await new ConfluenceSync({ source, store, embedder: openai }).run({
        sourceId: CONF,
        mode: "incremental",
      });
      expect(metrics.pagesIndexed).toBe(PAGES);
      expect(
        await countRows(test.db, "archon_crawled_pages WHERE source_id = $1 AND embedding_384 IS NOT NULL", [CONF]),
      ).toBe(0);
      const chunks = await countRows(test.db, "archon_crawled_pages WHERE source_id = $1", [CONF]);
      expect(chunks).toBeGreaterThanOrEqual(PAGES);
      expect(
        await countRows(test.db, "archon_crawled_pages WHERE source_id = $1 AND embedding_1536 IS NOT NULL", [CONF]),
      ).toBe(chunks);
      const again = await new ConfluenceSync({ source, store, embedder: openai }).run({ sourceId: CONF });
      expect(again.pagesIndexed).toBe(0);
    }, 300_000);

    it("Archon's vector search returns Confluence chunks with recall@10 >= 0.95, with and without a source filter", async () => {
      const { rows } = await test.db.query<{ content: string }>(
        "SELECT content FROM archon_crawled_pages WHERE source_id = $1 ORDER BY id LIMIT 20",
        [CONF],
      );
      let found = 0;
      let filteredFound = 0;
      let confluenceHits = 0;
      for (const [i, row] of rows.entries()) {
        const query = row.content
          .split(/\s+/)
          .slice(i % 5, (i % 5) + 8)
          .join(" ");
        const embedding = await server.vectorFor(query);
        const exact = new Set(await exactTopIds(test.db, embedding, 10));
        const hits = await archonVectorSearch(test.db, embedding, 10);
        found += hits.filter((hit) => exact.has(String(hit.id))).length;
        confluenceHits += hits.filter((hit) => hit.source_id === CONF).length;
        const exactInSource = new Set(await exactTopIds(test.db, embedding, 10, CONF));
        const inSource = await archonVectorSearch(test.db, embedding, 10, CONF);
        expect(inSource.every((hit) => hit.source_id === CONF)).toBe(true);
        filteredFound += inSource.filter((hit) => exactInSource.has(String(hit.id))).length;
      }
      const recall = found / (rows.length * 10);
      const filteredRecall = filteredFound / (rows.length * 10);
      expect(recall).toBeGreaterThanOrEqual(0.95);
      expect(filteredRecall).toBeGreaterThanOrEqual(0.95);
      expect(confluenceHits).toBeGreaterThan(0);

      // On a table this small the planner may scan it exactly; on a real one it takes an index. With sequential and
      // bitmap scans off (as they are in effect on a large table), Archon's query takes the full HNSW index, not Archon's
      // IVFFlat index (whose lists were fixed on an empty table), and keeps its recall.
      await test.db.exec("ANALYZE archon_crawled_pages");
      const indexed = async (dropOurs: boolean) =>
        test.db.transaction(async (tx) => {
          await tx.exec("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off");
          // Archon's IVFFlat index as it serves without this SDK: one probe, the HNSW index absent.
          if (dropOurs) {
            await tx.exec("SAVEPOINT ivfflat_only; DROP INDEX confluence_embedding_1536_hnsw");
            await tx.exec("SET LOCAL ivfflat.probes = 1");
          }
          const plan = await archonVectorPlan(tx, await server.vectorFor("rollback"), 10);
          let hitsFound = 0;
          for (const [i, row] of rows.entries()) {
            const embedding = await server.vectorFor(
              row.content
                .split(/\s+/)
                .slice(i % 5, (i % 5) + 8)
                .join(" "),
            );
            const exact = new Set(await exactTopIds(tx, embedding, 10));
            const hits = await archonVectorSearch(tx, embedding, 10);
            hitsFound += hits.filter((hit) => exact.has(String(hit.id))).length;
          }
          if (dropOurs) await tx.exec("ROLLBACK TO SAVEPOINT ivfflat_only");
          return { plan, recall: hitsFound / (rows.length * 10) };
        });
      const withIndex = await indexed(false);
      expect(withIndex.plan).toContain("confluence_embedding_1536_hnsw");
      expect(withIndex.plan).not.toContain("idx_archon_crawled_pages_embedding_1536");
      expect(withIndex.recall).toBeGreaterThanOrEqual(0.95);
      const ivfflatOnly = await indexed(true);
      expect(ivfflatOnly.plan).toContain("idx_archon_crawled_pages_embedding_1536");
      expect(ivfflatOnly.recall).toBeLessThan(0.95);
      console.info(
        `[archon] recall@10: ${recall.toFixed(3)} as planned, ${filteredRecall.toFixed(3)} with a source filter, ` +
          `${withIndex.recall.toFixed(3)} through the HNSW index, ${ivfflatOnly.recall.toFixed(3)} through Archon's IVFFlat`,
      );
    }, 300_000);

    it("Archon's hybrid search ranks the right Confluence chunk first, with what Archon shows and cites", async () => {
      const query = "quokkaflux procedure telemetry relay";
      const hits = await archonHybridSearch(test.db, query, await server.vectorFor(query), 5);
      const top = hits[0];
      const page = (await store.listPages({ sourceId: CONF, limit: 100 })).items.find((p) => p.title === "Runbook 7");
      expect(top?.source_id).toBe(CONF);
      expect(top?.match_type).toBe("hybrid");
      expect(top?.content).toContain("quokkaflux");
      expect(top?.url).toBe(page?.webUrl);
      expect(top?.metadata).toMatchObject({
        url: page?.webUrl,
        source_id: CONF,
        title: "Runbook 7",
        page_id: archonPageId(CONF, page?.pageId ?? ""),
        confluence_page_id: page?.pageId,
        knowledge_type: "technical",
        source_type: "confluence",
        space_key: "OPS",
      });
      expect(typeof top?.metadata.headers).toBe("string");
      expect(top?.metadata.word_count).toBe(top?.content.split(/\s+/).filter(Boolean).length);
      // A Python None source filter and a source filter both work.
      const filtered = await archonHybridSearch(test.db, query, await server.vectorFor(query), 5, CONF);
      expect(filtered[0]?.id).toBe(top?.id);
    }, 300_000);

    it("pages mode: each chunk's page_id opens its page; list pages and read full page give the Confluence page", async () => {
      const query = "rollback runbook failover";
      const hits = await archonHybridSearch(test.db, query, await server.vectorFor(query), 10);
      const confluence = hits.filter((hit) => hit.source_id === CONF);
      expect(confluence.length).toBeGreaterThan(0);
      for (const hit of confluence) {
        const pageRow = await archonPageById(test.db, String(hit.metadata.page_id));
        expect(pageRow?.url).toBe(hit.url);
        expect(pageRow?.section_title).toBe(hit.metadata.title);
        expect(pageRow?.word_count).toBeGreaterThan(0);
      }
      const listed = await test.db.query<{ id: string; url: string }>(
        "SELECT id, url, section_title, word_count FROM archon_page_metadata WHERE source_id = $1",
        [CONF],
      );
      expect(listed.rows).toHaveLength(PAGES);
      const first = (await store.listPages({ sourceId: CONF, limit: 1 })).items[0];
      const stored = await store.getPage(CONF, first?.pageId ?? "");
      const full = await test.db.query(
        "SELECT full_content, url, chunk_count, char_count FROM archon_page_metadata WHERE id = $1",
        [archonPageId(CONF, first?.pageId ?? "")],
      );
      const chunks = await store.getChunks(CONF, first?.pageId ?? "");
      expect(full.rows[0]).toEqual({
        full_content: stored?.markdown,
        url: stored?.webUrl,
        chunk_count: chunks.length,
        char_count: stored?.markdown.length,
      });
      const byUrl = await test.db.query("SELECT id FROM archon_page_metadata WHERE url = $1", [stored?.webUrl]);
      expect(byUrl.rows).toEqual([{ id: archonPageId(CONF, first?.pageId ?? "") }]);
    }, 300_000);

    it("Archon's source list shows it as web content with words and summary; a user's edits survive syncs", async () => {
      const { rows } = await test.db.query<Record<string, unknown>>(
        "SELECT * FROM archon_sources WHERE source_id = $1",
        [CONF],
      );
      const row = rows[0] as {
        title: string;
        summary: string;
        total_word_count: number;
        metadata: Record<string, unknown>;
      };
      const words = await test.db.query<{ n: number }>(
        "SELECT sum(word_count)::int AS n FROM archon_page_metadata WHERE source_id = $1",
        [CONF],
      );
      expect(row.total_word_count).toBe(words.rows[0]?.n);
      expect(row.total_word_count).toBeGreaterThan(PAGES * 100);
      expect(row.summary).toMatch(/Confluence space Operations \(OPS\): 40 pages/);
      // KnowledgeItemService._determine_source_type, then KnowledgeCard's isUrl.
      expect(row.metadata.source_type).toBe("url");
      expect(row.title).toBe("Operations");

      // KnowledgeItemService.update_item: title, then metadata merged with the edited fields.
      await test.db.query(
        `UPDATE archon_sources SET title = 'Ops handbook',
           metadata = metadata || '{"knowledge_type":"business","tags":["ops"],"description":"Our runbooks"}'::jsonb
         WHERE source_id = $1`,
        [CONF],
      );
      const existing = await store.getSource(CONF);
      await store.upsertSource({ ...(existing as NonNullable<typeof existing>), name: "Operations (renamed)" });
      source.editPage((await store.listPages({ sourceId: CONF, limit: 1 })).items[0]?.pageId ?? "", {
        body: "<p>Edited body about failover.</p>",
      });
      await new ConfluenceSync({ source, store, embedder: openai }).run({ sourceId: CONF });
      const after = await test.db.query<{ title: string; metadata: Record<string, unknown> }>(
        "SELECT title, metadata FROM archon_sources WHERE source_id = $1",
        [CONF],
      );
      expect(after.rows[0]?.title).toBe("Ops handbook");
      expect(after.rows[0]?.metadata).toMatchObject({
        knowledge_type: "business",
        tags: ["ops"],
        description: "Our runbooks",
        source_type: "url",
      });
      // New chunks follow the user's knowledge type, as Archon's crawler copies it from the source.
      const edited = await test.db.query<{ kt: string }>(
        "SELECT DISTINCT metadata ->> 'knowledge_type' AS kt FROM archon_crawled_pages WHERE content LIKE 'Edited body%'",
      );
      expect(edited.rows).toEqual([{ kt: "business" }]);
    }, 300_000);

    it("Archon's delete of the archon_sources row removes everything stored for the source", async () => {
      const keys = keyRingFromEnv({ ARCHON_CONFLUENCE_SECRET_KEY: randomBytes(32).toString("base64") });
      await new PgCredentialStore(test.db, keys).put(CONF, { type: "bearer", token: "secret-token" });
      await new ConfluenceSync({ source, store, embedder: openai, sinks: [new PgProgressSink(test.db)] }).run({
        sourceId: CONF,
      });
      expect(await countRows(test.db, "archon_progress WHERE source_id = $1", [CONF])).toBeGreaterThan(0);
      // KnowledgeItemService / Archon's API: supabase.table("archon_sources").delete().eq("source_id", id)
      await test.db.query("DELETE FROM archon_sources WHERE source_id = $1", [CONF]);
      for (const table of [
        "archon_crawled_pages",
        "archon_page_metadata",
        "confluence_pages",
        "confluence_sources",
        "confluence_sync_state",
        "confluence_credentials",
        "archon_progress",
      ]) {
        expect(await countRows(test.db, `${table} WHERE source_id = $1`, [CONF]), table).toBe(0);
      }
      expect(await countRows(test.db, "archon_crawled_pages WHERE source_id = 'web'")).toBe(150);
    }, 300_000);

    it("rolling every migration back succeeds and leaves Archon's objects and rows alone", async () => {
      // A bulk load that died with an index deferred: the rollback builds it before 0003's removes it.
      const deferred = await test.db.query<{ n: number }>("SELECT confluence_defer_indexes(768) AS n");
      expect(deferred.rows[0]?.n).toBeGreaterThan(0);
      await rollback(test.db, { to: 0 });
      const { rows } = await test.db.query<Record<string, boolean>>(
        `SELECT to_regclass('archon_page_metadata') IS NOT NULL AS pages,
           to_regclass('idx_archon_crawled_pages_embedding_1536') IS NOT NULL AS ivfflat,
           to_regprocedure('match_archon_crawled_pages(vector, integer, jsonb, text)') IS NOT NULL AS search,
           to_regclass('confluence_pages') IS NULL AS ours_gone`,
      );
      expect(rows[0]).toEqual({ pages: true, ivfflat: true, search: true, ours_gone: true });
      expect(await countRows(test.db, "archon_crawled_pages WHERE source_id = 'web'")).toBe(150);
      expect((await migrate(test.db)).applied).toHaveLength(loadMigrations().length);
    }, 300_000);
  });
}

suite(`An Archon database older than its page table${SUFFIX}`, () => {
  it("gets a clear message naming Archon's migration 011, from migrate and from a store opened without it", async () => {
    const test = await createTestDatabase("old");
    try {
      await test.db.exec(archonSetupSql());
      await test.db.exec("ALTER TABLE archon_crawled_pages DROP COLUMN page_id; DROP TABLE archon_page_metadata;");
      const error = await migrate(test.db).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "CONFIG_INVALID" });
      expect((error as Error).message).toMatch(/0003_archon_pages failed: .*011_add_page_metadata_table/);
      const opened = await createPgStore({ pool: test.pool, migrate: false }).catch((e: unknown) => e);
      expect(opened).toMatchObject({ code: "CONFIG_INVALID" });
      expect((opened as Error).message).toMatch(/older than Archon's migration|predates Archon's migration/);
    } finally {
      await test.drop();
    }
  }, 300_000);
});
