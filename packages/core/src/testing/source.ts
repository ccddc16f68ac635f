import { ConfluenceSyncError } from "../errors.js";
import type {
  ConfluencePage,
  ConfluenceSource,
  ConfluenceSpace,
  PageRef,
  PageStatus,
  SourceCallOptions,
  SourceWait,
} from "../ports/confluence-source.js";

export type { ExpectedPage, SourceFixture } from "./source-conformance.js";
export { describeConfluenceSource } from "./source-conformance.js";

/** The methods of {@link ConfluenceSource} a test can fault or inspect. */
export type FakeSourceMethod =
  | "checkConnection"
  | "getSpace"
  | "listPageRefs"
  | "listPages"
  | "listChangedSince"
  | "getPages";

/** One recorded call of a {@link FakeConfluenceSource} method. */
export interface FakeSourceCall {
  readonly method: FakeSourceMethod;
  readonly spaceKey?: string;
  readonly ids?: readonly string[];
  readonly since?: string;
  readonly statuses?: readonly PageStatus[];
}

/** A page to add; everything but the title has a default. */
export interface FakePageInput {
  /** @default the next free numeric id */
  readonly id?: string;
  readonly title: string;
  /** @default null (a top-level page) */
  readonly parentId?: string | null;
  /** Storage format. @default `<p>${title}</p>` */
  readonly body?: string;
  readonly labels?: readonly string[];
  /** @default "current" */
  readonly status?: PageStatus;
  /** @default "fake-author" */
  readonly authorId?: string;
}

export interface FakeConfluenceSourceOptions {
  /** @default "cloud" */
  readonly deployment?: "cloud" | "datacenter";
  /** @default "https://fake.atlassian.net" */
  readonly baseUrl?: string;
  /** Items per yielded batch, each batch counting as one request. @default 50 */
  readonly batchSize?: number;
  /** Clock stamped on adds and edits. @default () => new Date() */
  readonly now?: () => Date;
}

interface StoredPage {
  id: string;
  spaceKey: string;
  title: string;
  parentId: string | null;
  body: string;
  labels: string[];
  status: PageStatus;
  version: number;
  authorId: string;
  createdAt: string;
  updatedAt: string;
}

interface Fault {
  readonly method: FakeSourceMethod | "*";
  remaining: number;
  readonly error: () => Error;
}

/**
 * An in-memory {@link ConfluenceSource} for engine tests: spaces and pages live in maps, mutations behave as Confluence
 * does (an edit or rename bumps the version; moves, label changes, trashing and archiving do not), every call is
 * recorded, every batch counts as one request, and faults or waits can be scheduled per method.
 */
export class FakeConfluenceSource implements ConfluenceSource {
  readonly deployment: "cloud" | "datacenter";
  readonly baseUrl: string;
  /** Every call, in order. */
  readonly calls: FakeSourceCall[] = [];
  /** Simulated HTTP requests (one per call, or per batch for listings), as `onRequest` reported them. */
  requests = 0;
  /** Page bodies handed out, for "nothing was downloaded" assertions. */
  bodiesServed = 0;
  readonly #spaces = new Map<string, ConfluenceSpace>();
  readonly #pages = new Map<string, StoredPage>();
  readonly #batchSize: number;
  readonly #now: () => Date;
  readonly #faults: Fault[] = [];
  readonly #waits = new Map<FakeSourceMethod, SourceWait[]>();
  #nextId = 1000;

  constructor(options: FakeConfluenceSourceOptions = {}) {
    this.deployment = options.deployment ?? "cloud";
    this.baseUrl = options.baseUrl ?? "https://fake.atlassian.net";
    this.#batchSize = options.batchSize ?? 50;
    this.#now = options.now ?? (() => new Date());
  }

  // ---- data and mutations ----

