import type { KnowledgeStore, SourceRecord, SyncMode } from "@archon/confluence-core";
import { beforeAll, describe, expect, it } from "vitest";
import { connect, createFixture, type Fixture } from "../test/fixture.js";
import type { McpAction, McpResource } from "./options.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await createFixture();
});

interface Result {
  sourceId: string;
  pageId: string;
  title: string;
  breadcrumb: string[];
  section: string[];
  snippet: string;
  matches: number;
}

describe("search_confluence", () => {
  it("lists each page once, at its best passage, with its breadcrumb and a plain-text snippet", async () => {
    const { call } = await connect({ store: fx.store, embedder: fx.embedder });
    const raw = await fx.store.search({ text: "rollback", mode: "keyword", limit: 100 });
    expect(raw.filter((hit) => hit.pageId === fx.ids.runbook).length).toBeGreaterThan(1);

    const outcome = await call("search_confluence", { query: "rollback", mode: "keyword", limit: 10 });
    const results = outcome.structured.results as Result[];
    const ids = results.map((r) => r.pageId);
    expect(new Set(ids).size).toBe(ids.length);
    const runbook = results.find((r) => r.pageId === fx.ids.runbook);
    expect(runbook).toMatchObject({
      breadcrumb: ["Engineering Home", "Gateway Rollback Runbook"],
      matches: raw.filter((hit) => hit.pageId === fx.ids.runbook).length,
    });
    for (const result of results) expect(result.snippet).not.toMatch(/\||\]\(|^#|\*\*/);
    expect(outcome.text).toContain("[1] ");
    expect(outcome.text).toContain("Engineering Home");
  });

  it("limits results to pages, not passages", async () => {
    const { call } = await connect({ store: fx.store, embedder: fx.embedder });
    const outcome = await call("search_confluence", { query: "rollback", mode: "keyword", limit: 2 });
    expect((outcome.structured.results as Result[]).length).toBe(2);
  });

  it("filters by subtree (id or URL), source and label", async () => {
    const { call } = await connect({ store: fx.store, embedder: fx.embedder });
    const subtree = await call("search_confluence", {
      query: "rollback",
      mode: "keyword",
      filters: { subtree: fx.ids.runbook },
    });
    expect((subtree.structured.results as Result[]).map((r) => r.pageId).sort()).toEqual(
      [fx.ids.runbook, fx.ids.child].sort(),
    );
    const ops = await call("search_confluence", { query: "rollback", filters: { sourceIds: ["ops"] } });
    expect((ops.structured.results as Result[]).map((r) => r.pageId)).toEqual([fx.ids.ops]);
    const labelled = await call("search_confluence", { query: "rollback", filters: { labels: ["runbook"] } });
    expect((labelled.structured.results as Result[]).map((r) => r.pageId)).toEqual([fx.ids.runbook]);
    const ids = (outcome: { structured: Record<string, unknown> }) =>
      (outcome.structured.results as Result[]).map((r) => r.pageId).sort();
    const everything = await call("search_confluence", { query: "rollback", mode: "keyword" });
    const pages = await call("search_confluence", {
      query: "rollback",
      mode: "keyword",
      filters: { contentTypes: ["page"] },
    });
    expect(ids(pages)).toEqual(ids(everything));
    const posts = await call("search_confluence", { query: "rollback", filters: { contentTypes: ["blogpost"] } });
    expect(posts.structured.results).toEqual([]);
    const future = await call("search_confluence", { query: "rollback", filters: { updatedAfter: "2999-01-01" } });
    expect(future.structured.results).toEqual([]);
    expect(future.text).toMatch(/No synced page matches "rollback"/);
  });

  it("names the bad filter", async () => {
    const { call } = await connect({ store: fx.store, embedder: fx.embedder });
    const folder = await call("search_confluence", { query: "x", filters: { contentTypes: ["folder"] } });
    expect(folder).toMatchObject({ isError: true });
    expect(folder.text).toMatch(/filters\.contentTypes/);
    const empty = await call("search_confluence", { query: "  " });
    expect(empty.text).toMatch(/must not be empty.*query|query[\s\S]*must not be empty/);
    const space = await call("search_confluence", { query: "x", filters: { spaceKeys: ["NOPE"] } });
    expect(space.text).toMatch(/filters\.spaceKeys: no source you can search holds space NOPE\. Spaces: ENG, OPS/);
    const limit = await call("search_confluence", { query: "x", limit: 500 });
    expect(limit.text).toMatch(/limit/);
  });
});

describe("read_confluence_page", () => {
  it("pages a long page by section, with an outline of every part", async () => {
    const { call } = await connect({ store: fx.store, embedder: fx.embedder, pagePartChars: 1000 });
    const first = await call("read_confluence_page", { page: fx.ids.runbook });
    const parts = first.structured.parts as number;
    expect(parts).toBeGreaterThan(2);
    expect(first.structured).toMatchObject({ lastEditor: "editor-1", part: 1 });
    expect((first.structured.labels as string[]).sort()).toEqual(["payments", "runbook"]);
    const outline = first.structured.outline as { heading: string; part: number }[];
    expect(outline[0]).toEqual({ heading: "Overview", part: 1 });
    expect(outline.map((entry) => entry.heading)).toContain("Appendix 12");
    const all: string[] = [first.structured.markdown as string];
    for (let part = 2; part <= parts; part++) {
      const next = await call("read_confluence_page", { page: fx.ids.runbook, part });
      expect((next.structured.markdown as string).length).toBeLessThanOrEqual(1000);
      all.push(next.structured.markdown as string);
    }
    const page = await fx.store.getPage("eng", fx.ids.runbook);
    expect(all.join("\n\n").replace(/\s+/g, " ")).toBe(page?.markdown.trim().replace(/\s+/g, " "));
    const past = await call("read_confluence_page", { page: fx.ids.runbook, part: parts + 1 });
    expect(past).toMatchObject({ isError: true });
    expect(past.text).toContain(`has ${parts} part(s); part ${parts + 1} does not exist`);
  });

  it("finds a page by its Confluence URL, including by-title links", async () => {
    const { call } = await connect({ store: fx.store, embedder: fx.embedder });
    const byQuery = await call("read_confluence_page", {
      page: `https://acme.atlassian.net/wiki/pages/viewpage.action?pageId=${fx.ids.child}`,
    });
    expect(byQuery.structured.title).toBe("Rollback FAQ");
    const byTitle = await call("read_confluence_page", {
      page: "https://acme.atlassian.net/wiki/display/ENG/Gateway+Rollback+Runbook",
    });
    expect(byTitle.structured.pageId).toBe(fx.ids.runbook);
    const otherSite = await call("read_confluence_page", {
      page: `https://other.atlassian.net/wiki/spaces/ENG/pages/${fx.ids.child}/Rollback+FAQ`,
    });
    expect(otherSite.isError).toBe(true);
    expect(otherSite.text).toContain("on other.atlassian.net");
  });
});

describe("access", () => {
  const denyOps = (seen: [McpAction, McpResource][]) => (action: McpAction, resource: McpResource) => {
    seen.push([action, resource]);
    return resource.sourceId !== "ops";
  };

  it("asks the access check per source and page, and shows nothing it refuses", async () => {
    const seen: [McpAction, McpResource][] = [];
    const { call } = await connect({ store: fx.store, embedder: fx.embedder }, denyOps(seen));
    const search = await call("search_confluence", { query: "rollback checklist database", mode: "keyword" });
    expect((search.structured.results as Result[]).every((r) => r.sourceId === "eng")).toBe(true);
    const sources = await call("list_confluence_sources");
    expect((sources.structured.sources as { sourceId: string }[]).map((s) => s.sourceId)).toEqual(["eng"]);
    const read = await call("read_confluence_page", { page: fx.ids.ops });
    expect(read.isError).toBe(true);
    const filtered = await call("search_confluence", { query: "rollback", filters: { sourceIds: ["ops"] } });
    expect(filtered.text).toMatch(/unknown source "ops"/);
    await call("read_confluence_page", { page: fx.ids.runbook });
    expect(seen).toContainEqual(["page:read", { sourceId: "eng", pageId: fx.ids.runbook }]);
    expect(seen).toContainEqual(["search", { sourceId: "ops" }]);
  });
});

describe("tree, status and start_sync", () => {
  it("walks the tree depth-limited and counts what it left out", async () => {
    const { call } = await connect({ store: fx.store, embedder: fx.embedder });
    const several = await call("confluence_page_tree", {});
    expect(several.text).toMatch(/Several sources are synced: pass sourceId/);
    const tree = await call("confluence_page_tree", { sourceId: "eng", depth: 1 });
    const nodes = tree.structured.nodes as { pageId: string; depth: number; omittedChildren: number }[];
    expect(nodes.map((n) => n.depth)).toEqual([1, 1]);
    expect(nodes.find((n) => n.pageId === fx.ids.home)?.omittedChildren).toBe(1);
    const limited = await call("confluence_page_tree", { sourceId: "eng", depth: 1, limit: 1 });
    expect(limited.structured.omitted).toBe(1);
    expect(limited.text).toContain("+1 more (raise limit)");
    const below = await call("confluence_page_tree", { page: fx.ids.home, depth: 3 });
    expect((below.structured.nodes as { pageId: string }[]).map((n) => n.pageId)).toEqual([
      fx.ids.runbook,
      fx.ids.child,
    ]);
    expect(below.text).toMatch(/^Engineering Home \(\w+\)/);
  });

  it("offers start_sync only when enabled, and hands it the source and mode", async () => {
    const plain = await connect({ store: fx.store, embedder: fx.embedder });
    const names = (await plain.client.listTools()).tools.map((tool) => tool.name);
    expect(names).not.toContain("start_sync");
    expect((await plain.call("start_sync", { sourceId: "eng" })).isError).toBe(true);

    const started: [string, SyncMode][] = [];
    const startSync = (source: SourceRecord, mode: SyncMode) => {
      started.push([source.sourceId, mode]);
      return { operationId: "op-1" };
    };
    const { client, call } = await connect({ store: fx.store, embedder: fx.embedder, startSync });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("start_sync");
    const outcome = await call("start_sync", { sourceId: "ops", mode: "full" });
    expect(outcome.structured).toEqual({ operationId: "op-1", sourceId: "ops", mode: "full", status: "running" });
    expect(started).toEqual([["ops", "full"]]);
    expect((await call("start_sync", { sourceId: "nope" })).text).toMatch(/Unknown source "nope"/);

    const status = await call("sync_status", { sourceId: "eng" });
    expect(status.structured.sources).toEqual([
      expect.objectContaining({ sourceId: "eng", lastMode: "full", running: null, failedPages: 0 }),
    ]);
  });

  it("never passes an unexpected error's message to the client", async () => {
    const leaky: KnowledgeStore = Object.create(fx.store, {
      search: {
        value: () => Promise.reject(new Error("connect to postgres://archon:hunter2@db:5432 failed")),
      },
    });
    const { call } = await connect({ store: leaky, embedder: fx.embedder });
    const outcome = await call("search_confluence", { query: "rollback" });
    expect(outcome).toMatchObject({ isError: true });
    expect(outcome.text).toMatch(/^INTERNAL: search_confluence failed unexpectedly/);
    expect(outcome.text).not.toContain("hunter2");
  });
});
