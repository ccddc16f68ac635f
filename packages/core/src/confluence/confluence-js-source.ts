import { ApiError, ForbiddenError } from "confluence.js";
import { ContentSchema } from "confluence.js/v1";
import { getPageLabels, getSpaces } from "confluence.js/v2";
import { ConfluenceSyncError, isConfluenceSyncError } from "../errors.js";
import { type Logger, silentLogger } from "../logger.js";
import type { ConfluenceAttachment, DownloadAttachmentOptions } from "../ports/attachments.js";
import type {
  ConfluenceComment,
  ConfluencePage,
  ConfluenceSource,
  ConfluenceSpace,
  ContentTypeOptions,
  FolderRef,
  ListCommentsOptions,
  ListPagesOptions,
  PageContentType,
  PageRef,
  PageStatus,
  SourceCallOptions,
} from "../ports/confluence-source.js";
import type { ReadRestriction, SpaceViewers } from "../ports/permissions.js";
import { listPageAttachments, listSpaceAttachments } from "./attachments.js";
import { type ConfluenceSourceConfig, type ResolvedSourceConfig, resolveSourceConfig } from "./config.js";
import { assertPageIds, assertSpaceKey, changedSinceCql, pageIdsCql, spaceCommentsCql, spacePagesCql } from "./cql.js";
import { downloadFile } from "./download.js";
import { type MappingContext, v1Comment, v1Page, v1Ref, v2Page, v2Ref } from "./mapping.js";
import { cursorOf, type ListingBatch, type ListingContext, paginateV1, paginateV2SpacePages } from "./pagination.js";
import {
  fetchReadRestriction,
  fetchSpaceViewers,
  fetchUserGroups,
  listDcRestrictions,
  RESTRICTION_EXPAND,
  restrictionFromContent,
} from "./permissions.js";
import { type V1PageContent, v1PageListSchema, v1SpaceArraySchema, v1SpaceSchema } from "./schemas.js";
import { ConfluenceTransport } from "./transport.js";
import { UserTimeZone } from "./user-time-zone.js";
import { lookUpUsers } from "./users.js";

/** How many empty pages that still carry `next` a space lookup follows before it believes the space is missing. */
const EMPTY_PAGE_FOLLOWS = 3;
const REF_EXPAND = "version,ancestors,metadata.labels";
const PAGE_EXPAND = "body.storage,version,ancestors,metadata.labels,history";
const COMMENT_EXPAND = "body.storage,version,history,ancestors,extensions.inlineProperties,extensions.resolution";
/** What a comment listing without bodies expands: enough to tell a comment's version, place and resolution. */
const COMMENT_KEY_EXPAND = "version,ancestors,extensions.resolution";

/** The page-like content types a call asks for, pages when it says nothing. */
function typesOf(options: ContentTypeOptions): PageContentType[] {
  return options.contentTypes === undefined || options.contentTypes.length === 0 ? ["page"] : [...options.contentTypes];
}
interface LabelInfo {
  readonly labels: readonly string[];
  readonly parentId: string | null;
  readonly ancestors: readonly string[];
  readonly folders?: readonly FolderRef[] | undefined;
}

/** A 403, or a 405 some proxies send, for an endpoint an administrator blocked. */
function isRefusal(error: unknown): boolean {
  if (!(error instanceof ConfluenceSyncError)) return false;
  return error.cause instanceof ForbiddenError || (error.cause instanceof ApiError && error.cause.status === 405);
}

