import type { BreadcrumbItem, PageListQuery, PageRecord, SearchQuery } from "@archon/confluence-core";
import type { Router } from "express";
import type { RouteContext } from "./context.js";
import { HttpError } from "./http-error.js";
import { parseInput, sendJson } from "./http-util.js";
import { readablePages } from "./page-access.js";
import { requireSource } from "./routes-sources.js";
import {
  getPageQuerySchema,
  listPagesQuerySchema,
  type PageDetailView,
  type PageListResponse,
  pageParamsSchema,
  type SearchResponse,
  searchBodySchema,
  sourceParamsSchema,
} from "./schemas.js";

function toPageDetail(page: PageRecord, breadcrumb: readonly BreadcrumbItem[]): PageDetailView {
  return {
    sourceId: page.sourceId,
    pageId: page.pageId,
    spaceKey: page.spaceKey,
    title: page.title,
    version: page.version,
    status: page.status,
    parentId: page.parentId,
    ancestors: [...page.ancestors],
    path: page.path,
    depth: page.depth,
    webUrl: page.webUrl,
    authorId: page.authorId,
    createdAt: page.createdAt,
    updatedAt: page.updatedAt,
    labels: [...page.labels],
    indexedAt: page.indexedAt,
    metadata: page.metadata,
    markdown: page.markdown,
    breadcrumb: breadcrumb.map(({ id, kind, title, webUrl }) => ({ id, kind, title, webUrl })),
  };
}

export function mountContentRoutes(router: Router, ctx: RouteContext): void {
  router.get("/sources/:sourceId/pages", async (req, res) => {
    const { sourceId } = parseInput(sourceParamsSchema, "params", req.params);
    await ctx.authorize(req, "pages:list", { sourceId });
    const query = parseInput(listPagesQuerySchema, "query", req.query);
    const source = await requireSource(ctx, sourceId);
    const listQuery: PageListQuery = {
      sourceId,
      limit: query.limit,
      ...(query.parentId === undefined ? {} : { parentId: query.parentId === "root" ? null : query.parentId }),
      ...(query.pathPrefix === undefined ? {} : { pathPrefix: query.pathPrefix }),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    };
    const list = await ctx.store.listPages(listQuery);
    // Pages the principal may not read in Confluence are left out (the total still counts them).
    const readable = await readablePages(
      ctx,
      req,
      source,
      list.items.map((item) => item.pageId),
    );
    const body: PageListResponse = {
      items: list.items
        .filter((item) => readable === null || readable.has(item.pageId))
        .map((item) => ({
          sourceId: item.sourceId,
          pageId: item.pageId,
          spaceKey: item.spaceKey,
          title: item.title,
          version: item.version,
          status: item.status,
          parentId: item.parentId,
          ancestors: [...item.ancestors],
          path: item.path,
          depth: item.depth,
          webUrl: item.webUrl,
          authorId: item.authorId,
          createdAt: item.createdAt,
          updatedAt: item.updatedAt,
          labels: [...item.labels],
          indexedAt: item.indexedAt,
          childCount: item.childCount,
        })),
      nextCursor: list.nextCursor,
      total: list.total,
    };
    sendJson(req, res, body);
  });

  router.get("/pages/:pageId", async (req, res) => {
    const { pageId } = parseInput(pageParamsSchema, "params", req.params);
    const { sourceId } = parseInput(getPageQuerySchema, "query", req.query);
    if (sourceId !== undefined) {
      await ctx.authorize(req, "page:read", { sourceId, pageId });
      const source = await requireSource(ctx, sourceId);
      const page = await ctx.store.getPage(sourceId, pageId);
      const readable = page ? await readablePages(ctx, req, source, [pageId]) : null;
      if (!page || (readable !== null && !readable.has(pageId))) {
        throw new HttpError(404, "NOT_FOUND", `Page ${pageId} is not in source ${sourceId}.`);
      }
      sendJson(req, res, toPageDetail(page, await ctx.store.getBreadcrumb(sourceId, pageId)));
      return;
    }
    // Without a source id, look in every source this caller may read; a denial is not a hit.
    for (const source of await ctx.store.listSources()) {
      if (!(await ctx.isAllowed(req, "page:read", { sourceId: source.sourceId, pageId }))) continue;
      const page = await ctx.store.getPage(source.sourceId, pageId);
      const readable = page ? await readablePages(ctx, req, source, [pageId]) : null;
      if (page && (readable === null || readable.has(pageId))) {
        sendJson(req, res, toPageDetail(page, await ctx.store.getBreadcrumb(source.sourceId, pageId)));
        return;
      }
    }
    throw new HttpError(404, "NOT_FOUND", `Page ${pageId} is not in any source you can read.`);
  });

  router.post("/search", async (req, res) => {
    await ctx.authorize(req, "search");
    const body = parseInput(searchBodySchema, "body", req.body);
    // Per-source authorization: a filter naming a forbidden source is refused; no filter means "all I may read".
    const sources = await ctx.store.listSources();
    const allowed: string[] = [];
    for (const source of sources) {
      if (await ctx.isAllowed(req, "search", { sourceId: source.sourceId })) allowed.push(source.sourceId);
    }
    const requested = body.filters?.sourceIds;
    const forbidden = requested?.find((id) => !allowed.includes(id) && sources.some((s) => s.sourceId === id));
    if (forbidden !== undefined) throw new HttpError(403, "FORBIDDEN", `Not allowed to search source ${forbidden}.`);
    const restricted = requested === undefined && allowed.length < sources.length;
    const response: SearchResponse = { mode: body.mode, embeddingModel: null, hits: [] };
    if (restricted && allowed.length === 0) {
      sendJson(req, res, response);
      return;
    }
    const filters = restricted ? { ...body.filters, sourceIds: allowed } : body.filters;
    let embedding: number[] | undefined;
    if (body.mode !== "keyword") {
      const result = await ctx.embedder.embed([body.query], { signal: AbortSignal.timeout(30_000) });
      embedding = result.embeddings[0];
      if (!embedding) throw new HttpError(502, "EMBED_BAD_RESPONSE", "The embedder returned no vector for the query.");
      response.embeddingModel = ctx.embedder.modelId;
    }
    const principal = ctx.principal ? await ctx.principal(req) : undefined;
    const query: SearchQuery = {
      text: body.query,
      mode: body.mode,
      limit: body.limit,
      ...(embedding ? { embedding, embeddingModel: ctx.embedder.modelId } : {}),
      ...(filters === undefined ? {} : { filters }),
      ...(principal ? { principal } : {}),
    };
    const hits = await ctx.store.search(query);
    response.hits = hits.map((hit) => ({
      sourceId: hit.sourceId,
      pageId: hit.pageId,
      chunkNumber: hit.chunkNumber,
      title: hit.title,
      url: hit.url,
      breadcrumb: [...hit.breadcrumb],
      content: hit.content,
      contentType: hit.contentType,
      score: hit.score,
      matched: { vector: hit.matched.vector, keyword: hit.matched.keyword },
    }));
    sendJson(req, res, response);
  });
}
