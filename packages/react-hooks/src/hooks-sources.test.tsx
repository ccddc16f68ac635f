// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ConfluenceClient, createConfluenceClient } from "./client.js";
import { ConfluenceClientProvider, DEFAULT_BASE_URL, useConfluenceClient } from "./context.js";
import {
  useConfluenceSource,
  useConfluenceSources,
  useCreateConfluenceSource,
  useDeleteConfluenceSource,
  useUpdateConfluenceSource,
} from "./hooks-sources.js";
import { confluenceKeys } from "./keys.js";
import { type LiveRouter, sourceInput, startLiveRouter } from "./test-support/live-router.js";

let live: LiveRouter;
let client: ConfluenceClient;
let queryClient: QueryClient;

/** The application's own provider, and nothing else. */
function wrapper({ children }: { children: ReactNode }) {
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}

beforeEach(async () => {
  live = await startLiveRouter();
  client = createConfluenceClient({ baseUrl: live.baseUrl });
  queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
});

afterEach(async () => {
  queryClient.clear();
  await live.close();
});

describe("source hooks on the application's QueryClient", () => {
  it("lists sources, and a created source appears in the list", async () => {
    const { result } = renderHook(
      () => ({ sources: useConfluenceSources({ client }), create: useCreateConfluenceSource({ client }) }),
      { wrapper },
    );
    await waitFor(() => expect(result.current.sources.data).toEqual([]));

    await act(() => result.current.create.mutateAsync(sourceInput({ name: "Eng docs" })));
    await waitFor(() => expect(result.current.sources.data?.map((source) => source.name)).toEqual(["Eng docs"]));
    expect(queryClient.getQueryData(confluenceKeys.detail("eng"))).toMatchObject({ sourceId: "eng" });
  });

  it("exposes the server's field messages when creating fails", async () => {
    const { result } = renderHook(() => useCreateConfluenceSource({ client }), { wrapper });
    act(() => result.current.mutate(sourceInput({ baseUrl: "ftp://wiki.example.com" })));
    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(result.current.error?.code).toBe("VALIDATION_FAILED");
    expect(result.current.error?.fieldMessage("baseUrl")).toBe("must be an http(s) URL");
  });

  it("reads one source, updates it and deletes it, dropping its cached data", async () => {
    await client.createSource(sourceInput());
    queryClient.setQueryData(confluenceKeys.pages("eng", { parentId: "root" }), {
      items: [],
      nextCursor: null,
      total: 0,
    });
    const { result } = renderHook(
      () => ({
        list: useConfluenceSources({ client }),
        source: useConfluenceSource("eng", { client }),
        update: useUpdateConfluenceSource({ client }),
        remove: useDeleteConfluenceSource({ client }),
      }),
      { wrapper },
    );
    await waitFor(() => expect(result.current.source.data?.name).toBe("Engineering"));

    await act(() => result.current.update.mutateAsync({ sourceId: "eng", changes: { name: "Platform" } }));
    await waitFor(() => expect(result.current.source.data?.name).toBe("Platform"));
    await waitFor(() => expect(result.current.list.data?.[0]?.name).toBe("Platform"));

    await act(() => result.current.remove.mutateAsync("eng"));
    await waitFor(() => expect(result.current.list.data).toEqual([]));
    expect(queryClient.getQueryData(confluenceKeys.pages("eng", { parentId: "root" }))).toBeUndefined();
  });

  it("stays idle without a source id", () => {
    const { result } = renderHook(() => useConfluenceSource(undefined, { client }), { wrapper });
    expect(result.current.fetchStatus).toBe("idle");
    expect(live.requests).toEqual([]);
  });
});

describe("client resolution", () => {
  it("uses the explicit client, else the provided one, else the default at /api/confluence", () => {
    const provided = createConfluenceClient({ baseUrl: "https://provided.example.com/api" });
    const { result: fallback } = renderHook(() => useConfluenceClient(), { wrapper });
    expect(fallback.current.baseUrl).toBe(DEFAULT_BASE_URL);

    const { result: fromContext } = renderHook(() => useConfluenceClient(), {
      wrapper: ({ children }) => <ConfluenceClientProvider client={provided}>{children}</ConfluenceClientProvider>,
    });
    expect(fromContext.current).toBe(provided);

    const { result: explicit } = renderHook(() => useConfluenceClient(client), {
      wrapper: ({ children }) => <ConfluenceClientProvider client={provided}>{children}</ConfluenceClientProvider>,
    });
    expect(explicit.current).toBe(client);
  });
});
