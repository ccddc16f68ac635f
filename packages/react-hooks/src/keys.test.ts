import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { EtagCache } from "./etag-cache.js";
import { confluenceKeys } from "./keys.js";

function cacheWith(keys: readonly (readonly unknown[])[]): QueryClient {
  const queryClient = new QueryClient();
  for (const key of keys) queryClient.setQueryData(key, { key });
  return queryClient;
}

const invalidated = (queryClient: QueryClient) =>
  queryClient
    .getQueryCache()
    .getAll()
    .filter((query) => query.state.isInvalidated)
    .map((query) => query.queryKey);

describe("confluenceKeys", () => {
  const keys = [
    confluenceKeys.lists(),
    confluenceKeys.detail("eng"),
    confluenceKeys.detail("ops"),
    confluenceKeys.pages("eng", { parentId: "root" }),
    confluenceKeys.pages("eng", { parentId: "root", cursor: "c2" }),
    confluenceKeys.pagesInfinite("eng", { parentId: "1" }),
    confluenceKeys.pages("ops", { parentId: "root" }),
    confluenceKeys.page("4", "eng"),
    confluenceKeys.progress("op-1"),
    confluenceKeys.search({ query: "rollback" }),
  ];

  it("lets pages(sourceId) invalidate every page list of that source and nothing else", async () => {
    const queryClient = cacheWith(keys);
    await queryClient.invalidateQueries({ queryKey: confluenceKeys.pages("eng"), refetchType: "none" });
    expect(invalidated(queryClient)).toEqual([
      confluenceKeys.pages("eng", { parentId: "root" }),
      confluenceKeys.pages("eng", { parentId: "root", cursor: "c2" }),
      confluenceKeys.pagesInfinite("eng", { parentId: "1" }),
    ]);
  });

  it("keeps lists, details, pages, progress and searches apart, all under `all`", async () => {
    const queryClient = cacheWith(keys);
    await queryClient.invalidateQueries({ queryKey: confluenceKeys.lists(), refetchType: "none" });
    expect(invalidated(queryClient)).toEqual([confluenceKeys.lists()]);
    await queryClient.invalidateQueries({ queryKey: confluenceKeys.searches(), refetchType: "none" });
    await queryClient.invalidateQueries({ queryKey: confluenceKeys.pageDetails(), refetchType: "none" });
    expect(invalidated(queryClient)).toHaveLength(3);
    await queryClient.invalidateQueries({ queryKey: confluenceKeys.all, refetchType: "none" });
    expect(invalidated(queryClient)).toHaveLength(keys.length);
  });

  it("gives equal parameters one key whatever undefined members they carry", () => {
    const queryClient = cacheWith([confluenceKeys.pages("eng", { parentId: "1", cursor: undefined })]);
    expect(queryClient.getQueryData(confluenceKeys.pages("eng", { parentId: "1" }))).toBeDefined();
    expect(confluenceKeys.search({ query: "x", limit: undefined })).toEqual(confluenceKeys.search({ query: "x" }));
  });
});

describe("EtagCache", () => {
  it("keeps the most recently used entries within its bound", () => {
    const cache = new EtagCache(2);
    cache.set("/a", { etag: "1", body: "a" });
    cache.set("/b", { etag: "2", body: "b" });
    expect(cache.get("/a")?.body).toBe("a"); // /a is now the most recent
    cache.set("/c", { etag: "3", body: "c" });
    expect(cache.size).toBe(2);
    expect(cache.get("/b")).toBeUndefined();
    expect(cache.get("/a")?.etag).toBe("1");
    expect(cache.get("/c")?.etag).toBe("3");
  });

  it("stores nothing when its size is 0", () => {
    const cache = new EtagCache(0);
    cache.set("/a", { etag: "1", body: "a" });
    expect(cache.get("/a")).toBeUndefined();
  });
});
