import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { cursorListing } from "../http/cursor-listing.js";
import { HttpError } from "../http/errors.js";
import { siteBase } from "../http/links.js";
import { offsetListing } from "../http/offset-listing.js";
import { expansions, multi } from "../http/query.js";
import type { ApiResponse, Handler, RequestContext } from "../http/types.js";
import { v1Content, v1User } from "../http/v1-objects.js";
import type { FakeAttachmentView, FakePage } from "../model.js";
import type { FakeAttachment } from "./attachment-store.js";

type Json = Record<string, unknown>;

const DESCRIPTIONS: Record<string, string> = {
  "application/pdf": "PDF Document",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Microsoft Word Document",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": "Microsoft PowerPoint Presentation",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Microsoft Excel Spreadsheet",
  "text/csv": "CSV File",
  "text/plain": "Text File",
  "text/markdown": "Markdown File",
  "text/html": "HTML Document",
  "image/png": "PNG Image",
  "image/jpeg": "JPEG Image",
};

function requirePage(ctx: RequestContext): FakePage {
  const page = ctx.state.page(ctx.params.id ?? "");
  if (!page || page.status === "trashed") {
    throw new HttpError(404, `No content found with id: ContentId{id=${ctx.params.id}}`);
  }
  return page;
}

/** `_links.download` as Confluence sends it: relative to the site base, naming the version. */
export function downloadPath(attachment: FakeAttachment): string {
  const modified = Date.parse(attachment.version.when);
  return `/download/attachments/${attachment.pageId}/${encodeURIComponent(attachment.fileName)}?version=${attachment.version.number}&modificationDate=${modified}&api=v2`;
}

function webuiPath(attachment: FakeAttachment): string {
  const preview = encodeURIComponent(`/${attachment.pageId}/${attachment.id}/${attachment.fileName}`);
  return `/pages/viewpageattachments.action?pageId=${attachment.pageId}&preview=${preview}`;
}

function filtered(ctx: RequestContext, page: FakePage): FakeAttachment[] {
  const mediaType = ctx.url.searchParams.get("mediaType");
  const filename = ctx.url.searchParams.get("filename");
  return ctx.state.attachments
    .of(page.id)
    .filter((a) => (mediaType === null || a.mediaType === mediaType) && (filename === null || a.fileName === filename));
}

/** A v1 attachment; `version` and `container` are sent when expanded. */
export function v1Attachment(
  ctx: RequestContext,
  page: FakePage,
  attachment: FakeAttachment,
  expand: Set<string>,
): Json {
  const size = attachment.version.data.byteLength;
  const description = DESCRIPTIONS[attachment.mediaType] ?? "File";
  const out: Json = {
    id: attachment.id,
    type: "attachment",
    status: "current",
    title: attachment.fileName,
    metadata: {
      comment: attachment.comment,
      mediaType: attachment.mediaType,
      _expandable: { currentuser: "", properties: "", frontend: "", editorHtml: "", labels: "" },
    },
    extensions: {
      mediaType: attachment.mediaType,
      fileSize: size,
      comment: attachment.comment,
      mediaTypeDescription: description,
      ...(ctx.deployment === "cloud" ? { fileId: attachment.fileId, collectionName: `contentId-${page.id}` } : {}),
    },
    _expandable: { container: `/rest/api/content/${page.id}`, version: "", space: `/rest/api/space/${page.spaceKey}` },
    _links: {
      webui: webuiPath(attachment),
      download: downloadPath(attachment),
      self: `${siteBase(ctx)}/rest/api/content/${attachment.id}`,
    },
  };
  const expandable = out._expandable as Json;
  if (expand.has("version")) {
    out.version = {
      by: v1User(ctx, attachment.version.authorId),
      when: attachment.version.when,
      message: "",
      number: attachment.version.number,
      minorEdit: false,
      _links: { self: `${siteBase(ctx)}/rest/api/content/${attachment.id}/version/${attachment.version.number}` },
    };
    delete expandable.version;
  }
  if (expand.has("container")) {
    out.container = v1Content(ctx, page, new Set());
    delete expandable.container;
  }
  return out;
}

/**
 * An attachment as CQL search sees it: a page-shaped view (`type: "attachment"`, its file name as title, its page as
 * parent) so the same compiled query filters pages and attachments.
 */
export function searchableAttachment(page: FakePage, attachment: FakeAttachment): FakeAttachmentView {
  return {
    ...page,
    id: attachment.id,
    type: "attachment",
    title: attachment.fileName,
    parentId: page.id,
    labels: [],
    version: { ...page.version, number: attachment.version.number, when: attachment.version.when },
    createdAt: attachment.createdAt,
  };
}

/** v1 `GET /rest/api/content/{id}/child/attachment` (Cloud and Data Center): offset listing, 200 at most. */
export const v1PageAttachments: Handler = (ctx) => {
  const page = requirePage(ctx);
  const expand = expansions(ctx.url);
  return offsetListing(ctx, filtered(ctx, page), (a) => v1Attachment(ctx, page, a, expand), {
    defaultLimit: 50,
    max: 200,
  });
};

