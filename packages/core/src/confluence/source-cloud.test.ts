import { afterEach, describe, expect, it } from "vitest";
import type { ConfluenceSpace } from "../ports/confluence-source.js";
import type { ConfluenceSourceConfig } from "./config.js";
import { ConfluenceJsSource } from "./confluence-js-source.js";
import { type RecordedRequest, type Reply, startTestServer, type TestServer, v1Content } from "./test-server.js";

const SPACE: ConfluenceSpace = { id: "42", key: "DEMO", name: "Demo", homepageId: "1" };
const PAGES = [1, 2, 3, 4, 5].map((n) => ({
  id: String(n),
  version: n + 1,
  parentId: n === 1 ? null : "1",
  labels: [`l${n}`],
}));
const TRASHED = { id: "9", version: 2, parentId: "1", labels: [] };

let server: TestServer | undefined;
let userZone: Reply = { status: 404, json: { message: "not here" } };
afterEach(async () => {
  await server?.close();
  server = undefined;
  userZone = { status: 404, json: { message: "not here" } };
});

function v2Page(page: (typeof PAGES)[number], status = "current") {
  return {
    id: page.id,
    status,
    title: `Title ${page.id}`,
    spaceId: "42",
    parentId: page.parentId,
    parentType: page.parentId === null ? null : "page",
    authorId: "creator",
    createdAt: "2025-01-01T00:00:00.000Z",
    version: { number: page.version, createdAt: "2026-02-01T00:00:00.000Z", authorId: "editor" },
    body: { storage: { value: `<p>${page.id}</p>`, representation: "storage" } },
    _links: { webui: `/spaces/DEMO/pages/${page.id}/Title` },
  };
}

/** Cursor-paginated slices: the cursor is simply the offset, as an opaque string. */
function slice<T>(items: T[], request: RecordedRequest, path: string) {
  const offset = Number(request.query.get("cursor") ?? 0);
  const limit = Number(request.query.get("limit"));
  const next = offset + limit < items.length ? `${path}?cursor=${offset + limit}&limit=${limit}` : undefined;
  return { results: items.slice(offset, offset + limit), next };
}

function cloud(request: RecordedRequest): Reply {
  const { path, query } = request;
  if (path === "/wiki/api/v2/spaces") {
    const results = query.get("keys") === "DEMO" ? [{ id: "42", key: "DEMO", name: "Demo", homepageId: "1" }] : [];
    return { json: { results, _links: {} } };
  }
  if (path === "/wiki/api/v2/spaces/42/pages") {
    const items = query.get("status") === "current" ? PAGES.map((p) => v2Page(p)) : [v2Page(TRASHED, "trashed")];
    const { results, next } = slice(items, request, path);
    return { json: { results, _links: { base: "https://acme.atlassian.net/wiki", ...(next ? { next } : {}) } } };
  }
  if (path === "/wiki/api/v2/pages/5/labels") {
    return { json: { results: [{ id: "77", name: "l5", prefix: "global" }], _links: {} } };
  }
  if (path === "/wiki/rest/api/user/current") return userZone;
  if (path === "/wiki/rest/api/content/search") {
    const cql = query.get("cql") ?? "";
    // The label listing misses page 5 (created while it ran); a changed-since search repeats page 2.
    const items = cql.includes("lastmodified")
      ? [PAGES[1], PAGES[2], PAGES[1]].map((p) => v1Content({ id: p!.id, version: p!.version, body: "<p>x</p>" }))
      : PAGES.slice(0, 4).map((p) => v1Content({ ...p, ancestors: p.parentId ? [p.parentId] : [] }));
    const { results, next } = slice(items, request, path);
    return {
      json: {
        results,
        size: results.length,
        _links: { base: "https://acme.atlassian.net/wiki", ...(next ? { next } : {}) },
      },
    };
  }
  return { status: 404, json: {} };
}

async function source(config: Partial<ConfluenceSourceConfig> = {}) {
  server = await startTestServer(cloud);
  return new ConfluenceJsSource({
    baseUrl: server.baseUrl,
    deployment: "cloud",
    credentials: { type: "basic", email: "me@example.com", apiToken: "cloud-api-token" },
    pageSize: 2,
    baseDelayMs: 1,
    ...config,
  });
}

async function collect<T>(iterable: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const batch of iterable) all.push(...batch);
  return all;
}

const cqlOf = (requests: RecordedRequest[] | undefined, needle: string) =>
  requests
    ?.filter((r) => r.path.endsWith("/content/search"))
    .map((r) => r.query.get("cql") ?? "")
    .find((q) => q.includes(needle));

