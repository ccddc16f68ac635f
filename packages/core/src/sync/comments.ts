import { ConfluenceSyncError } from "../errors.js";
import { sha256 } from "../hash.js";
import type { Chunk } from "../ports/chunker.js";
import type { ConfluenceComment, ConfluencePage, ConfluenceSpace } from "../ports/confluence-source.js";
import type { StoredPageState } from "../ports/knowledge-store.js";
import type { ResolvedContentOptions } from "./content-options.js";
import type { SyncRun } from "./engine.js";
import { stripNul } from "./util.js";
import { webBaseOf } from "./web-base.js";

/** Heading of the section a page's comments become. */
export const DISCUSSION_HEADING = "Discussion";

/**
 * The comments of the pages one sync looks at. A full sync lists every comment of the space once, with bodies; an
 * incremental one lists every comment of the space without bodies and compares each page's with what the stored
 * content hash says it indexed (a new, edited, resolved or deleted comment changes no page version), then fetches the
 * complete comments of each page it processes.
 */
export class PageComments {
  readonly #known = new Map<string, ConfluenceComment[]>();
  #complete = false;

  constructor(
    private readonly run: SyncRun,
    private readonly space: ConfluenceSpace,
    private readonly options: Exclude<ResolvedContentOptions["comments"], false>,
  ) {}

  /** Whether the run indexes comments: asked for, and the source can list them. */
  static wanted(run: SyncRun, content: ResolvedContentOptions): boolean {
    if (content.comments === false) return false;
    const { source } = run.options;
    if (source.listComments === undefined || source.getComments === undefined) {
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        "content.comments is on, but this Confluence source cannot list comments (listComments/getComments).",
      );
    }
    return true;
  }

  /** A full sync: every comment of the space, grouped by the page or blog post it is on. */
  async loadAll(): Promise<void> {
    for await (const batch of this.run.options.source.listComments!(this.space, this.run.call)) {
      this.run.throwIfAborted();
      for (const comment of batch) this.#add(comment);
    }
    this.#complete = true;
  }

  /**
   * An incremental sync: ids of the stored pages and blog posts whose indexed comments are not those the stored
   * content hash was made from, comments added, edited, resolved or deleted since. One listing of the space's
   * comments without bodies (⌈K/B⌉ requests for K comments); no page body is read.
   */
  async changedContainers(stored: ReadonlyMap<string, StoredPageState>): Promise<Set<string>> {
    const listed = new Map<string, ConfluenceComment[]>();
    for await (const batch of this.run.options.source.listComments!(this.space, { ...this.run.call, bodies: false })) {
      this.run.throwIfAborted();
      for (const comment of batch) {
        const list = listed.get(comment.containerId);
        if (list) list.push(comment);
        else listed.set(comment.containerId, [comment]);
      }
    }
    const changed = new Set<string>();
    for (const [id, state] of stored) {
      const now = commentsKey(this.#indexed(listed.get(id) ?? []));
      if (now !== storedCommentsKey(state.contentHash)) changed.add(id);
    }
    return changed;
  }

  /** The indexed comments of each page of a batch, fetching those not known yet (one listing per page). */
  async forBatch(pages: readonly ConfluencePage[]): Promise<Map<string, ConfluenceComment[]>> {
    if (!this.#complete) {
      const missing = pages.map((page) => page.id).filter((id) => !this.#known.has(id));
      if (missing.length > 0) {
        const fetched = await this.run.options.source.getComments!(this.space, missing, this.run.call);
        for (const id of missing) this.#known.set(id, fetched.get(id) ?? []);
      }
    }
    const out = new Map<string, ConfluenceComment[]>();
    for (const page of pages) out.set(page.id, this.#indexed(this.#known.get(page.id) ?? []));
    return out;
  }

  #add(comment: ConfluenceComment): void {
    const list = this.#known.get(comment.containerId) ?? [];
    list.push(comment);
    this.#known.set(comment.containerId, list);
  }

  /** Comments kept by the options (resolved inline ones may go, with their replies), ordered as threads. */
  #indexed(comments: readonly ConfluenceComment[]): ConfluenceComment[] {
    const dropped = new Set<string>();
    if (!this.options.includeResolvedInline) {
      for (const comment of comments) if (comment.location === "inline" && comment.resolved) dropped.add(comment.id);
    }
    return threadOrder(comments).filter((comment) => {
      if (comment.parentId !== null && dropped.has(comment.parentId)) dropped.add(comment.id);
      return !dropped.has(comment.id);
    });
  }
}

