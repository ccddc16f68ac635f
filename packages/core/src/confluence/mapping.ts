import type { Content } from "confluence.js/v1";
import type { PageSummary } from "confluence.js/v2";
import { ConfluenceSyncError } from "../errors.js";
import type { ConfluenceComment, ConfluencePage, FolderRef, PageRef, PageStatus } from "../ports/confluence-source.js";
import type { ConfluenceDeployment } from "./config.js";
import type { V1PageContent } from "./schemas.js";

/** A v1 page as confluence.js's `ContentSchema` or the leaner `v1PageContentSchema` checked it. */
type V1Page = Content | V1PageContent;

const STATUSES: ReadonlySet<string> = new Set<PageStatus>(["current", "archived", "trashed", "deleted", "draft"]);

/** Where a mapped item came from, for error messages and absolute links. */
export interface MappingContext {
  readonly baseUrl: string;
  /** Base of web links when the response does not carry `_links.base`. */
  readonly webBaseUrl?: string;
  readonly deployment: ConfluenceDeployment;
  /** The request that returned the item, e.g. `GET /wiki/api/v2/spaces/42/pages`. */
  readonly request: string;
  /** `_links.base` of the response, when it carried one. */
  readonly linkBase?: string | undefined;
}

function bad(context: MappingContext, what: string): ConfluenceSyncError {
  return new ConfluenceSyncError(
    "SOURCE_BAD_RESPONSE",
    `Confluence at ${context.baseUrl} sent an unexpected response to ${context.request}: ${what}`,
  );
}

function pageStatus(value: unknown, id: string, context: MappingContext): PageStatus {
  const status = typeof value === "string" ? value : "current";
  if (!STATUSES.has(status)) throw bad(context, `page ${id} has unknown status ${JSON.stringify(status)}`);
  return status as PageStatus;
}

const iso = (value: Date | string | null | undefined): string | null => {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
};

