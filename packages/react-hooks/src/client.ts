import { ConfluenceApiError, errorFromResponse } from "./errors.js";
import { EtagCache } from "./etag-cache.js";
import { readEventStream } from "./sse.js";
import type {
  CancelSyncInput,
  CreateSourceInput,
  ListPagesQueryInput,
  OperationView,
  PageDetailView,
  PageListResponse,
  SearchInput,
  SearchResponse,
  SourceListResponse,
  SourceView,
  StartSyncInput,
  StreamEventName,
  SyncCancelledResponse,
  SyncProgressView,
  SyncStartedResponse,
  UpdateSourceInput,
} from "./types.js";

/** Headers sent with every request, or a function giving them (e.g. a fresh access token). */
export type HeadersOption = HeadersInit | (() => HeadersInit | Promise<HeadersInit>);

export interface ConfluenceClientOptions {
  /** Where the router is mounted, absolute or relative to the page, e.g. `/api/confluence`. */
  readonly baseUrl: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * Sent with every request. The ETag cache belongs to the client, so use one client per signed-in identity.
   */
  readonly headers?: HeadersOption;
  /** Most GET answers kept for `If-None-Match` revalidation. @default 200 */
  readonly etagCacheSize?: number;
}

/** Per-call options. */
export interface RequestOptions {
  readonly signal?: AbortSignal | undefined;
}

/** One event of a sync's progress stream. */
export type ProgressStreamEvent =
  | { readonly name: "operation"; readonly data: OperationView }
  | { readonly name: "progress"; readonly data: SyncProgressView & { operationId: string; sourceId: string } }
  | { readonly name: Exclude<StreamEventName, "operation" | "progress">; readonly data: Record<string, unknown> };

export interface StreamProgressOptions extends RequestOptions {
  /** Called for every event, in order. */
  readonly onEvent: (event: ProgressStreamEvent) => void;
}

/** A typed client for every route of `createConfluenceRouter`. All methods reject with {@link ConfluenceApiError}. */
export interface ConfluenceClient {
  readonly baseUrl: string;
  listSources(options?: RequestOptions): Promise<SourceView[]>;
  getSource(sourceId: string, options?: RequestOptions): Promise<SourceView>;
  /** Checks the Confluence connection on the server before anything is stored. */
  createSource(input: CreateSourceInput, options?: RequestOptions): Promise<SourceView>;
  updateSource(sourceId: string, input: UpdateSourceInput, options?: RequestOptions): Promise<SourceView>;
  /** Cancels a running sync of the source, then deletes it with its pages and credentials. */
  deleteSource(sourceId: string, options?: RequestOptions): Promise<void>;
  /** Starts a background sync; rejects with code `SYNC_ALREADY_RUNNING` (and its `operationId`) if one runs. */
  startSync(sourceId: string, input?: StartSyncInput, options?: RequestOptions): Promise<SyncStartedResponse>;
  cancelSync(sourceId: string, input?: CancelSyncInput, options?: RequestOptions): Promise<SyncCancelledResponse>;
  getProgress(operationId: string, options?: RequestOptions): Promise<OperationView>;
  /**
   * Follows `GET /progress/:operationId/stream` until the server closes it. Resolves with the last operation
   * snapshot received (the final state when the sync ended), or `undefined` if none came.
   */
  streamProgress(operationId: string, options: StreamProgressOptions): Promise<OperationView | undefined>;
  listPages(sourceId: string, query?: ListPagesQueryInput, options?: RequestOptions): Promise<PageListResponse>;
  /** Without `sourceId` the server looks in every source the caller may read. */
  getPage(pageId: string, options?: RequestOptions & { sourceId?: string | undefined }): Promise<PageDetailView>;
  search(input: SearchInput, options?: RequestOptions): Promise<SearchResponse>;
  /** The router's OpenAPI 3.1 document. */
  getOpenApiDocument(options?: RequestOptions): Promise<Record<string, unknown>>;
  /** Forgets every cached ETag and body. */
  clearCache(): void;
}

type Query = Record<string, string | number | undefined>;

const seg = encodeURIComponent;

function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error as { name?: unknown } | null)?.name === "AbortError";
}

/**
 * Creates a typed, ETag-aware client for the router mounted at `baseUrl`. GETs send `If-None-Match` with the
 * last ETag seen for the URL and reuse the cached body on `304 Not Modified`.
 *
 * @example
 * const client = createConfluenceClient({ baseUrl: "/api/confluence" });
 * const { operationId } = await client.startSync("eng", { mode: "full" });
 */