describe("ConfluenceJsSource on Cloud", () => {
  it("resolves a space by key through v2", async () => {
    const cloudSource = await source();
    expect(await cloudSource.getSpace("DEMO")).toEqual(SPACE);
    await expect(cloudSource.getSpace("OTHER")).rejects.toMatchObject({ code: "SOURCE_NOT_FOUND" });
    await expect(cloudSource.getSpace('X" or space = "Y')).rejects.toMatchObject({ code: "CONFIG_INVALID" });
    expect(server?.requests).toHaveLength(2);
  });

  it("lists pages with bodies from v2 and labels from one CQL listing, per-page labels only for late pages", async () => {
    const cloudSource = await source();
    let requests = 0;
    const pages = await collect(cloudSource.listPages(SPACE, { onRequest: () => requests++ }));
    expect(pages.map((p) => [p.id, p.version, p.parentId, p.labels])).toEqual(
      PAGES.map((p) => [p.id, p.version, p.parentId, p.labels]),
    );
    expect(pages[1]).toMatchObject({
      body: "<p>2</p>",
      ancestors: ["1"],
      authorId: "editor",
      createdAt: "2025-01-01T00:00:00.000Z",
      updatedAt: "2026-02-01T00:00:00.000Z",
      webUrl: "https://acme.atlassian.net/wiki/spaces/DEMO/pages/2/Title",
      spaceKey: "DEMO",
      title: "Title 2",
    });
    const paths = server?.requests.map((r) => r.path) ?? [];
    expect(paths.filter((p) => p === "/wiki/api/v2/spaces/42/pages")).toHaveLength(3);
    expect(paths.filter((p) => p === "/wiki/rest/api/content/search")).toHaveLength(2);
    expect(paths.filter((p) => p.endsWith("/labels"))).toEqual(["/wiki/api/v2/pages/5/labels"]);
    expect(requests).toBe(paths.length);
    const v2 = server?.requests.find((r) => r.path.endsWith("/42/pages"));
    expect(v2?.query.get("body-format")).toBe("storage");
  });

  it("lists refs without bodies: current through CQL with labels, trashed through v2", async () => {
    const cloudSource = await source();
    const refs = await collect(cloudSource.listPageRefs(SPACE, { statuses: ["current", "trashed"] }));
    expect(refs.map((r) => [r.id, r.status])).toEqual([
      ["1", "current"],
      ["2", "current"],
      ["3", "current"],
      ["4", "current"],
      ["9", "trashed"],
    ]);
    expect(refs[2]).toEqual({
      id: "3",
      title: "Page 3",
      version: 4,
      status: "current",
      parentId: "1",
      ancestors: ["1"],
      labels: ["l3"],
      updatedAt: "2026-01-01T00:00:00.000Z",
    });
    const expand = server?.requests.find((r) => r.path.endsWith("/content/search"))?.query.get("expand");
    expect(expand).toBe("version,ancestors,metadata.labels");
    expect(server?.requests.some((r) => r.query.get("body-format") !== null)).toBe(false);
  });

  it("queries changes in the configured time zone, minus the overlap, de-duplicated by id and version", async () => {
    const cloudSource = await source({ timeZone: "America/New_York", cqlOverlapMinutes: 5 });
    const pages = await collect(cloudSource.listChangedSince(SPACE, new Date("2026-07-01T12:00:30Z")));
    expect(pages.map((p) => [p.id, p.version])).toEqual([
      ["2", 3],
      ["3", 4],
    ]);
    expect(cqlOf(server?.requests, "lastmodified")).toBe(
      'space = "DEMO" and type = page and lastmodified >= "2026-07-01 07:55"',
    );
    expect(server?.requests.some((r) => r.path.endsWith("/user/current"))).toBe(false);
  });

  it("reads the time zone from the user's profile once", async () => {
    userZone = { json: { type: "known", accountId: "acc", timeZone: "Asia/Tokyo" } };
    const cloudSource = await source({ cqlOverlapMinutes: 0 });
    await collect(cloudSource.listChangedSince(SPACE, new Date("2026-07-01T12:00:00Z")));
    await collect(cloudSource.listChangedSince(SPACE, new Date("2026-07-01T12:00:00Z")));
    expect(cqlOf(server?.requests, "lastmodified")).toContain('lastmodified >= "2026-07-01 21:00"');
    expect(server?.requests.filter((r) => r.path.endsWith("/user/current"))).toHaveLength(1);
  });

  it("lets a caller abort while the time zone is being read", async () => {
    userZone = "hang";
    const cloudSource = await source({ timeoutMs: 200, maxAttempts: 1 });
    const controller = new AbortController();
    const pending = collect(cloudSource.listChangedSince(SPACE, new Date(), { signal: controller.signal }));
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: "SYNC_ABORTED" });
  });

  it("widens the window by 12 hours in UTC when the time zone is unknown", async () => {
    const cloudSource = await source({ cqlOverlapMinutes: 0 });
    await collect(cloudSource.listChangedSince(SPACE, new Date("2026-07-01T12:00:00Z")));
    expect(cqlOf(server?.requests, "lastmodified")).toContain('lastmodified >= "2026-07-01 00:00"');
  });

  it("keeps a hostile space key out of the query and sends nothing", async () => {
    const cloudSource = await source({ timeZone: "UTC" });
    const hostile = { ...SPACE, key: 'X" or space = "Y' };
    await expect(collect(cloudSource.listChangedSince(hostile, new Date()))).rejects.toMatchObject({
      code: "CONFIG_INVALID",
    });
    await expect(collect(cloudSource.listPageRefs(hostile))).rejects.toMatchObject({ code: "CONFIG_INVALID" });
    expect(server?.requests).toHaveLength(0);
  });
});
