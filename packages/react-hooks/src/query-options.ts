import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import type { ConfluenceClient } from "./client.js";
import { isConfluenceApiError } from "./errors.js";
import { confluenceKeys, type PagesKeyParams } from "./keys.js";
import type { ListPagesQueryInput, OperationView, PageListResponse, SearchInput } from "./types.js";

/**
 * `staleTime` / `gcTime` per kind of data, in milliseconds. Progress is never fresh (every read revalidates,
 * cheaply, through the ETag); sources change rarely; page lists are kept briefly so scrolling through a large
 * space never leaves thousands of pages in the cache.
 */
export const confluenceCacheTimes = {
  sources: { staleTime: 30_000, gcTime: 10 * 60_000 },
  progress: { staleTime: 0, gcTime: 60_000 },
  pages: { staleTime: 30_000, gcTime: 60_000 },
  page: { staleTime: 5 * 60_000, gcTime: 5 * 60_000 },
  search: { staleTime: 60_000, gcTime: 5 * 60_000 },
} as const;

/** Interval of progress polling while a sync runs and no stream is connected. @default 1000 */
export const DEFAULT_PROGRESS_POLL_MS = 1000;

/** Most page lists an infinite query keeps; older ones are dropped and refetched when scrolled back to. */
export const DEFAULT_MAX_PAGES = 5;

/** `true` once the operation is over (succeeded, failed or cancelled). */
export function isOperationFinished(operation: OperationView | undefined): boolean {
  return operation !== undefined && operation.status !== "running";
}

/** `true` when the server does not know the operation (never existed, or dropped from its history). */
export function isOperationUnknown(error: unknown): boolean {
  return isConfluenceApiError(error, "NOT_FOUND");
}

export function sourcesQueryOptions(client: ConfluenceClient) {
  return queryOptions({
    queryKey: confluenceKeys.lists(),
    queryFn: ({ signal }) => client.listSources({ signal }),
    ...confluenceCacheTimes.sources,
  });
}

export function sourceQueryOptions(client: ConfluenceClient, sourceId: string) {
  return queryOptions({
    queryKey: confluenceKeys.detail(sourceId),
    queryFn: ({ signal }) => client.getSource(sourceId, { signal }),
    ...confluenceCacheTimes.sources,
  });
}

/** Polls while the operation runs (every {@link DEFAULT_PROGRESS_POLL_MS}) and stops once it ended. */
export function progressQueryOptions(
  client: ConfluenceClient,
  operationId: string,
  pollMs: number = DEFAULT_PROGRESS_POLL_MS,
) {
  return queryOptions({
    queryKey: confluenceKeys.progress(operationId),
    queryFn: ({ signal }) => client.getProgress(operationId, { signal }),
    refetchInterval: (query) =>
      isOperationFinished(query.state.data) || isOperationUnknown(query.state.error) ? false : pollMs,
    ...confluenceCacheTimes.progress,
  });
}

/** One page of a page list; pass the previous answer's `nextCursor` as `cursor` for the next one. */
export function pagesQueryOptions(client: ConfluenceClient, sourceId: string, params: ListPagesQueryInput = {}) {
  return queryOptions({
    queryKey: confluenceKeys.pages(sourceId, params),
    queryFn: ({ signal }) => client.listPages(sourceId, params, { signal }),
    ...confluenceCacheTimes.pages,
  });
}

/** Where one page of an infinite list starts, and the cursors of the pages before it (to page back). */
export interface PagesPageParam {
  readonly cursor: string | undefined;
  readonly previous: readonly (string | undefined)[];
}

/**
 * An infinite page list that keeps at most `maxPages` pages of results, dropping the far end while scrolling in
 * either direction.
 */
export function pagesInfiniteQueryOptions(
  client: ConfluenceClient,
  sourceId: string,
  params: Omit<PagesKeyParams, "cursor"> = {},
  options: { maxPages?: number } = {},
) {
  return infiniteQueryOptions({
    queryKey: confluenceKeys.pagesInfinite(sourceId, params),
    queryFn: ({ pageParam, signal }): Promise<PageListResponse> =>
      client.listPages(sourceId, { ...params, cursor: pageParam.cursor }, { signal }),
    initialPageParam: { cursor: undefined, previous: [] } as PagesPageParam,
    getNextPageParam: (lastPage, _all, lastParam): PagesPageParam | undefined =>
      lastPage.nextCursor === null
        ? undefined
        : { cursor: lastPage.nextCursor, previous: [...lastParam.previous, lastParam.cursor] },
    getPreviousPageParam: (_first, _all, firstParam): PagesPageParam | undefined =>
      firstParam.previous.length === 0
        ? undefined
        : { cursor: firstParam.previous.at(-1), previous: firstParam.previous.slice(0, -1) },
    maxPages: options.maxPages ?? DEFAULT_MAX_PAGES,
    ...confluenceCacheTimes.pages,
  });
}

export function pageQueryOptions(client: ConfluenceClient, pageId: string, sourceId?: string) {
  return queryOptions({
    queryKey: confluenceKeys.page(pageId, sourceId),
    queryFn: ({ signal }) => client.getPage(pageId, { sourceId, signal }),
    ...confluenceCacheTimes.page,
  });
}

export function searchQueryOptions(client: ConfluenceClient, params: SearchInput) {
  return queryOptions({
    queryKey: confluenceKeys.search(params),
    queryFn: ({ signal }) => client.search(params, { signal }),
    ...confluenceCacheTimes.search,
  });
}
