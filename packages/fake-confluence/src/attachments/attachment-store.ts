import { createHash } from "node:crypto";
import { FakeConfluenceError } from "../errors.js";

/** One version of an attached file. */
export interface FakeAttachmentVersion {
  readonly number: number;
  /** ISO timestamp of this version. */
  readonly when: string;
  readonly authorId: string;
  /** The file's bytes in this version. */
  readonly data: Uint8Array;
}

/** A file attached to a page, as the fake stores it. Change attachments through {@link FakeAttachments}. */
export interface FakeAttachment {
  /** `att` followed by digits, as Confluence numbers attachments. */
  readonly id: string;
  readonly pageId: string;
  readonly fileName: string;
  readonly mediaType: string;
  /** The caption Confluence shows under the file ("comment" in the REST API). */
  readonly comment: string;
  /** A stable id of the file in Atlassian's media store. */
  readonly fileId: string;
  readonly createdAt: string;
  version: FakeAttachmentVersion;
}

/** A new file for {@link FakeAttachments.add}. */
export interface NewAttachment {
  readonly pageId: string;
  readonly fileName: string;
  readonly mediaType: string;
  readonly data: Uint8Array;
  /** @default "" */
  readonly comment?: string;
  /** @default the page's author */
  readonly authorId?: string;
}

/**
 * The files attached to pages: added, replaced by a new version (same id, version + 1, the page's version unchanged,
 * as in Confluence) and deleted. Reads reflect mutations at once.
 */
export class FakeAttachments {
  readonly #byId = new Map<string, FakeAttachment>();
  /** Ids per page, in upload order: listings and search read it on every request. */
  readonly #byPage = new Map<string, string[]>();
  #nextId = 900_000;

  constructor(
    private readonly now: () => Date,
    private readonly pageExists: (pageId: string) => { authorId: string } | undefined,
  ) {}

  /** Attaches a file at version 1. A page holds one file per name, like Confluence. */
  add(input: NewAttachment): FakeAttachment {
    const page = this.pageExists(input.pageId);
    if (!page)
      throw new FakeConfluenceError("SOURCE_NOT_FOUND", `fake-confluence: page ${input.pageId} does not exist.`);
    if (this.of(input.pageId).some((a) => a.fileName === input.fileName)) {
      throw new FakeConfluenceError(
        "CONFIG_INVALID",
        `fake-confluence: page ${input.pageId} already has a file named "${input.fileName}"; replace it instead.`,
      );
    }
    const id = `att${this.#nextId++}`;
    const when = this.now().toISOString();
    const attachment: FakeAttachment = {
      id,
      pageId: input.pageId,
      fileName: input.fileName,
      mediaType: input.mediaType,
      comment: input.comment ?? "",
      fileId: createHash("sha256").update(id).digest("hex").slice(0, 32),
      createdAt: when,
      version: { number: 1, when, authorId: input.authorId ?? page.authorId, data: input.data },
    };
    this.#byId.set(id, attachment);
    const ids = this.#byPage.get(input.pageId);
    if (ids) ids.push(id);
    else this.#byPage.set(input.pageId, [id]);
    return attachment;
  }

  /** Uploads a new version of the file: same id and name, the version goes up by one. */
  replace(id: string, data: Uint8Array, authorId?: string): FakeAttachment {
    const attachment = this.#require(id);
    const now = this.now().getTime();
    const when = new Date(Math.max(now, Date.parse(attachment.version.when) + 1000)).toISOString();
    attachment.version = {
      number: attachment.version.number + 1,
      when,
      authorId: authorId ?? attachment.version.authorId,
      data,
    };
    return attachment;
  }

  /** Removes the file for good. */
  delete(id: string): void {
    const attachment = this.#require(id);
    this.#byId.delete(id);
    const ids = this.#byPage.get(attachment.pageId)?.filter((other) => other !== id) ?? [];
    if (ids.length > 0) this.#byPage.set(attachment.pageId, ids);
    else this.#byPage.delete(attachment.pageId);
  }

  /** One attachment, `undefined` when unknown or deleted. */
  get(id: string): FakeAttachment | undefined {
    return this.#byId.get(id);
  }

  /** Files of a page, oldest first. */
  of(pageId: string): FakeAttachment[] {
    return (this.#byPage.get(pageId) ?? []).map((id) => this.#byId.get(id) as FakeAttachment);
  }

  /** Every attachment. */
  all(): FakeAttachment[] {
    return [...this.#byId.values()];
  }

  #require(id: string): FakeAttachment {
    const attachment = this.#byId.get(id);
    if (!attachment)
      throw new FakeConfluenceError("SOURCE_NOT_FOUND", `fake-confluence: attachment ${id} does not exist.`);
    return attachment;
  }
}
