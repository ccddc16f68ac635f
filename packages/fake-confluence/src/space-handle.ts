import { FakeConfluenceError } from "./errors.js";
import type { FakeConfluence } from "./fake-confluence.js";
import type { FakeComment, FakeFolder, FakePageStatus, FakeSpace, GroundTruthPage } from "./model.js";
import type { NewBlogPost, NewComment, NewPage, PageEdit } from "./state.js";

/**
 * One space of a running fake: its ground truth and the mutation API tests use between syncs. Every mutation
 * returns the page's new ground truth (or nothing for a delete) and is visible to the very next request.
 */
export class SpaceHandle {
  readonly #fake: FakeConfluence;
  readonly key: string;

  constructor(fake: FakeConfluence, key: string) {
    if (!fake.state.space(key)) {
      throw new FakeConfluenceError("SOURCE_NOT_FOUND", `fake-confluence: space "${key}" is not loaded.`);
    }
    this.#fake = fake;
    this.key = key;
  }

  /** The space record (id, key, name, home page). */
  get info(): FakeSpace {
    return this.#fake.state.space(this.key) as FakeSpace;
  }

  /** Numeric space id as a string. */
  get id(): string {
    return this.info.id;
  }

  /**
   * Ground truth of the space's pages in the given statuses, sorted by id.
   * @default statuses ["current"]
   */
  pages(statuses: readonly FakePageStatus[] = ["current"]): GroundTruthPage[] {
    return this.#fake.groundTruth(this.key, { statuses });
  }

  /** Ground truth of one page in any status; `undefined` when it does not exist (or was deleted). */
  page(id: string): GroundTruthPage | undefined {
    const page = this.#fake.state.page(id);
    if (!page || page.spaceKey !== this.key) return undefined;
    return this.#fake.truthOf(page);
  }

  #own(id: string): string {
    const page = this.#fake.state.page(id);
    if (!page || page.spaceKey !== this.key) {
      throw new FakeConfluenceError("SOURCE_NOT_FOUND", `fake-confluence: page ${id} is not in space "${this.key}".`);
    }
    return id;
  }

  #truth(id: string): GroundTruthPage {
    return this.page(id) as GroundTruthPage;
  }

  /** Creates a Cloud folder (a titled tree node without a body) under a page or folder; `null` for the top. */
  addFolder(title: string, parentId?: string | null): FakeFolder {
    return this.#fake.state.addFolder({ spaceKey: this.key, title, ...(parentId === undefined ? {} : { parentId }) });
  }

  /** Renames a folder of this space. */
  renameFolder(id: string, title: string): FakeFolder {
    return this.#fake.state.renameFolder(this.#ownFolder(id), title);
  }

  /** Moves a folder of this space, with its contents, under a page or folder; `null` for the top. */
  moveFolder(id: string, parentId: string | null): FakeFolder {
    return this.#fake.state.moveFolder(this.#ownFolder(id), parentId);
  }

  /** Deletes a folder of this space; what was in it moves up to the folder's parent. */
  deleteFolder(id: string): void {
    this.#fake.state.deleteFolder(this.#ownFolder(id));
  }

  #ownFolder(id: string): string {
    if (this.#fake.state.folder(id)?.spaceKey !== this.key) {
      throw new FakeConfluenceError("SOURCE_NOT_FOUND", `fake-confluence: folder ${id} is not in space "${this.key}".`);
    }
    return id;
  }

  /** Creates a page (version 1), under the home page unless `parentId` says otherwise. */
  addPage(input: Omit<NewPage, "spaceKey">): GroundTruthPage {
    return this.#truth(this.#fake.state.addPage({ ...input, spaceKey: this.key }).id);
  }

  /** Edits body, title and/or labels: version + 1, `version.when` = now. */
  editPage(id: string, edit: PageEdit): GroundTruthPage {
    this.#fake.state.editPage(this.#own(id), edit);
    return this.#truth(id);
  }

  /** Renames a page (a new version, as in Confluence). */
  renamePage(id: string, title: string): GroundTruthPage {
    this.#fake.state.renamePage(this.#own(id), title);
    return this.#truth(id);
  }

  /** Replaces labels without a new version. */
  setLabels(id: string, labels: readonly string[]): GroundTruthPage {
    this.#fake.state.setLabels(this.#own(id), labels);
    return this.#truth(id);
  }

  /** Moves a page under another parent, or to the root with `null`; the version does not change. */
  movePage(id: string, parentId: string | null): GroundTruthPage {
    this.#fake.state.movePage(this.#own(id), parentId);
    return this.#truth(id);
  }

  /** Moves a page to the trash; its children move up to its parent. */
  trashPage(id: string): GroundTruthPage {
    this.#fake.state.trashPage(this.#own(id));
    return this.#truth(id);
  }

  /** Archives a page. */
  archivePage(id: string): GroundTruthPage {
    this.#fake.state.archivePage(this.#own(id));
    return this.#truth(id);
  }

  /** Restores a trashed or archived page to `current`. */
  restorePage(id: string): GroundTruthPage {
    this.#fake.state.restorePage(this.#own(id));
    return this.#truth(id);
  }

  /** Purges a page: it is gone from every endpoint (404). Its children move up to its parent. */
  deletePage(id: string): void {
    this.#fake.state.deletePage(this.#own(id));
  }

  /** Current blog posts of the space as a synced store should hold them (no parent, no ancestors), by id. */
  blogPosts(): GroundTruthPage[] {
    return this.#fake.state
      .blogPostsOf(this.key)
      .filter((post) => post.status === "current")
      .map((post) => this.#fake.truthOf(post));
  }

  /** Creates a blog post; edit, trash or delete it with the page methods. */
  addBlogPost(input: Omit<NewBlogPost, "spaceKey">): GroundTruthPage {
    return this.#truth(this.#fake.state.addBlogPost({ ...input, spaceKey: this.key }).id);
  }

  /** Comments of a page or blog post of this space, replies included, by id. */
  comments(containerId: string): FakeComment[] {
    return this.#fake.state.commentsOf(this.#own(containerId));
  }

  /** Every comment of the space's pages and blog posts, replies included, by id. */
  allComments(): FakeComment[] {
    return this.#fake.state.allComments().filter((comment) => comment.spaceKey === this.key);
  }

  /** Adds a footer or inline comment; the container's version does not change. */
  addComment(input: NewComment): FakeComment {
    this.#own(input.containerId);
    return this.#fake.state.addComment(input);
  }
}
