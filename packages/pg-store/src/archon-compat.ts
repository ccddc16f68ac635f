import { ConfluenceSyncError } from "@archon/confluence-core";
import type { Db } from "./db.js";

/** The only vector column Archon's search functions read (`match_archon_crawled_pages`, hybrid search). */
export const ARCHON_SEARCH_DIMENSIONS = 1536;

/** What {@link checkArchonSearch} found. */
export interface ArchonSearchCheck {
  /**
   * Archon's search functions exist and Archon's own setup ran here (`archon_settings` exists): an Archon deployment
   * reads this database. A database made by this SDK's migrations alone has the functions but no deployment yet.
   */
  readonly archonSearch: boolean;
  /** Archon's configured embedding model (`archon_settings.EMBEDDING_MODEL`), when the database has one. */
  readonly archonModel: string | null;
  /** Archon's search finds the vectors this embedder writes (always true when Archon's search is absent). */
  readonly searchable: boolean;
  /** Why not, and the fix; `null` when searchable. Safe to log: it holds no secret. */
  readonly message: string | null;
}

/**
 * Tells whether Archon's own search will find what `embedder` writes. Archon's `match_archon_crawled_pages` and
 * `hybrid_search_archon_crawled_pages` read `embedding_1536` only and embed the query with Archon's
 * `EMBEDDING_MODEL`, so Confluence vectors must come from that model. Call it once at start-up and log `message`.
 */
export async function checkArchonSearch(
  db: Db,
  embedder: { readonly modelId: string; readonly dimensions: number },
): Promise<ArchonSearchCheck> {
  const { rows } = await db.query<{ search: boolean; settings: boolean }>(
    "SELECT to_regprocedure('match_archon_crawled_pages(vector, integer, jsonb, text)') IS NOT NULL AS search, " +
      "to_regclass('archon_settings') IS NOT NULL AS settings",
  );
  const archonSearch = Boolean(rows[0]?.search && rows[0]?.settings);
  let archonModel: string | null = null;
  if (rows[0]?.settings) {
    const setting = await db.query<{ value: string | null }>(
      "SELECT value FROM archon_settings WHERE key = 'EMBEDDING_MODEL'",
    );
    archonModel = setting.rows[0]?.value?.trim() || null;
  }
  if (!archonSearch) return { archonSearch, archonModel, searchable: true, message: null };
  const wanted = archonModel ?? "text-embedding-3-small";
  const sameModel = embedder.modelId === wanted || embedder.modelId.endsWith(`:${wanted}`);
  if (embedder.dimensions === ARCHON_SEARCH_DIMENSIONS && sameModel) {
    return { archonSearch, archonModel, searchable: true, message: null };
  }
  const problem =
    embedder.dimensions !== ARCHON_SEARCH_DIMENSIONS
      ? `the embedder ${embedder.modelId} writes ${embedder.dimensions}-dimension vectors, but Archon's search reads ` +
        `only embedding_${ARCHON_SEARCH_DIMENSIONS}, so Archon finds Confluence content by keyword only`
      : `the embedder ${embedder.modelId} is not Archon's embedding model (${wanted}), so Archon's query vectors ` +
        "do not match Confluence vectors";
  return {
    archonSearch,
    archonModel,
    searchable: false,
    message:
      `This database is an Archon knowledge base, and ${problem}. Fix: embed with ${wanted} ` +
      `(${ARCHON_SEARCH_DIMENSIONS} dimensions), e.g. set OPENAI_API_KEY, or EMBEDDING_BASE_URL and ` +
      `EMBEDDING_MODEL=${wanted}; the next sync re-indexes every page with it.`,
  };
}

/**
 * Throws `CONFIG_INVALID` with what to do when the database lacks `archon_page_metadata`, which every Confluence
 * page writes to: an Archon database older than Archon's migration 011, opened with `migrate: false`.
 */
export async function requireArchonPages(db: Db): Promise<void> {
  const { rows } = await db.query<{ pages: boolean; migrated: boolean; archon: boolean }>(
    "SELECT to_regclass('archon_page_metadata') IS NOT NULL AS pages, " +
      "to_regprocedure('confluence_page_uuid(text, text)') IS NOT NULL AS migrated, " +
      "to_regclass('archon_settings') IS NOT NULL AS archon",
  );
  const found = rows[0];
  if (found?.archon && !found.pages) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      "this Archon database has no archon_page_metadata table: it predates Archon's migration " +
        "011_add_page_metadata_table. Upgrade Archon and run that migration, then run archon-confluence-migrate.",
    );
  }
  if (!found?.pages || !found.migrated) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      "this database lacks the Confluence SDK's migrations (0003_archon_pages or earlier): run " +
        "archon-confluence-migrate, or open the store with migrate: true.",
    );
  }
}
