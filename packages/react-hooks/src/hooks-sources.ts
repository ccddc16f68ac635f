import { type QueryClient, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ConfluenceClient } from "./client.js";
import { useConfluenceClient } from "./context.js";
import type { ConfluenceApiError } from "./errors.js";
import { confluenceKeys } from "./keys.js";
import { sourceQueryOptions, sourcesQueryOptions } from "./query-options.js";
import type { CreateSourceInput, SourceView, UpdateSourceInput } from "./types.js";

/** Options every hook takes. */
export interface ConfluenceHookOptions {
  /** @default the client of `ConfluenceClientProvider`, else `createConfluenceClient({ baseUrl: "/api/confluence" })` */
  client?: ConfluenceClient;
}

export interface ConfluenceQueryHookOptions extends ConfluenceHookOptions {
  /** @default true */
  enabled?: boolean;
}

/** Callbacks run after the hook's own cache updates. */
export interface ConfluenceMutationHookOptions<TData, TVariables> extends ConfluenceHookOptions {
  onSuccess?: (data: TData, variables: TVariables) => unknown;
  onError?: (error: ConfluenceApiError, variables: TVariables) => unknown;
}

/** Every source, with credential summary and sync status. */
export function useConfluenceSources(options: ConfluenceQueryHookOptions = {}) {
  const client = useConfluenceClient(options.client);
  return useQuery({ ...sourcesQueryOptions(client), enabled: options.enabled ?? true });
}

/** One source; idle while `sourceId` is `undefined`. */
export function useConfluenceSource(sourceId: string | undefined, options: ConfluenceQueryHookOptions = {}) {
  const client = useConfluenceClient(options.client);
  return useQuery({
    ...sourceQueryOptions(client, sourceId ?? ""),
    enabled: sourceId !== undefined && sourceId !== "" && (options.enabled ?? true),
  });
}

/** Refreshes what a change to a source makes stale. */
function sourceChanged(queryClient: QueryClient, source: SourceView): Promise<void> {
  queryClient.setQueryData(confluenceKeys.detail(source.sourceId), source);
  return queryClient.invalidateQueries({ queryKey: confluenceKeys.lists() });
}

/**
 * Creates a source (the server checks the Confluence connection first). Errors carry the server's field
 * messages: `error.fieldMessage("spaceKey")`.
 */
export function useCreateConfluenceSource(options: ConfluenceMutationHookOptions<SourceView, CreateSourceInput> = {}) {
  const client = useConfluenceClient(options.client);
  const queryClient = useQueryClient();
  return useMutation<SourceView, ConfluenceApiError, CreateSourceInput>({
    mutationFn: (input) => client.createSource(input),
    onSuccess: async (source, input) => {
      await sourceChanged(queryClient, source);
      await options.onSuccess?.(source, input);
    },
    onError: (error, input) => options.onError?.(error, input),
  });
}

/** Variables of {@link useUpdateConfluenceSource}. */
export interface UpdateSourceVariables {
  sourceId: string;
  changes: UpdateSourceInput;
}

/** Renames a source, changes its deletion strategy or metadata, or replaces its credentials. */
export function useUpdateConfluenceSource(
  options: ConfluenceMutationHookOptions<SourceView, UpdateSourceVariables> = {},
) {
  const client = useConfluenceClient(options.client);
  const queryClient = useQueryClient();
  return useMutation<SourceView, ConfluenceApiError, UpdateSourceVariables>({
    mutationFn: ({ sourceId, changes }) => client.updateSource(sourceId, changes),
    onSuccess: async (source, variables) => {
      await sourceChanged(queryClient, source);
      await options.onSuccess?.(source, variables);
    },
    onError: (error, variables) => options.onError?.(error, variables),
  });
}

/** Deletes a source (cancelling its sync) and drops everything cached about it. Variables: the source id. */
export function useDeleteConfluenceSource(options: ConfluenceMutationHookOptions<void, string> = {}) {
  const client = useConfluenceClient(options.client);
  const queryClient = useQueryClient();
  return useMutation<void, ConfluenceApiError, string>({
    mutationFn: (sourceId) => client.deleteSource(sourceId),
    onSuccess: async (_data, sourceId) => {
      queryClient.removeQueries({ queryKey: confluenceKeys.detail(sourceId) });
      queryClient.removeQueries({ queryKey: confluenceKeys.pages(sourceId) });
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: confluenceKeys.lists() }),
        queryClient.invalidateQueries({ queryKey: confluenceKeys.pageDetails() }),
        queryClient.invalidateQueries({ queryKey: confluenceKeys.searches() }),
      ]);
      await options.onSuccess?.(undefined, sourceId);
    },
    onError: (error, sourceId) => options.onError?.(error, sourceId),
  });
}