/** Absolute web URL; `webui` is relative to the site's wiki root (Cloud `/wiki`, Data Center the context path). */
export function absoluteWebUrl(webui: string | undefined, id: string, context: MappingContext): string {
  const root =
    context.linkBase ??
    context.webBaseUrl ??
    (context.deployment === "cloud" ? `${context.baseUrl}/wiki` : context.baseUrl);
  if (webui === undefined || webui === "") return `${root}/pages/viewpage.action?pageId=${id}`;
  if (/^https?:\/\//.test(webui)) return webui;
  return `${root.replace(/\/+$/, "")}${webui.startsWith("/") ? "" : "/"}${webui}`;
}

/** Label names of a v1 content's `metadata.labels` expansion, or `undefined` when it was not expanded. */
export function v1Labels(content: V1Page): string[] | undefined {
  const labels = content.metadata?.labels;
  if (labels === undefined) return undefined;
  const list = Array.isArray(labels) ? labels : labels.results;
  return list.map((label) => label.name);
}

function requireId(id: string | undefined, context: MappingContext, kind: string): string {
  if (id === undefined || id === "") throw bad(context, `a ${kind} without an id`);
  return id;
}

/** A v1 content object (search or listing result) as a page reference, without body. */
export function v1Ref(content: V1Page, context: MappingContext): PageRef & { ancestors: string[] } {
  const id = requireId(content.id, context, "page");
  if (content.version?.number === undefined) throw bad(context, `page ${id} without version.number`);
  const ancestors = (content.ancestors ?? []).map((ancestor) => requireId(ancestor.id, context, "ancestor"));
  // Cloud lists folders among the ancestors, as content of type "folder" with their titles.
  const folders = (content.ancestors ?? [])
    .filter((ancestor) => ancestor.type === "folder")
    .map((ancestor) => ({ id: requireId(ancestor.id, context, "ancestor"), title: ancestor.title ?? "" }));
  const labels = v1Labels(content);
  return {
    id,
    ...(content.type === "blogpost" ? { contentType: "blogpost" as const } : {}),
    title: content.title ?? "",
    version: content.version.number,
    status: pageStatus(content.status, id, context),
    parentId: ancestors.at(-1) ?? null,
    ancestors,
    ...(folders.length === 0 ? {} : { folders }),
    ...(labels === undefined ? {} : { labels }),
    updatedAt: iso(content.version.when),
  };
}

/** A v1 content object expanded with `body.storage` as a full page. */
export function v1Page(content: V1Page, spaceKey: string, context: MappingContext): ConfluencePage {
  const ref = v1Ref(content, context);
  const body = content.body?.storage?.value;
  if (typeof body !== "string") throw bad(context, `page ${ref.id} without body.storage.value`);
  const by = content.version?.by;
  const authorId = (context.deployment === "cloud" ? by?.accountId : (by?.userKey ?? by?.username)) ?? null;
  return {
    ...ref,
    labels: ref.labels ?? [],
    spaceKey: content.space?.key ?? spaceKey,
    body,
    authorId,
    createdAt: iso(content.history?.createdDate) ?? ref.updatedAt ?? null,
    updatedAt: ref.updatedAt ?? null,
    webUrl: absoluteWebUrl(content._links?.webui, ref.id, context),
  };
}

/**
 * A v2 page summary as a reference. A parent that is not a page (a folder, a whiteboard) is still the parent: it is a
 * node of the tree, as it is among the v1 `ancestors`, so both listings place the page alike.
 */
export function v2Ref(page: PageSummary, context: MappingContext): PageRef {
  const id = requireId(page.id, context, "page");
  const number = page.version?.number;
  if (number === undefined) throw bad(context, `page ${id} without version.number`);
  return {
    id,
    title: page.title ?? "",
    version: number,
    status: pageStatus(page.status, id, context),
    parentId: page.parentId ?? null,
    updatedAt: iso(page.version?.createdAt),
  };
}

/** A v2 page summary with `body-format=storage` as a full page; labels come from elsewhere (v2 lists carry none). */
export function v2Page(
  page: PageSummary,
  extra: {
    spaceKey: string;
    labels: readonly string[];
    ancestors?: readonly string[] | undefined;
    blogPost?: boolean;
    folders?: readonly FolderRef[] | undefined;
  },
  context: MappingContext,
): ConfluencePage {
  const ref = extra.blogPost ? { ...v2Ref(page, context), contentType: "blogpost" as const } : v2Ref(page, context);
  const body = page.body?.storage?.value;
  if (typeof body !== "string") throw bad(context, `page ${ref.id} without body.storage.value`);
  return {
    ...ref,
    spaceKey: extra.spaceKey,
    body,
    labels: extra.labels,
    ...(extra.ancestors === undefined ? {} : { ancestors: extra.ancestors }),
    ...(extra.folders === undefined || extra.folders.length === 0 ? {} : { folders: extra.folders }),
    authorId: page.version?.authorId ?? page.authorId ?? null,
    createdAt: iso(page.createdAt),
    updatedAt: ref.updatedAt ?? null,
    webUrl: absoluteWebUrl(page._links?.webui, ref.id, context),
  };
}

/** What a v1 comment carries beyond {@link Content}'s typed fields. */
interface CommentExtras {
  readonly container?: { readonly id?: string };
  readonly extensions?: {
    readonly location?: string;
    readonly inlineProperties?: { readonly originalSelection?: string };
    readonly resolution?: { readonly status?: string };
  };
}

/**
 * A v1 comment expanded with `body.storage`, `version`, `history`, `ancestors` and `extensions.inlineProperties`,
 * `extensions.resolution`; `containerId` when the response did not expand `container`. Only a comment whose
 * resolution status is `resolved` counts as resolved (`open`, `reopened` and `dangling` do not). With `withBody` false
 * the body was not asked for and is left empty.
 */
export function v1Comment(
  content: Content,
  context: MappingContext,
  containerId?: string,
  withBody = true,
): ConfluenceComment {
  const id = requireId(content.id, context, "comment");
  if (content.version?.number === undefined) throw bad(context, `comment ${id} without version.number`);
  const body = withBody ? content.body?.storage?.value : "";
  if (typeof body !== "string") throw bad(context, `comment ${id} without body.storage.value`);
  const extras = content as unknown as CommentExtras;
  const container = extras.container?.id ?? containerId;
  if (container === undefined) throw bad(context, `comment ${id} without its container`);
  const location = extras.extensions?.location === "inline" ? "inline" : "footer";
  const by = content.version.by;
  const authorId = (context.deployment === "cloud" ? by?.accountId : (by?.userKey ?? by?.username)) ?? null;
  const parent = (content.ancestors ?? []).filter((ancestor) => ancestor.type === "comment").at(-1);
  return {
    id,
    containerId: String(container),
    version: content.version.number,
    location,
    parentId: parent?.id ?? null,
    body,
    authorId,
    createdAt: iso(content.history?.createdDate) ?? iso(content.version.when),
    updatedAt: iso(content.version.when),
    resolved: location === "inline" && extras.extensions?.resolution?.status === "resolved",
    anchor: location === "inline" ? (extras.extensions?.inlineProperties?.originalSelection ?? null) : null,
    webUrl: absoluteWebUrl(content._links?.webui, id, context),
  };
}
