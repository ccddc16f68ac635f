// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, renderHook, waitFor } from "@testing-library/react";
import { type ReactNode, useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { type ConfluenceClient, createConfluenceClient } from "./client.js";
import { useConfluencePages } from "./hooks-content.js";
import { useConfluenceSource } from "./hooks-sources.js";
import { useCancelSync, useSyncConfluence, useSyncProgress } from "./hooks-sync.js";
import { confluenceKeys } from "./keys.js";
import {
  type LiveRouter,
  type LiveRouterOptions,
  recordingFetch,
  sourceInput,
  startLiveRouter,
} from "./test-support/live-router.js";
import type { OperationView } from "./types.js";

let live: LiveRouter | undefined;
let queryClient: QueryClient;

async function setup(options: LiveRouterOptions = {}) {
  live = await startLiveRouter(options);
  queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const recorder = recordingFetch();
  const client = createConfluenceClient({ baseUrl: live.baseUrl, fetch: recorder.fetch });
  await client.createSource(sourceInput());
  return { live, client, exchanges: recorder.exchanges };
}

function wrapper({ children }: { children: ReactNode }) {
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}

afterEach(async () => {
  queryClient?.clear();
  await live?.close();
  live = undefined;
});

/** A component's worth of hooks: start a sync, follow it, and show the source and its top-level pages. */
function useSyncScreen(client: ConfluenceClient, options: { transport?: "auto" | "polling"; pollIntervalMs?: number }) {
  const [operationId, setOperationId] = useState<string>();
  const [finished, setFinished] = useState<OperationView[]>([]);
  const start = useSyncConfluence({ client, onSuccess: (started) => setOperationId(started.operationId) });
  const progress = useSyncProgress(operationId, {
    client,
    ...options,
    onFinished: (operation) => setFinished((list) => [...list, operation]),
  });
  const source = useConfluenceSource("eng", { client });
  const roots = useConfluencePages("eng", { parentId: "root" }, { client });
  const cancel = useCancelSync({ client });
  return { start, progress, source, roots, cancel, finished, operationId };
}

describe("useSyncConfluence + useSyncProgress against the real router", () => {
  it("follows a sync over the event stream to 100% and refreshes the source and its pages", async () => {
    const { live, client } = await setup();
    const { result } = renderHook(() => useSyncScreen(client, {}), { wrapper });
    await waitFor(() => expect(result.current.roots.data?.total).toBe(0));
    await waitFor(() => expect(result.current.source.data?.sync.runningOperationId).toBeNull());

    live.site.hold();
    await act(() => result.current.start.mutateAsync({ sourceId: "eng", mode: "full" }));
    const operationId = result.current.operationId;
    expect(operationId).toBeDefined();
    await waitFor(() => expect(result.current.progress.transport).toBe("stream"));
    // The mutation invalidated the source, which now shows the running sync.
    await waitFor(() => expect(result.current.source.data?.sync.runningOperationId).toBe(operationId));
    await waitFor(() => expect(result.current.progress.isRunning).toBe(true));

    live.site.release();
    await waitFor(() => expect(result.current.progress.operation?.status).toBe("succeeded"));
    expect(result.current.progress.progress).toMatchObject({ percent: 100, stage: "done", done: 9 });
    expect(result.current.progress.isFinished).toBe(true);
    expect(result.current.progress.transport).toBe("none");
    await waitFor(() => expect(result.current.finished).toHaveLength(1));
    expect(result.current.finished[0]?.operationId).toBe(operationId);

    // Ending the sync invalidated the page lists and the source.
    await waitFor(() => expect(result.current.roots.data?.total).toBe(3));
    await waitFor(() => expect(result.current.source.data?.sync.lastMode).toBe("full"));
    expect(live.requests.filter((request) => request.endsWith("/stream"))).toHaveLength(1);
  });

  it("falls back to polling when the stream is unavailable, and stops polling once the sync ended", async () => {
    const { live, client, exchanges } = await setup({ blockStreams: true });
    const { result } = renderHook(() => useSyncScreen(client, { pollIntervalMs: 20 }), { wrapper });

    live.site.hold();
    await act(() => result.current.start.mutateAsync({ sourceId: "eng" }));
    await waitFor(() => expect(result.current.progress.transport).toBe("polling"));
    const progressPath = `GET /api/confluence/progress/${result.current.operationId}`;
    await waitFor(() => expect(live.requests.filter((r) => r === progressPath).length).toBeGreaterThan(2));

    // While the sync is held its progress does not change: polls revalidate with If-None-Match and get 304s.
    const progressExchanges = () =>
      exchanges.filter((exchange) => exchange.url.endsWith(`/progress/${result.current.operationId}`));
    await waitFor(() => expect(progressExchanges().some((exchange) => exchange.status === 304)).toBe(true));
    expect(
      progressExchanges()
        .filter((exchange) => exchange.status === 304)
        .every((exchange) => exchange.ifNoneMatch),
    ).toBe(true);

    live.site.release();
    await waitFor(() => expect(result.current.progress.operation?.status).toBe("succeeded"));
    expect(result.current.progress.progress?.percent).toBe(100);
    expect(result.current.progress.transport).toBe("none");
    await waitFor(() => expect(result.current.roots.data?.total).toBe(3));

    const polls = live.requests.filter((r) => r === progressPath).length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(live.requests.filter((r) => r === progressPath).length).toBe(polls);
  });

  it("switches to polling when the stream drops before the sync ended", async () => {
    const { live, client } = await setup({ dropStreams: true });
    const { result } = renderHook(() => useSyncScreen(client, { pollIntervalMs: 20 }), { wrapper });
    live.site.hold();
    await act(() => result.current.start.mutateAsync({ sourceId: "eng", mode: "full" }));
    await waitFor(() => expect(result.current.progress.operation?.status).toBe("running"));
    await waitFor(() => expect(result.current.progress.transport).toBe("polling"));
    expect(live.requests.filter((request) => request.endsWith("/stream"))).toHaveLength(1);

    live.site.release();
    await waitFor(() => expect(result.current.progress.operation?.status).toBe("succeeded"));
    expect(result.current.progress.progress?.percent).toBe(100);
    await waitFor(() => expect(result.current.finished).toHaveLength(1));
  });

  it("polls only, when asked to", async () => {
    const { live, client } = await setup();
    const { result } = renderHook(() => useSyncScreen(client, { transport: "polling", pollIntervalMs: 20 }), {
      wrapper,
    });
    await act(() => result.current.start.mutateAsync({ sourceId: "eng", mode: "full" }));
    await waitFor(() => expect(result.current.progress.operation?.status).toBe("succeeded"));
    expect(live.requests.some((request) => request.endsWith("/stream"))).toBe(false);
  });

  it("reports a second sync as SYNC_ALREADY_RUNNING with the running operation, and cancels it", async () => {
    const { live, client } = await setup();
    const { result } = renderHook(
      () => ({ screen: useSyncScreen(client, {}), second: useSyncConfluence({ client }) }),
      {
        wrapper,
      },
    );
    live.site.hold();
    await act(() => result.current.screen.start.mutateAsync({ sourceId: "eng" }));
    const running = result.current.screen.operationId;

    act(() => result.current.second.mutate({ sourceId: "eng" }));
    await waitFor(() => expect(result.current.second.isError).toBe(true));
    expect(result.current.second.error).toMatchObject({ code: "SYNC_ALREADY_RUNNING", operationId: running });

    await act(() => result.current.screen.cancel.mutateAsync("eng"));
    await waitFor(() => expect(result.current.screen.progress.operation?.status).toBe("cancelled"));
    expect(result.current.screen.progress.isFinished).toBe(true);
  });

  it("reports an unknown operation as NOT_FOUND and stops asking", async () => {
    const { live, client } = await setup();
    const { result } = renderHook(() => useSyncProgress("no-such-operation", { client, pollIntervalMs: 20 }), {
      wrapper,
    });
    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(result.current.error).toMatchObject({ status: 404, code: "NOT_FOUND" });
    await waitFor(() => expect(result.current.transport).toBe("none"));
    const asked = live.requests.filter((request) => request.includes("/progress/no-such-operation")).length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(live.requests.filter((request) => request.includes("/progress/no-such-operation")).length).toBe(asked);
  });

  it("shows a finished operation without opening a stream", async () => {
    const { live, client } = await setup();
    const started = await client.startSync("eng");
    await client.streamProgress(started.operationId, { onEvent: () => {} });
    const streamsBefore = live.requests.filter((request) => request.endsWith("/stream")).length;
    queryClient.setQueryData(
      confluenceKeys.progress(started.operationId),
      await client.getProgress(started.operationId),
    );

    const { result } = renderHook(() => useSyncProgress(started.operationId, { client }), { wrapper });
    expect(result.current.operation?.status).toBe("succeeded");
    expect(result.current.transport).toBe("none");
    expect(live.requests.filter((request) => request.endsWith("/stream")).length).toBe(streamsBefore);
  });
});
