import type { AttachmentSource } from "./attachments.js";

/**
 * Where pages come from. The default implementation talks to Confluence Cloud or Data Center through
 * confluence.js; tests use `@archon/fake-confluence` over real HTTP.
 *
 * The port is shaped for cheap syncs: {@link ConfluenceSource.listPageRefs} returns ids, versions and
 * parents without bodies, so a no-change resync or a deletion check never downloads a page body, and
 * {@link ConfluenceSource.getPages} fetches bodies only for the pages that changed.
 */

/** Lifecycle state of a page as Confluence reports it. `deleted` means the page no longer exists at all. */
export type PageStatus = "current" | "archived" | "trashed" | "deleted" | "draft";

import type { ReadRestriction, SpaceViewers } from "./permissions.js";

/** A Confluence space, resolved from its key. */
export interface ConfluenceSpace {
  /** Numeric space id (Cloud v2 uses it in URLs); Data Center has one too. */
  readonly id: string;
  readonly key: string;
  readonly name: string;
  /** Id of the space's home page, if Confluence reports one. */
  readonly homepageId?: string | null;
}

/** What a source lists as pages: pages of the tree, and blog posts (dated posts outside the tree). */
export type PageContentType = "page" | "blogpost";

/** What a listing returns for every page: enough to diff against the store, no body. */
export interface PageRef {
  readonly id: string;
  /** `blogpost` for a blog post, which has no parent. @default "page" */
  readonly contentType?: PageContentType;
  readonly title: string;
  /** Confluence's version number; bumps on every content edit. */
  readonly version: number;
  readonly status: PageStatus;
  /**
   * Direct parent id, or `null` for a top-level page of the space. The parent may be a page or a Cloud folder; a
   * folder is a node of the tree (it has ancestors of its own) but is never listed as a page.
   */
  readonly parentId: string | null;
  /** Ancestor ids, root first, folders included, when the listing carries them. */
  readonly ancestors?: readonly string[];
  /** The Cloud folders among {@link PageRef.ancestors}, with their titles, when the listing carries them. */
  readonly folders?: readonly FolderRef[];
  /** Labels, when the listing carries them; `undefined` when this listing cannot tell. */
  readonly labels?: readonly string[];
  /** ISO timestamp of the current version, when known. */
  readonly updatedAt?: string | null;
  /**
   * The read restriction set on this page itself (`null`: none), when the listing was asked for restrictions and
   * carries them; `undefined` when it cannot tell. Inherited restrictions are the ancestors' own.
   */
  readonly readRestriction?: ReadRestriction | null;
}

/** A Cloud folder as a listing shows it among a page's ancestors. */
export interface FolderRef {
  readonly id: string;
  readonly title: string;
}

/** A page with its storage-format body. */
export interface ConfluencePage extends PageRef {
  readonly spaceKey: string;
  /** Confluence storage format (XHTML with `ac:` and `ri:` elements). */
  readonly body: string;
  readonly labels: readonly string[];
  /** Account id (Cloud) or user key (Data Center) of the version's author. */
  readonly authorId: string | null;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
  /** Absolute URL a person can open. */
  readonly webUrl: string;
}

/** A footer or inline comment of a page or blog post. */
export interface ConfluenceComment {
  readonly id: string;
  /** The page or blog post the comment is on. */
  readonly containerId: string;
  readonly version: number;
  readonly location: "footer" | "inline";
  /** The comment this one replies to, `null` for a top-level comment. */
  readonly parentId: string | null;
  /** Confluence storage format. */
  readonly body: string;
  /** Account id (Cloud) or user key (Data Center) of the comment's last author. */
  readonly authorId: string | null;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
  /** Inline comments: resolved in the comment panel. Footer comments are never resolved. */
  readonly resolved: boolean;
  /** Inline comments: the text of the page the comment is anchored to. */
  readonly anchor: string | null;
  /** Absolute URL that opens the page focused on the comment. */
  readonly webUrl: string;
}

