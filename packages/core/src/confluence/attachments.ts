import type { Content } from "confluence.js/v1";
import { ConfluenceSyncError, isConfluenceSyncError } from "../errors.js";
import type { ConfluenceAttachment } from "../ports/attachments.js";
import type { SourceCallOptions } from "../ports/confluence-source.js";
import { assertPageIds, assertSpaceKey, cqlString } from "./cql.js";
import { absoluteWebUrl, type MappingContext } from "./mapping.js";
import { type ListingBatch, type ListingContext, paginateV1 } from "./pagination.js";

interface AttachmentFields {
  readonly extensions?: { mediaType?: unknown; fileSize?: unknown; comment?: unknown };
  readonly metadata?: { mediaType?: unknown; comment?: unknown };
  readonly _links?: { download?: unknown };
}

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** A v1 attachment (Cloud and Data Center share the shape) as the port's {@link ConfluenceAttachment}. */
export function v1Attachment(content: Content, pageId: string, context: MappingContext): ConfluenceAttachment {
  const fields = content as unknown as AttachmentFields;
  const bad = (what: string) =>
    new ConfluenceSyncError(
      "SOURCE_BAD_RESPONSE",
      `Confluence at ${context.baseUrl} sent an unexpected response to ${context.request}: ${what}`,
    );
  if (!content.id || !/^att\d{1,19}$|^\d{1,19}$/.test(content.id)) throw bad("an attachment without a valid id");
  const download = text(fields._links?.download);
  if (download === undefined) throw bad(`attachment ${content.id} without a download link`);
  const size = Number(fields.extensions?.fileSize ?? 0);
  return {
    // Data Center may number attachments without the prefix; the prefix keeps them apart from page ids in a store.
    id: content.id.startsWith("att") ? content.id : `att${content.id}`,
    pageId,
    fileName: content.title ?? content.id,
    mediaType: (text(fields.extensions?.mediaType) ?? text(fields.metadata?.mediaType) ?? "application/octet-stream")
      .split(";")[0]!
      .trim()
      .toLowerCase(),
    fileSize: Number.isFinite(size) && size >= 0 ? size : 0,
    version: content.version?.number ?? 1,
    comment: text(fields.extensions?.comment) ?? text(fields.metadata?.comment) ?? "",
    updatedAt: content.version?.when ? new Date(content.version.when).toISOString() : null,
    downloadUrl: absoluteWebUrl(download, content.id, context),
  };
}

/**
 * Every current file of a page: v1 `GET /rest/api/content/{id}/child/attachment?expand=version` on Cloud and Data
 * Center alike (⌈A/B⌉ requests for A files). A page that is gone has no files.
 */
export async function listPageAttachments(
  listing: ListingContext,
  pageId: string,
  context: (batch: ListingBatch<Content>) => MappingContext,
  call: SourceCallOptions,
): Promise<ConfluenceAttachment[]> {
  assertPageIds([pageId]);
  const out: ConfluenceAttachment[] = [];
  try {
    for await (const batch of paginateV1(
      listing,
      `/wiki/rest/api/content/${pageId}/child/attachment`,
      { expand: "version" },
      call,
    )) {
      for (const content of batch.results) out.push(v1Attachment(content, pageId, context(batch)));
    }
  } catch (error) {
    if (isConfluenceSyncError(error, "SOURCE_NOT_FOUND")) return [];
    throw error;
  }
  return out;
}

/**
 * Every current file of a space: v1 CQL search `space = "KEY" and type = attachment` with `expand=version,container`
 * (⌈A/B⌉ requests for A files), on Cloud and Data Center. Files whose page the result does not name are left out.
 */
export async function* listSpaceAttachments(
  listing: ListingContext,
  spaceKey: string,
  context: (batch: ListingBatch<Content>) => MappingContext,
  call: SourceCallOptions,
): AsyncIterable<ConfluenceAttachment[]> {
  assertSpaceKey(spaceKey);
  const cql = `space = ${cqlString(spaceKey)} and type = attachment`;
  for await (const batch of paginateV1(
    listing,
    "/wiki/rest/api/content/search",
    { cql, expand: "version,container" },
    call,
  )) {
    const files: ConfluenceAttachment[] = [];
    for (const content of batch.results) {
      if (content.type !== undefined && content.type !== "attachment") continue;
      const pageId = (content as unknown as { container?: { id?: unknown } }).container?.id;
      if (typeof pageId !== "string" && typeof pageId !== "number") continue;
      files.push(v1Attachment(content, String(pageId), context(batch)));
    }
    if (files.length > 0) yield files;
  }
}