  addSpace(key: string, name = `${key} space`): ConfluenceSpace {
    const space = { id: String(this.#spaces.size + 1), key, name, homepageId: null };
    this.#spaces.set(key, space);
    return space;
  }

  addPage(spaceKey: string, input: FakePageInput): ConfluencePage {
    if (!this.#spaces.has(spaceKey)) this.addSpace(spaceKey);
    const id = input.id ?? String(this.#nextId++);
    if (this.#pages.has(id)) throw new Error(`FakeConfluenceSource: page ${id} already exists`);
    const at = this.#now().toISOString();
    this.#pages.set(id, {
      id,
      spaceKey,
      title: input.title,
      parentId: input.parentId ?? null,
      body: input.body ?? `<p>${input.title}</p>`,
      labels: [...(input.labels ?? [])],
      status: input.status ?? "current",
      version: 1,
      authorId: input.authorId ?? "fake-author",
      createdAt: at,
      updatedAt: at,
    });
    return this.page(id) as ConfluencePage;
  }

  /** Changes body and/or title and bumps the version, like a Confluence edit. */
  editPage(id: string, edit: { body?: string; title?: string; labels?: readonly string[] }): ConfluencePage {
    const page = this.#require(id);
    if (edit.body !== undefined) page.body = edit.body;
    if (edit.title !== undefined) page.title = edit.title;
    if (edit.labels !== undefined) page.labels = [...edit.labels];
    page.version += 1;
    page.updatedAt = this.#now().toISOString();
    return this.page(id) as ConfluencePage;
  }

  renamePage(id: string, title: string): ConfluencePage {
    return this.editPage(id, { title });
  }

  /** Labels are metadata: the version stays. */
  setLabels(id: string, labels: readonly string[]): void {
    this.#require(id).labels = [...labels];
  }

  /** A move changes the parent, not the version. */
  movePage(id: string, parentId: string | null): void {
    this.#require(id).parentId = parentId;
  }

  trashPage(id: string): void {
    this.#require(id).status = "trashed";
  }

  archivePage(id: string): void {
    this.#require(id).status = "archived";
  }

  restorePage(id: string): void {
    this.#require(id).status = "current";
  }

  /** Purges the page: it no longer exists in any status. */
  deletePage(id: string): void {
    this.#require(id);
    this.#pages.delete(id);
  }

  /** The page as `getPages` would return it, in any status. */
  page(id: string): ConfluencePage | undefined {
    const page = this.#pages.get(id);
    return page === undefined ? undefined : this.#toPage(page);
  }

  /** Ground truth: the pages of a space in the given statuses, sorted by id. */
  pages(spaceKey: string, statuses: readonly PageStatus[] = ["current"]): ConfluencePage[] {
    return this.#of(spaceKey, statuses).map((page) => this.#toPage(page));
  }

  // ---- fault and wait hooks ----

  /** The next `times` calls of `method` (or of any method, with `"*"`) throw `error` before yielding anything. */
  failNext(method: FakeSourceMethod | "*", error: Error | (() => Error), times = 1): void {
    this.#faults.push({ method, remaining: times, error: typeof error === "function" ? error : () => error });
  }

  /** Reports these waits through `onWait` (with one extra request each) on the next call of `method`. */
  simulateWaits(method: FakeSourceMethod, waits: readonly Omit<SourceWait, "request">[]): void {
    this.#waits.set(
      method,
      waits.map((wait) => ({ ...wait, request: `GET /fake/${method}` })),
    );
  }

  // ---- the port ----

  async checkConnection(options: SourceCallOptions = {}): Promise<void> {
    this.#enter({ method: "checkConnection" }, options);
  }

  async getSpace(spaceKey: string, options: SourceCallOptions = {}): Promise<ConfluenceSpace> {
    this.#enter({ method: "getSpace", spaceKey }, options);
    const space = this.#spaces.get(spaceKey);
    if (space === undefined) throw new ConfluenceSyncError("SOURCE_NOT_FOUND", `Space ${spaceKey} was not found.`);
    return space;
  }

  async *listPageRefs(
    space: ConfluenceSpace,
    options: SourceCallOptions & { readonly statuses?: readonly PageStatus[] } = {},
  ): AsyncIterable<PageRef[]> {
    const statuses = options.statuses ?? ["current"];
    this.#enter({ method: "listPageRefs", spaceKey: space.key, statuses }, options, false);
    yield* this.#batches(this.#of(space.key, statuses), options, (page) => {
      const { spaceKey: _s, body: _b, authorId: _a, createdAt: _c, ...ref } = page;
      return { ...ref, labels: [...ref.labels] };
    });
  }