/** A wait the source made before retrying a request; the engine turns these into events and metrics. */
export interface SourceWait {
  readonly kind: "rate-limited" | "retry";
  /** 1-based attempt that failed. */
  readonly attempt: number;
  readonly delayMs: number;
  /** HTTP status, or the network error code (`ECONNRESET`, `ETIMEDOUT`, ...). */
  readonly reason: string;
  /** The request that failed, without query secrets, e.g. `GET /wiki/api/v2/spaces/42/pages`. */
  readonly request: string;
}

/**
 * Something the source worked around that its user should know about; the engine turns it into a `source-warning`
 * event. `TIME_ZONE_UNKNOWN`: the user's time zone could not be read (often a token without `read:confluence-user`),
 * so change queries are widened. `LISTING_REFUSED`: the site refused a content listing and the source fell back to
 * CQL search. `CONTENT_UNREADABLE`: the site failed every time to send one item of a listing (a page its renderer
 * cannot render); the item is left out of this sync, which keeps what the store holds of it.
 */
export interface SourceWarning {
  readonly code: "TIME_ZONE_UNKNOWN" | "LISTING_REFUSED" | "CONTENT_UNREADABLE";
  /** What happened and what to do about it; never holds a secret. */
  readonly message: string;
  /** With `CONTENT_UNREADABLE`, the item left out, when the source could learn its id. */
  readonly pageId?: string;
}

/**
 * A change of how many requests the source keeps in flight: halved on a 429 (`rate-limited`), raised by one after a
 * run of successes (`recovered`).
 */
export interface SourceConcurrencyChange {
  readonly limit: number;
  readonly previous: number;
  readonly reason: "rate-limited" | "recovered";
}

/** Per-call options: cancellation and observers the engine uses for events and metrics. */
export interface SourceCallOptions {
  readonly signal?: AbortSignal;
  /** Called once for every HTTP request sent, retries included. */
  readonly onRequest?: () => void;
  /** Called before every wait between attempts. */
  readonly onWait?: (wait: SourceWait) => void;
  /** Called when the source works around something the user should know about. */
  readonly onWarning?: (warning: SourceWarning) => void;
  /** Called when the source changes how many requests it keeps in flight. */
  readonly onConcurrency?: (change: SourceConcurrencyChange) => void;
}

/** Which kinds of content a listing covers. */
export interface ContentTypeOptions {
  /** @default ["page"] */
  readonly contentTypes?: readonly PageContentType[];
}

/** Options of {@link ConfluenceSource.listComments}. */
export interface ListCommentsOptions extends SourceCallOptions {
  /** Only comments created or edited at or after this instant (sources may widen the window); all when absent. */
  readonly since?: Date;
  /**
   * `false` when only ids, containers, versions, threads and resolution are needed (bodies, authors, dates and anchors
   * may come back empty): how an incremental sync compares every comment of the space with what it stored.
   * @default true
   */
  readonly bodies?: boolean;
}

/** Options of {@link ConfluenceSource.listPages}. */
export interface ListPagesOptions extends SourceCallOptions, ContentTypeOptions {
  /**
   * Whether pages must carry their labels. A caller that already has them from {@link ConfluenceSource.listPageRefs}
   * passes `false`, which can save a listing; pages then carry `labels: []`.
   * @default true
   */
  readonly labels?: boolean;
}

/**
 * Reads a Confluence site. Implementations must be safe to call concurrently. A source that also implements
 * {@link AttachmentSource} can have attachments synced.
 */
export interface ConfluenceSource extends Partial<AttachmentSource> {
  /** `cloud` or `datacenter`; affects only how URLs and auth are built. */
  readonly deployment: "cloud" | "datacenter";
  /** Site base URL without credentials, e.g. `https://acme.atlassian.net`. */
  readonly baseUrl: string;
  /**
   * Where people open the site, the base of every link in converted pages: `https://acme.atlassian.net/wiki` on Cloud
   * (also when `baseUrl` is the OAuth gateway), the context path URL on Data Center.
   * @default `${baseUrl}/wiki` on Cloud, `baseUrl` on Data Center
   */
  readonly webBaseUrl?: string;

