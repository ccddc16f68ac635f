import { FakeAttachments } from "./attachments/attachment-store.js";
import { FakeConfluenceError } from "./errors.js";
import type { SpaceSeed } from "./generator/generate-space.js";
import type { FakeComment, FakeFolder, FakePage, FakePageStatus, FakeSpace, FakeUser } from "./model.js";
import { FakePermissions } from "./permissions.js";

/** A new page for {@link FakeConfluenceState.addPage}. */
export interface NewPage {
  readonly spaceKey: string;
  readonly title: string;
  /** @default the space's home page, or the root when the space has none */
  readonly parentId?: string | null;
  /** Storage format. @default "<p></p>" */
  readonly body?: string;
  readonly labels?: readonly string[];
  /** Account id of the author. @default the first user */
  readonly authorId?: string;
  /** Explicit id; must be unused. @default the next free id */
  readonly id?: string;
  /** @default "current" */
  readonly status?: FakePageStatus;
}

/** A new blog post for {@link FakeConfluenceState.addBlogPost}. */
export interface NewBlogPost {
  readonly spaceKey: string;
  readonly title: string;
  /** Storage format. @default "<p></p>" */
  readonly body?: string;
  readonly labels?: readonly string[];
  /** Account id of the author. @default the first user */
  readonly authorId?: string;
  /** Explicit id; must be unused. @default the next free id */
  readonly id?: string;
}

/** A new comment for {@link FakeConfluenceState.addComment}. */
export interface NewComment {
  /** Page or blog post the comment is on. */
  readonly containerId: string;
  /** Storage format. */
  readonly body: string;
  /** @default "footer" */
  readonly location?: "footer" | "inline";
  /** Inline comments: the text they are anchored to. @default the first words of the container */
  readonly anchor?: string;
  /** Reply to this comment (same container). */
  readonly parentId?: string;
  /** @default the first user */
  readonly authorId?: string;
}

/** A content edit for {@link FakeConfluenceState.editPage}; every edit bumps the version. */
export interface PageEdit {
  readonly body?: string;
  readonly title?: string;
  readonly labels?: readonly string[];
  /** @default the current version's author */
  readonly authorId?: string;
  /** @default "" */
  readonly message?: string;
  /** @default false */
  readonly minorEdit?: boolean;
}

function notFound(what: string): FakeConfluenceError {
  return new FakeConfluenceError("SOURCE_NOT_FOUND", `fake-confluence: ${what} does not exist.`);
}

/**
 * Everything the fake serves: spaces, pages and users, plus the mutation API tests use to change them between syncs.
 * All mutations apply immediately to subsequent requests.
 */