/**
 * {@link ConfluenceSource} on confluence.js 3.x, for Confluence Cloud and Data Center.
 *
 * Requests per method (P = pages in the space, B = `pageSize`, 250 by default):
 * - `getSpace`: 1 (Cloud v2 `GET /wiki/api/v2/spaces?keys=`; Data Center `GET /rest/api/space/{key}`).
 * - `listPageRefs`: ⌈P/B⌉ for current pages, labels and ancestors included (v1 CQL search
 *   `space = "KEY" and type = page`, `expand=version,ancestors,metadata.labels`; Data Center `GET /rest/api/content`).
 *   That is fewer requests than v2, whose listings carry no labels. Archived or trashed pages, when asked for, come
 *   from v2 `/spaces/{id}/pages?status=` on Cloud (+⌈P'/B⌉, without labels) and one `/content?status=` listing per
 *   status on Data Center.
 * - `listPages`: Cloud ⌈P/B⌉ v2 `/spaces/{id}/pages?body-format=storage` plus ⌈P/B⌉ for the label listing above (run
 *   in parallel), plus one `/pages/{id}/labels` per page created between the two listings; Data Center ⌈P/B⌉
 *   `/rest/api/content?expand=body.storage,...`. For 1,000 pages: 8 requests on Cloud, 4 on Data Center (more when the
 *   server clamps `limit`).
 * - `listChangedSince`: ⌈C/B⌉ v1 CQL searches with bodies (C = changed pages), plus one `user/current` request per
 *   source when `timeZone` is not configured.
 * - `getPages`: ⌈N/B⌉ v1 CQL `id in (...)` searches with bodies, plus one `GET /rest/api/content/{id}?status=any` per id
 *   the search did not return (archived pages, pages the search index has not caught up with, deleted pages).
 *
 * Servers may cap a listing below `pageSize` (Cloud search often returns fewer per request than v2 listings); the counts
 * then scale with the cap. CQL reads Confluence's search index, which can trail an edit by seconds: a page created
 * just now may be missing from a CQL listing, and shows up on the next sync.
 *
 * Every request goes through {@link ConfluenceTransport}: retries, `Retry-After`, timeouts and cancellation.
 */
export class ConfluenceJsSource implements ConfluenceSource {
  readonly deployment: "cloud" | "datacenter";
  readonly baseUrl: string;
  readonly webBaseUrl: string;
  readonly #config: ResolvedSourceConfig;
  readonly #transport: ConfluenceTransport;
  readonly #logger: Logger;
  readonly #listing: ListingContext;
  readonly #timeZone: UserTimeZone;
  /** Set once Data Center refused a `/rest/api/content` listing; CQL search lists pages from then on. */
  #contentRefused = false;
  /** Most results a CQL search has returned per request, learned from responses. */
  #searchCap = Number.POSITIVE_INFINITY;

