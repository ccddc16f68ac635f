import type { NormalizedSearch } from "@archon/confluence-core";
import type { Db } from "./db.js";
import { principalConditions } from "./readers.js";
import { filterConditions, Params } from "./sql.js";

/**
 * Most page ids a resolved page filter lists; past this, the keyword leg joins the page row of each match instead.
 * The list is the smaller side (the pages allowed, or the pages excluded), so it only grows past this when a filter
 * splits a very large space near the middle.
 */
export const MAX_LISTED_PAGES = 20_000;

/**
 * What a search's page-level conditions (space, labels, subtree, author, update time, principal) leave of the pages in
 * scope, resolved before ranking: `all` pass (no condition needed), `none` passes, only the `listed` pages pass
 * (`allow`) or all but them (`deny`), or `join` (too many to list: read each match's page row).
 */
export type PageFilter =
  | { readonly kind: "all" }
  | { readonly kind: "none" }
  | { readonly kind: "join" }
  | { readonly kind: "allow" | "deny"; readonly listed: Readonly<Record<string, readonly string[]>> };

/** The search's conditions on pages `p` (filters other than sources and content types, and the principal). */
export function pageConditions(q: NormalizedSearch, params: Params): string[] {
  const { sourceIds: _sources, contentTypes: _types, ...pageFilters } = q.filters;
  return [...filterConditions(pageFilters, params), ...principalConditions(q.principal, params)];
}

/**
 * Resolves the page-level conditions of `q` over the pages of its sources in one statement; `null` when it has none.
 * Run it in the transaction (and snapshot) of the search that uses it, so both see the same pages and readers.
 * `maxListed`: most page ids to list (@default {@link MAX_LISTED_PAGES}).
 */
export async function resolvePageFilter(
  db: Db,
  q: NormalizedSearch,
  maxListed = MAX_LISTED_PAGES,
): Promise<PageFilter | null> {
  const params = new Params();
  const conditions = pageConditions(q, params);
  if (conditions.length === 0) return null;
  const scope = q.filters.sourceIds ? ` WHERE p.source_id = ANY(${params.add([...q.filters.sourceIds])}::text[])` : "";
  const max = params.add(maxListed);
  // A condition that is NULL (readers never synced) excludes the page, as it does in a WHERE clause.
  const sql =
    `WITH x AS MATERIALIZED (SELECT p.source_id, p.page_id, COALESCE(${conditions.join(" AND ")}, FALSE) AS ok ` +
    `FROM confluence_pages p${scope}), ` +
    "n AS (SELECT count(*) FILTER (WHERE x.ok)::int AS allowed, count(*) FILTER (WHERE NOT x.ok)::int AS denied FROM x) " +
    `SELECT n.allowed, n.denied, CASE WHEN LEAST(n.allowed, n.denied) BETWEEN 1 AND ${max}::int THEN (` +
    "SELECT json_object_agg(g.source_id, g.pages) FROM (SELECT x.source_id, array_agg(x.page_id) AS pages FROM x " +
    "WHERE x.ok = (n.allowed <= n.denied) GROUP BY x.source_id) g) END AS listed FROM n";
  const { rows } = await db.query<{ allowed: number; denied: number; listed: Record<string, string[]> | null }>(
    sql,
    params.values,
  );
  const { allowed = 0, denied = 0, listed = null } = rows[0] ?? {};
  if (denied === 0) return { kind: "all" };
  if (allowed === 0) return { kind: "none" };
  if (listed === null) return { kind: "join" };
  return { kind: allowed <= denied ? "allow" : "deny", listed };
}

/**
 * A resolved filter as conditions on a chunk `c` with `source_id` and `page_id` columns: hashed `= ANY` lookups of
 * the listed page ids, one per source, so no page row is read per match. Empty for `all`; `join` has none to give.
 */
export function listedPageConditions(filter: PageFilter, params: Params, pageId = "c.page_id"): string[] {
  if (filter.kind === "none") return ["FALSE"];
  if (filter.kind !== "allow" && filter.kind !== "deny") return [];
  const bySource = Object.entries(filter.listed).map(
    ([sourceId, pageIds]) =>
      `(c.source_id = ${params.add(sourceId)} AND ${pageId} = ANY(${params.add(pageIds)}::text[]))`,
  );
  if (filter.kind === "allow") return [`(${bySource.join(" OR ")})`];
  return bySource.map((condition) => `NOT ${condition}`);
}
