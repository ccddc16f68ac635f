import { v2PageAttachments } from "../attachments/attachment-routes.js";
import type { FakePage, FakeSpace } from "../model.js";
import { v2Comment } from "./comment-objects.js";
import { cursorListing, type SortKey } from "./cursor-listing.js";
import { HttpError, v2Error } from "./errors.js";
import { pageTinyui, pageWebui, siteBase, spaceWebui } from "./links.js";
import { limitParam, multi } from "./query.js";
import type { ApiResponse, Handler, RequestContext } from "./types.js";
import { spaceType } from "./v1-objects.js";

const STATUSES = new Set(["current", "archived", "trashed", "deleted", "draft", "historical", "any"]);

function v2Space(ctx: RequestContext, space: FakeSpace): Record<string, unknown> {
  return {
    id: space.id,
    key: space.key,
    name: space.name,
    type: spaceType(space),
    status: "current",
    authorId: space.createdBy,
    createdAt: space.createdAt,
    ...(space.homepageId ? { homepageId: space.homepageId } : {}),
    // Like Cloud, `description` and `icon` are sent only when asked for (the schema has them as objects, not null).
    ...(ctx.url.searchParams.get("description-format") === "plain"
      ? { description: { plain: { representation: "plain", value: space.description } } }
      : {}),
    _links: { webui: spaceWebui(ctx.deployment, space) },
  };
}

function bodyFormat(ctx: RequestContext): string | null {
  const format = ctx.url.searchParams.get("body-format");
  if (format === null || format === "") return null;
  if (
    !["storage", "atlas_doc_format", "view", "export_view", "anonymous_export_view", "styled_view", "editor"].includes(
      format,
    )
  ) {
    throw new HttpError(400, `Invalid value '${format}' for body-format.`);
  }
  return format;
}

/** The v2 page object; `summary` drops the fields only `GET /pages/{id}` returns. */
function v2Page(ctx: RequestContext, page: FakePage, summary: boolean): Record<string, unknown> {
  const space = ctx.state.space(page.spaceKey);
  const format = bodyFormat(ctx);
  const body: Record<string, unknown> = {};
  if (format === "storage") body.storage = { representation: "storage", value: page.body };
  else if (format !== null) body[format] = { representation: format, value: "" };
  const out: Record<string, unknown> = {
    // A top-level page has neither (the published schema has them as strings, never null).
    ...(page.parentId === null
      ? {}
      : { parentType: ctx.state.folder(page.parentId) ? "folder" : "page", parentId: page.parentId }),
    // Blog posts have no owner, position or parent in v2.
    ...(page.type === "blogpost" ? {} : { ownerId: page.createdBy, lastOwnerId: null }),
    createdAt: page.createdAt,
    authorId: page.createdBy,
    ...(page.type === "blogpost" ? {} : { position: page.position }),
    version: {
      number: page.version.number,
      message: page.version.message,
      minorEdit: page.version.minorEdit,
      authorId: page.version.authorId,
      createdAt: page.version.when,
    },
    spaceId: space?.id,
    body,
    status: page.status,
    title: page.title,
    id: page.id,
    _links: {
      editui: `/pages/resumedraft.action?draftId=${page.id}`,
      webui: pageWebui(ctx.deployment, page),
      tinyui: pageTinyui(page),
      ...(summary ? {} : { base: siteBase(ctx) }),
    },
  };
  if (!summary && ctx.url.searchParams.get("include-labels") === "true") {
    out.labels = {
      results: page.labels.map((name) => ({ id: ctx.state.labelId(name), name, prefix: "global" })),
      meta: { hasMore: false, cursor: "" },
      _links: { self: `/wiki/api/v2/pages/${page.id}/labels` },
    };
  }
  return out;
}

function statusFilter(ctx: RequestContext, fallback: readonly string[]): Set<string> {
  const requested = multi(ctx.url, "status");
  for (const status of requested) {
    if (!STATUSES.has(status)) throw new HttpError(400, `Invalid value '${status}' for status.`);
  }
  const statuses = new Set(requested.length > 0 ? requested : fallback);
  if (statuses.has("any")) return new Set(["current", "archived", "trashed"]);
  return statuses;
}

function pageSort(ctx: RequestContext): { keyOf: (page: FakePage) => SortKey; descending: boolean } {
  const sort = ctx.url.searchParams.get("sort") ?? "id";
  const descending = sort.startsWith("-");
  const field = descending ? sort.slice(1) : sort;
  const keyOf = (value: (page: FakePage) => string | number) => (page: FakePage) =>
    [value(page), Number(page.id)] as const;
  switch (field) {
    case "id":
      return { keyOf: keyOf((page) => Number(page.id)), descending };
    case "title":
      return { keyOf: keyOf((page) => page.title), descending };
    case "created-date":
      return { keyOf: keyOf((page) => page.createdAt), descending };
    case "modified-date":
      return { keyOf: keyOf((page) => page.version.when), descending };
    default:
      throw new HttpError(400, `Invalid value '${sort}' for sort.`);
  }
}

function listPages(ctx: RequestContext, pages: readonly FakePage[]): ApiResponse {
  // Like Cloud, the space and page listings return current and archived pages unless `status` says otherwise.
  const statuses = statusFilter(ctx, ["current", "archived"]);
  const title = ctx.url.searchParams.get("title");
  const rootOnly = ctx.url.searchParams.get("depth") === "root";
  const filtered = pages.filter(
    (page) =>
      statuses.has(page.status) &&
      (title === null || page.title === title) &&
      (!rootOnly || page.parentId === null || page.parentId === ctx.state.space(page.spaceKey)?.homepageId),
  );
  const { keyOf, descending } = pageSort(ctx);
  return cursorListing(ctx, filtered, keyOf, (page) => v2Page(ctx, page, true), { descending });
}

