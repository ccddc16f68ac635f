import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newSourceBody, type TestApp, waitForOperation } from "../test/helpers.js";

const API = "/api/confluence";

/** The app maps a request header to a principal, as an app would map its session. */
async function appWithReaders(): Promise<TestApp> {
  const test = createTestApp({
    principal: (req) => {
      const user = req.header("x-user");
      return user ? { userId: user, groups: (req.header("x-groups") ?? "").split(",").filter(Boolean) } : undefined;
    },
  });
  const created = await request(test.app).post(`${API}/sources`).send(newSourceBody()).expect(201);
  expect(created.body).toMatchObject({ syncPermissions: false, enforcePermissions: false });
  const started = await request(test.app).post(`${API}/eng/sync`).send({ mode: "full" }).expect(202);
  const done = await waitForOperation(() => request(test.app).get(started.body.progressUrl));
  expect(done.status).toBe("succeeded");
  // Turned on after the first sync, so this test sets the readers itself (the in-memory site has no permissions).
  const updated = await request(test.app).patch(`${API}/sources/eng`).send({ enforcePermissions: true }).expect(200);
  expect(updated.body).toMatchObject({ syncPermissions: true, enforcePermissions: true });
  // The runbook subtree (pages 2 and 4) is restricted to the sre group; everything else is open to the space.
  const open = [["group:staff"]];
  const restricted = [["group:staff"], ["group:sre"]];
  const readers = new Map(["1", "3", "5"].map((id) => [id, open] as const));
  for (const id of ["2", "4"]) readers.set(id, restricted);
  await test.store.setPageReaders("eng", readers);
  return test;
}

describe("search with the principal hook", () => {
  let test: TestApp;
  beforeAll(async () => {
    test = await appWithReaders();
  });

  const search = (headers: Record<string, string>) =>
    request(test.app).post(`${API}/search`).set(headers).send({ query: "rollback", mode: "keyword" });

  it("returns only pages the principal may read", async () => {
    const staff = await search({ "x-user": "bob", "x-groups": "staff" }).expect(200);
    const sre = await search({ "x-user": "alice", "x-groups": "staff,sre" }).expect(200);
    const pageIds = (body: { hits: { pageId: string }[] }) => new Set(body.hits.map((h) => h.pageId));
    expect(pageIds(sre.body).has("4")).toBe(true);
    expect(pageIds(staff.body).has("4")).toBe(false);
    expect(staff.body.hits).toHaveLength(0);
  });

  it("hides unreadable pages from the page routes too", async () => {
    const staff = { "x-user": "bob", "x-groups": "staff" };
    const sre = { "x-user": "alice", "x-groups": "staff,sre" };
    await request(test.app).get(`${API}/pages/4`).query({ sourceId: "eng" }).set(staff).expect(404);
    await request(test.app).get(`${API}/pages/4`).set(staff).expect(404);
    const page = await request(test.app).get(`${API}/pages/4`).query({ sourceId: "eng" }).set(sre).expect(200);
    expect(page.body.markdown).toMatch(/rollback/);
    const list = (headers: Record<string, string>) =>
      request(test.app).get(`${API}/sources/eng/pages`).query({ parentId: "1" }).set(headers).expect(200);
    expect((await list(staff)).body.items.map((p: { pageId: string }) => p.pageId)).toEqual(["3"]);
    expect((await list(sre)).body.items.map((p: { pageId: string }) => p.pageId).sort()).toEqual(["2", "3"]);
    const refused = await request(test.app).get(`${API}/pages/1`).query({ sourceId: "eng" }).expect(403);
    expect(refused.body.error.code).toBe("PERMISSION_REQUIRED");
  });

  it("refuses a search without a principal on a source that enforces permissions", async () => {
    const refused = await search({}).expect(403);
    expect(refused.body.error.code).toBe("PERMISSION_REQUIRED");
  });
});
