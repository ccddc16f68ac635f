import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newSourceBody, type TestApp, waitForOperation } from "../test/helpers.js";
import type { AuthorizeHook } from "./options.js";

const API = "/api/confluence";

async function syncedApp(overrides: Parameters<typeof createTestApp>[0] = {}): Promise<TestApp> {
  const test = createTestApp(overrides);
  const allowAll = { authorization: "Bearer admin" };
  await request(test.app).post(`${API}/sources`).set(allowAll).send(newSourceBody()).expect(201);
  const started = await request(test.app).post(`${API}/eng/sync`).set(allowAll).send({ mode: "full" }).expect(202);
  const done = await waitForOperation(() => request(test.app).get(started.body.progressUrl).set(allowAll));
  expect(done.status).toBe("succeeded");
  return test;
}

describe("pages and search routes", () => {
  let test: TestApp;
  beforeAll(async () => {
    test = await syncedApp();
  });

  it("lists top-level pages, children of a page and a subtree", async () => {
    const { app } = test;
    const roots = await request(app).get(`${API}/sources/eng/pages`).query({ parentId: "root" }).expect(200);
    expect(roots.body.items.map((p: { title: string }) => p.title).sort()).toEqual([
      "Engineering Handbook",
      "Postmortems",
    ]);
    const handbook = roots.body.items.find((p: { pageId: string }) => p.pageId === "1");
    expect(handbook).toMatchObject({ childCount: 2, depth: 0, path: "/1", parentId: null });
    expect(handbook).not.toHaveProperty("markdown");

    const children = await request(app).get(`${API}/sources/eng/pages`).query({ parentId: "1" }).expect(200);
    expect(children.body.items.map((p: { pageId: string }) => p.pageId).sort()).toEqual(["2", "3"]);

    const subtree = await request(app).get(`${API}/sources/eng/pages`).query({ pathPrefix: "/1/2" }).expect(200);
    expect(subtree.body.items.map((p: { pageId: string }) => p.pageId).sort()).toEqual(["2", "4"]);
    expect(subtree.body.items.find((p: { pageId: string }) => p.pageId === "4")).toMatchObject({
      ancestors: ["1", "2"],
      depth: 2,
    });
  });

  it("paginates with an opaque cursor until every page was seen once", async () => {
    const { app } = test;
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const response = await request(app)
        .get(`${API}/sources/eng/pages`)
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .expect(200);
      expect(response.body.total).toBe(5);
      expect(response.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...response.body.items.map((p: { pageId: string }) => p.pageId));
      cursor = response.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("validates listing queries and answers 404 for unknown sources", async () => {
    const { app } = test;
    const bad = await request(app)
      .get(`${API}/sources/eng/pages`)
      .query({ limit: 0, pathPrefix: "x", foo: 1 })
      .expect(400);
    const paths = bad.body.error.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["query.limit", "query.pathPrefix", "query"]));
    await request(app).get(`${API}/sources/nope/pages`).expect(404);
  });

  it("serves pages with an ETag and 304 when unchanged", async () => {
    const { app } = test;
    const first = await request(app).get(`${API}/sources/eng/pages`).expect(200);
    await request(app)
      .get(`${API}/sources/eng/pages`)
      .set("If-None-Match", first.headers.etag as string)
      .expect(304);
    const other = await request(app).get(`${API}/sources/eng/pages`).query({ parentId: "1" }).expect(200);
    expect(other.headers.etag).not.toBe(first.headers.etag);
    const sources = await request(app).get(`${API}/sources`).expect(200);
    await request(app)
      .get(`${API}/sources`)
      .set("If-None-Match", sources.headers.etag as string)
      .expect(304);
  });

  it("returns a page with Markdown and metadata, with or without its source id", async () => {
    const { app } = test;
    const withSource = await request(app).get(`${API}/pages/4`).query({ sourceId: "eng" }).expect(200);
    expect(withSource.body).toMatchObject({
      pageId: "4",
      sourceId: "eng",
      title: "Rollback Procedure",
      labels: ["runbook"],
    });
    expect(withSource.body.markdown).toContain("redeploy the previous artifact");
    expect(withSource.body.metadata.headings[0]).toMatchObject({ text: "Rollback Procedure" });
    const anySource = await request(app).get(`${API}/pages/4`).expect(200);
    expect(anySource.body).toEqual(withSource.body);
    await request(app)
      .get(`${API}/pages/4`)
      .set("If-None-Match", anySource.headers.etag as string)
      .expect(304);
    const missing = await request(app).get(`${API}/pages/999`).expect(404);
    expect(missing.body.error.code).toBe("NOT_FOUND");
    await request(app).get(`${API}/pages/999`).query({ sourceId: "eng" }).expect(404);
    await request(app).get(`${API}/pages/4`).query({ sourceId: "nope" }).expect(404);
  });

  it("searches in hybrid, vector and keyword mode, with the query embedded by the server", async () => {
    const { app } = test;
    for (const mode of ["hybrid", "vector", "keyword"] as const) {
      const response = await request(app)
        .post(`${API}/search`)
        .send({ query: "rollback previous artifact", mode })
        .expect(200);
      expect(response.body.mode).toBe(mode);
      expect(response.body.embeddingModel).toBe(mode === "keyword" ? null : "local:hashing-v1");
      expect(response.body.hits[0]).toMatchObject({ pageId: "4", title: "Rollback Procedure", sourceId: "eng" });
      expect(response.body.hits[0].url).toBe("https://wiki.example.com/pages/4");
    }
  });

  it("applies search filters and limit", async () => {
    const { app } = test;
    const labelled = await request(app)
      .post(`${API}/search`)
      .send({ query: "deploy", filters: { labels: ["runbook"] }, limit: 10 })
      .expect(200);
    expect(labelled.body.hits.length).toBeGreaterThan(0);
    for (const hit of labelled.body.hits) expect(["2", "4"]).toContain(hit.pageId);
    const limited = await request(app).post(`${API}/search`).send({ query: "the", limit: 1 }).expect(200);
    expect(limited.body.hits.length).toBeLessThanOrEqual(1);
    const subtree = await request(app)
      .post(`${API}/search`)
      .send({ query: "postmortem template", filters: { pathPrefix: "/1" } })
      .expect(200);
    for (const hit of subtree.body.hits) expect(hit.pageId).not.toBe("5");
  });

  it("rejects bad search requests with field messages", async () => {
    const { app } = test;
    const response = await request(app)
      .post(`${API}/search`)
      .send({ query: "  ", mode: "fuzzy", limit: 1000, filters: { updatedAfter: "yesterday" } })
      .expect(400);
    const paths = response.body.error.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining(["body.query", "body.mode", "body.limit", "body.filters.updatedAfter"]),
    );
  });
});

