import {
  assertPrincipalGiven,
  checkReaders,
  type PageReaders,
  principalTokens,
  type SearchPrincipal,
} from "@archon/confluence-core";
import type { Db } from "./db.js";
import type { Params } from "./sql.js";

/**
 * Search conditions on pages `p` for a principal: the page's readers are known and every one of its clauses is one
 * the principal satisfies. The satisfied clauses are computed once per statement (an uncorrelated subquery, run as an
 * init plan), so each candidate row costs one `<@` on a short array.
 */
export function principalConditions(principal: SearchPrincipal | null, params: Params): string[] {
  if (principal === null) return [];
  const tokens = params.add(principalTokens(principal));
  return [
    "p.reader_clauses <@ (SELECT COALESCE(array_agg(rc.id), '{}'::bigint[]) FROM confluence_reader_clauses rc " +
      `WHERE rc.principals && ${tokens}::text[])`,
  ];
}

/** Refuses (`PERMISSION_REQUIRED`) a search without a principal when a source in its scope enforces permissions. */
export async function checkSearchPrincipal(
  db: Db,
  principal: SearchPrincipal | null,
  scope: readonly string[] | undefined,
): Promise<void> {
  if (principal !== null) return;
  const { rows } = await db.query<{ source_id: string }>(
    "SELECT source_id FROM confluence_sources WHERE enforce_permissions" +
      (scope === undefined ? "" : " AND source_id = ANY($1::text[])"),
    scope === undefined ? [] : [[...scope]],
  );
  assertPrincipalGiven(
    undefined,
    scope,
    rows.map((row) => ({ sourceId: row.source_id, enforcePermissions: true })),
  );
}

/** Readers of every page of the source that has them, clauses in stored order. */
export async function getPageReaders(
  db: Db,
  sourceId: string,
  pageIds?: readonly string[],
): Promise<Map<string, PageReaders>> {
  const only = pageIds === undefined ? "" : " AND p.page_id = ANY($2::text[])";
  const params = pageIds === undefined ? [sourceId] : [sourceId, [...pageIds]];
  const { rows } = await db.query<{ page_id: string; readers: string[][] }>(
    `SELECT p.page_id, json_agg(rc.principals ORDER BY u.ord) AS readers
     FROM confluence_pages p CROSS JOIN LATERAL unnest(p.reader_clauses) WITH ORDINALITY AS u(id, ord)
     JOIN confluence_reader_clauses rc ON rc.id = u.id
     WHERE p.source_id = $1${only} GROUP BY p.page_id`,
    params,
  );
  const out = new Map<string, PageReaders>();
  for (const row of rows) out.set(row.page_id, row.readers);
  // Pages whose readers are "everyone" (no clause at all) have an empty array, which the join above drops.
  const empty = await db.query<{ page_id: string }>(
    `SELECT p.page_id FROM confluence_pages p WHERE p.source_id = $1${only} AND p.reader_clauses = '{}'::bigint[]`,
    params,
  );
  for (const row of empty.rows) out.set(row.page_id, []);
  return out;
}

/**
 * Replaces the readers of the given pages in one transaction: the clause ids on `confluence_pages`, and a
 * `confluence_readers` key (the clauses) in the metadata of the pages' `archon_page_metadata` rows, which every chunk
 * names by `page_id`, so an Archon integration can filter too. Chunk rows are not rewritten: each carries its vector
 * and index entries, and a permission change would otherwise cost a rewrite of every chunk of the subtree. Unknown
 * page ids are ignored; clauses no page uses any more are removed.
 */
export async function setPageReaders(db: Db, sourceId: string, readers: ReadonlyMap<string, PageReaders>) {
  const entries = [...readers].map(([pageId, clauses]) => {
    const checked = checkReaders(pageId, clauses).map((clause) => [...new Set(clause)].sort());
    return [pageId, checked] as const;
  });
  if (entries.length === 0) return;
  const distinct = new Map<string, string[]>();
  for (const [, clauses] of entries) for (const clause of clauses) distinct.set(clause.join("\n"), clause);
  await db.transaction(async (tx) => {
    const owned = await tx.query("SELECT 1 FROM confluence_sources WHERE source_id = $1", [sourceId]);
    if (owned.rows.length === 0) return;
    await tx.query(
      `INSERT INTO confluence_reader_clauses (source_id, principals)
       SELECT $1, ARRAY(SELECT json_array_elements_text(c)) FROM json_array_elements($2::json) AS c
       ON CONFLICT (source_id, principals) DO NOTHING`,
      [sourceId, JSON.stringify([...distinct.values()])],
    );
    const { rows } = await tx.query<{ id: string; principals: string[] }>(
      "SELECT id::text AS id, principals FROM confluence_reader_clauses WHERE source_id = $1",
      [sourceId],
    );
    const ids = new Map(rows.map((row) => [row.principals.join("\n"), row.id]));
    const pageIds = entries.map(([pageId]) => pageId);
    const clauseIds = entries.map(([, clauses]) => `{${clauses.map((c) => ids.get(c.join("\n"))).join(",")}}`);
    const json = entries.map(([, clauses]) => JSON.stringify(clauses));
    await tx.query(
      `UPDATE confluence_pages p SET reader_clauses = u.ids::bigint[]
       FROM unnest($2::text[], $3::text[]) AS u(page_id, ids)
       WHERE p.source_id = $1 AND p.page_id = u.page_id`,
      [sourceId, pageIds, clauseIds],
    );
    await tx.query(
      `UPDATE archon_page_metadata m
       SET metadata = COALESCE(m.metadata, '{}'::jsonb) || jsonb_build_object('confluence_readers', u.readers::jsonb)
       FROM unnest($2::text[], $3::text[]) AS u(page_id, readers)
       WHERE m.id = confluence_page_uuid($1, u.page_id)`,
      [sourceId, pageIds, json],
    );
    await tx.query(
      `DELETE FROM confluence_reader_clauses rc WHERE rc.source_id = $1 AND NOT EXISTS (
         SELECT 1 FROM confluence_pages p WHERE p.source_id = $1 AND p.reader_clauses @> ARRAY[rc.id])`,
      [sourceId],
    );
  });
}
