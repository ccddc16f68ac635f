import { ServerError } from "confluence.js";
import { type Content, ContentArraySchema } from "confluence.js/v1";
import { getBlogPostsInSpace, getPagesInSpace, type PageSummary } from "confluence.js/v2";
import { z } from "zod";
import { ConfluenceSyncError, isConfluenceSyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { SourceCallOptions } from "../ports/confluence-source.js";
import type { ConfluenceDeployment } from "./config.js";
import type { V1PageContent } from "./schemas.js";
import type { ConfluenceTransport } from "./transport.js";

/** One batch of a listing, with the `_links.base` the response carried (for absolute web URLs). */
export interface ListingBatch<T> {
  readonly results: T[];
  readonly linkBase: string | undefined;
  /** The request that returned the batch, for error messages. */
  readonly request: string;
  /** The `limit` the server says it applied, when it says so (servers clamp silently below what was asked). */
  readonly limit?: number | undefined;
}

/** What pagination reads of every item of a v1 listing. */
export interface V1Listed {
  readonly id?: string | undefined;
  readonly version?: { readonly number: number } | undefined;
}

/** What pagination reads of one page of a v1 listing. */
interface V1ListPage<T> {
  readonly results: T[];
  readonly limit?: number | undefined;
  readonly _links: { readonly next?: string | undefined; readonly base?: string | undefined };
}

/** A v1 page or ref listing's items, as {@link v1PageListSchema} checks them. */
export type V1PageBatch = ListingBatch<V1PageContent>;

/** Settings every listing shares. */
export interface ListingContext {
  readonly transport: ConfluenceTransport;
  readonly deployment: ConfluenceDeployment;
  readonly baseUrl: string;
  readonly pageSize: number;
  readonly logger?: Logger | undefined;
}

/** Empty pages in a row that still carry `next` and are asked again before a listing believes it has ended. */
const EMPTY_PAGE_RETRIES = 3;
/** Pages in a row with nothing new that are followed before a listing ends with what it has. */
const REPEATED_PAGE_LIMIT = 3;

/** The `cursor` parameter of a `next` link, if it has one. */
export function cursorOf(next: string): string | undefined {
  return new URL(next, "http://confluence.invalid").searchParams.get("cursor") ?? undefined;
}

function stalled(context: ListingContext, request: string): ConfluenceSyncError {
  return new ConfluenceSyncError(
    "SOURCE_BAD_RESPONSE",
    `Confluence at ${context.baseUrl} sent the same results again for ${request}; its pagination did not advance.`,
  );
}

/**
 * Pages through a v1 content listing (`/content` or `/content/search`). Data Center pages by offset and has quirks: it
 * clamps `limit` silently (50 when bodies are expanded), sends a `next` link past the end, sends empty pages that still
 * have `next`, and past the end of a long listing may answer with the last page again, linking on for ever
 * (CONFSERVER-95396). So the offset advances by the number of results actually received (never by `limit`); an empty
 * page with `next` is asked again (up to {@link EMPTY_PAGE_RETRIES} times in a row) before the listing ends; and once
 * {@link REPEATED_PAGE_LIMIT} pages in a row brought nothing that was not seen already, the listing ends with what it
 * has. Cloud's search pages by a `cursor` in `_links.next`; without one, it falls back to the offset too. Items
 * already seen with the same version (offset pagination shifts when pages change mid-listing) are dropped.
 *
 * Each response is checked against `schema`: confluence.js's `ContentArraySchema` unless the caller passes a leaner
 * one that checks what it reads (the page listings pass `v1PageListSchema`).
 *
 * An offset listing whose request fails on the server's side every attempt is asked for half as many items, down to
 * one; an item that fails alone is left out with a `CONTENT_UNREADABLE` warning naming it, and its id goes to
 * `skipped`. The full limit is asked for again past the window that failed.
 */
export async function* paginateV1<T extends V1Listed = Content>(
  context: ListingContext,
  url: string,
  params: Record<string, string>,
  call: SourceCallOptions,
  schema: z.ZodType<V1ListPage<T>> = ContentArraySchema as unknown as z.ZodType<V1ListPage<T>>,
  skipped?: Set<string>,
): AsyncGenerator<ListingBatch<T>> {
  const client = context.transport.client(call);
  const request = `GET ${url.replace(/^\/wiki/, context.deployment === "cloud" ? "/wiki" : "")}`;
  const seen = new Set<string>();
  let start = 0;
  let cursor: string | undefined;
  let repeats = 0;
  let emptyRetries = 0;
  let limit = context.pageSize;
  /** The limit the server applied last (it may clamp below what was asked). */
  let applied: number | undefined;
  /** While narrowed after a failure: the offset past which the full limit is asked for again. */
  let narrowUntil: number | undefined;
  for (;;) {
    if (narrowUntil !== undefined && start >= narrowUntil) {
      narrowUntil = undefined;
      limit = context.pageSize;
    }
    const searchParams = { ...params, limit, ...(cursor === undefined ? { start } : { cursor }) };
    let page: V1ListPage<T>;
    try {
      page = await client.sendRequest({ url, method: "GET", searchParams, schema });
    } catch (error) {
      // An offset listing that fails every attempt on the server's side may hold an item the server cannot render,
      // or ask for more than it renders in time: it is asked for half as many, down to one, and an item that fails
      // alone is skipped with a warning naming it, so one broken page cannot stop every sync of its space.
      if (cursor !== undefined || !serverFailedEveryAttempt(error)) throw error;
      // The same listing without bodies tells a site that is failing (it fails too) from content that is.
      const item = await nameItem(client, url, params, start);
      if (item === undefined) throw error;
      if (limit > 1) {
        const current = Math.min(limit, applied ?? limit);
        narrowUntil ??= start + current;
        limit = Math.max(1, Math.floor(current / 2));
        context.logger?.warn({ request, start, limit }, "Confluence failed a listing page; asking for fewer items");
        continue;
      }
      const message =
        `Confluence at ${context.baseUrl} failed ${request} for ${item.name} every time (${(error as Error).message}); ` +
        "it is left out of this sync and asked for again by the next one.";
      context.logger?.warn({ request, start }, message);
      call.onWarning?.({ code: "CONTENT_UNREADABLE", message, ...(item.id === undefined ? {} : { pageId: item.id }) });
      if (item.id !== undefined) skipped?.add(item.id);
      start += 1;
      continue;
    }
    applied = page.limit ?? applied;
    if (page.results.length === 0) {
      // An empty page ends the listing. One with `next` is asked again first: servers also send transient empty pages
      // mid-listing, and stopping there would silently lose the rest of the space.
      if (!page._links.next || emptyRetries >= EMPTY_PAGE_RETRIES) return;
      emptyRetries += 1;
      continue;
    }
    emptyRetries = 0;
    const fresh = page.results.filter((content) => {
      const key = `${content.id}@${content.version?.number ?? "?"}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    // A repeat now and then is a page that moved mid-listing; nothing but repeats, page after page, is a server going
    // in circles past the end (CONFSERVER-95396): everything it has was seen, so the listing is complete.
    repeats = fresh.length === 0 ? repeats + 1 : 0;
    if (repeats >= REPEATED_PAGE_LIMIT) {
      context.logger?.debug({ request, seen: seen.size }, "Confluence repeated itself past the end of a listing");
      return;
    }
    if (fresh.length > 0) yield { results: fresh, linkBase: page._links.base, request, limit: page.limit };
    const next = page._links.next;
    if (next === undefined || next === "") return;
    start += page.results.length;
    cursor = context.deployment === "cloud" ? cursorOf(next) : undefined;
  }
}

/** Whether a request failed on the server's side (5xx or a timeout) on every attempt the transport made. */
function serverFailedEveryAttempt(error: unknown): boolean {
  if (!isConfluenceSyncError(error, "SOURCE_UNAVAILABLE")) return false;
  const cause = error.cause;
  return cause instanceof ServerError || (cause instanceof Error && (cause as { code?: unknown }).code === "ETIMEDOUT");
}

/**
 * The id and `page 123 "Title"` of the item at `start` of a listing, read without its body; `undefined` when even that
 * fails (the site, not the item, is failing).
 */
async function nameItem(
  client: ReturnType<ConfluenceTransport["client"]>,
  url: string,
  params: Record<string, string>,
  start: number,
): Promise<{ id?: string; name: string } | undefined> {
  const { expand: _expand, ...bare } = params;
  try {
    const page = await client.sendRequest({
      url,
      method: "GET",
      searchParams: { ...bare, limit: 1, start },
      schema: itemNameSchema,
    });
    const item = page.results[0];
    if (item?.id !== undefined) {
      return { id: item.id, name: `${item.type ?? "content"} ${item.id}${item.title ? ` "${item.title}"` : ""}` };
    }
    return { name: `the item at position ${start}` };
  } catch (error) {
    if (isConfluenceSyncError(error, "SYNC_ABORTED")) throw error;
    return undefined;
  }
}

const itemNameSchema = z
  .object({
    results: z.array(
      z.object({ id: z.string().optional(), type: z.string().optional(), title: z.string().optional() }).loose(),
    ),
  })
  .loose();

/** The most results a v2 listing takes per request (Cloud's spec: maximum 250); a larger `pageSize` asks for 250. */
const V2_MAX_LIMIT = 250;

/**
 * Pages through Cloud v2 `/spaces/{id}/pages` (or `/spaces/{id}/blogposts` with `blogPosts`) by the cursor in
 * `_links.next`; an empty page ends it, as in v1. Blog posts come back in the page summary shape, without a parent.
 */
export async function* paginateV2SpacePages(
  context: ListingContext,
  spaceId: string,
  params: { status: string[]; bodyFormat?: "storage"; blogPosts?: boolean },
  call: SourceCallOptions,
): AsyncGenerator<ListingBatch<PageSummary>> {
  const client = context.transport.client(call);
  const request = `GET /wiki/api/v2/spaces/${spaceId}/${params.blogPosts ? "blogposts" : "pages"}`;
  const list = params.blogPosts
    ? (p: Parameters<typeof getPagesInSpace>[1]) =>
        getBlogPostsInSpace(client, p) as unknown as ReturnType<typeof getPagesInSpace>
    : (p: Parameters<typeof getPagesInSpace>[1]) => getPagesInSpace(client, p);
  let cursor: string | undefined;
  let emptyRetries = 0;
  for (;;) {
    const page = await list({
      // The path takes the id as given; Cloud space ids are numeric strings.
      id: spaceId as unknown as number,
      status: params.status,
      ...(params.bodyFormat === undefined ? {} : { bodyFormat: params.bodyFormat }),
      limit: Math.min(context.pageSize, V2_MAX_LIMIT),
      ...(cursor === undefined ? {} : { cursor }),
    });
    const results = page.results ?? [];
    if (results.length === 0) {
      if (!page._links?.next || emptyRetries >= EMPTY_PAGE_RETRIES) return;
      emptyRetries += 1;
      continue;
    }
    emptyRetries = 0;
    yield { results, linkBase: page._links?.base, request };
    const next = page._links?.next;
    if (next === undefined || next === "") return;
    const nextCursor = cursorOf(next);
    if (nextCursor === undefined || nextCursor === cursor) throw stalled(context, request);
    cursor = nextCursor;
  }
}