describe("per-source authorization of reads", () => {
  // "admin" may do anything; "reader" may not touch source eng.
  const authorize: AuthorizeHook = (req, _action, resource) =>
    req.get("authorization") === "Bearer admin" || resource.sourceId !== "eng";

  it("hides sources and pages the caller may not read", async () => {
    const { app } = await syncedApp({ authorize });
    const reader = { authorization: "Bearer reader" };
    expect((await request(app).get(`${API}/sources`).set(reader).expect(200)).body.sources).toEqual([]);
    const admin = await request(app).get(`${API}/sources`).set({ authorization: "Bearer admin" }).expect(200);
    expect(admin.body.sources).toHaveLength(1);
    await request(app).get(`${API}/sources/eng`).set(reader).expect(403);
    await request(app).get(`${API}/pages/4`).set(reader).expect(404);
    const direct = await request(app).get(`${API}/pages/4`).query({ sourceId: "eng" }).set(reader).expect(403);
    expect(direct.body.error.code).toBe("FORBIDDEN");
    await request(app).get(`${API}/sources/eng/pages`).set(reader).expect(403);
  });

  it("limits search to readable sources and refuses a filter naming a forbidden one", async () => {
    const { app } = await syncedApp({ authorize });
    const reader = { authorization: "Bearer reader" };
    const all = await request(app).post(`${API}/search`).set(reader).send({ query: "rollback" }).expect(200);
    expect(all.body.hits).toEqual([]);
    const named = await request(app)
      .post(`${API}/search`)
      .set(reader)
      .send({ query: "rollback", filters: { sourceIds: ["eng"] } })
      .expect(403);
    expect(named.body.error.message).toBe("Not allowed to search source eng.");
    const admin = await request(app)
      .post(`${API}/search`)
      .set({ authorization: "Bearer admin" })
      .send({ query: "rollback" });
    expect(admin.body.hits.length).toBeGreaterThan(0);
  });
});

describe("page breadcrumbs", () => {
  it("names the folders in a page's path, and the pages above it", async () => {
    const { app, store } = await syncedApp();
    const page = await store.getPage("eng", "4");
    if (!page) throw new Error("page 4 was synced");
    const folderUrl = "https://wiki.example.com/spaces/ENG/folder/900";
    await store.saveFolders("eng", [
      { folderId: "900", title: "Runbooks", parentId: null, ancestors: [], path: "/900", depth: 0, webUrl: folderUrl },
    ]);
    const inFolder = { ...page, pageId: "901", title: "In a folder", parentId: "900", ancestors: ["900"] };
    await store.writePage({ ...inFolder, path: "/900/901", depth: 1 }, []);
    const response = await request(app).get(`${API}/pages/901`).query({ sourceId: "eng" }).expect(200);
    expect(response.body.breadcrumb).toEqual([
      { id: "900", kind: "folder", title: "Runbooks", webUrl: folderUrl },
      { id: "901", kind: "page", title: "In a folder", webUrl: page.webUrl },
    ]);
  });
});
