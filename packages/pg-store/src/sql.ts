import type { SearchFilters } from "@archon/confluence-core";
import { escapeLike } from "./rows.js";

/** Collects positional parameters; `add` returns the placeholder (`$n`). Values never go into SQL text. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Largest number of bind parameters PostgreSQL accepts in one statement. */
export const MAX_BIND_PARAMS = 65_535;

/** Condition on `p.path` (alias `p`) for a subtree prefix matching whole path segments; `null` when it matches all. */
export function pathCondition(prefix: string, params: Params, alias = "p"): string | null {
  if (prefix === "" || prefix === "/") return null;
  if (prefix.endsWith("/")) return `${alias}.path LIKE ${params.add(`${escapeLike(prefix)}%`)}`;
  return `(${alias}.path = ${params.add(prefix)} OR ${alias}.path LIKE ${params.add(`${escapeLike(prefix)}/%`)})`;
}

/**
 * Search filters as conditions on chunks `c` and pages `p`; `contentType` is the expression for a chunk's content
 * type (@default {@link CHUNK_CONTENT_TYPE}).
 */
export function filterConditions(filters: SearchFilters, params: Params, contentType = CHUNK_CONTENT_TYPE): string[] {
  const conditions: string[] = [];
  if (filters.sourceIds) conditions.push(`c.source_id = ANY(${params.add([...filters.sourceIds])}::text[])`);
  if (filters.spaceKeys) conditions.push(`p.space_key = ANY(${params.add([...filters.spaceKeys])}::text[])`);
  if (filters.labels && filters.labels.length > 0) {
    conditions.push(`p.labels @> ${params.add([...filters.labels])}::text[]`);
  }
  if (filters.pathPrefix !== undefined) {
    const condition = pathCondition(filters.pathPrefix, params);
    if (condition) conditions.push(condition);
  }
  if (filters.authorIds) conditions.push(`p.author_id = ANY(${params.add([...filters.authorIds])}::text[])`);
  if (filters.updatedAfter !== undefined) {
    conditions.push(`p.updated_at >= ${params.add(new Date(filters.updatedAfter).toISOString())}::timestamptz`);
  }
  if (filters.contentTypes) {
    conditions.push(`${contentType} = ANY(${params.add([...filters.contentTypes])}::text[])`);
  }
  return conditions;
}

/**
 * Chunks joined to their pages; only Confluence chunks (the partial indexes' predicate). Archon's own
 * `metadata.page_id` is the UUID of an `archon_page_metadata` row, so Confluence chunks carry their Confluence page
 * id under a key of their own.
 */
export const CHUNKS_WITH_PAGES =
  "archon_crawled_pages c JOIN confluence_pages p ON p.source_id = c.source_id AND p.page_id = (c.metadata ->> 'confluence_page_id')";
export const IS_CONFLUENCE_CHUNK = "(c.metadata ->> 'confluence_page_id') IS NOT NULL";

/** What a chunk `c` comes from (`page`, `blogpost` or `comment`). */
export const CHUNK_CONTENT_TYPE = "COALESCE(c.metadata ->> 'content_type', 'page')";
