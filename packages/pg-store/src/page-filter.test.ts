import type { SearchHit, SearchQuery } from "@archon/confluence-core";
import { normalizeSearchQuery } from "@archon/confluence-core";
import { axis, makeChunk, makePage, makeSource } from "@archon/confluence-core/testing";
import { describe, expect, it } from "vitest";
import { type PageFilter, resolvePageFilter } from "./page-filter.js";
import { PgKnowledgeStore } from "./pg-knowledge-store.js";
import { searchChunks } from "./search.js";
import { resetDatabase, sharedPgliteDatabase } from "./test-support.js";

const database = sharedPgliteDatabase();

const WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
function text(page: number, chunk: number): string {
  return Array.from({ length: 24 }, (_, i) => WORDS[(page * 5 + chunk * 3 + i * i) % WORDS.length]).join(" ");
}

/** Source `s`: page 0, pages 1-5 below it, pages 6-11 below page 1; readers on every page. Source `t`: four root
 * pages whose readers were never synced. */
async function corpus(): Promise<PgKnowledgeStore> {
  const db = await database();
  await resetDatabase(db);
  const store = new PgKnowledgeStore({ ...db, close: async () => {} });
  await store.upsertSource(makeSource("s"));
  await store.upsertSource(makeSource("t"));
  for (let p = 0; p < 12; p++) {
    const ancestors = p === 0 ? [] : p < 6 ? ["0"] : ["0", "1"];
    const chunks = [0, 1, 2].map((n) => makeChunk(n, text(p, n), axis((p + n) % 8, 384)));
    await store.writePage(makePage("s", String(p), { ancestors, labels: p % 3 === 0 ? ["ops"] : [] }), chunks);
  }
  for (let p = 0; p < 4; p++) {
    const chunks = [0, 1].map((n) => makeChunk(n, text(p + 20, n), axis(p + n, 384)));
    await store.writePage(makePage("t", String(p), { labels: ["ops"] }), chunks);
  }
  const readers = new Map<string, string[][]>();
  for (let p = 0; p < 12; p++) readers.set(String(p), p % 4 === 0 ? [["group:eng"]] : []);
  await store.setPageReaders("s", readers);
  return store;
}

const eng = { userId: "u", groups: ["eng"] };
const outsider = { userId: "v", groups: [] };

function sorted(filter: PageFilter | null) {
  if (filter === null || filter.kind !== "allow") return filter;
  const listed = Object.fromEntries(
    Object.entries(filter.listed).map(([source, pages]) => [source, [...pages].sort((a, b) => Number(a) - Number(b))]),
  );
  return { kind: filter.kind, whole: [...filter.whole].sort(), listed };
}

const resolve = async (store: PgKnowledgeStore, query: Partial<SearchQuery>, maxListed?: number) =>
  sorted(
    await resolvePageFilter(store.db, normalizeSearchQuery({ text: "alpha", mode: "keyword", ...query }), maxListed),
  );

const key = (hits: SearchHit[]) => hits.map((h) => `${h.sourceId}/${h.pageId}#${h.chunkNumber}:${h.score.toFixed(9)}`);

/** Resolved, joined per match, as chosen by default and ranked on the chunk table: the same hits, scores and order. */
async function sameEveryWay(store: PgKnowledgeStore, query: SearchQuery): Promise<SearchHit[]> {
  const resolved = await searchChunks(store.db, query, { keyword: { pages: "resolve" } });
  const joined = await searchChunks(store.db, query, { keyword: { pages: "join" } });
  const chosen = await searchChunks(store.db, query);
  const wide = await searchChunks(store.db, query, { keyword: { table: "wide" } });
  expect(key(resolved), JSON.stringify(query)).toEqual(key(wide));
  expect(key(joined), JSON.stringify(query)).toEqual(key(wide));
  expect(key(chosen), JSON.stringify(query)).toEqual(key(wide));
  return resolved;
}

