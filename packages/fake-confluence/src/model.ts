/** Which product the fake imitates; decides URL layout, pagination style and user identifiers. */
export type Deployment = "cloud" | "datacenter";

/** Statuses a page can have in the fake. A deleted page is removed outright and answers 404. */
export type FakePageStatus = "current" | "archived" | "trashed";

/** A person who authors pages. Cloud identifies users by `accountId`, Data Center by `userKey`/`username`. */
export interface FakeUser {
  /** Cloud account id, e.g. `557058:3f1c...`. */
  readonly accountId: string;
  /** Data Center user key (32 hex digits). */
  readonly userKey: string;
  /** Data Center login name. */
  readonly username: string;
  readonly displayName: string;
  readonly email: string;
}

/** One version of a page, as the fake reports it. */
export interface FakeVersion {
  readonly number: number;
  /** ISO timestamp of this version. */
  readonly when: string;
  /** `accountId` of the author (the server maps it to a user key on Data Center). */
  readonly authorId: string;
  readonly message: string;
  readonly minorEdit: boolean;
}

/** Kinds of content the fake stores as pages: pages of the tree, and blog posts (dated, outside the tree). */
export type FakeContentType = "page" | "blogpost";

/**
 * A page or a blog post as the fake stores it. Treat instances as read-only; change them through the mutation API.
 * Blog posts have no parent and no children.
 */
export interface FakePage {
  readonly id: string;
  /** @default "page" */
  readonly type?: FakeContentType;
  readonly spaceKey: string;
  title: string;
  parentId: string | null;
  /** Sibling order under the parent. */
  position: number;
  status: FakePageStatus;
  /** Confluence storage format. */
  body: string;
  labels: string[];
  version: FakeVersion;
  /** ISO timestamp of version 1. */
  readonly createdAt: string;
  /** `accountId` of the creator. */
  readonly createdBy: string;
}

/** A file as CQL search sees it: shaped like a page (its file name as title, its page as parent), typed `attachment`. */
export type FakeAttachmentView = Omit<FakePage, "type"> & { readonly type: "attachment" };

/**
 * A Cloud folder: a node of the page tree that has a title but no body. Pages and folders may sit in folders; page
 * listings never return folders, but v1 `ancestors` include them and v2 pages name them with `parentType: "folder"`.
 */
export interface FakeFolder {
  readonly id: string;
  readonly spaceKey: string;
  title: string;
  /** Parent page or folder, `null` at the top of the space. */
  parentId: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
}

/** A space as the fake stores it. */
export interface FakeSpace {
  /** Numeric id, as a string (Cloud v2 uses it in URLs). */
  readonly id: string;
  readonly key: string;
  name: string;
  homepageId: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly description: string;
}

/** A page of the ground truth: everything a synced store should hold for it. */
export interface GroundTruthPage {
  readonly id: string;
  readonly spaceKey: string;
  readonly title: string;
  readonly parentId: string | null;
  /** Ancestor ids, root first, excluding the page itself. */
  readonly ancestors: readonly string[];
  /** Titles from the root to the page itself, inclusive. */
  readonly path: readonly string[];
  readonly labels: readonly string[];
  readonly version: number;
  readonly status: FakePageStatus;
  readonly body: string;
  /** Account id (Cloud) or user key (Data Center) of the current version's author. */
  readonly authorId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Absolute URL a person would open. */
  readonly webUrl: string;
}

/**
 * A comment on a page or blog post. Footer comments sit below the content; inline comments are anchored to a piece of
 * its text and can be resolved. Replies name the comment they answer.
 */
export interface FakeComment {
  readonly id: string;
  readonly type: "comment";
  readonly spaceKey: string;
  /** The page or blog post the comment belongs to. */
  readonly containerId: string;
  readonly location: "footer" | "inline";
  /** The comment this one replies to, `null` for a top-level comment. */
  readonly parentId: string | null;
  title: string;
  status: "current";
  /** Storage format. */
  body: string;
  /** Comments carry no labels; present so CQL can treat every content alike. */
  readonly labels: readonly string[];
  version: FakeVersion;
  readonly createdAt: string;
  readonly createdBy: string;
  /** Inline comments only: the text the comment is anchored to (`originalSelection`). */
  readonly anchor: string | null;
  /** Inline comments only: resolved in the page's comment panel. */
  resolved: boolean;
}
