import { searchableAttachment, v1Attachment, v1PageAttachments } from "../attachments/attachment-routes.js";
import { type CqlItem, compileCql } from "../cql/compile.js";
import { CqlError } from "../cql/tokenize.js";
import type { FakePage } from "../model.js";
import { v1Comment } from "./comment-objects.js";
import { HttpError, v1Error } from "./errors.js";
import { siteBase } from "./links.js";
import { offsetListing } from "./offset-listing.js";
import { expansions, multi } from "./query.js";
import type { ApiResponse, Handler, RequestContext } from "./types.js";
import { v1Content, v1Label, v1Space, v1User } from "./v1-objects.js";

const PAGE_STATUSES = ["current", "archived", "trashed"];

function statuses(ctx: RequestContext, fallback: readonly string[]): Set<string> {
  const requested = multi(ctx.url, "status");
  if (requested.includes("any")) return new Set(PAGE_STATUSES);
  return new Set(requested.length > 0 ? requested : fallback);
}

/** A single object as Confluence returns it at the top level: its `_links` also carry `base` and `context`. */
function single(ctx: RequestContext, body: Record<string, unknown>, collection: string): ApiResponse {
  const links = body._links as Record<string, string>;
  return {
    status: 200,
    body: { ...body, _links: { ...links, base: siteBase(ctx), context: ctx.contextPath, collection } },
  };
}

/**
 * Most results per listing request. Data Center hard-codes them by expansion (Atlassian KB "Searching for content with
 * the REST API and CQL always limits results to 50"): 50 when a body is expanded, 200 with other expansions, 1000
 * without any on search. Cloud allows 200 on `/content`; the fake uses the same for its search.
 */
function listingMax(ctx: RequestContext, expand: ReadonlySet<string>, search: boolean): number {
  if (ctx.deployment === "cloud") return 200;
  if (expand.has("body")) return 50;
  return search && expand.size === 0 ? 1000 : 200;
}

function notFound(what: string) {
  return v1Error(404, `No ${what} found`);
}

const spaces: Handler = (ctx) => {
  const keys = new Set(multi(ctx.url, "spaceKey"));
  const all = ctx.state.spaces().filter((space) => keys.size === 0 || keys.has(space.key));
  const expand = expansions(ctx.url);
  return offsetListing(ctx, all, (space) => v1Space(ctx, space, expand), { max: 500 });
};

const space: Handler = (ctx) => {
  const found = ctx.state.space(ctx.params.key ?? "");
  if (!found) return notFound(`space with key : ${ctx.params.key}`);
  return single(ctx, v1Space(ctx, found, expansions(ctx.url)), "/rest/api/space");
};

const content: Handler = (ctx) => {
  // Like Confluence, one type per listing: pages unless `type=blogpost` is asked for.
  const type = ctx.url.searchParams.get("type") ?? "page";
  if (type !== "page" && type !== "blogpost") return offsetListing(ctx, [], () => null);
  const keys = new Set(multi(ctx.url, "spaceKey"));
  const wanted = statuses(ctx, ["current"]);
  const title = ctx.url.searchParams.get("title");
  const pages = ctx.state
    .allContent()
    .filter(
      (page) =>
        (page.type ?? "page") === type &&
        (keys.size === 0 || keys.has(page.spaceKey)) &&
        wanted.has(page.status) &&
        (title === null || page.title === title),
    );
  const expand = expansions(ctx.url);
  return offsetListing(ctx, pages, (page) => v1Content(ctx, page, expand), { max: listingMax(ctx, expand, false) });
};

function requirePage(ctx: RequestContext): FakePage {
  const page = ctx.state.page(ctx.params.id ?? "");
  if (!page) throw new HttpError(404, `No content found with id: ContentId{id=${ctx.params.id}}`);
  return page;
}

const contentById: Handler = (ctx) => {
  const comment = ctx.state.comment(ctx.params.id ?? "");
  if (comment) return single(ctx, v1Comment(ctx, comment, expansions(ctx.url)), "/rest/api/content");
  const page = requirePage(ctx);
  // Like Confluence, a trashed page is only visible when its status is asked for.
  if (!statuses(ctx, ["current", "archived"]).has(page.status)) {
    return notFound(`content found with id: ContentId{id=${page.id}}`);
  }
  return single(ctx, v1Content(ctx, page, expansions(ctx.url)), "/rest/api/content");
};

const childPages: Handler = (ctx) => {
  const parent = requirePage(ctx);
  const children = ctx.state
    .pagesOf(parent.spaceKey)
    .filter((page) => page.parentId === parent.id && page.status === "current")
    .sort((a, b) => a.position - b.position || Number(a.id) - Number(b.id));
  const expand = expansions(ctx.url);
  return offsetListing(ctx, children, (page) => v1Content(ctx, page, expand));
};

const labels: Handler = (ctx) => {
  const page = requirePage(ctx);
  return offsetListing(ctx, page.labels, (name) => v1Label(ctx, name), { defaultLimit: 200 });
};

