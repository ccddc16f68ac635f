import { type QueryClient, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useConfluenceClient } from "./context.js";
import type { ConfluenceApiError } from "./errors.js";
import type { ConfluenceHookOptions, ConfluenceMutationHookOptions } from "./hooks-sources.js";
import { confluenceKeys } from "./keys.js";
import {
  DEFAULT_PROGRESS_POLL_MS,
  isOperationFinished,
  isOperationUnknown,
  progressQueryOptions,
} from "./query-options.js";
import type { OperationView, SyncCancelledResponse, SyncMode, SyncProgressView, SyncStartedResponse } from "./types.js";

/** Variables of {@link useSyncConfluence}. */
export interface StartSyncVariables {
  sourceId: string;
  /** @default "incremental" */
  mode?: SyncMode;
}

/** Marks the source as syncing (its `sync.runningOperationId`) in the list and the detail. */
function invalidateSource(queryClient: QueryClient, sourceId: string): Promise<unknown> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: confluenceKeys.detail(sourceId) }),
    queryClient.invalidateQueries({ queryKey: confluenceKeys.lists() }),
  ]);
}

/**
 * Starts a background sync; `data.operationId` is what {@link useSyncProgress} follows. When a sync of the source
 * already runs the error has code `SYNC_ALREADY_RUNNING` and carries that sync's `operationId`.
 */
export function useSyncConfluence(
  options: ConfluenceMutationHookOptions<SyncStartedResponse, StartSyncVariables> = {},
) {
  const client = useConfluenceClient(options.client);
  const queryClient = useQueryClient();
  return useMutation<SyncStartedResponse, ConfluenceApiError, StartSyncVariables>({
    mutationFn: ({ sourceId, mode }) => client.startSync(sourceId, mode === undefined ? {} : { mode }),
    onSuccess: async (started, variables) => {
      await invalidateSource(queryClient, variables.sourceId);
      await options.onSuccess?.(started, variables);
    },
    onError: async (error, variables) => {
      if (error.code === "SYNC_ALREADY_RUNNING") await invalidateSource(queryClient, variables.sourceId);
      await options.onError?.(error, variables);
    },
  });
}

/** Asks the server to cancel a source's running sync. */
export function useCancelSync(options: ConfluenceMutationHookOptions<SyncCancelledResponse, string> = {}) {
  const client = useConfluenceClient(options.client);
  const queryClient = useQueryClient();
  return useMutation<SyncCancelledResponse, ConfluenceApiError, string>({
    mutationFn: (sourceId) => client.cancelSync(sourceId),
    onSuccess: async (cancelled, sourceId) => {
      await queryClient.invalidateQueries({ queryKey: confluenceKeys.progress(cancelled.operationId) });
      await options.onSuccess?.(cancelled, sourceId);
    },
    onError: (error, sourceId) => options.onError?.(error, sourceId),
  });
}

export interface SyncProgressOptions extends ConfluenceHookOptions {
  /** `auto` follows the event stream and polls when it is unavailable; `polling` never opens a stream. @default "auto" */
  transport?: "auto" | "polling";
  /** Polling interval while the sync runs and no stream is connected. @default 1000 */
  pollIntervalMs?: number;
  /** Called once when the sync ends (succeeded, failed or cancelled), after the caches were refreshed. */
  onFinished?: (operation: OperationView) => void;
}

/** How progress currently arrives: the event stream, polling, or nothing (no operation, or it ended). */
export type ProgressTransport = "stream" | "polling" | "none";

function progressOf(event: SyncProgressView & { operationId?: string; sourceId?: string; type?: string }) {
  const { operationId: _o, sourceId: _s, type: _t, ...progress } = event;
  return progress as SyncProgressView;
}

/** Invalidates everything a finished sync may have changed. */
function syncFinished(queryClient: QueryClient, operation: OperationView): Promise<unknown> {
  return Promise.all([
    invalidateSource(queryClient, operation.sourceId),
    queryClient.invalidateQueries({ queryKey: confluenceKeys.pages(operation.sourceId) }),
    queryClient.invalidateQueries({ queryKey: confluenceKeys.pageDetails() }),
    queryClient.invalidateQueries({ queryKey: confluenceKeys.searches() }),
  ]);
}

/**
 * Follows a sync: the Server-Sent Events stream when it can, polling (with `If-None-Match`) when the stream is
 * unavailable or drops, nothing once the sync ended or when the server does not know the operation (`NOT_FOUND`).
 * When the sync ends, the source, its page lists, page details and searches are invalidated. Idle while
 * `operationId` is `undefined`.
 */
export function useSyncProgress(operationId: string | undefined, options: SyncProgressOptions = {}) {
  const client = useConfluenceClient(options.client);
  const queryClient = useQueryClient();
  const pollMs = options.pollIntervalMs ?? DEFAULT_PROGRESS_POLL_MS;
  const wantStream = (options.transport ?? "auto") === "auto";
  const [streaming, setStreaming] = useState<string | undefined>(undefined);
  const active = operationId !== undefined && operationId !== "";

  const query = useQuery({
    ...progressQueryOptions(client, operationId ?? "", pollMs),
    enabled: active,
    refetchInterval: (q) =>
      isOperationFinished(q.state.data) || isOperationUnknown(q.state.error) || streaming === operationId
        ? false
        : pollMs,
  });

  useEffect(() => {
    if (!active || !wantStream || typeof ReadableStream === "undefined") return;
    const key = confluenceKeys.progress(operationId);
    if (isOperationFinished(queryClient.getQueryData<OperationView>(key))) return;
    const controller = new AbortController();
    setStreaming(operationId);
    const stopStreaming = () => {
      if (!controller.signal.aborted) setStreaming((current) => (current === operationId ? undefined : current));
    };
    client
      .streamProgress(operationId, {
        signal: controller.signal,
        onEvent: (event) => {
          if (event.name === "operation") {
            queryClient.setQueryData<OperationView>(key, event.data);
          } else if (event.name === "progress") {
            queryClient.setQueryData<OperationView>(key, (old) =>
              old ? { ...old, progress: progressOf(event.data) } : old,
            );
          }
        },
      })
      // Whether it ended with the sync or dropped early, polling takes over until the sync is seen to end.
      .then(stopStreaming, stopStreaming);
    return () => controller.abort();
  }, [active, client, operationId, queryClient, wantStream]);

  const operation = query.data;
  const finished = isOperationFinished(operation);
  const onFinished = useRef(options.onFinished);
  onFinished.current = options.onFinished;
  const reported = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (!operation || operation.status === "running" || reported.current === operation.operationId) return;
    reported.current = operation.operationId;
    void syncFinished(queryClient, operation).then(() => onFinished.current?.(operation));
  }, [operation, queryClient]);

  const transport: ProgressTransport =
    !active || finished || isOperationUnknown(query.error) ? "none" : streaming === operationId ? "stream" : "polling";
  return Object.assign(query, {
    /** The latest snapshot of the operation. */
    operation,
    /** Latest progress; `null` until the engine reported any. */
    progress: operation?.progress ?? null,
    isRunning: operation?.status === "running",
    isFinished: finished,
    transport,
  });
}
