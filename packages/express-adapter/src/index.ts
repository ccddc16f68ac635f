// `@archon/confluence-express`: an Express 5 router over the Archon Confluence SDK.

export { HttpError } from "./http-error.js";
export { buildOpenApiDocument } from "./openapi.js";
export type { HeldSourceLock, OperationListener, SyncRunner, SyncRunRequest } from "./operations.js";
export { SyncOperations } from "./operations.js";
export type {
  AuthorizeHook,
  ConfluenceAction,
  ConfluenceResource,
  ConfluenceRouterOptions,
  PrincipalHook,
  SourceConnection,
  SourceFactory,
} from "./options.js";
export { ADDRESS_NOT_ALLOWED, createPolicyFetch, type PolicyFetch } from "./pinned-fetch.js";
export type { ConfluenceRouter } from "./router.js";
export { createConfluenceRouter } from "./router.js";
export type {
  CancelSyncInput,
  CreateSourceBody,
  CreateSourceInput,
  CredentialInfoView,
  CredentialsInput,
  ErrorResponse,
  FieldError,
  ListPagesQueryInput,
  OperationStatus,
  OperationView,
  PageDetailView,
  PageListResponse,
  PageSummaryView,
  SearchFiltersInput,
  SearchHitView,
  SearchInput,
  SearchResponse,
  SourceListResponse,
  SourceView,
  StartSyncInput,
  StreamEventName,
  SyncCancelledResponse,
  SyncMetricsView,
  SyncProgressView,
  SyncStartedResponse,
  UpdateSourceInput,
} from "./schemas.js";
export {
  cancelSyncBodySchema,
  createSourceBodySchema,
  credentialInfoSchema,
  credentialsInputSchema,
  errorResponseSchema,
  listPagesQuerySchema,
  operationSchema,
  pageDetailSchema,
  pageListSchema,
  pageSummarySchema,
  searchBodySchema,
  searchHitSchema,
  searchResponseSchema,
  sourceListSchema,
  sourceSchema,
  startSyncBodySchema,
  streamEventNames,
  syncCancelledSchema,
  syncMetricsSchema,
  syncProgressSchema,
  syncStartedSchema,
  updateSourceBodySchema,
} from "./schemas.js";
export type { SyncRunnerOptions } from "./sync-runner.js";
export { createSyncRunner } from "./sync-runner.js";
export type { UrlPolicy } from "./url-policy.js";
export { checkBaseUrl, isPublicAddress } from "./url-policy.js";