const search: Handler = (ctx) => {
  const cql = ctx.url.searchParams.get("cql");
  if (cql === null || cql.trim() === "") return v1Error(400, "The cql parameter is required.");
  let compiled: ReturnType<typeof compileCql>;
  try {
    compiled = compileCql(cql, ctx.state, ctx.timeZone);
  } catch (error) {
    if (!(error instanceof CqlError)) throw error;
    const shown = cql.length > 200 ? `${cql.slice(0, 200)}...` : cql;
    return v1Error(400, `Could not parse cql : ${shown} (${error.message})`);
  }
  // CQL searches current content only: pages, blog posts and comments, and the files attached to current pages and
  // blog posts (`type = attachment`).
  const files = ctx.state
    .allContent()
    .filter((page) => page.status === "current")
    .flatMap((page) =>
      ctx.state.attachments
        .of(page.id)
        .map((attachment) => ({ page, attachment, view: searchableAttachment(page, attachment) })),
    );
  const byId = new Map(files.map((file) => [file.view.id, file]));
  const items: CqlItem[] = [
    ...ctx.state.allContent().filter((item) => item.status === "current"),
    ...ctx.state.allComments().filter((item) => item.status === "current"),
    ...files.map((file) => file.view),
  ];
  const found = items
    .filter((item) => ctx.faults.indexed(item.id) && compiled.matches(item))
    .sort((a, b) => compiled.compare(a, b) || a.id.localeCompare(b.id));
  const expand = expansions(ctx.url);
  const serialize = (item: CqlItem) => {
    if (item.type === "comment") return v1Comment(ctx, item, expand);
    const file = byId.get(item.id);
    if (file) return v1Attachment(ctx, file.page, file.attachment, expand);
    return v1Content(ctx, item as FakePage, expand);
  };
  return offsetListing(ctx, found, serialize, {
    cursor: ctx.deployment === "cloud",
    max: listingMax(ctx, expand, true),
  });
};

/**
 * Comments of a page or blog post: top-level ones, or all of them with `depth=all`; `location` (repeatable) keeps
 * `inline`, `footer` and/or `resolved` (inline) comments.
 */
const childComments: Handler = (ctx) => {
  const container = requirePage(ctx);
  const all = ctx.url.searchParams.get("depth") === "all";
  const locations = new Set(multi(ctx.url, "location"));
  const comments = ctx.state
    .commentsOf(container.id)
    .filter(
      (comment) =>
        (all || comment.parentId === null) &&
        (locations.size === 0 ||
          locations.has(comment.location) ||
          (locations.has("resolved") && comment.location === "inline" && comment.resolved)),
    );
  const expand = expansions(ctx.url);
  return offsetListing(ctx, comments, (comment) => v1Comment(ctx, comment, expand), {
    max: listingMax(ctx, expand, false),
  });
};

/** The API user: the first author of the site. Cloud reports the profile time zone (CQL dates are read in it). */
const currentUser: Handler = (ctx) => {
  const user = ctx.state.users()[0];
  if (!user) return notFound("current user");
  const body = v1User(ctx, user.accountId);
  return { status: 200, body: ctx.deployment === "cloud" ? { ...body, timeZone: ctx.timeZone } : body };
};

/** A user by `accountId` (Cloud) or `key`/`username` (Data Center). */
const user: Handler = (ctx) => {
  const params = ctx.url.searchParams;
  const found = ctx.state
    .users()
    .find((u) =>
      ctx.deployment === "cloud"
        ? u.accountId === params.get("accountId")
        : u.userKey === params.get("key") || u.username === params.get("username"),
    );
  return found ? { status: 200, body: v1User(ctx, found.accountId) } : notFound("user");
};

/** Cloud's bulk lookup: `accountId` repeated or comma-separated; unknown ids are left out. */
const userBulk: Handler = (ctx) => {
  if (ctx.deployment !== "cloud") return notFound("resource");
  const wanted = multi(ctx.url, "accountId");
  const users = ctx.state.users().filter((u) => wanted.includes(u.accountId));
  return offsetListing(ctx, users, (u) => v1User(ctx, u.accountId), { defaultLimit: 200, max: 200 });
};

/** v1 REST routes, relative to `/wiki/rest/api` (Cloud) or `<context>/rest/api` (Data Center). */
export const v1Routes: ReadonlyArray<readonly [method: string, pattern: string, handler: Handler]> = [
  ["GET", "/space", spaces],
  ["GET", "/space/{key}", space],
  ["GET", "/content", content],
  ["GET", "/content/search", search],
  ["GET", "/content/{id}", contentById],
  ["GET", "/content/{id}/child/page", childPages],
  ["GET", "/content/{id}/child/comment", childComments],
  ["GET", "/content/{id}/child/attachment", v1PageAttachments],
  ["GET", "/content/{id}/label", labels],
  ["GET", "/user/current", currentUser],
  ["GET", "/user/bulk", userBulk],
  ["GET", "/user", user],
];
