// `@archon/confluence-react`: a typed HTTP client and TanStack Query hooks for the Confluence router.

export type {
  ConfluenceClient,
  ConfluenceClientOptions,
  HeadersOption,
  ProgressStreamEvent,
  RequestOptions,
  StreamProgressOptions,
} from "./client.js";
export { createConfluenceClient } from "./client.js";
export {
  ConfluenceClientProvider,
  DEFAULT_BASE_URL,
  getDefaultConfluenceClient,
  useConfluenceClient,
} from "./context.js";
export { ConfluenceApiError, isConfluenceApiError } from "./errors.js";
export type { InfinitePagesOptions } from "./hooks-content.js";
export {
  useConfluencePage,
  useConfluencePages,
  useConfluenceSearch,
  useInfiniteConfluencePages,
} from "./hooks-content.js";
export type {
  ConfluenceHookOptions,
  ConfluenceMutationHookOptions,
  ConfluenceQueryHookOptions,
  UpdateSourceVariables,
} from "./hooks-sources.js";
export {
  useConfluenceSource,
  useConfluenceSources,
  useCreateConfluenceSource,
  useDeleteConfluenceSource,
  useUpdateConfluenceSource,
} from "./hooks-sources.js";
export type { ProgressTransport, StartSyncVariables, SyncProgressOptions } from "./hooks-sync.js";
export { useCancelSync, useSyncConfluence, useSyncProgress } from "./hooks-sync.js";
export type { PagesKeyParams } from "./keys.js";
export { confluenceKeys } from "./keys.js";
export type { PagesPageParam } from "./query-options.js";
export {
  confluenceCacheTimes,
  DEFAULT_MAX_PAGES,
  DEFAULT_PROGRESS_POLL_MS,
  isOperationFinished,
  isOperationUnknown,
  pageQueryOptions,
  pagesInfiniteQueryOptions,
  pagesQueryOptions,
  progressQueryOptions,
  searchQueryOptions,
  sourceQueryOptions,
  sourcesQueryOptions,
} from "./query-options.js";
export type { ServerSentEvent } from "./sse.js";
export { readEventStream, SseParser } from "./sse.js";
export type * from "./types.js";
