import type { Deployment } from "../model.js";
import type { FakeConfluenceState } from "../state.js";

/** What a handler answers; the server serialises it (and may corrupt it when a fault says so). */
export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Bytes to send as they are instead of a JSON `body` (file downloads). */
  readonly raw?: { readonly bytes: Uint8Array; readonly contentType: string };
}

/** Decisions the fault injector makes for listing endpoints. */
export interface ListingFaults {
  /** The limit the server actually applies (Data Center clamps silently). */
  clampLimit(requested: number): number;
  /** Whether the last page should still carry a `next` link pointing past the end. */
  phantomNext(): boolean;
  /** Whether this page should come back empty while still linking to the same request as `next`. */
  emptyPage(requestKey: string): boolean;
  /** Whether a request past the end of an offset listing gets the last page again, with a `next` link (v1 only). */
  repeatLastPage(): boolean;
  /** Whether CQL search sees the page yet (a lagging index does not). */
  indexed(pageId: string): boolean;
}

/** Everything a route handler may read. */
export interface RequestContext {
  readonly state: FakeConfluenceState;
  readonly deployment: Deployment;
  readonly url: URL;
  /** `http://127.0.0.1:port` */
  readonly origin: string;
  /** Path prefix of the site: `/wiki` on Cloud, the configured context path (often empty) on Data Center. */
  readonly contextPath: string;
  /** Path parameters captured by the route. */
  readonly params: Readonly<Record<string, string>>;
  readonly faults: ListingFaults;
  /** IANA zone CQL dates are read in. */
  readonly timeZone: string;
}

export type Handler = (ctx: RequestContext) => ApiResponse;