  /** Verifies that the site answers and the credentials are accepted; throws a coded error otherwise. */
  checkConnection(options?: SourceCallOptions): Promise<void>;

  /** Resolves a space key; throws `SOURCE_NOT_FOUND` when the space does not exist or is not visible. */
  getSpace(spaceKey: string, options?: SourceCallOptions): Promise<ConfluenceSpace>;

  /**
   * Every page of the space in the given statuses, in batches, without bodies.
   * @default statuses ["current"]
   */
  listPageRefs(
    space: ConfluenceSpace,
    options?: SourceCallOptions &
      ContentTypeOptions & {
        readonly statuses?: readonly PageStatus[];
        /** Also report each page's own read restriction (`PageRef.readRestriction`). @default false */
        readonly restrictions?: boolean;
      },
  ): AsyncIterable<PageRef[]>;

  /** Every current page of the space with its body, in batches; the cheapest way to fetch a whole space. */
  listPages(space: ConfluenceSpace, options?: ListPagesOptions): AsyncIterable<ConfluencePage[]>;

  /**
   * Pages modified at or after `since`, with bodies. Implementations may return pages modified slightly
   * earlier (query windows are minute-granular) and may repeat a page; the engine de-duplicates by id and version.
   */
  listChangedSince(
    space: ConfluenceSpace,
    since: Date,
    options?: SourceCallOptions & ContentTypeOptions,
  ): AsyncIterable<ConfluencePage[]>;

  /**
   * Display names of users, keyed by the ids mentions carry: account ids on Cloud, user keys (or user names) on Data
   * Center. Users that cannot be resolved are left out; this never fails a sync over a name. Optional: without it,
   * mentions render as ids unless the engine is given `resolveUser`.
   */
  resolveUsers?(ids: readonly string[], options?: SourceCallOptions): Promise<ReadonlyMap<string, string>>;

  /**
   * Optional (needed to sync permissions): who may view the space. Cloud: users by account id, groups by id; Data
   * Center: users by user key, groups by name.
   */
  getSpaceViewers?(space: ConfluenceSpace, options?: SourceCallOptions): Promise<SpaceViewers>;

  /**
   * Optional (needed to sync permissions): the read restriction set on each given page or folder itself (`null`:
   * none), one request per id; ids that do not exist are left out.
   */
  getReadRestrictions?(
    ids: readonly string[],
    options?: SourceCallOptions,
  ): Promise<Map<string, ReadRestriction | null>>;

  /**
   * Optional: the groups a user belongs to, as read restrictions and space permissions name them (Cloud group ids,
   * Data Center group names). Throws `SOURCE_NOT_FOUND` for an unknown user.
   */
  getUserGroups?(userId: string, options?: SourceCallOptions): Promise<string[]>;

  /**
   * The given pages with bodies, in batches, whatever their status (an archived or trashed page comes back with that
   * status). Ids that no longer exist are omitted, not errors. The engine also uses this to confirm that pages missing
   * from a listing are really gone, so it must not depend on a search index alone.
   */
  getPages(
    space: ConfluenceSpace,
    ids: readonly string[],
    options?: SourceCallOptions & ContentTypeOptions,
  ): AsyncIterable<ConfluencePage[]>;

  /**
   * Optional: comments of the space's pages and blog posts, with bodies, in batches; with `since`, only those created
   * or edited since then (a comment never bumps its page's version, so this is how a sync finds new ones). Without
   * it, the engine cannot index comments.
   */
  listComments?(space: ConfluenceSpace, options?: ListCommentsOptions): AsyncIterable<ConfluenceComment[]>;

  /**
   * Optional (with {@link ConfluenceSource.listComments}): every comment of the given pages or blog posts, replies
   * included, keyed by container id; a container without comments maps to `[]`, one that no longer exists is left out.
   */
  getComments?(
    space: ConfluenceSpace,
    containerIds: readonly string[],
    options?: SourceCallOptions,
  ): Promise<Map<string, ConfluenceComment[]>>;
}
