// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, renderHook, screen, waitFor } from "@testing-library/react";
import { type ReactNode, useState } from "react";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ConfluenceClient, createConfluenceClient } from "./client.js";
import {
  useConfluencePage,
  useConfluencePages,
  useConfluenceSearch,
  useInfiniteConfluencePages,
} from "./hooks-content.js";
import { confluenceKeys } from "./keys.js";
import { type LiveRouter, sourceInput, startLiveRouter } from "./test-support/live-router.js";
import type { SearchInput } from "./types.js";

let live: LiveRouter;
let client: ConfluenceClient;
let queryClient: QueryClient;

beforeAll(async () => {
  live = await startLiveRouter();
  client = createConfluenceClient({ baseUrl: live.baseUrl });
  await client.createSource(sourceInput());
  const started = await client.startSync("eng", { mode: "full" });
  const last = await client.streamProgress(started.operationId, { onEvent: () => {} });
  if (last?.status !== "succeeded") throw new Error(`setup sync ended ${last?.status}`);
});

afterAll(async () => {
  await live.close();
});

beforeEach(() => {
  queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
});

function wrapper({ children }: { children: ReactNode }) {
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}

describe("page hooks", () => {
  it("pages through a list with cursors, keeping the previous page on screen while the next loads", async () => {
    const { result } = renderHook(
      () => {
        const [cursor, setCursor] = useState<string>();
        return { list: useConfluencePages("eng", { limit: 4, cursor }, { client }), setCursor };
      },
      { wrapper },
    );
    await waitFor(() => expect(result.current.list.data?.items).toHaveLength(4));
    const first = result.current.list.data;
    expect(first?.total).toBe(9);

    act(() => result.current.setCursor(first?.nextCursor ?? undefined));
    // Until the next page arrives, the first stays as placeholder.
    expect(result.current.list.data).toBe(first);
    await waitFor(() => expect(result.current.list.isPlaceholderData).toBe(false));
    const second = result.current.list.data;
    expect(second?.items).toHaveLength(4);
    expect(second?.items.map((item) => item.pageId)).not.toEqual(first?.items.map((item) => item.pageId));
  });

  it("grows an infinite list but keeps at most maxPages result pages in the cache", async () => {
    const { result } = renderHook(() => useInfiniteConfluencePages("eng", { limit: 2 }, { client, maxPages: 2 }), {
      wrapper,
    });
    await waitFor(() => expect(result.current.data?.pages).toHaveLength(1));
    const ids = (pages: { items: { pageId: string }[] }[] | undefined) =>
      (pages ?? []).map((page) => page.items.map((item) => item.pageId));
    // Every result page in the order it was fetched.
    const fetched = ids(result.current.data?.pages);
    for (let step = 0; step < 3; step++) {
      const next = await act(() => result.current.fetchNextPage());
      const last = ids(next.data?.pages).at(-1);
      if (last) fetched.push(last);
    }
    expect(new Set(fetched.flat()).size).toBe(8);
    await waitFor(() => expect(result.current.data?.pages).toHaveLength(2));
    const cached = queryClient.getQueryData<{ pages: { items: { pageId: string }[] }[] }>(
      confluenceKeys.pagesInfinite("eng", { limit: 2 }),
    );
    expect(ids(cached?.pages)).toEqual([fetched[2], fetched[3]]);

    // Scrolling back refetches the dropped page from its remembered cursor and drops the far end.
    expect(result.current.hasPreviousPage).toBe(true);
    const back = await act(() => result.current.fetchPreviousPage());
    expect(ids(back.data?.pages)).toEqual([fetched[1], fetched[2]]);
  });

  it("lists the children of a page and reads a page's Markdown", async () => {
    const { result } = renderHook(
      () => ({
        children: useConfluencePages("eng", { parentId: "7" }, { client }),
        page: useConfluencePage("9", { client, sourceId: "eng" }),
      }),
      { wrapper },
    );
    await waitFor(() => expect(result.current.children.data?.items.map((item) => item.title)).toEqual(["Backups"]));
    await waitFor(() => expect(result.current.page.data?.title).toBe("Restore Drills"));
    expect(result.current.page.data?.ancestors).toEqual(["6", "7", "8"]);
    expect(result.current.page.data?.markdown).toContain("Quarterly restore drills");
  });

  it("surfaces a missing page as NOT_FOUND", async () => {
    const { result } = renderHook(() => useConfluencePage("404404", { client, sourceId: "eng" }), { wrapper });
    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(result.current.error).toMatchObject({ status: 404, code: "NOT_FOUND" });
  });
});

function SearchBox() {
  const [params, setParams] = useState<SearchInput>();
  const search = useConfluenceSearch(params, { client });
  return (
    <div>
      <button type="button" onClick={() => setParams({ query: "rollback artifact", mode: "keyword" })}>
        search
      </button>
      <button
        type="button"
        onClick={() => setParams({ query: "restore", mode: "keyword", filters: { labels: ["runbook"] } })}
      >
        filtered
      </button>
      <p>{search.fetchStatus === "idle" && !search.data ? "idle" : `${search.data?.hits.length ?? 0} hits`}</p>
      <ul>
        {search.data?.hits.map((hit) => (
          <li key={`${hit.pageId}-${hit.chunkNumber}`}>{hit.title}</li>
        ))}
      </ul>
    </div>
  );
}

describe("useConfluenceSearch", () => {
  it("stays idle until there is a query, then shows ranked hits and honours filters", async () => {
    const before = live.requests.filter((request) => request.endsWith("/search")).length;
    render(<SearchBox />, { wrapper });
    expect(screen.getByText("idle")).toBeTruthy();
    expect(live.requests.filter((request) => request.endsWith("/search")).length).toBe(before);

    act(() => screen.getByText("search").click());
    await waitFor(() => expect(screen.getAllByRole("listitem")[0]?.textContent).toBe("Rollback Procedure"));

    act(() => screen.getByText("filtered").click());
    await waitFor(() => expect(screen.getByText("0 hits")).toBeTruthy());
    expect(screen.queryAllByRole("listitem")).toHaveLength(0);
  });
});
