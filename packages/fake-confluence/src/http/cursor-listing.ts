import { HttpError } from "./errors.js";
import { decodeCursor, encodeCursor, limitParam, withParams } from "./query.js";
import type { ApiResponse, RequestContext } from "./types.js";

/** A sort key: the primary value, then the numeric id as tie-breaker. */
export type SortKey = readonly [string | number, number];

function compareKeys(a: SortKey, b: SortKey, descending: boolean): number {
  let c = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
  if (c === 0) c = a[1] - b[1];
  return descending ? -c : c;
}

interface CursorPayload {
  readonly k?: SortKey;
  /** A cursor past the end (phantom `next` links carry one). */
  readonly end?: boolean;
}

function parseCursor(raw: string | null): CursorPayload | null {
  if (raw === null || raw === "") return null;
  const value = decodeCursor(raw) as CursorPayload | null;
  if (typeof value !== "object" || value === null) throw new HttpError(400, `Invalid cursor '${raw}'.`);
  if (value.k !== undefined && (!Array.isArray(value.k) || value.k.length !== 2)) {
    throw new HttpError(400, `Invalid cursor '${raw}'.`);
  }
  return value;
}

/**
 * A Cloud v2 cursor listing: keyset pagination over `items` (already filtered), `limit` up to `max`, the next page's
 * URL in both the `Link` header and `_links.next`, and the listing faults (clamped limit, phantom next, empty page).
 */
export function cursorListing<T>(
  ctx: RequestContext,
  items: readonly T[],
  keyOf: (item: T) => SortKey,
  serialize: (item: T) => unknown,
  options: { descending?: boolean; defaultLimit?: number; max?: number } = {},
): ApiResponse {
  const descending = options.descending ?? false;
  const limit = ctx.faults.clampLimit(limitParam(ctx.url, options.defaultLimit ?? 25, options.max ?? 250));
  const cursor = parseCursor(ctx.url.searchParams.get("cursor"));
  const sorted = [...items].sort((a, b) => compareKeys(keyOf(a), keyOf(b), descending));
  let start = 0;
  if (cursor?.end) start = sorted.length;
  else if (cursor?.k) {
    const after = cursor.k;
    start = sorted.findIndex((item) => compareKeys(keyOf(item), after, descending) > 0);
    if (start < 0) start = sorted.length;
  }
  const base = `${ctx.origin}/wiki`;
  const requestKey = `${ctx.url.pathname}${ctx.url.search}`;
  let results = sorted.slice(start, start + limit);
  let next: string | undefined;
  if (results.length > 0 && ctx.faults.emptyPage(requestKey)) {
    results = [];
    next = withParams(ctx.url, "", {});
  } else if (start + limit < sorted.length) {
    const last = results[results.length - 1] as T;
    next = withParams(ctx.url, "", { cursor: encodeCursor({ k: keyOf(last) }), limit: String(limit) });
  } else if (ctx.faults.phantomNext()) {
    next = withParams(ctx.url, "", { cursor: encodeCursor({ end: true }), limit: String(limit) });
  }
  const headers: Record<string, string> = {};
  if (next) headers.Link = `<${next}>; rel="next", <${base}>; rel="base"`;
  return {
    status: 200,
    headers,
    body: { results: results.map(serialize), _links: next ? { next, base } : { base } },
  };
}
