import type { FakeComment, FakePage } from "../model.js";
import { commentWebui, siteBase } from "./links.js";
import type { RequestContext } from "./types.js";
import { v1Content, v1User, v1Version } from "./v1-objects.js";

type Json = Record<string, unknown>;

/**
 * A v1 comment (`GET /content/{id}/child/comment`, CQL `type = comment`). Supported expansions: `body.storage`,
 * `version`, `history`, `container`, `ancestors`, `extensions.inlineProperties`, `extensions.resolution`. As in
 * Confluence, `extensions.location` is always there; the inline properties and the resolution only when expanded.
 */
export function v1Comment(ctx: RequestContext, comment: FakeComment, expand: ReadonlySet<string>): Json {
  const container = ctx.state.page(comment.containerId) as FakePage;
  const out: Json = { id: comment.id, type: "comment", status: comment.status, title: comment.title };
  const expandable: Json = {
    childTypes: "",
    container: `/rest/api/content/${comment.containerId}`,
    metadata: "",
    operations: "",
    children: `/rest/api/content/${comment.id}/child`,
    restrictions: `/rest/api/content/${comment.id}/restriction/byOperation`,
    history: `/rest/api/content/${comment.id}/history`,
    ancestors: "",
    body: "",
    version: "",
    descendants: `/rest/api/content/${comment.id}/descendant`,
    space: `/rest/api/space/${comment.spaceKey}`,
  };
  const take = (key: string, value: unknown) => {
    out[key] = value;
    delete expandable[key];
  };
  if (expand.has("container")) take("container", v1Content(ctx, container, new Set()));
  if (expand.has("history")) {
    take("history", {
      latest: true,
      createdBy: v1User(ctx, comment.createdBy),
      createdDate: comment.createdAt,
      _links: { self: `${siteBase(ctx)}/rest/api/content/${comment.id}/history` },
    });
  }
  if (expand.has("version")) take("version", v1Version(ctx, comment));
  if (expand.has("ancestors")) {
    const chain: Json[] = [];
    let parent = comment.parentId === null ? undefined : ctx.state.comment(comment.parentId);
    while (parent) {
      chain.unshift({ id: parent.id, type: "comment", status: parent.status, title: parent.title });
      parent = parent.parentId === null ? undefined : ctx.state.comment(parent.parentId);
    }
    take("ancestors", chain);
  }
  if (expand.has("body")) {
    const body: Json = {
      _expandable: { editor: "", view: "", export_view: "", styled_view: "", atlas_doc_format: "" },
    };
    if (expand.has("body.storage")) {
      body.storage = { value: comment.body, representation: "storage", embeddedContent: [], _expandable: {} };
    }
    take("body", body);
  }
  const extensions: Json = { location: comment.location };
  const extensionsExpandable: Json = {};
  if (comment.location === "inline") {
    if (expand.has("extensions.inlineProperties")) {
      extensions.inlineProperties = { markerRef: markerRef(comment), originalSelection: comment.anchor ?? "" };
    } else extensionsExpandable.inlineProperties = "";
  }
  if (expand.has("extensions.resolution")) {
    extensions.resolution = {
      status: comment.location === "inline" && comment.resolved ? "resolved" : "open",
      lastModifier: v1User(ctx, comment.version.authorId),
      lastModifiedDate: comment.version.when,
    };
  } else extensionsExpandable.resolution = "";
  extensions._expandable = extensionsExpandable;
  out.extensions = extensions;
  out._expandable = expandable;
  out._links = {
    webui: commentWebui(ctx.deployment, container, comment.id),
    self: `${siteBase(ctx)}/rest/api/content/${comment.id}`,
  };
  return out;
}

/** Inline comments point at a marker in the page body by a stable reference. */
function markerRef(comment: FakeComment): string {
  return `${comment.id.padStart(8, "0")}-0000-4000-8000-000000000000`;
}

/**
 * A Cloud v2 footer or inline comment (`/pages/{id}/footer-comments`, `/pages/{id}/inline-comments`, and the same
 * under `/blogposts/{id}`): `pageId` or `blogPostId` names the container; inline comments carry
 * `resolutionStatus` and `properties.inlineOriginalSelection`.
 */
export function v2Comment(ctx: RequestContext, comment: FakeComment): Json {
  const container = ctx.state.page(comment.containerId) as FakePage;
  const format = ctx.url.searchParams.get("body-format");
  const body: Json = {};
  if (format === "storage") body.storage = { representation: "storage", value: comment.body };
  const out: Json = {
    id: comment.id,
    status: comment.status,
    title: comment.title,
    ...(container.type === "blogpost" ? { blogPostId: container.id } : { pageId: container.id }),
    ...(comment.parentId === null ? {} : { parentCommentId: comment.parentId }),
    version: {
      createdAt: comment.version.when,
      message: comment.version.message,
      number: comment.version.number,
      minorEdit: comment.version.minorEdit,
      authorId: comment.version.authorId,
    },
    body,
    _links: { webui: commentWebui(ctx.deployment, container, comment.id) },
  };
  if (comment.location === "inline") {
    out.resolutionStatus = comment.resolved ? "resolved" : "open";
    out.properties = { inlineMarkerRef: markerRef(comment), inlineOriginalSelection: comment.anchor ?? "" };
  }
  return out;
}