  /** Validates `config` (throws `CONFIG_INVALID` naming the field); sends nothing until a method is called. */
  constructor(config: ConfluenceSourceConfig, internals: { random?: () => number } = {}) {
    this.#config = resolveSourceConfig(config);
    this.deployment = this.#config.deployment;
    this.baseUrl = this.#config.baseUrl;
    this.webBaseUrl = this.#config.webBaseUrl;
    this.#logger = this.#config.logger ?? silentLogger;
    const rateLimitBudgetMs = this.#config.rateLimitBudgetMinutes * 60_000;
    this.#transport = new ConfluenceTransport({
      ...this.#config,
      rateLimitBudgetMs,
      logger: this.#logger,
      ...internals,
    });
    this.#listing = { transport: this.#transport, ...this.#config };
    const { timeZone: configured, baseUrl } = this.#config;
    this.#timeZone = new UserTimeZone({
      configured,
      transport: this.#transport,
      logger: this.#logger,
      baseUrl,
      deployment: this.deployment,
    });
  }

  async checkConnection(options: SourceCallOptions = {}): Promise<void> {
    const client = this.#transport.client(options);
    if (this.deployment === "cloud") await getSpaces(client, { limit: 1 });
    else
      await client.sendRequest({ url: "/wiki/rest/api/space", searchParams: { limit: 1 }, schema: v1SpaceArraySchema });
  }

  async getSpace(spaceKey: string, options: SourceCallOptions = {}): Promise<ConfluenceSpace> {
    assertSpaceKey(spaceKey);
    const client = this.#transport.client(options);
    const notFound = () =>
      new ConfluenceSyncError(
        "SOURCE_NOT_FOUND",
        `Space ${spaceKey} was not found at ${this.baseUrl}, or these credentials cannot see it.`,
      );
    if (this.deployment === "cloud") {
      // An empty page that still links on is not an answer: follow `next` (a few times) before calling it missing.
      let cursor: string | undefined;
      for (let followed = 0; followed <= EMPTY_PAGE_FOLLOWS; followed += 1) {
        const spaces = await getSpaces(client, {
          keys: [spaceKey],
          limit: 1,
          ...(cursor === undefined ? {} : { cursor }),
        });
        const space = (spaces.results ?? []).find((s) => s.key?.toUpperCase() === spaceKey.toUpperCase());
        if (space?.id !== undefined && space.key !== undefined) {
          return { id: space.id, key: space.key, name: space.name ?? space.key, homepageId: space.homepageId ?? null };
        }
        const next = spaces._links?.next;
        if (next === undefined || next === "") break;
        cursor = cursorOf(next);
      }
      throw notFound();
    }
    try {
      const space = await client.sendRequest({
        url: `/wiki/rest/api/space/${encodeURIComponent(spaceKey)}`,
        searchParams: { expand: "homepage" },
        schema: v1SpaceSchema,
      });
      if (space.id === undefined) throw this.#bad(`GET /rest/api/space/${spaceKey}`, "a space without an id");
      return { id: String(space.id), key: space.key, name: space.name, homepageId: space.homepage?.id ?? null };
    } catch (error) {
      throw isConfluenceSyncError(error, "SOURCE_NOT_FOUND") ? notFound() : error;
    }
  }

  async *listPageRefs(
    space: ConfluenceSpace,
    options: SourceCallOptions &
      ContentTypeOptions & { readonly statuses?: readonly PageStatus[]; readonly restrictions?: boolean } = {},
  ): AsyncIterable<PageRef[]> {
    const statuses = new Set<PageStatus>(options.statuses ?? ["current"]);
    const types = typesOf(options);
    const keep = (ref: PageRef) => statuses.has(ref.status);
    const expand = options.restrictions ? `${REF_EXPAND},${RESTRICTION_EXPAND}` : REF_EXPAND;
    const refsOf = (batch: ListingBatch<V1PageContent>) =>
      this.#withRestrictions(batch, options.restrictions === true, options).then((refs) => refs.filter(keep));
    if (this.deployment === "datacenter") {
      // Restrictions come from a listing of their own (see listDcRestrictions); pages it missed are fetched by id.
      const known = options.restrictions ? await listDcRestrictions(this.#transport, space, options) : null;
      for (const type of types) {
        for (const status of statuses) {
          if (status === "deleted") continue; // purged pages cannot be listed
          for await (const batch of this.#dcContent(space, status, REF_EXPAND, options, type)) {
            const refs = batch.results.map((c) => v1Ref(c, this.#context(batch))).filter(keep);
            if (known) {
              for (const [i, ref] of refs.entries()) {
                const readRestriction = known.has(ref.id)
                  ? known.get(ref.id)
                  : await fetchReadRestriction(this.#transport, this.deployment, ref.id, options);
                if (readRestriction !== undefined) refs[i] = { ...ref, readRestriction };
              }
            }
            if (refs.length > 0) yield refs;
          }
        }
      }
      return;
    }
    if (statuses.has("current")) {
      for await (const batch of paginateV1(
        this.#listing,
        "/wiki/rest/api/content/search",
        this.#search(spacePagesCql(space.key, types), expand),
        options,
        v1PageListSchema,
      )) {
        const refs = await refsOf(batch);
        if (refs.length > 0) yield refs;
      }
    }
    const others = [...statuses].filter((s) => s === "archived" || s === "trashed" || s === "deleted");
    if (others.length > 0) {
      for (const type of types) {
        // Blog posts cannot be archived: v2 takes current, trashed and deleted for them.
        const status = type === "blogpost" ? others.filter((s) => s !== "archived") : others;
        if (status.length === 0) continue;
        const params = { status, blogPosts: type === "blogpost" };
        for await (const batch of paginateV2SpacePages(this.#listing, space.id, params, options)) {
          const refs = batch.results
            .map((p) => ({ ...v2Ref(p, this.#context(batch)), ...(params.blogPosts ? { contentType: type } : {}) }))
            .filter(keep);
          if (refs.length > 0) yield refs;
        }
      }
    }
  }

  async *listPages(space: ConfluenceSpace, options: ListPagesOptions = {}): AsyncIterable<ConfluencePage[]> {
    const types = typesOf(options);
    if (this.deployment === "datacenter") {
      for (const type of types) {
        for await (const batch of this.#dcContent(space, "current", PAGE_EXPAND, options, type)) {
          yield batch.results.map((c) => v1Page(c, space.key, this.#context(batch)));
        }
      }
      return;
    }
    if (types.includes("page")) yield* this.#cloudPages(space, options);
    if (types.includes("blogpost")) yield* this.#cloudBlogPosts(space, options);
  }

  /**
   * Cloud blog posts from v2 `/spaces/{id}/blogposts?body-format=storage`, with labels from one CQL listing when
   * asked for (v2 listings carry none).
   */
  async *#cloudBlogPosts(space: ConfluenceSpace, options: ListPagesOptions): AsyncIterable<ConfluencePage[]> {
    const labels =
      options.labels === false ? new Map<string, LabelInfo>() : await this.#labelMap(space, options, "blogpost");
    const params = { status: ["current"], bodyFormat: "storage" as const, blogPosts: true };
    for await (const batch of paginateV2SpacePages(this.#listing, space.id, params, options)) {
      yield batch.results.map((summary) =>
        v2Page(
          summary,
          { spaceKey: space.key, labels: labels.get(summary.id ?? "")?.labels ?? [], blogPost: true },
          this.#context(batch),
        ),
      );
    }
  }

  async *#cloudPages(space: ConfluenceSpace, options: ListPagesOptions): AsyncIterable<ConfluencePage[]> {
    if (options.labels === false) {
      for await (const batch of paginateV2SpacePages(
        this.#listing,
        space.id,
        { status: ["current"], bodyFormat: "storage" },
        options,
      )) {
        yield batch.results.map((summary) =>
          v2Page(summary, { spaceKey: space.key, labels: [] }, this.#context(batch)),
        );
      }
      return;
    }
    // v2 listings carry no labels: one label listing (CQL, no bodies) runs beside the body listing.
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const labelsPromise = this.#labelMap(space, { ...options, signal });
    labelsPromise.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    try {
      for await (const batch of paginateV2SpacePages(
        this.#listing,
        space.id,
        { status: ["current"], bodyFormat: "storage" },
        options,
      )) {
        const labels = await labelsPromise;
        const pages: ConfluencePage[] = [];
        for (const summary of batch.results) {
          const id = summary.id ?? "";
          const info = labels.get(id) ?? (await this.#labelsOf(id, options));
          const placed = info.parentId === (summary.parentId ?? null);
          const ancestors = placed ? info.ancestors : undefined;
          const folders = placed ? info.folders : undefined;
          pages.push(
            v2Page(summary, { spaceKey: space.key, labels: info.labels, ancestors, folders }, this.#context(batch)),
          );
        }
        yield pages;
      }
    } finally {
      stop.abort();
    }
  }

  async *listChangedSince(
    space: ConfluenceSpace,
    since: Date,
    options: SourceCallOptions & ContentTypeOptions = {},
  ): AsyncIterable<ConfluencePage[]> {
    if (!(since instanceof Date) || Number.isNaN(since.getTime())) {
      throw new ConfluenceSyncError("CONFIG_INVALID", "since must be a valid Date");
    }
    const { zone, widenMs } = await this.#timeZone.resolve(options);
    const from = new Date(since.getTime() - this.#config.cqlOverlapMinutes * 60_000 - widenMs);
    const cql = changedSinceCql(space.key, from, zone, typesOf(options));
    this.#logger.debug({ spaceKey: space.key, since: since.toISOString(), timeZone: zone }, "Listing changed pages");
    for await (const batch of paginateV1(
      this.#listing,
      "/wiki/rest/api/content/search",
      this.#search(cql, PAGE_EXPAND),
      options,
      v1PageListSchema,
    )) {
      yield batch.results.map((c) => v1Page(c, space.key, this.#context(batch)));
    }
  }

  async *getPages(
    space: ConfluenceSpace,
    ids: readonly string[],
    options: SourceCallOptions & ContentTypeOptions = {},
  ): AsyncIterable<ConfluencePage[]> {
    const types = typesOf(options);
    const unique = [...new Set(ids)];
    assertPageIds(unique);
    for (let offset = 0; offset < unique.length; ) {
      // Ask for no more ids than the server returns per request, once it has said how many that is.
      const chunk = unique.slice(offset, offset + Math.min(this.#config.pageSize, this.#searchCap));
      offset += chunk.length;
      const cql = pageIdsCql(space.key, chunk, types);
      const found = new Set<string>();
      // Pages the site failed to send even alone are left out (with a warning), not asked for by id again.
      const unreadable = new Set<string>();
      for await (const batch of paginateV1(
        this.#listing,
        "/wiki/rest/api/content/search",
        this.#search(cql, PAGE_EXPAND),
        options,
        v1PageListSchema,
        unreadable,
      )) {
        if (batch.limit !== undefined && batch.limit > 0 && batch.limit < this.#searchCap)
          this.#searchCap = batch.limit;
        const pages = batch.results.map((c) => v1Page(c, space.key, this.#context(batch)));
        for (const page of pages) found.add(page.id);
        if (pages.length > 0) yield pages;
      }
      // CQL reads the search index, which can trail edits or miss pages: an id it did not return is asked for by id.
      const missing = chunk.filter((id) => !found.has(id) && !unreadable.has(id));
      const confirmed = await this.#byId(space, missing, options, types);
      if (confirmed.length > 0) yield confirmed;
    }
  }

  /**
   * Comments of the space through v1 CQL search (`space = "KEY" and type = comment`, with `lastmodified >=` when
   * `since` is given, widened like {@link listChangedSince}), expanded with their container, body, location,
   * resolution and anchored text: ⌈K/B⌉ requests for K comments. With `bodies: false`, only container, version,
   * thread and resolution are expanded (bodies come back empty), which Confluence answers in larger, cheaper pages.
   */
  async *listComments(space: ConfluenceSpace, options: ListCommentsOptions = {}): AsyncIterable<ConfluenceComment[]> {
    let since: { from: Date; timeZone: string } | undefined;
    if (options.since !== undefined) {
      if (!(options.since instanceof Date) || Number.isNaN(options.since.getTime())) {
        throw new ConfluenceSyncError("CONFIG_INVALID", "since must be a valid Date");
      }
      const { zone, widenMs } = await this.#timeZone.resolve(options);
      const overlap = this.#config.cqlOverlapMinutes * 60_000 + widenMs;
      since = { from: new Date(options.since.getTime() - overlap), timeZone: zone };
    }
    const bodies = options.bodies !== false;
    const expand = `container,${bodies ? COMMENT_EXPAND : COMMENT_KEY_EXPAND}`;
    const params = this.#search(spaceCommentsCql(space.key, since), expand);
    for await (const batch of paginateV1(this.#listing, "/wiki/rest/api/content/search", params, options)) {
      const comments = batch.results.map((c) => v1Comment(c, this.#context(batch), undefined, bodies));
      if (comments.length > 0) yield comments;
    }
  }

  /**
   * Every comment of the given pages or blog posts: one v1 `GET /content/{id}/child/comment?depth=all` listing each
   * (footer and inline, replies included). A container that no longer exists is left out.
   */
  async getComments(
    _space: ConfluenceSpace,
    containerIds: readonly string[],
    options: SourceCallOptions = {},
  ): Promise<Map<string, ConfluenceComment[]>> {
    const unique = [...new Set(containerIds)];
    assertPageIds(unique);
    const out = new Map<string, ConfluenceComment[]>();
    for (const id of unique) {
      const comments: ConfluenceComment[] = [];
      try {
        for await (const batch of paginateV1(
          this.#listing,
          `/wiki/rest/api/content/${id}/child/comment`,
          { depth: "all", expand: COMMENT_EXPAND },
          options,
        )) {
          comments.push(...batch.results.map((c) => v1Comment(c, this.#context(batch), id)));
        }
      } catch (error) {
        if (isConfluenceSyncError(error, "SOURCE_NOT_FOUND")) continue;
        throw error;
      }
      out.set(id, comments);
    }
    return out;
  }

  /**
   * Refs of a listing batch; with `restrictions`, each carries its own read restriction from the expanded listing, and
   * the few whose subject lists the listing cut short are fetched whole (one request per such page).
   */
  async #withRestrictions(
    batch: ListingBatch<V1PageContent>,
    restrictions: boolean,
    options: SourceCallOptions,
  ): Promise<PageRef[]> {
    const refs: PageRef[] = [];
    for (const content of batch.results) {
      const ref = v1Ref(content, this.#context(batch));
      if (!restrictions) {
        refs.push(ref);
        continue;
      }
      let readRestriction = restrictionFromContent(content, this.deployment);
      if (readRestriction === undefined) {
        readRestriction = await fetchReadRestriction(this.#transport, this.deployment, ref.id, options);
      }
      refs.push(readRestriction === undefined ? ref : { ...ref, readRestriction });
    }
    return refs;
  }

  /** Who may view the space: Cloud v2 space permissions, Data Center 9.1+ `/rest/api/space/{key}/permissions`. */
  getSpaceViewers(space: ConfluenceSpace, options: SourceCallOptions = {}): Promise<SpaceViewers> {
    return fetchSpaceViewers(this.#transport, this.deployment, this.baseUrl, space, options);
  }

  /** Each page's or folder's own read restriction, one `restriction/byOperation/read` request per id. */
  async getReadRestrictions(
    ids: readonly string[],
    options: SourceCallOptions = {},
  ): Promise<Map<string, ReadRestriction | null>> {
    const out = new Map<string, ReadRestriction | null>();
    for (const id of new Set(ids)) {
      const restriction = await fetchReadRestriction(this.#transport, this.deployment, id, options);
      if (restriction !== undefined) out.set(id, restriction);
    }
    return out;
  }

  /** A user's groups through `user/memberof`: Cloud group ids by account id, Data Center group names by user key. */
  getUserGroups(userId: string, options: SourceCallOptions = {}): Promise<string[]> {
    return fetchUserGroups(this.#transport, this.deployment, userId, options);
  }

  /** Display names by account id (Cloud, 100 per request) or user key / user name (Data Center, one each). */
  resolveUsers(ids: readonly string[], options: SourceCallOptions = {}): Promise<ReadonlyMap<string, string>> {
    return lookUpUsers(this.#transport, this.deployment, this.#logger, ids, options);
  }

  /** Current files of a page, one v1 listing request per 250 files; a page that is gone has none. */
  listAttachments(pageId: string, options: SourceCallOptions = {}): Promise<ConfluenceAttachment[]> {
    return listPageAttachments(this.#listing, pageId, (batch) => this.#context(batch), options);
  }

  /** Every current file of the space through CQL search, ⌈A/B⌉ requests for A files. */
  listSpaceAttachments(space: ConfluenceSpace, options: SourceCallOptions = {}): AsyncIterable<ConfluenceAttachment[]> {
    return listSpaceAttachments(this.#listing, space.key, (batch) => this.#context(batch), options);
  }

  /**
   * A file's bytes (redirects followed), at most `options.maxBytes`. Cloud answers API credentials at the download
   * link with 401 (changelog CHANGE-2735), so there the file comes from the REST download endpoint, which redirects
   * to a signed URL of the media store; Data Center serves the download link itself.
   */
  downloadAttachment(attachment: ConfluenceAttachment, options: DownloadAttachmentOptions): Promise<Uint8Array> {
    if (this.deployment === "cloud") {
      const url =
        `${this.baseUrl.replace(/\/+$/, "")}/wiki/rest/api/content/${encodeURIComponent(attachment.pageId)}` +
        `/child/attachment/${encodeURIComponent(attachment.id)}/download?version=${attachment.version}`;
      return downloadFile(this.#transport, url, options);
    }
    const root = new URL(this.webBaseUrl).origin;
    if (
      new URL(attachment.downloadUrl).origin !== root &&
      new URL(attachment.downloadUrl).origin !== new URL(this.baseUrl).origin
    ) {
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        `Attachment ${attachment.id} links to another host; only files on ${this.webBaseUrl} are downloaded.`,
      );
    }
    return downloadFile(this.#transport, this.#downloadUrl(attachment.downloadUrl), options);
  }

  /** Download links name the web address; requests go to `baseUrl`. */
  #downloadUrl(url: string): string {
    const web = this.webBaseUrl.replace(/\/+$/, "");
    return url.startsWith(web) ? `${this.baseUrl}${url.slice(web.length)}` : url;
  }

  /** Pages by id in any status (current, archived or trashed), one request each; ids that do not exist are omitted. */
  async #byId(
    space: ConfluenceSpace,
    ids: readonly string[],
    options: SourceCallOptions,
    types: readonly PageContentType[],
  ): Promise<ConfluencePage[]> {
    const client = this.#transport.client(options);
    const pages: ConfluencePage[] = [];
    for (const id of ids) {
      const url = `/wiki/rest/api/content/${id}`;
      const content = await client
        .sendRequest({ url, searchParams: { status: "any", expand: PAGE_EXPAND }, schema: ContentSchema })
        .catch((error: unknown) => {
          if (isConfluenceSyncError(error, "SOURCE_NOT_FOUND")) return undefined;
          throw error;
        });
      if (content === undefined || !(types as readonly string[]).includes(content.type ?? "")) continue;
      // Moved to another space since: not this source's page any more.
      const container = (content._expandable as { space?: unknown } | undefined)?.space;
      if (typeof container === "string" && !container.endsWith(`/space/${encodeURIComponent(space.key)}`)) continue;
      const request = `GET ${this.deployment === "cloud" ? url : url.slice("/wiki".length)}`;
      const linkBase = (content._links as { base?: string } | undefined)?.base;
      pages.push(v1Page(content, space.key, this.#context({ linkBase, request })));
    }
    return pages;
  }

  #search(cql: string, expand: string): Record<string, string> {
    return { cql, expand };
  }

  /**
   * Data Center's `/rest/api/content` listing; where an administrator blocked it (403 or 405), current pages come from
   * CQL search instead (one `LISTING_REFUSED` warning per source), and other statuses cannot be listed.
   */
  async *#dcContent(
    space: ConfluenceSpace,
    status: string,
    expand: string,
    options: SourceCallOptions,
    type: PageContentType = "page",
  ): AsyncGenerator<ListingBatch<V1PageContent>> {
    assertSpaceKey(space.key);
    if (!this.#contentRefused) {
      const params = { spaceKey: space.key, type, status, expand };
      let yielded = false;
      try {
        for await (const batch of paginateV1(
          this.#listing,
          "/wiki/rest/api/content",
          params,
          options,
          v1PageListSchema,
        )) {
          yielded = true;
          yield batch;
        }
        return;
      } catch (error) {
        if (yielded || !isRefusal(error)) throw error;
        this.#contentRefused = true;
        const message = `Confluence at ${this.baseUrl} refused GET /rest/api/content; pages are listed through CQL search instead, which reads the search index (recent edits may show up a sync later) and cannot list archived or trashed pages.`;
        this.#logger.warn({ baseUrl: this.baseUrl }, message);
        options.onWarning?.({ code: "LISTING_REFUSED", message });
      }
    }
    if (status !== "current") return;
    yield* paginateV1(
      this.#listing,
      "/wiki/rest/api/content/search",
      this.#search(spacePagesCql(space.key, [type]), expand),
      options,
      v1PageListSchema,
    );
  }

  #context(batch: { linkBase: string | undefined; request: string }): MappingContext {
    return {
      baseUrl: this.baseUrl,
      webBaseUrl: this.webBaseUrl,
      deployment: this.deployment,
      request: batch.request,
      // A configured site address wins over `_links.base`, which names the gateway when requests go through it.
      linkBase: this.#config.siteUrl === undefined ? batch.linkBase : undefined,
    };
  }

  #bad(request: string, what: string): ConfluenceSyncError {
    return new ConfluenceSyncError("SOURCE_BAD_RESPONSE", `Confluence at ${this.baseUrl} sent ${what} for ${request}.`);
  }

  /** Labels, parent and ancestors of every current page (or blog post), from the CQL listing `listPageRefs` uses. */
  async #labelMap(
    space: ConfluenceSpace,
    options: SourceCallOptions,
    type: PageContentType = "page",
  ): Promise<Map<string, LabelInfo>> {
    const map = new Map<string, LabelInfo>();
    const params = this.#search(spacePagesCql(space.key, [type]), REF_EXPAND);
    const search = "/wiki/rest/api/content/search";
    for await (const batch of paginateV1(this.#listing, search, params, options, v1PageListSchema)) {
      for (const content of batch.results) {
        const ref = v1Ref(content, this.#context(batch));
        map.set(ref.id, {
          labels: ref.labels ?? [],
          parentId: ref.parentId,
          ancestors: ref.ancestors,
          folders: ref.folders,
        });
      }
    }
    return map;
  }

  /** Labels of one page through v2, for a page the label listing did not see (created while it ran). */
  async #labelsOf(id: string, options: SourceCallOptions): Promise<LabelInfo> {
    const result = await getPageLabels(this.#transport.client(options), {
      id: id as unknown as number,
      limit: 250,
    }).catch((error: unknown) => {
      // Deleted since the listing saw it: it has no labels worth reporting, and the next sync drops it.
      if (isConfluenceSyncError(error, "SOURCE_NOT_FOUND")) return { results: [] };
      throw error;
    });
    const labels = (result.results ?? []).flatMap((label) => (label.name === undefined ? [] : [label.name]));
    return { labels, parentId: null, ancestors: [] };
  }

  /** The zone CQL dates are read in: configured, else the user's profile zone, else UTC widened by 12 hours. */
}

/** Builds the confluence.js-backed {@link ConfluenceSource}; throws `CONFIG_INVALID` naming any wrong field. */
export function createConfluenceSource(config: ConfluenceSourceConfig): ConfluenceSource {
  return new ConfluenceJsSource(config);
}
