import {
  type BreadcrumbItem,
  ConfluenceSyncError,
  type FolderRecord,
  type PageList,
  type PageListQuery,
  stripNulDeep,
} from "@archon/confluence-core";
import type { Db } from "./db.js";

/** Tree navigation over `confluence_pages` and `confluence_folders`; {@link PgKnowledgeStore} extends it. */
export abstract class Hierarchy {
  constructor(protected readonly hierarchyDb: Db) {}

  abstract listPages(query: PageListQuery): Promise<PageList>;

  /** Direct children of a page (`null`: the top-level pages), paginated. */
  getChildren(
    sourceId: string,
    pageId: string | null,
    options: { limit?: number; cursor?: string | null } = {},
  ): Promise<PageList> {
    return this.listPages({ sourceId, parentId: pageId, ...options });
  }

  /** The page and every page below it, in path order, paginated; empty when the page is unknown. */
  async getSubtree(
    sourceId: string,
    pageId: string,
    options: { limit?: number; cursor?: string | null } = {},
  ): Promise<PageList> {
    const { rows } = await this.hierarchyDb.query<{ path: string }>(
      "SELECT path FROM confluence_pages WHERE source_id = $1 AND page_id = $2",
      [sourceId, pageId],
    );
    const path = rows[0]?.path;
    if (path === undefined) return { items: [], nextCursor: null, total: 0 };
    return this.listPages({ sourceId, pathPrefix: path, ...options });
  }

  /**
   * Stored ancestors of a page, pages and folders, root first, followed by the page itself; ancestors that are not
   * stored are skipped. Empty when the page is unknown.
   */
  async getBreadcrumb(sourceId: string, pageId: string): Promise<BreadcrumbItem[]> {
    const { rows } = await this.hierarchyDb.query<{ id: string; kind: string; title: string; web_url: string }>(
      `SELECT x.id, CASE WHEN a.page_id IS NOT NULL THEN 'page' ELSE 'folder' END AS kind,
         COALESCE(a.title, f.title) AS title, COALESCE(a.web_url, f.web_url) AS web_url
       FROM confluence_pages p
       CROSS JOIN LATERAL unnest(p.ancestors || p.page_id::text) WITH ORDINALITY AS x(id, ord)
       LEFT JOIN confluence_pages a ON a.source_id = p.source_id AND a.page_id = x.id
       LEFT JOIN confluence_folders f ON f.source_id = p.source_id AND f.folder_id = x.id
       WHERE p.source_id = $1 AND p.page_id = $2 AND (a.page_id IS NOT NULL OR f.folder_id IS NOT NULL)
       ORDER BY x.ord`,
      [sourceId, pageId],
    );
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind === "page" ? "page" : "folder",
      title: row.title,
      webUrl: row.web_url,
    }));
  }

  /** Creates or updates folders; with `replace`, removes the source's other folders, all in one transaction. */
  async saveFolders(
    sourceId: string,
    input: readonly FolderRecord[],
    options: { readonly replace?: boolean } = {},
  ): Promise<void> {
    const folders = stripNulDeep(input);
    await this.hierarchyDb.transaction(async (tx) => {
      const known = await tx.query("SELECT 1 FROM confluence_sources WHERE source_id = $1", [sourceId]);
      if (known.rows.length === 0) {
        throw new ConfluenceSyncError("CONFIG_INVALID", `unknown source ${JSON.stringify(sourceId)}: upsert it first.`);
      }
      if (options.replace) {
        await tx.query("DELETE FROM confluence_folders WHERE source_id = $1 AND NOT (folder_id = ANY($2::text[]))", [
          sourceId,
          folders.map((folder) => folder.folderId),
        ]);
      }
      if (folders.length === 0) return;
      await tx.query(
        `INSERT INTO confluence_folders (source_id, folder_id, title, parent_id, ancestors, path, depth, web_url)
         SELECT $1, f.folder_id, f.title, f.parent_id, ARRAY(SELECT jsonb_array_elements_text(f.ancestors)), f.path,
           f.depth, f.web_url
         FROM jsonb_to_recordset($2::jsonb) AS f(folder_id text, title text, parent_id text, ancestors jsonb,
           path text, depth int, web_url text)
         ON CONFLICT (source_id, folder_id) DO UPDATE SET title = EXCLUDED.title, parent_id = EXCLUDED.parent_id,
           ancestors = EXCLUDED.ancestors, path = EXCLUDED.path, depth = EXCLUDED.depth, web_url = EXCLUDED.web_url,
           updated_at = NOW()`,
        [
          sourceId,
          JSON.stringify(
            folders.map((folder) => ({
              folder_id: folder.folderId,
              title: folder.title,
              parent_id: folder.parentId,
              ancestors: folder.ancestors,
              path: folder.path,
              depth: folder.depth,
              web_url: folder.webUrl,
            })),
          ),
        ],
      );
    });
  }
}
