/**
 * Compares what a sync left in PostgreSQL with the fake's ground truth and with a reference sync of the same space
 * into the in-memory store: the oracle for "no lost page, no duplicate chunk, no orphan chunk, no stale chunk".
 */

import type { KnowledgeStore } from "@archon/confluence-core";
import {
  ConfluenceSync,
  createConfluenceSource,
  createSourceRecord,
  HashingEmbedder,
  InMemoryKnowledgeStore,
  sha256,
} from "@archon/confluence-core";
import type { FakeConfluence } from "@archon/fake-confluence";
import type pg from "pg";

/** Per page: version, body hash and the (number, hash) of every chunk. */
export interface PageSnapshot {
  readonly version: number;
  readonly contentHash: string;
  readonly chunks: readonly string[];
}

/** Everything wrong with the store, as readable lines; empty when it equals the ground truth. */
export interface StoreReport {
  readonly pages: number;
  readonly chunks: number;
  readonly problems: string[];
}

/** Syncs the fake's current state into a fresh in-memory store: the chunks an uninterrupted sync writes. */
export async function referenceSnapshot(fake: FakeConfluence, spaceKey: string): Promise<Map<string, PageSnapshot>> {
  const store = new InMemoryKnowledgeStore();
  await store.upsertSource(
    createSourceRecord({ sourceId: "reference", baseUrl: fake.baseUrl, deployment: fake.deployment, spaceKey }),
  );
  const source = createConfluenceSource({
    baseUrl: fake.baseUrl,
    deployment: fake.deployment,
    credentials: fakeCredentials(fake),
    timeZone: "UTC",
  });
  await new ConfluenceSync({ source, store, embedder: new HashingEmbedder({ dimensions: 384 }) }).run({
    sourceId: "reference",
    mode: "full",
  });
  const snapshot = new Map<string, PageSnapshot>();
  for (const [pageId, state] of await store.getPageStates("reference")) {
    const chunks = await store.getChunks("reference", pageId);
    snapshot.set(pageId, {
      version: state.version,
      contentHash: state.contentHash,
      chunks: chunks.map((c) => `${c.chunkNumber}:${c.hash}`),
    });
  }
  return snapshot;
}

/** The credentials the fake accepts, in the shape `createConfluenceSource` takes. */
export function fakeCredentials(fake: FakeConfluence) {
  return fake.deployment === "cloud"
    ? { type: "basic" as const, email: fake.credentials.email, apiToken: fake.credentials.apiToken }
    : { type: "bearer" as const, token: fake.credentials.bearerToken };
}

