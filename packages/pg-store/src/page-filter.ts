import type { NormalizedSearch } from "@archon/confluence-core";
import type { Db } from "./db.js";
import { principalConditions } from "./readers.js";
import { filterConditions, Params } from "./sql.js";

/** Most page ids a resolved page filter lists; past this, the keyword leg joins the page row of each match instead. */
export const MAX_LISTED_PAGES = 20_000;

/**
 * What a search's page-level conditions (space, labels, subtree, author, update time, principal) leave of the pages in
 * scope, resolved before ranking: `all` pass (no condition needed), `none` passes, `allow` (every page of the
 * `whole` sources, and the `listed` pages of the others), or `join` (too many to list: read each match's page row).
 */
export type PageFilter =
  | { readonly kind: "all" }
  | { readonly kind: "none" }
  | { readonly kind: "join" }
  | {
      readonly kind: "allow";
      readonly whole: readonly string[];
      readonly listed: Readonly<Record<string, readonly string[]>>;
    };

/** The search's conditions on pages `p` (filters other than sources and content types, and the principal). */
export function pageConditions(q: NormalizedSearch, params: Params): string[] {
  const { sourceIds: _sources, contentTypes: _types, ...pageFilters } = q.filters;
  return [...filterConditions(pageFilters, params), ...principalConditions(q.principal, params)];
}

/**
 * Resolves the page-level conditions of `q` over the pages of its sources in one pass over their page rows; `null`
 * when it has none. Run it in the transaction (and snapshot) of the search that uses it, so both see the same pages
 * and readers. `maxListed`: most page ids to list (@default {@link MAX_LISTED_PAGES}).
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
  // A condition that is NULL (readers never synced) excludes the page, as it does in a WHERE clause. A source whose
  // pages all pass sends no list.
  const ok = `(${conditions.join(" AND ")}) IS TRUE`;
  const { rows } = await db.query<{ source_id: string; pages: number; allowed: number; listed: string[] | null }>(
    `SELECT s.source_id, s.pages, s.allowed, CASE WHEN s.allowed < s.pages THEN s.listed END AS listed FROM (` +
      `SELECT p.source_id, count(*)::int AS pages, count(*) FILTER (WHERE ${ok})::int AS allowed, ` +
      `array_agg(p.page_id) FILTER (WHERE ${ok}) AS listed FROM confluence_pages p${scope} GROUP BY p.source_id) s`,
    params.values,
  );
  const whole = rows.filter((row) => row.allowed === row.pages).map((row) => row.source_id);
  const partial = rows.filter((row) => row.allowed > 0 && row.allowed < row.pages);
  if (whole.length === rows.length) return { kind: "all" };
  if (whole.length === 0 && partial.length === 0) return { kind: "none" };
  if (partial.reduce((sum, row) => sum + row.allowed, 0) > maxListed) return { kind: "join" };
  const listed = Object.fromEntries(partial.map((row) => [row.source_id, row.listed ?? []]));
  return { kind: "allow", whole, listed };
}

/**
 * A resolved filter as conditions on a chunk `c` with `source_id` and `page_id` columns: hashed `= ANY` lookups of
 * the listed page ids, one per source, so no page row is read per match. Empty for `all`; `join` has none to give.
 */
export function listedPageConditions(filter: PageFilter, params: Params, pageId = "c.page_id"): string[] {
  if (filter.kind === "none") return ["FALSE"];
  if (filter.kind !== "allow") return [];
  const allowed = Object.entries(filter.listed).map(
    ([sourceId, pageIds]) =>
      `(c.source_id = ${params.add(sourceId)} AND ${pageId} = ANY(${params.add(pageIds)}::text[]))`,
  );
  if (filter.whole.length > 0) allowed.push(`c.source_id = ANY(${params.add(filter.whole)}::text[])`);
  return [`(${allowed.join(" OR ")})`];
}
