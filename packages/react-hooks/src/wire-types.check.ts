/**
 * Compile-time proof that the hand-written wire types in `types.ts` match the router's zod schemas, both ways.
 * `wire-types.test.ts` compiles this file; `npm run typecheck` does too.
 */
import type * as Server from "../../express-adapter/src/schemas.js";
import type * as Client from "./types.js";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

export type WireTypesAgree = [
  Assert<Same<Client.ErrorResponse, Server.ErrorResponse>>,
  Assert<Same<Client.FieldError, Server.FieldError>>,
  Assert<Same<Client.CredentialsInput, Server.CredentialsInput>>,
  Assert<Same<Client.CredentialInfoView, Server.CredentialInfoView>>,
  Assert<Same<Client.CreateSourceInput, Server.CreateSourceInput>>,
  Assert<Same<Client.UpdateSourceInput, Server.UpdateSourceInput>>,
  Assert<Same<Client.SourceView, Server.SourceView>>,
  Assert<Same<Client.SourceListResponse, Server.SourceListResponse>>,
  Assert<Same<Client.StartSyncInput, Server.StartSyncInput>>,
  Assert<Same<Client.CancelSyncInput, Server.CancelSyncInput>>,
  Assert<Same<Client.SyncProgressView, Server.SyncProgressView>>,
  Assert<Same<Client.SyncMetricsView, Server.SyncMetricsView>>,
  Assert<Same<Client.OperationStatus, Server.OperationStatus>>,
  Assert<Same<Client.OperationView, Server.OperationView>>,
  Assert<Same<Client.SyncStartedResponse, Server.SyncStartedResponse>>,
  Assert<Same<Client.SyncCancelledResponse, Server.SyncCancelledResponse>>,
  Assert<Same<Omit<Client.ListPagesQueryInput, "limit">, Omit<Server.ListPagesQueryInput, "limit">>>,
  Assert<Same<Client.PageSummaryView, Server.PageSummaryView>>,
  Assert<Same<Client.PageListResponse, Server.PageListResponse>>,
  Assert<Same<Client.PageDetailView, Server.PageDetailView>>,
  Assert<Same<Client.SearchFiltersInput, Server.SearchFiltersInput>>,
  Assert<Same<Client.SearchInput, Server.SearchInput>>,
  Assert<Same<Client.SearchHitView, Server.SearchHitView>>,
  Assert<Same<Client.SearchResponse, Server.SearchResponse>>,
  Assert<Same<Client.StreamEventName, Server.StreamEventName>>,
];
