import type { PageList, PageListQuery } from "@archon/confluence-core";
import type { Db } from "./db.js";

/** One step of a page's breadcrumb. */
export interface BreadcrumbItem {
  readonly pageId: string;
  readonly title: string;
  readonly webUrl: string;
}

/** Tree navigation over `confluence_pages`; {@link PgKnowledgeStore} extends it. */
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
   * Stored ancestors of a page, root first, followed by the page itself; ancestors that are not stored are
   * skipped. Empty when the page is unknown.
   */
  async getBreadcrumb(sourceId: string, pageId: string): Promise<BreadcrumbItem[]> {
    const { rows } = await this.hierarchyDb.query<{ page_id: string; title: string; web_url: string; ord: number }>(
      `SELECT a.page_id, a.title, a.web_url, x.ord::int AS ord
       FROM confluence_pages p
       CROSS JOIN LATERAL unnest(p.ancestors || p.page_id::text) WITH ORDINALITY AS x(id, ord)
       JOIN confluence_pages a ON a.source_id = p.source_id AND a.page_id = x.id
       WHERE p.source_id = $1 AND p.page_id = $2
       ORDER BY x.ord`,
      [sourceId, pageId],
    );
    return rows.map((row) => ({ pageId: row.page_id, title: row.title, webUrl: row.web_url }));
  }
}