/** Cloud v2 `GET /pages/{id}/attachments`: cursor listing, 250 at most. */
export const v2PageAttachments: Handler = (ctx) => {
  const page = requirePage(ctx);
  const statuses = multi(ctx.url, "status");
  const items = statuses.length === 0 || statuses.includes("current") ? filtered(ctx, page) : [];
  return cursorListing(
    ctx,
    items,
    (a) => [Number(a.id.slice(3)), Number(a.id.slice(3))],
    (a) => ({
      id: a.id,
      status: "current",
      title: a.fileName,
      createdAt: a.createdAt,
      pageId: a.pageId,
      mediaType: a.mediaType,
      mediaTypeDescription: DESCRIPTIONS[a.mediaType] ?? "File",
      comment: a.comment,
      fileId: a.fileId,
      fileSize: a.version.data.byteLength,
      webuiLink: webuiPath(a),
      downloadLink: downloadPath(a),
      version: {
        number: a.version.number,
        message: "",
        minorEdit: false,
        authorId: a.version.authorId,
        createdAt: a.version.when,
      },
      _links: { webui: webuiPath(a), download: downloadPath(a) },
    }),
    { defaultLimit: 50, max: 250 },
  );
};

/**
 * `GET <site>/download/attachments/{pageId}/{fileName}`: the file's bytes, the current version, on Data Center. Cloud
 * closed this browser path to API credentials (changelog CHANGE-2735): it answers 401 with an OAuth challenge, and API
 * clients download through {@link restDownload} instead.
 */
export const downloadAttachment: Handler = (ctx) => {
  if (ctx.deployment === "cloud") {
    return {
      status: 401,
      body: { code: 401, message: "Unauthorized" },
      headers: { "WWW-Authenticate": `OAuth realm="${siteBase(ctx)}"` },
    };
  }
  const page = ctx.state.page(ctx.params.pageId ?? "");
  const attachment = page && ctx.state.attachments.of(page.id).find((a) => a.fileName === ctx.params.fileName);
  if (!attachment) throw new HttpError(404, "The attachment was not found.");
  return fileBytes(ctx, attachment);
};

/** Answers 404 when the request's `version` is newer than the file's. */
function checkVersion(ctx: RequestContext, attachment: FakeAttachment): void {
  const version = ctx.url.searchParams.get("version");
  if (version !== null && Number(version) > attachment.version.number) {
    throw new HttpError(404, `Version ${version} of the attachment was not found.`);
  }
}

function fileBytes(ctx: RequestContext, attachment: FakeAttachment): ApiResponse {
  checkVersion(ctx, attachment);
  return {
    status: 200,
    body: null,
    raw: { bytes: attachment.version.data, contentType: attachment.mediaType },
    headers: { "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(attachment.fileName)}` },
  };
}

/** Signs media URLs; a new key per process, so a URL works only against the server that issued it. */
const MEDIA_KEY = randomBytes(32);

function mediaToken(fileId: string): string {
  return createHmac("sha256", MEDIA_KEY).update(fileId).digest("base64url");
}

/**
 * Cloud `GET /wiki/rest/api/content/{id}/child/attachment/{attachmentId}/download`: a 302 to the file in the media
 * store, at a signed URL that needs no Confluence credentials (`<origin>/media/...` stands for
 * `api.media.atlassian.com`).
 */
export const restDownload: Handler = (ctx) => {
  const page = requirePage(ctx);
  const attachment = ctx.state.attachments.of(page.id).find((a) => a.id === ctx.params.attachmentId);
  if (!attachment) throw new HttpError(404, `No attachment found with id: ${ctx.params.attachmentId}`);
  checkVersion(ctx, attachment);
  const query = new URLSearchParams({
    token: mediaToken(attachment.fileId),
    client: "fake-confluence",
    dl: "true",
    name: attachment.fileName,
  });
  return {
    status: 302,
    body: null,
    raw: { bytes: new Uint8Array(), contentType: "text/plain" },
    headers: { Location: `${ctx.origin}/media/file/${attachment.fileId}/binary?${query}` },
  };
};

/** The media store's `GET /file/{fileId}/binary?token=…`: the bytes for a valid token, whatever else is sent. */
export const mediaBinary: Handler = (ctx) => {
  const fileId = ctx.params.fileId ?? "";
  const token = ctx.url.searchParams.get("token") ?? "";
  const expected = Buffer.from(mediaToken(fileId));
  if (token.length !== expected.length || !timingSafeEqual(Buffer.from(token), expected)) {
    return { status: 401, body: { error: { code: "Unauthorized", title: "The token is missing or invalid." } } };
  }
  const attachment = ctx.state.attachments.all().find((a) => a.fileId === fileId);
  if (!attachment) throw new HttpError(404, "The file was not found.");
  return fileBytes(ctx, attachment);
};

/** Download routes, relative to the site base (`/wiki` on Cloud, the context path on Data Center). */
export const downloadRoutes: ReadonlyArray<readonly [method: string, pattern: string, handler: Handler]> = [
  ["GET", "/download/attachments/{pageId}/{fileName}", downloadAttachment],
];

/** Cloud's REST download route, relative to `/wiki/rest/api`. */
export const restDownloadRoutes: ReadonlyArray<readonly [method: string, pattern: string, handler: Handler]> = [
  ["GET", "/content/{id}/child/attachment/{attachmentId}/download", restDownload],
];

/** The media store's route, at the server's root and answered without the site's credentials. */
export const mediaRoutes: ReadonlyArray<readonly [method: string, pattern: string, handler: Handler]> = [
  ["GET", "/media/file/{fileId}/binary", mediaBinary],
];