describe("page-level search filters resolved to page ids", () => {
  it("resolves to all, none, or the sources and pages allowed, or to a join past the most ids it lists", async () => {
    const store = await corpus();
    expect(await resolve(store, { filters: { contentTypes: ["page"], sourceIds: ["s"] } })).toBeNull();
    expect(await resolve(store, { filters: { pathPrefix: "/0", sourceIds: ["s"] } })).toEqual({ kind: "all" });
    expect(await resolve(store, { filters: { labels: ["nothing"] } })).toEqual({ kind: "none" });
    // Pages 1 and 6-11 of source s; none of source t.
    expect(await resolve(store, { filters: { pathPrefix: "/0/1" } })).toEqual({
      kind: "allow",
      whole: [],
      listed: { s: ["1", "6", "7", "8", "9", "10", "11"] },
    });
    expect(await resolve(store, { principal: eng, filters: { sourceIds: ["s"] } })).toEqual({ kind: "all" });
    expect(await resolve(store, { principal: outsider, filters: { sourceIds: ["s"] } })).toEqual({
      kind: "allow",
      whole: [],
      listed: { s: ["1", "2", "3", "5", "6", "7", "9", "10", "11"] },
    });
    // Readers never synced: nobody may read source t's pages.
    expect(await resolve(store, { principal: eng })).toEqual({ kind: "allow", whole: ["s"], listed: {} });
    expect(await resolve(store, { filters: { labels: ["ops"] } })).toEqual({
      kind: "allow",
      whole: ["t"],
      listed: { s: ["0", "3", "6", "9"] },
    });
    expect(await resolve(store, { filters: { pathPrefix: "/0/1" } }, 6)).toEqual({ kind: "join" });
    expect(await resolve(store, { filters: { pathPrefix: "/0/1" } }, 7)).toMatchObject({ kind: "allow" });
  });

  it("finds the same hits as joining each match's page and as ranking on the chunk table", async () => {
    const store = await corpus();
    const filters: Partial<SearchQuery>[] = [
      { filters: { pathPrefix: "/0" } },
      { filters: { pathPrefix: "/0/1" } },
      { filters: { pathPrefix: "/0/1/" } },
      { filters: { labels: ["ops"] } },
      { filters: { labels: ["ops"], sourceIds: ["t"] } },
      { filters: { spaceKeys: ["OPS"] } },
      { principal: eng },
      { principal: outsider },
      { principal: outsider, filters: { pathPrefix: "/0/1", contentTypes: ["page"] } },
      { principal: eng, filters: { labels: ["ops"] } },
      { filters: { pathPrefix: "/0/1" }, principal: eng },
    ];
    let keywordHits = 0;
    for (const words of ["alpha beta", "gamma", "delta zeta epsilon", "alpha -beta"]) {
      for (const extra of filters) {
        for (const mode of ["hybrid", "keyword"] as const) {
          const hits = await sameEveryWay(store, { text: words, embedding: axis(3, 384), limit: 8, mode, ...extra });
          keywordHits += hits.filter((hit) => hit.matched.keyword).length;
        }
      }
    }
    expect(keywordHits).toBeGreaterThan(100);
  });

  it("follows moved pages and changed readers at once", async () => {
    const store = await corpus();
    const pagesOf = (hits: SearchHit[]) => new Set(hits.map((hit) => `${hit.sourceId}/${hit.pageId}`));
    const under1 = { text: "alpha or gamma", mode: "keyword", limit: 100, filters: { pathPrefix: "/0/1" } };
    const before = pagesOf(await sameEveryWay(store, under1 as SearchQuery));
    expect(before.has("s/6")).toBe(true);
    // Page 6 moves below page 2.
    await store.updatePlacements("s", [
      {
        pageId: "6",
        title: "Page 6",
        parentId: "2",
        ancestors: ["0", "2"],
        path: "/0/2/6",
        depth: 2,
        status: "current",
      },
    ]);
    const moved = pagesOf(await sameEveryWay(store, under1 as SearchQuery));
    expect(moved.has("s/6")).toBe(false);
    const under2 = pagesOf(await sameEveryWay(store, { ...under1, filters: { pathPrefix: "/0/2" } } as SearchQuery));
    expect(under2.has("s/6")).toBe(true);

    const readable = { text: "alpha or gamma", mode: "keyword", limit: 100, principal: outsider } as const;
    expect(pagesOf(await sameEveryWay(store, readable)).has("s/5")).toBe(true);
    await store.setPageReaders("s", new Map([["5", [["group:eng"]]]]));
    expect(pagesOf(await sameEveryWay(store, readable)).has("s/5")).toBe(false);
    await store.setPageReaders("t", new Map([["2", []]]));
    const granted = pagesOf(await sameEveryWay(store, readable));
    expect([...granted].filter((page) => page.startsWith("t/"))).toEqual(["t/2"]);
  });
});