/** Reads the source's rows straight from the tables, so the check does not trust the store's own code. */
export async function checkPgStore(
  pool: pg.Pool,
  sourceId: string,
  fake: FakeConfluence,
  spaceKey: string,
  reference: Map<string, PageSnapshot>,
): Promise<StoreReport> {
  const problems: string[] = [];
  const truth = new Map(
    fake
      .space(spaceKey)
      .pages()
      .map((p) => [p.id, p]),
  );
  const pages = await pool.query<{ page_id: string; version: number; content_hash: string }>(
    "SELECT page_id, version, content_hash FROM confluence_pages WHERE source_id = $1",
    [sourceId],
  );
  const stored = new Map(pages.rows.map((r) => [r.page_id, r]));
  for (const id of truth.keys()) if (!stored.has(id)) problems.push(`lost page ${id}`);
  for (const id of stored.keys()) if (!truth.has(id)) problems.push(`page ${id} is no longer in the space`);
  for (const [id, row] of stored) {
    const page = truth.get(id);
    if (!page) continue;
    if (row.version !== page.version) problems.push(`page ${id} has version ${row.version}, not ${page.version}`);
    if (row.content_hash !== sha256(page.body)) problems.push(`page ${id} was indexed from a stale body`);
  }

  const duplicates = await pool.query<{ key: string; n: string }>(
    `SELECT (metadata ->> 'confluence_page_id') || '#' || chunk_number AS key, count(*) AS n FROM archon_crawled_pages
     WHERE source_id = $1 GROUP BY metadata ->> 'confluence_page_id', chunk_number HAVING count(*) > 1
     UNION ALL
     SELECT url || '#' || chunk_number, count(*) FROM archon_crawled_pages
     WHERE source_id = $1 GROUP BY url, chunk_number HAVING count(*) > 1`,
    [sourceId],
  );
  for (const row of duplicates.rows) problems.push(`duplicate chunk ${row.key} (${row.n} rows)`);

  const orphans = await pool.query<{ page_id: string; n: string }>(
    `SELECT c.metadata ->> 'confluence_page_id' AS page_id, count(*) AS n FROM archon_crawled_pages c
     WHERE c.source_id = $1 AND NOT EXISTS (SELECT 1 FROM confluence_pages p
       WHERE p.source_id = c.source_id AND p.page_id = c.metadata ->> 'confluence_page_id')
     GROUP BY 1`,
    [sourceId],
  );
  for (const row of orphans.rows) problems.push(`${row.n} orphan chunks of page ${row.page_id}`);

  // Archon's view: one archon_page_metadata row per stored page, counting its chunks, and every chunk linked to it.
  const archonPages = await pool.query<{ problem: string }>(
    `SELECT 'page ' || p.page_id || ' has no Archon page row' AS problem FROM confluence_pages p
     WHERE p.source_id = $1 AND NOT EXISTS (SELECT 1 FROM archon_page_metadata m
       WHERE m.source_id = p.source_id AND m.metadata ->> 'confluence_page_id' = p.page_id)
     UNION ALL
     SELECT 'Archon page row of page ' || (m.metadata ->> 'confluence_page_id') || ' outlived its page'
     FROM archon_page_metadata m WHERE m.source_id = $1 AND NOT EXISTS (SELECT 1 FROM confluence_pages p
       WHERE p.source_id = m.source_id AND p.page_id = m.metadata ->> 'confluence_page_id')
     UNION ALL
     SELECT 'Archon page row of page ' || (m.metadata ->> 'confluence_page_id') || ' counts ' || m.chunk_count
       || ' chunks, not ' || (SELECT count(*) FROM archon_crawled_pages c WHERE c.page_id = m.id)
     FROM archon_page_metadata m WHERE m.source_id = $1
       AND m.chunk_count <> (SELECT count(*) FROM archon_crawled_pages c WHERE c.page_id = m.id)
     UNION ALL
     SELECT count(*) || ' chunks of page ' || (c.metadata ->> 'confluence_page_id') || ' not linked to its Archon page row'
     FROM archon_crawled_pages c WHERE c.source_id = $1 AND (c.page_id IS NULL
       OR c.metadata ->> 'page_id' IS DISTINCT FROM c.page_id::text
       OR NOT EXISTS (SELECT 1 FROM archon_page_metadata m
         WHERE m.id = c.page_id AND m.metadata ->> 'confluence_page_id' = c.metadata ->> 'confluence_page_id'))
     GROUP BY c.metadata ->> 'confluence_page_id'`,
    [sourceId],
  );
  for (const row of archonPages.rows) problems.push(row.problem);

  const chunks = await pool.query<{ page_id: string; entry: string }>(
    `SELECT metadata ->> 'confluence_page_id' AS page_id, chunk_number || ':' || (metadata ->> 'chunk_hash') AS entry
     FROM archon_crawled_pages WHERE source_id = $1 ORDER BY 1, chunk_number`,
    [sourceId],
  );
  const byPage = new Map<string, string[]>();
  for (const row of chunks.rows) {
    const list = byPage.get(row.page_id) ?? [];
    list.push(row.entry);
    byPage.set(row.page_id, list);
  }
  for (const [id, expected] of reference) {
    if (!stored.has(id)) continue;
    const actual = byPage.get(id) ?? [];
    if (actual.join(",") !== expected.chunks.join(",")) {
      problems.push(`page ${id}: chunks ${summarize(actual)} differ from a clean sync's ${summarize(expected.chunks)}`);
    }
  }
  if (reference.size !== truth.size)
    problems.push(`reference sync saw ${reference.size} pages, truth has ${truth.size}`);
  return { pages: stored.size, chunks: chunks.rows.length, problems };
}

const summarize = (entries: readonly string[]) =>
  `[${entries.length} chunks${entries.length > 0 ? `, first ${entries[0]?.slice(0, 16)}` : ""}]`;

/** The same comparison through the `KnowledgeStore` port, for stores without tables (in memory, PGlite). */
export async function checkKnowledgeStore(
  store: KnowledgeStore,
  sourceId: string,
  fake: FakeConfluence,
  spaceKey: string,
  /** A clean sync's chunks; without it only pages, versions, bodies and chunk numbers are checked. */
  reference?: Map<string, PageSnapshot>,
): Promise<StoreReport> {
  const problems: string[] = [];
  const truth = new Map(
    fake
      .space(spaceKey)
      .pages()
      .map((p) => [p.id, p]),
  );
  const states = await store.getPageStates(sourceId);
  for (const id of truth.keys()) if (!states.has(id)) problems.push(`lost page ${id}`);
  let chunkCount = 0;
  for (const [id, state] of states) {
    const page = truth.get(id);
    if (!page) {
      problems.push(`page ${id} is no longer in the space`);
      continue;
    }
    if (state.version !== page.version) problems.push(`page ${id} has version ${state.version}, not ${page.version}`);
    if (state.contentHash !== sha256(page.body)) problems.push(`page ${id} was indexed from a stale body`);
    const chunks = (await store.getChunks(sourceId, id)).map((c) => `${c.chunkNumber}:${c.hash}`);
    chunkCount += chunks.length;
    if (new Set(chunks.map((c) => c.split(":")[0])).size !== chunks.length)
      problems.push(`duplicate chunk of page ${id}`);
    const expected = reference?.get(id)?.chunks ?? [];
    if (reference && chunks.join(",") !== expected.join(",")) {
      problems.push(`page ${id}: chunks ${summarize(chunks)} differ from a clean sync's ${summarize(expected)}`);
    }
  }
  return { pages: states.size, chunks: chunkCount, problems };
}

/**
 * Pages without children. Deleting one changes no other page: links become by-title URLs, so a page's chunks depend
 * on its own body alone, and the chunk comparison with a clean sync stays exact even for pages that linked to it.
 */
export function leafPages<T extends { id: string; parentId: string | null }>(pages: readonly T[]): T[] {
  const parents = new Set(pages.map((p) => p.parentId));
  return pages.filter((p) => !parents.has(p.id));
}