export class FakeConfluenceState {
  readonly #spaces = new Map<string, FakeSpace>();
  readonly #pages = new Map<string, FakePage>();
  readonly #folders = new Map<string, FakeFolder>();
  readonly #comments = new Map<string, FakeComment>();
  readonly #users = new Map<string, FakeUser>();
  readonly #labelIds = new Map<string, string>();
  #nextPageId = 100_000;
  #nextSpaceId = 65_537;
  readonly #now: () => Date;
  /** Space permissions, read restrictions, groups and membership; changing them never bumps a version. */
  readonly permissions: FakePermissions;
  /** Files attached to pages; a purged page's files go with it. */
  readonly attachments: FakeAttachments;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
    this.permissions = new FakePermissions({
      user: (id) => this.user(id),
      users: () => this.users(),
      ancestorsOf: (id) => this.ancestorsOf(id),
      hasNode: (id) => this.#pages.has(id) || this.#folders.has(id),
      hasSpace: (key) => this.#spaces.has(key),
    });
    this.attachments = new FakeAttachments(this.#now, (pageId) => {
      const page = this.#pages.get(pageId);
      return page ? { authorId: page.version.authorId } : undefined;
    });
  }

  /** The id the next generated space should start its pages at. */
  get nextPageId(): number {
    return this.#nextPageId;
  }

  /** Loads a generated or directory-loaded space. Throws when the key or a page id is already taken. */
  addSpace(seed: SpaceSeed): FakeSpace {
    if (this.#spaces.has(seed.key)) {
      throw new FakeConfluenceError("CONFIG_INVALID", `fake-confluence: space key "${seed.key}" is already loaded.`);
    }
    for (const page of seed.pages) {
      if (this.#pages.has(page.id)) {
        throw new FakeConfluenceError(
          "CONFIG_INVALID",
          `fake-confluence: page id ${page.id} of space "${seed.key}" is already used by another space.`,
        );
      }
    }
    for (const user of seed.users) this.#users.set(user.accountId, user);
    const first = seed.pages[0];
    const space: FakeSpace = {
      id: String(this.#nextSpaceId++),
      key: seed.key,
      name: seed.name,
      homepageId: seed.homepageId,
      createdAt: first?.createdAt ?? new Date(Date.UTC(2021, 0, 4)).toISOString(),
      createdBy: first?.createdBy ?? seed.users[0]?.accountId ?? "",
      description: seed.description,
    };
    this.#spaces.set(space.key, space);
    const positions = new Map<string | null, number>();
    for (const seedPage of seed.pages) {
      const position = positions.get(seedPage.parentId) ?? 0;
      positions.set(seedPage.parentId, position + 1);
      this.#pages.set(seedPage.id, {
        id: seedPage.id,
        spaceKey: seed.key,
        title: seedPage.title,
        parentId: seedPage.parentId,
        position,
        status: seedPage.status,
        body: seedPage.body,
        labels: [...seedPage.labels],
        version: {
          number: seedPage.version,
          when: seedPage.updatedAt,
          authorId: seedPage.authorId,
          message: "",
          minorEdit: false,
        },
        createdAt: seedPage.createdAt,
        createdBy: seedPage.createdBy,
      });
      this.#nextPageId = Math.max(this.#nextPageId, Number(seedPage.id) + 1);
    }
    this.#addExtras(seed);
    return space;
  }

  /** The generated blog posts and comments of a space being loaded. */
  #addExtras(seed: SpaceSeed): void {
    for (const post of seed.blogPosts ?? []) {
      this.#pages.set(post.id, {
        id: post.id,
        type: "blogpost",
        spaceKey: seed.key,
        title: post.title,
        parentId: null,
        position: 0,
        status: "current",
        body: post.body,
        labels: [...post.labels],
        version: { number: post.version, when: post.updatedAt, authorId: post.authorId, message: "", minorEdit: false },
        createdAt: post.createdAt,
        createdBy: post.createdBy,
      });
      this.#nextPageId = Math.max(this.#nextPageId, Number(post.id) + 1);
    }
    for (const comment of seed.comments ?? []) {
      const container = this.#pages.get(comment.containerId);
      if (!container) throw notFound(`content ${comment.containerId} of comment ${comment.id}`);
      this.#comments.set(comment.id, {
        id: comment.id,
        type: "comment",
        spaceKey: seed.key,
        containerId: comment.containerId,
        location: comment.location,
        parentId: comment.parentId,
        title: `Re: ${container.title}`,
        status: "current",
        body: comment.body,
        labels: [],
        version: {
          number: comment.version,
          when: comment.updatedAt,
          authorId: comment.authorId,
          message: "",
          minorEdit: false,
        },
        createdAt: comment.createdAt,
        createdBy: comment.authorId,
        anchor: comment.anchor,
        resolved: comment.resolved,
      });
      this.#nextPageId = Math.max(this.#nextPageId, Number(comment.id) + 1);
    }
  }

  /** Every space, in creation order. */
  spaces(): FakeSpace[] {
    return [...this.#spaces.values()];
  }

  /** A space by key. */
  space(key: string): FakeSpace | undefined {
    return this.#spaces.get(key);
  }

  /** A space by its numeric id (as a string). */
  spaceById(id: string): FakeSpace | undefined {
    for (const space of this.#spaces.values()) if (space.id === id) return space;
    return undefined;
  }

  /** A page or blog post in any status; `undefined` once deleted. */
  page(id: string): FakePage | undefined {
    return this.#pages.get(id);
  }

  /** Pages of a space (all statuses, no blog posts), ordered by numeric id. */
  pagesOf(spaceKey: string): FakePage[] {
    return this.allPages().filter((page) => page.spaceKey === spaceKey);
  }

  /** Every page of every space (no blog posts), ordered by numeric id. */
  allPages(): FakePage[] {
    return this.allContent().filter((page) => page.type !== "blogpost");
  }

  /** Blog posts of a space (all statuses), ordered by numeric id. */
  blogPostsOf(spaceKey: string): FakePage[] {
    return this.allContent().filter((page) => page.type === "blogpost" && page.spaceKey === spaceKey);
  }

  /** Pages and blog posts of every space, ordered by numeric id. */
  allContent(): FakePage[] {
    return [...this.#pages.values()].sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** A comment by id; `undefined` once deleted. */
  comment(id: string): FakeComment | undefined {
    return this.#comments.get(id);
  }

  /** Comments of a page or blog post (replies included), ordered by numeric id. */
  commentsOf(containerId: string): FakeComment[] {
    return this.allComments().filter((comment) => comment.containerId === containerId);
  }

  /** Every comment of every space, ordered by numeric id. */
  allComments(): FakeComment[] {
    return [...this.#comments.values()].sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** Every known author. */
  users(): FakeUser[] {
    return [...this.#users.values()];
  }

  /** An author by Cloud account id. */
  user(accountId: string): FakeUser | undefined {
    return this.#users.get(accountId);
  }

  /** A stable numeric id per label name, as Confluence assigns one per label. */
  labelId(name: string): string {
    let id = this.#labelIds.get(name);
    if (id === undefined) {
      id = String(7_000_000 + this.#labelIds.size);
      this.#labelIds.set(name, id);
    }
    return id;
  }

  /** Ancestor ids, root first. */
  ancestorsOf(id: string): string[] {
    const out: string[] = [];
    const seen = new Set<string>([id]);
    const node = (nodeId: string) => this.#pages.get(nodeId) ?? this.#folders.get(nodeId);
    let parent = node(id)?.parentId ?? null;
    while (parent !== null && !seen.has(parent)) {
      seen.add(parent);
      out.unshift(parent);
      parent = node(parent)?.parentId ?? null;
    }
    return out;
  }

  /** A folder by id. */
  folder(id: string): FakeFolder | undefined {
    return this.#folders.get(id);
  }

  /** Creates a Cloud folder under a page, another folder, or (with `null`) the top of the space. */
  addFolder(input: { spaceKey: string; title: string; parentId?: string | null }): FakeFolder {
    const space = this.#spaces.get(input.spaceKey);
    if (!space) throw notFound(`space "${input.spaceKey}"`);
    const parentId = input.parentId === undefined ? space.homepageId : input.parentId;
    if (parentId !== null) this.#requireParent(parentId, space.key);
    const id = String(this.#nextPageId++);
    const folder: FakeFolder = {
      id,
      spaceKey: space.key,
      title: input.title,
      parentId,
      createdAt: this.#now().toISOString(),
      createdBy: this.users()[0]?.accountId ?? "",
    };
    this.#folders.set(id, folder);
    return folder;
  }

  /** Renames a folder; pages below it keep their versions. */
  renameFolder(id: string, title: string): FakeFolder {
    const folder = this.#requireFolder(id);
    folder.title = title;
    return folder;
  }

  /** Moves a folder, with everything in it, under another page or folder (or to the top with `null`). */
  moveFolder(id: string, parentId: string | null): FakeFolder {
    const folder = this.#requireFolder(id);
    if (parentId !== null) {
      this.#requireParent(parentId, folder.spaceKey);
      if (parentId === id || this.ancestorsOf(parentId).includes(id)) {
        throw new FakeConfluenceError("CONFIG_INVALID", `fake-confluence: cannot move folder ${id} under itself.`);
      }
    }
    folder.parentId = parentId;
    return folder;
  }

  /** Deletes a folder; what was in it moves up to the folder's parent. */
  deleteFolder(id: string): void {
    const folder = this.#requireFolder(id);
    for (const child of [...this.#pages.values(), ...this.#folders.values()]) {
      if (child.parentId === id) child.parentId = folder.parentId;
    }
    this.#folders.delete(id);
  }

  #requireFolder(id: string): FakeFolder {
    const folder = this.#folders.get(id);
    if (!folder) throw notFound(`folder ${id}`);
    return folder;
  }

  /** A page or folder of the space that can hold children. */
  #requireParent(id: string, spaceKey: string): void {
    const parent = this.#pages.get(id) ?? this.#folders.get(id);
    if (!parent) throw notFound(`page or folder ${id}`);
    if (parent.spaceKey !== spaceKey) {
      throw new FakeConfluenceError("CONFIG_INVALID", `fake-confluence: ${id} is in another space.`);
    }
  }

  #require(id: string): FakePage {
    const page = this.#pages.get(id);
    if (!page) throw notFound(`page ${id}`);
    return page;
  }

  /** Confluence keeps titles unique within a space (trashed pages aside). */
  #assertTitleFree(spaceKey: string, title: string, exceptId?: string): void {
    const lower = title.toLowerCase();
    for (const page of this.#pages.values()) {
      if (
        page.spaceKey === spaceKey &&
        page.type !== "blogpost" &&
        page.id !== exceptId &&
        page.status !== "trashed" &&
        page.title.toLowerCase() === lower
      ) {
        throw new FakeConfluenceError(
          "CONFIG_INVALID",
          `fake-confluence: a page titled "${title}" already exists in space "${spaceKey}" (page ${page.id}).`,
        );
      }
    }
  }

  #timestamp(after: string): string {
    const now = this.#now().getTime();
    // Versions must move forward even when a test clock stands still.
    return new Date(Math.max(now, Date.parse(after) + 1000)).toISOString();
  }

  /** Creates a page at version 1. */
  addPage(input: NewPage): FakePage {
    const space = this.#spaces.get(input.spaceKey);
    if (!space) throw notFound(`space "${input.spaceKey}"`);
    const id = input.id ?? String(this.#nextPageId);
    if (this.#pages.has(id))
      throw new FakeConfluenceError("CONFIG_INVALID", `fake-confluence: page id ${id} is taken.`);
    this.#nextPageId = Math.max(this.#nextPageId, Number(id) + 1);
    this.#assertTitleFree(space.key, input.title);
    const parentId = input.parentId === undefined ? space.homepageId : input.parentId;
    if (parentId !== null) this.#requireParent(parentId, space.key);
    const authorId = input.authorId ?? this.users()[0]?.accountId ?? "";
    const when = this.#now().toISOString();
    const page: FakePage = {
      id,
      spaceKey: space.key,
      title: input.title,
      parentId,
      position: this.#childCount(parentId, space.key),
      status: input.status ?? "current",
      body: input.body ?? "<p></p>",
      labels: [...(input.labels ?? [])],
      version: { number: 1, when, authorId, message: "", minorEdit: false },
      createdAt: when,
      createdBy: authorId,
    };
    this.#pages.set(id, page);
    return page;
  }

  #childCount(parentId: string | null, spaceKey: string): number {
    let n = 0;
    for (const page of this.#pages.values()) if (page.parentId === parentId && page.spaceKey === spaceKey) n++;
    return n;
  }

  /** Changes body, title and/or labels; bumps the version and its timestamp. */
  editPage(id: string, edit: PageEdit): FakePage {
    const page = this.#require(id);
    if (edit.title !== undefined) this.#assertTitleFree(page.spaceKey, edit.title, page.id);
    if (edit.body !== undefined) page.body = edit.body;
    if (edit.title !== undefined) page.title = edit.title;
    if (edit.labels !== undefined) page.labels = [...edit.labels];
    page.version = {
      number: page.version.number + 1,
      when: this.#timestamp(page.version.when),
      authorId: edit.authorId ?? page.version.authorId,
      message: edit.message ?? "",
      minorEdit: edit.minorEdit ?? false,
    };
    return page;
  }

  /** Renames a page; Confluence records a title change as a new version. */
  renamePage(id: string, title: string): FakePage {
    return this.editPage(id, { title });
  }

  /** Replaces the labels; labels are metadata, so the version stays. */
  setLabels(id: string, labels: readonly string[]): FakePage {
    const page = this.#require(id);
    page.labels = [...labels];
    return page;
  }

  /** Moves a page under another parent (or to the space root with `null`); not a version bump. */
  movePage(id: string, parentId: string | null): FakePage {
    const page = this.#require(id);
    if (parentId !== null) {
      this.#requireParent(parentId, page.spaceKey);
      if (parentId === id || this.ancestorsOf(parentId).includes(id)) {
        throw new FakeConfluenceError("CONFIG_INVALID", `fake-confluence: cannot move page ${id} under itself.`);
      }
    }
    page.parentId = parentId;
    page.position = this.#childCount(parentId, page.spaceKey) - 1;
    return page;
  }

  /** Moves a page to the trash. Like Confluence, its children move up to its parent. */
  trashPage(id: string): FakePage {
    const page = this.#require(id);
    this.#liftChildren(page);
    page.status = "trashed";
    return page;
  }

  /** Archives a page; its children stay where they are. */
  archivePage(id: string): FakePage {
    const page = this.#require(id);
    page.status = "archived";
    return page;
  }

  /** Brings a trashed or archived page back to `current`, under its old parent when that still exists. */
  restorePage(id: string): FakePage {
    const page = this.#require(id);
    page.status = "current";
    if (page.parentId !== null && !this.#pages.has(page.parentId)) page.parentId = null;
    return page;
  }

  /** Deletes a page or blog post for good (purge), with its comments: every endpoint answers 404 for it afterwards. */
  deletePage(id: string): void {
    const page = this.#require(id);
    this.#liftChildren(page);
    this.#pages.delete(id);
    for (const comment of this.commentsOf(id)) this.#comments.delete(comment.id);
    for (const attachment of this.attachments.of(id)) this.attachments.delete(attachment.id);
    const space = this.#spaces.get(page.spaceKey);
    if (space?.homepageId === id) space.homepageId = null;
  }

  #liftChildren(page: FakePage): void {
    for (const child of this.#pages.values()) if (child.parentId === page.id) child.parentId = page.parentId;
  }

  /** Creates a blog post at version 1; blog posts sit outside the page tree. Edit, trash and delete it as a page. */
  addBlogPost(input: NewBlogPost): FakePage {
    const space = this.#spaces.get(input.spaceKey);
    if (!space) throw notFound(`space "${input.spaceKey}"`);
    const id = input.id ?? String(this.#nextPageId);
    if (this.#pages.has(id) || this.#comments.has(id)) {
      throw new FakeConfluenceError("CONFIG_INVALID", `fake-confluence: content id ${id} is taken.`);
    }
    this.#nextPageId = Math.max(this.#nextPageId, Number(id) + 1);
    const authorId = input.authorId ?? this.users()[0]?.accountId ?? "";
    const when = this.#now().toISOString();
    const post: FakePage = {
      id,
      type: "blogpost",
      spaceKey: space.key,
      title: input.title,
      parentId: null,
      position: 0,
      status: "current",
      body: input.body ?? "<p></p>",
      labels: [...(input.labels ?? [])],
      version: { number: 1, when, authorId, message: "", minorEdit: false },
      createdAt: when,
      createdBy: authorId,
    };
    this.#pages.set(id, post);
    return post;
  }

  /**
   * Adds a comment to a page or blog post. Like Confluence, a comment does not change its container's version.
   * An inline comment starts unresolved.
   */
  addComment(input: NewComment): FakeComment {
    const container = this.#require(input.containerId);
    if (input.parentId !== undefined && this.#comments.get(input.parentId)?.containerId !== container.id) {
      throw notFound(`comment ${input.parentId} on content ${container.id}`);
    }
    const location = input.location ?? "footer";
    const authorId = input.authorId ?? this.users()[0]?.accountId ?? "";
    const when = this.#now().toISOString();
    const id = String(this.#nextPageId++);
    const anchor =
      location === "inline"
        ? (input.anchor ??
          container.body
            .replace(/<[^>]*>/g, " ")
            .trim()
            .split(/\s+/)
            .slice(0, 3)
            .join(" "))
        : null;
    const comment: FakeComment = {
      id,
      type: "comment",
      spaceKey: container.spaceKey,
      containerId: container.id,
      location,
      parentId: input.parentId ?? null,
      title: `Re: ${container.title}`,
      status: "current",
      body: input.body,
      labels: [],
      version: { number: 1, when, authorId, message: "", minorEdit: false },
      createdAt: when,
      createdBy: authorId,
      anchor,
      resolved: false,
    };
    this.#comments.set(id, comment);
    return comment;
  }

  /** Changes a comment's body; bumps the comment's version, not its container's. */
  editComment(id: string, body: string): FakeComment {
    const comment = this.#requireComment(id);
    comment.body = body;
    comment.version = {
      ...comment.version,
      number: comment.version.number + 1,
      when: this.#timestamp(comment.version.when),
    };
    return comment;
  }

  /** Resolves (or reopens) an inline comment; Confluence records it as a new comment version. */
  resolveComment(id: string, resolved = true): FakeComment {
    const comment = this.#requireComment(id);
    if (comment.location !== "inline") {
      throw new FakeConfluenceError("CONFIG_INVALID", `fake-confluence: comment ${id} is not an inline comment.`);
    }
    comment.resolved = resolved;
    comment.version = {
      ...comment.version,
      number: comment.version.number + 1,
      when: this.#timestamp(comment.version.when),
    };
    return comment;
  }

  /** Deletes a comment and its replies. */
  deleteComment(id: string): void {
    this.#requireComment(id);
    const doomed = new Set([id]);
    for (const comment of this.allComments()) {
      if (comment.parentId !== null && doomed.has(comment.parentId)) doomed.add(comment.id);
    }
    for (const gone of doomed) this.#comments.delete(gone);
  }

  #requireComment(id: string): FakeComment {
    const comment = this.#comments.get(id);
    if (!comment) throw notFound(`comment ${id}`);
    return comment;
  }
}
