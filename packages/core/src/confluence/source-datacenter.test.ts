import { afterEach, describe, expect, it } from "vitest";
import type { PageRef } from "../ports/confluence-source.js";
import { ConfluenceJsSource } from "./confluence-js-source.js";
import { type RecordedRequest, type Reply, startTestServer, type TestServer, v1Content } from "./test-server.js";

const TOKEN = "dc-personal-access-token";
const PAGES = Array.from({ length: 23 }, (_, i) => ({
  id: String(1000 + i),
  version: 1 + (i % 3),
  ancestors: i === 0 ? [] : ["1000"],
  labels: i % 2 === 0 ? ["even"] : [],
  body: `<p>page ${i}</p>`,
}));

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/**
 * Data Center as it misbehaves: `limit` clamped to 7 without saying so, a `next` link computed from the requested
 * limit (so it points past the end), and an empty page that still carries `next`.
 */
function dataCenter(request: RecordedRequest): Reply {
  if (request.path === "/rest/api/space/DEMO") {
    return {
      json: {
        id: 98304,
        key: "DEMO",
        name: "Demo",
        type: "global",
        status: "current",
        homepage: v1Content({ id: "1000" }),
        _expandable: {},
        _links: {},
      },
    };
  }
  if (request.path.startsWith("/rest/api/space/"))
    return { status: 404, json: { statusCode: 404, message: "No space" } };
  if (/^\/rest\/api\/content\/\d+$/.test(request.path)) {
    return { status: 404, json: { statusCode: 404, message: "No content found" } };
  }
  const start = Number(request.query.get("start") ?? 0);
  const limit = Number(request.query.get("limit") ?? 25);
  const withBody = (request.query.get("expand") ?? "").includes("body.storage");
  let matching = PAGES;
  if (request.path === "/rest/api/content/search") {
    const ids = /id in \(([\d,]+)\)/.exec(request.query.get("cql") ?? "")?.[1]?.split(",") ?? [];
    matching = PAGES.filter((p) => ids.includes(p.id));
  } else if (request.path !== "/rest/api/content" || request.query.get("status") !== "current") {
    return { json: { results: [], start, limit, size: 0, _links: {} } };
  }
  const slice = matching.slice(start, start + Math.min(limit, 7));
  const results = slice.map((p) => v1Content(withBody ? p : { ...p, body: undefined }));
  const next = `${request.path}?spaceKey=DEMO&start=${start + limit}&limit=${limit}`;
  return {
    json: {
      results,
      start,
      limit: 7,
      size: results.length,
      _links: { base: "https://wiki.example.com/confluence", context: "/confluence", next },
    },
  };
}

async function source() {
  server = await startTestServer(dataCenter);
  return new ConfluenceJsSource({
    baseUrl: server.baseUrl,
    deployment: "datacenter",
    credentials: { type: "bearer", token: TOKEN },
    pageSize: 10,
    baseDelayMs: 1,
  });
}

async function collect<T>(iterable: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const batch of iterable) all.push(...batch);
  return all;
}

describe("ConfluenceJsSource on Data Center", () => {
  it("resolves a space through /rest/api/space/{key} with the personal access token", async () => {
    const dc = await source();
    expect(await dc.getSpace("DEMO")).toEqual({ id: "98304", key: "DEMO", name: "Demo", homepageId: "1000" });
    expect(server?.requests[0]?.authorization).toBe(`Bearer ${TOKEN}`);
    await expect(dc.getSpace("NOPE")).rejects.toMatchObject({
      code: "SOURCE_NOT_FOUND",
      message: expect.stringContaining("NOPE"),
    });
  });

  it("lists every page exactly once despite a clamped limit, a next link past the end and an empty page with next", async () => {
    const dc = await source();
    const space = await dc.getSpace("DEMO");
    let requests = 0;
    const refs: PageRef[] = await collect(dc.listPageRefs(space, { onRequest: () => requests++ }));
    expect(refs.map((r) => r.id)).toEqual(PAGES.map((p) => p.id));
    expect(refs.map((r) => r.version)).toEqual(PAGES.map((p) => p.version));
    expect(refs[0]).toMatchObject({ parentId: null, labels: ["even"], status: "current" });
    expect(refs[1]).toMatchObject({ parentId: "1000", labels: [] });
    const listing = server?.requests.filter((r) => r.path === "/rest/api/content") ?? [];
    // start advances by what arrived (7), not by the limit asked for (10); the empty page with next, asked three more
    // times, ends it
    expect(listing.map((r) => Number(r.query.get("start")))).toEqual([0, 7, 14, 21, 23, 23, 23, 23]);
    expect(listing.every((r) => r.query.get("spaceKey") === "DEMO" && r.query.get("type") === "page")).toBe(true);
    expect(requests).toBe(listing.length);
  });

  it("lists pages with bodies, labels, user keys and absolute links under the context path", async () => {
    const dc = await source();
    const pages = await collect(dc.listPages(await dc.getSpace("DEMO")));
    expect(pages).toHaveLength(PAGES.length);
    expect(pages[2]).toMatchObject({
      id: "1002",
      body: "<p>page 2</p>",
      labels: ["even"],
      ancestors: ["1000"],
      spaceKey: "DEMO",
      authorId: "key-1",
      updatedAt: "2026-01-01T00:00:00.000Z",
      webUrl: "https://wiki.example.com/confluence/spaces/DEMO/pages/1002",
    });
    const expand = server?.requests.find((r) => r.path === "/rest/api/content")?.query.get("expand");
    expect(expand).toContain("body.storage");
  });

  it("fetches pages by id through CQL, omitting ids that do not exist", async () => {
    const dc = await source();
    const space = await dc.getSpace("DEMO");
    const pages = await collect(dc.getPages(space, ["1003", "1001", "999999", "1003"]));
    expect(pages.map((p) => p.id).sort()).toEqual(["1001", "1003"]);
    const search = server?.requests.filter((r) => r.path === "/rest/api/content/search") ?? [];
    expect(search[0]?.query.get("cql")).toBe('space = "DEMO" and type = page and id in (1003,1001,999999)');
    // the id the search did not return is asked for directly, in any status, before it is called gone
    const byId = server?.requests.filter((r) => r.path.startsWith("/rest/api/content/9")) ?? [];
    expect(byId.map((r) => [r.path, r.query.get("status")])).toEqual([["/rest/api/content/999999", "any"]]);
    await expect(collect(dc.getPages(space, ["12 or 1=1"]))).rejects.toMatchObject({ code: "CONFIG_INVALID" });
  });

  it("ends with what it has when the server ignores start and repeats itself", async () => {
    server = await startTestServer(() => ({
      json: {
        results: [v1Content({ id: "1" })],
        start: 0,
        limit: 1,
        size: 1,
        _links: { next: "/rest/api/content?start=0" },
      },
    }));
    const dc = new ConfluenceJsSource({
      baseUrl: server.baseUrl,
      deployment: "datacenter",
      credentials: { type: "bearer", token: TOKEN },
    });
    const space = { id: "1", key: "DEMO", name: "Demo" };
    const refs = await collect(dc.listPageRefs(space));
    expect(refs.map((ref) => ref.id)).toEqual(["1"]);
    // the first answer, then three that brought nothing new
    expect(server.requests).toHaveLength(4);
  });
});