/** Footer threads first, then inline ones; each reply right after what it answers; by id otherwise. */
export function threadOrder(comments: readonly ConfluenceComment[]): ConfluenceComment[] {
  const byId = (a: ConfluenceComment, b: ConfluenceComment) => Number(a.id) - Number(b.id) || (a.id < b.id ? -1 : 1);
  const children = new Map<string | null, ConfluenceComment[]>();
  const ids = new Set(comments.map((comment) => comment.id));
  for (const comment of comments) {
    // A reply whose parent is not in the list is shown as a thread of its own.
    const parent = comment.parentId !== null && ids.has(comment.parentId) ? comment.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), comment]);
  }
  const out: ConfluenceComment[] = [];
  const seen = new Set<string>();
  const visit = (comment: ConfluenceComment) => {
    if (seen.has(comment.id)) return;
    seen.add(comment.id);
    out.push(comment);
    for (const reply of [...(children.get(comment.id) ?? [])].sort(byId)) visit(reply);
  };
  const roots = [...(children.get(null) ?? [])].sort(
    (a, b) => (a.location === b.location ? 0 : a.location === "footer" ? -1 : 1) || byId(a, b),
  );
  for (const root of roots) visit(root);
  return out;
}

/**
 * The stored content hash of a page: the sha-256 of its body, followed, when it indexes comments, by `+` and
 * {@link commentsKey} of them. A new, edited, resolved or removed comment changes it even when the page version stays,
 * and a sync can compare a page's comments with the stored hash without reading the page's body.
 */
export function pageContentHash(body: string, comments: readonly ConfluenceComment[]): string {
  const key = commentsKey(comments);
  return key === "" ? sha256(body) : `${sha256(body)}+${key}`;
}

/**
 * What identifies the indexed comments of a page: the sha-256 of each comment's id, version, resolution, location and
 * parent, in thread order; `""` for none. Needs no comment body.
 */
export function commentsKey(comments: readonly ConfluenceComment[]): string {
  if (comments.length === 0) return "";
  return sha256(JSON.stringify(comments.map((c) => [c.id, c.version, c.resolved, c.location, c.parentId])));
}

/** The {@link commentsKey} a stored content hash was made with; `""` when the page was indexed without comments. */
export function storedCommentsKey(contentHash: string): string {
  const at = contentHash.indexOf("+");
  return at < 0 ? "" : contentHash.slice(at + 1);
}

/** Whether a stored page was indexed with comments. */
export function indexedWithComments(state: StoredPageState): boolean {
  return storedCommentsKey(state.contentHash) !== "";
}

/** The discussion section of a page: its Markdown and its chunks, numbered after the page's own. */
export interface Discussion {
  readonly markdown: string;
  readonly chunks: Chunk[];
}

/**
 * Renders comments as one "Discussion" section: a heading per comment naming its author, date, kind (inline,
 * resolved, reply) and, for inline comments, the quoted text it is anchored to. Bodies go through the run's converter
 * on the calling thread (comments are short); the section is chunked on its own so its chunks carry the `comment`
 * content type.
 */
export function renderDiscussion(
  run: SyncRun,
  page: ConfluencePage,
  title: string,
  spaceKey: string,
  comments: readonly ConfluenceComment[],
  resolveUser: (id: string) => string | undefined,
  firstIndex: number,
): Discussion {
  const { converter, chunker, source } = run.options;
  const byId = new Map(comments.map((comment) => [comment.id, comment]));
  const name = (id: string | null) => (id === null ? "unknown" : (resolveUser(id) ?? id));
  const parts = [`## ${DISCUSSION_HEADING}`];
  for (const comment of comments) {
    const kind = [
      comment.location === "inline" ? "inline comment" : "comment",
      ...(comment.resolved ? ["resolved"] : []),
      ...(comment.parentId !== null && byId.has(comment.parentId)
        ? [`reply to ${name(byId.get(comment.parentId)?.authorId ?? null)}`]
        : []),
    ].join(", ");
    const date = (comment.createdAt ?? comment.updatedAt ?? "").slice(0, 10);
    parts.push(`### ${name(comment.authorId)}${date ? ` on ${date}` : ""} (${kind})`);
    if (comment.anchor) parts.push(`> ${comment.anchor.replace(/\s+/g, " ").trim()}`);
    const converted = converter!.convert(comment.body, {
      pageId: page.id,
      title,
      spaceKey,
      baseUrl: webBaseOf(source),
      resolveUser,
      resolvePageUrl: (target, targetSpace) => run.pageUrl(target, targetSpace ?? spaceKey),
    });
    parts.push(stripNul(converted.markdown).trim());
  }
  const markdown = parts.join("\n\n");
  const chunks = chunker!.chunk(markdown, { title }).map((chunk, i) => ({ ...chunk, index: firstIndex + i }));
  return { markdown, chunks };
}