  async *listPages(space: ConfluenceSpace, options: SourceCallOptions = {}): AsyncIterable<ConfluencePage[]> {
    this.#enter({ method: "listPages", spaceKey: space.key }, options, false);
    yield* this.#batches(this.#of(space.key, ["current"]), options, (page) => this.#served(page));
  }

  async *listChangedSince(
    space: ConfluenceSpace,
    since: Date,
    options: SourceCallOptions = {},
  ): AsyncIterable<ConfluencePage[]> {
    this.#enter({ method: "listChangedSince", spaceKey: space.key, since: since.toISOString() }, options, false);
    const changed = this.#of(space.key, ["current"]).filter((page) => Date.parse(page.updatedAt) >= since.getTime());
    yield* this.#batches(changed, options, (page) => this.#served(page));
  }

  async *getPages(
    space: ConfluenceSpace,
    ids: readonly string[],
    options: SourceCallOptions = {},
  ): AsyncIterable<ConfluencePage[]> {
    this.#enter({ method: "getPages", spaceKey: space.key, ids: [...ids] }, options, false);
    const found = [...new Set(ids)].flatMap((id) => {
      const page = this.#pages.get(id);
      return page !== undefined && page.spaceKey === space.key && page.status === "current" ? [page] : [];
    });
    yield* this.#batches(found, options, (page) => this.#served(page));
  }

  // ---- internals ----

  #require(id: string): StoredPage {
    const page = this.#pages.get(id);
    if (page === undefined) throw new Error(`FakeConfluenceSource: no page ${id}`);
    return page;
  }

  #of(spaceKey: string, statuses: readonly PageStatus[]): StoredPage[] {
    return [...this.#pages.values()]
      .filter((page) => page.spaceKey === spaceKey && statuses.includes(page.status))
      .sort((a, b) => Number(a.id) - Number(b.id) || a.id.localeCompare(b.id));
  }

  #toPage(page: StoredPage): ConfluencePage {
    return {
      ...page,
      labels: [...page.labels],
      webUrl: `${this.baseUrl}/wiki/pages/viewpage.action?pageId=${page.id}`,
    };
  }

  #served(page: StoredPage): ConfluencePage {
    this.bodiesServed += 1;
    return this.#toPage(page);
  }

  /** Records the call, checks the signal, reports scheduled waits, throws a scheduled fault, counts a request. */
  #enter(call: FakeSourceCall, options: SourceCallOptions, countRequest = true): void {
    this.calls.push(call);
    if (options.signal?.aborted) {
      throw new ConfluenceSyncError("SYNC_ABORTED", "The Confluence request was aborted.", {
        cause: options.signal.reason,
      });
    }
    for (const wait of this.#waits.get(call.method) ?? []) {
      this.#request(options);
      options.onWait?.(wait);
    }
    this.#waits.delete(call.method);
    const fault = this.#faults.find((f) => f.remaining > 0 && (f.method === "*" || f.method === call.method));
    if (fault !== undefined) {
      fault.remaining -= 1;
      this.#request(options);
      throw fault.error();
    }
    if (countRequest) this.#request(options);
  }

  #request(options: SourceCallOptions): void {
    this.requests += 1;
    options.onRequest?.();
  }

  async *#batches<T>(
    pages: StoredPage[],
    options: SourceCallOptions,
    map: (page: StoredPage) => T,
  ): AsyncIterable<T[]> {
    // Snapshot first, so mutations made by the consumer mid-listing do not shift the batches.
    const snapshot = [...pages];
    if (snapshot.length === 0) this.#request(options);
    for (let offset = 0; offset < snapshot.length; offset += this.#batchSize) {
      if (options.signal?.aborted) {
        throw new ConfluenceSyncError("SYNC_ABORTED", "The Confluence request was aborted.", {
          cause: options.signal.reason,
        });
      }
      this.#request(options);
      yield snapshot.slice(offset, offset + this.#batchSize).map(map);
    }
  }
}
