import { HttpError } from "./errors.js";
import { siteBase } from "./links.js";
import { decodeCursor, encodeCursor, intParam, limitParam, withParams } from "./query.js";
import type { ApiResponse, RequestContext } from "./types.js";

/**
 * A v1 offset listing: `start`/`limit`, `size`, and `_links.next` relative to the context path (as Confluence sends
 * it, so clients must prefix `_links.base`). With `cursor: true` (Cloud CQL search) the next link also carries an
 * opaque `cursor`, and a `cursor` parameter takes precedence over `start`.
 */
export function offsetListing<T>(
  ctx: RequestContext,
  items: readonly T[],
  serialize: (item: T) => unknown,
  options: { defaultLimit?: number; max?: number; cursor?: boolean } = {},
): ApiResponse {
  const limit = ctx.faults.clampLimit(limitParam(ctx.url, options.defaultLimit ?? 25, options.max ?? 200));
  let start = intParam(ctx.url, "start", 0);
  const rawCursor = options.cursor ? ctx.url.searchParams.get("cursor") : null;
  if (rawCursor) {
    const decoded = decodeCursor(rawCursor) as { o?: unknown } | null;
    if (typeof decoded?.o !== "number" || decoded.o < 0) throw new HttpError(400, `Invalid cursor '${rawCursor}'.`);
    start = decoded.o;
  }
  const requestKey = `${ctx.url.pathname}${ctx.url.search}`;
  let results = items.slice(start, start + limit);
  // CONFSERVER-95396: the last page links on, and every request past the end gets the last page again.
  const repeating = items.length > 0 && start + limit >= items.length && !options.cursor && ctx.faults.repeatLastPage();
  if (repeating && results.length === 0) results = items.slice(Math.max(0, items.length - limit));
  const link = (offset: number) =>
    withParams(ctx.url, ctx.contextPath, {
      start: String(offset),
      limit: String(limit),
      ...(options.cursor ? { cursor: encodeCursor({ o: offset }), next: "true" } : {}),
    });
  let next: string | undefined;
  if (results.length > 0 && ctx.faults.emptyPage(requestKey)) {
    results = [];
    next = withParams(ctx.url, ctx.contextPath, {});
  } else if (start + limit < items.length || repeating) next = link(start + limit);
  else if (ctx.faults.phantomNext()) next = link(Math.max(items.length, start + limit));
  const base = siteBase(ctx);
  const links: Record<string, string> = {
    base,
    context: ctx.contextPath,
    self: `${ctx.origin}${ctx.url.pathname}${ctx.url.search}`,
  };
  if (next) links.next = next;
  if (start > 0) links.prev = link(Math.max(0, start - limit));
  return { status: 200, body: { results: results.map(serialize), start, limit, size: results.length, _links: links } };
}