export function createConfluenceClient(options: ConfluenceClientOptions): ConfluenceClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const cache = new EtagCache(options.etagCacheSize ?? 200);
  const doFetch: typeof fetch = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);

  async function headersFor(extra: Record<string, string>): Promise<Headers> {
    const configured = typeof options.headers === "function" ? await options.headers() : options.headers;
    const headers = new Headers(configured);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    return headers;
  }

  async function send(method: string, path: string, init: { body?: unknown; signal?: AbortSignal | undefined }) {
    const request = `${method} ${path.split("?")[0]}`;
    const url = baseUrl + path;
    const cached = method === "GET" ? cache.get(url) : undefined;
    const extra: Record<string, string> = { accept: "application/json" };
    if (init.body !== undefined) extra["content-type"] = "application/json";
    if (cached) extra["if-none-match"] = cached.etag;
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers: await headersFor(extra),
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (error) {
      if (isAbort(error, init.signal)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfluenceApiError(0, "NETWORK_ERROR", `${request} could not reach the server: ${reason}`, {
        request,
        cause: error,
      });
    }
    return { response, request, url, cached };
  }

  async function call<T>(method: string, path: string, init: { body?: unknown; signal?: AbortSignal } = {}) {
    const { response, request, url, cached } = await send(method, path, init);
    if (response.status === 304 && cached) return cached.body as T;
    const body = await readJson(response);
    if (!response.ok) throw errorFromResponse(response.status, body, request);
    if (response.status === 204) return undefined as T;
    if (body === undefined) {
      throw new ConfluenceApiError(response.status, "BAD_RESPONSE", `${request} answered without a JSON body.`, {
        request,
      });
    }
    const etag = response.headers.get("etag");
    if (method === "GET" && etag) cache.set(url, { etag, body });
    return body as T;
  }

  const signalOf = (opts?: RequestOptions) => (opts?.signal ? { signal: opts.signal } : {});

  return {
    baseUrl,
    async listSources(opts) {
      return (await call<SourceListResponse>("GET", "/sources", signalOf(opts))).sources;
    },
    getSource: (sourceId, opts) => call("GET", `/sources/${seg(sourceId)}`, signalOf(opts)),
    createSource: (input, opts) => call("POST", "/sources", { body: input, ...signalOf(opts) }),
    updateSource: (sourceId, input, opts) =>
      call("PATCH", `/sources/${seg(sourceId)}`, { body: input, ...signalOf(opts) }),
    async deleteSource(sourceId, opts) {
      await call<void>("DELETE", `/sources/${seg(sourceId)}`, signalOf(opts));
    },
    startSync: (sourceId, input, opts) =>
      call("POST", `/${seg(sourceId)}/sync`, { body: input ?? {}, ...signalOf(opts) }),
    cancelSync: (sourceId, input, opts) =>
      call("POST", `/${seg(sourceId)}/sync/cancel`, { body: input ?? {}, ...signalOf(opts) }),
    getProgress: (operationId, opts) => call("GET", `/progress/${seg(operationId)}`, signalOf(opts)),
    async streamProgress(operationId, opts) {
      const path = `/progress/${seg(operationId)}/stream`;
      const { response, request } = await send("GET", path, signalOf(opts));
      if (!response.ok) throw errorFromResponse(response.status, await readJson(response), request);
      const type = response.headers.get("content-type") ?? "";
      if (!type.startsWith("text/event-stream") || !response.body) {
        await response.body?.cancel().catch(() => {});
        throw new ConfluenceApiError(
          response.status,
          "BAD_RESPONSE",
          `${request} did not answer with an event stream.`,
          {
            request,
          },
        );
      }
      let last: OperationView | undefined;
      await readEventStream(response.body, (event) => {
        let data: unknown;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;
        }
        const streamEvent = { name: event.event, data } as ProgressStreamEvent;
        if (streamEvent.name === "operation") last = streamEvent.data;
        opts.onEvent(streamEvent);
      });
      return last;
    },
    listPages: (sourceId, query, opts) =>
      call("GET", `/sources/${seg(sourceId)}/pages${queryString({ ...query })}`, signalOf(opts)),
    getPage: (pageId, opts) =>
      call("GET", `/pages/${seg(pageId)}${queryString({ sourceId: opts?.sourceId })}`, signalOf(opts)),
    search: (input, opts) => call("POST", "/search", { body: input, ...signalOf(opts) }),
    getOpenApiDocument: (opts) => call("GET", "/openapi.json", signalOf(opts)),
    clearCache: () => cache.clear(),
  };
}