const spaces: Handler = (ctx) => {
  const keys = new Set(multi(ctx.url, "keys"));
  const ids = new Set(multi(ctx.url, "ids"));
  const all = ctx.state
    .spaces()
    .filter((space) => (keys.size === 0 || keys.has(space.key)) && (ids.size === 0 || ids.has(space.id)));
  return cursorListing(
    ctx,
    all,
    (space) => [Number(space.id), Number(space.id)],
    (space) => v2Space(ctx, space),
  );
};

const space: Handler = (ctx) => {
  const found = ctx.state.spaceById(ctx.params.id ?? "");
  return found ? { status: 200, body: v2Space(ctx, found) } : v2Error(404, null);
};

const spacePages: Handler = (ctx) => {
  const found = ctx.state.spaceById(ctx.params.id ?? "");
  if (!found) return v2Error(404, null);
  return listPages(ctx, ctx.state.pagesOf(found.key));
};

const pages: Handler = (ctx) => {
  const ids = multi(ctx.url, "id");
  if (ids.length > 250) throw new HttpError(400, "At most 250 ids may be given in 'id'.");
  const spaceIds = new Set(multi(ctx.url, "space-id"));
  const spaceKeys = new Set(
    ctx.state
      .spaces()
      .filter((s) => spaceIds.size === 0 || spaceIds.has(s.id))
      .map((s) => s.key),
  );
  const idSet = new Set(ids);
  const all = ctx.state
    .allPages()
    .filter((page) => spaceKeys.has(page.spaceKey) && (idSet.size === 0 || idSet.has(page.id)));
  return listPages(ctx, all);
};

function requirePage(ctx: RequestContext, type: "page" | "blogpost" = "page"): FakePage {
  const page = ctx.state.page(ctx.params.id ?? "");
  if (!page || (page.type ?? "page") !== type) throw new HttpError(404, "");
  return page;
}

const page: Handler = (ctx) => {
  const found = requirePage(ctx);
  const statuses = multi(ctx.url, "status");
  if (statuses.length > 0 && !statusFilter(ctx, []).has(found.status)) return v2Error(404, null);
  return { status: 200, body: v2Page(ctx, found, false) };
};

const ancestors: Handler = (ctx) => {
  const found = requirePage(ctx);
  const limit = limitParam(ctx.url, 25, 250);
  // Like Cloud: the nearest ancestors, top to bottom; callers ask again with the first id for the rest.
  const ids = ctx.state.ancestorsOf(found.id).slice(-limit);
  return {
    status: 200,
    body: {
      results: ids.map((id) => ({ id, type: ctx.state.folder(id) ? "folder" : "page" })),
      _links: { base: siteBase(ctx) },
    },
  };
};

const labels: Handler = (ctx) => {
  const found = requirePage(ctx);
  const prefix = ctx.url.searchParams.get("prefix");
  const names = prefix === null || prefix === "global" ? found.labels : [];
  return cursorListing(
    ctx,
    names,
    (name) => [name, Number(ctx.state.labelId(name))],
    (name) => ({ id: ctx.state.labelId(name), name, prefix: "global" }),
  );
};

const spaceBlogPosts: Handler = (ctx) => {
  const found = ctx.state.spaceById(ctx.params.id ?? "");
  if (!found) return v2Error(404, null);
  return listPages(ctx, ctx.state.blogPostsOf(found.key));
};

const blogPost: Handler = (ctx) => {
  const found = requirePage(ctx, "blogpost");
  const statuses = multi(ctx.url, "status");
  if (statuses.length > 0 && !statusFilter(ctx, []).has(found.status)) return v2Error(404, null);
  return { status: 200, body: v2Page(ctx, found, false) };
};

/** Top-level footer or inline comments of a page or blog post (replies are listed per comment in Cloud). */
function comments(type: "page" | "blogpost", location: "footer" | "inline"): Handler {
  return (ctx) => {
    bodyFormat(ctx);
    const container = requirePage(ctx, type);
    const wanted = multi(ctx.url, "resolution-status");
    const found = ctx.state
      .commentsOf(container.id)
      .filter(
        (comment) =>
          comment.location === location &&
          comment.parentId === null &&
          (wanted.length === 0 || wanted.includes(comment.resolved ? "resolved" : "open")),
      );
    return cursorListing(
      ctx,
      found,
      (comment) => [Number(comment.id), Number(comment.id)],
      (comment) => v2Comment(ctx, comment),
    );
  };
}

/** Cloud v2 routes, relative to `/wiki/api/v2`. */
export const v2Routes: ReadonlyArray<readonly [method: string, pattern: string, handler: Handler]> = [
  ["GET", "/spaces", spaces],
  ["GET", "/spaces/{id}", space],
  ["GET", "/spaces/{id}/pages", spacePages],
  ["GET", "/pages", pages],
  ["GET", "/pages/{id}", page],
  ["GET", "/pages/{id}/ancestors", ancestors],
  ["GET", "/pages/{id}/labels", labels],
  ["GET", "/pages/{id}/footer-comments", comments("page", "footer")],
  ["GET", "/pages/{id}/inline-comments", comments("page", "inline")],
  ["GET", "/spaces/{id}/blogposts", spaceBlogPosts],
  ["GET", "/blogposts/{id}", blogPost],
  ["GET", "/blogposts/{id}/footer-comments", comments("blogpost", "footer")],
  ["GET", "/blogposts/{id}/inline-comments", comments("blogpost", "inline")],
  ["GET", "/pages/{id}/attachments", v2PageAttachments],
];
