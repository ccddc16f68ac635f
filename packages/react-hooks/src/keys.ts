import type { ListPagesQueryInput, SearchInput } from "./types.js";

/** Page-list parameters that select a list; the cursor selects a page of it and is part of the key too. */
export type PagesKeyParams = ListPagesQueryInput;

/**
 * Query keys for everything the hooks cache. Every key starts with `confluenceKeys.all`, so
 * `queryClient.invalidateQueries({ queryKey: confluenceKeys.all })` refreshes it all; the other prefixes
 * (`lists()`, `pages(sourceId)`, `pageDetails()`, `searches()`) refresh one kind.
 */
export const confluenceKeys = {
  all: ["confluence"] as const,
  /** The source list. */
  lists: () => [...confluenceKeys.all, "list"] as const,
  /** One source. */
  detail: (sourceId: string) => [...confluenceKeys.all, "detail", sourceId] as const,
  /** Page lists of a source; without `params`, the prefix of all of them (paginated and infinite). */
  pages: (sourceId: string, params?: PagesKeyParams) =>
    params === undefined
      ? ([...confluenceKeys.all, "pages", sourceId] as const)
      : ([...confluenceKeys.all, "pages", sourceId, normalize(params)] as const),
  /** Infinite page lists of a source; the cursor is not part of the key. */
  pagesInfinite: (sourceId: string, params: Omit<PagesKeyParams, "cursor"> = {}) =>
    [...confluenceKeys.all, "pages", sourceId, "infinite", normalize(params)] as const,
  /** Prefix of every page detail. */
  pageDetails: () => [...confluenceKeys.all, "page"] as const,
  /** One page with its Markdown. */
  page: (pageId: string, sourceId?: string) =>
    [...confluenceKeys.all, "page", pageId, { sourceId: sourceId ?? null }] as const,
  /** A sync operation's progress. */
  progress: (operationId: string) => [...confluenceKeys.all, "progress", operationId] as const,
  /** Prefix of every search. */
  searches: () => [...confluenceKeys.all, "search"] as const,
  /** One search. */
  search: (params: SearchInput) => [...confluenceKeys.all, "search", normalize(params)] as const,
};

/** Drops `undefined` members so `{ limit: undefined }` and `{}` share a key. */
function normalize<T extends object>(params: T): T {
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined)) as T;
}
