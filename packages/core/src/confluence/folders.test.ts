// Cloud folders: titled tree nodes without a body. A page in a folder must be placed the same by the v2 listing (full
// syncs stream it) and the v1 listing (every sync lists refs through it), with the folder and what is above it in its
// path, and must not look moved on every run.
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashingEmbedder } from "../embed/hashing-embedder.js";
import { InMemoryKnowledgeStore } from "../store/in-memory-store.js";
import { ConfluenceSync } from "../sync/engine.js";
import { createSourceRecord } from "../sync/source-record.js";
import { ConfluenceJsSource } from "./confluence-js-source.js";

// biome-ignore lint/suspicious/noExplicitAny: raw JSON of the fake, read field by field
type Json = any;

describe("pages in Cloud folders", () => {
  let fake: FakeConfluence;
  let sync: ConfluenceSync;
  let store: InMemoryKnowledgeStore;
  const ids = { parent: "", folder: "", inner: "", page: "", nested: "" };
  beforeAll(async () => {
    fake = await startFakeConfluence({ spaces: [{ key: "FLD", pages: 12, seed: 3 }] });
    const space = fake.space("FLD");
    const parent = space.addPage({ title: "Team handbook" });
    const folder = space.addFolder("Policies", parent.id);
    const inner = space.addFolder("Travel", folder.id);
    ids.parent = parent.id;
    ids.folder = folder.id;
    ids.inner = inner.id;
    ids.page = space.addPage({ title: "Expenses", parentId: folder.id }).id;
    ids.nested = space.addPage({ title: "Booking flights", parentId: inner.id }).id;
    store = new InMemoryKnowledgeStore();
    await store.upsertSource(
      createSourceRecord({ sourceId: "fld", baseUrl: fake.baseUrl, spaceKey: "FLD", deployment: "cloud" }),
    );
    const { email, apiToken } = fake.credentials;
    const source = new ConfluenceJsSource({
      baseUrl: fake.baseUrl,
      deployment: "cloud",
      credentials: { type: "basic", email, apiToken },
      timeZone: "UTC",
    });
    sync = new ConfluenceSync({ source, store, embedder: new HashingEmbedder({ dimensions: 16 }) });
  });
  afterAll(async () => fake?.close());

  it("serves folders as Cloud does: parentType folder on v2, type folder among v1 ancestors", async () => {
    const auth = `Basic ${Buffer.from(`${fake.credentials.email}:${fake.credentials.apiToken}`).toString("base64")}`;
    const get = (path: string) =>
      fetch(`${fake.baseUrl}${path}`, { headers: { Authorization: auth } }).then((r) => r.json() as Promise<Json>);
    expect(await get(`/wiki/api/v2/pages/${ids.page}`)).toMatchObject({ parentId: ids.folder, parentType: "folder" });
    const v1 = await get(`/wiki/rest/api/content/${ids.nested}?expand=ancestors`);
    expect(v1.ancestors.slice(-3).map((a: { id: string; type: string }) => [a.id, a.type])).toEqual([
      [ids.parent, "page"],
      [ids.folder, "folder"],
      [ids.inner, "folder"],
    ]);
  });

  it("places a page under its folders, with everything above them, and agrees across full and incremental syncs", async () => {
    const first = await sync.run({ sourceId: "fld", mode: "full" });
    expect(first.pagesFailed).toBe(0);
    const truth = new Map(fake.groundTruth("FLD").map((page) => [page.id, page]));
    for (const id of [ids.page, ids.nested]) {
      const stored = await store.getPage("fld", id);
      expect(stored?.parentId).toBe(truth.get(id)?.parentId);
      expect(stored?.ancestors).toEqual(truth.get(id)?.ancestors);
      expect(stored?.path).toBe(`/${[...(truth.get(id)?.ancestors ?? []), id].join("/")}`);
    }
    expect((await store.getPage("fld", ids.nested))?.ancestors.slice(-3)).toEqual([ids.parent, ids.folder, ids.inner]);
    for (const mode of ["incremental", "full", "incremental"] as const) {
      const again = await sync.run({ sourceId: "fld", mode });
      expect(again, mode).toMatchObject({ pagesMoved: 0, pagesIndexed: 0, pagesDeleted: 0 });
    }
  });

  it("follows a page moved into another folder", async () => {
    fake.space("FLD").movePage(ids.page, ids.inner);
    const moved = await sync.run({ sourceId: "fld", mode: "incremental" });
    expect(moved.pagesMoved).toBe(1);
    expect((await store.getPage("fld", ids.page))?.ancestors.slice(-2)).toEqual([ids.folder, ids.inner]);
  });
});

describe("folders in breadcrumbs", () => {
  let fake: FakeConfluence;
  let sync: ConfluenceSync;
  let store: InMemoryKnowledgeStore;
  beforeAll(async () => {
    fake = await startFakeConfluence({ spaces: [{ key: "BRC", pages: 4, seed: 5 }] });
    store = new InMemoryKnowledgeStore();
    await store.upsertSource(
      createSourceRecord({ sourceId: "brc", baseUrl: fake.baseUrl, spaceKey: "BRC", deployment: "cloud" }),
    );
    const { email, apiToken } = fake.credentials;
    const source = new ConfluenceJsSource({
      baseUrl: fake.baseUrl,
      deployment: "cloud",
      credentials: { type: "basic", email, apiToken },
      timeZone: "UTC",
    });
    sync = new ConfluenceSync({ source, store, embedder: new HashingEmbedder({ dimensions: 16 }) });
  });
  afterAll(async () => fake?.close());

  const crumbs = async (pageId: string) =>
    (await store.getBreadcrumb("brc", pageId)).map((item) => `${item.kind}:${item.title}`);

  it("shows a folder's title as a node of the path, and keeps it fresh through renames, moves and deletion", async () => {
    const space = fake.space("BRC");
    const home = fake.groundTruth("BRC").find((page) => page.parentId === null)!;
    const other = space.addPage({ title: "Archive" });
    const runbooks = space.addFolder("Runbooks", home.id);
    const databases = space.addFolder("Databases", runbooks.id);
    const page = space.addPage({ title: "Failover", parentId: databases.id });

    await sync.run({ sourceId: "brc", mode: "full" });
    expect(await crumbs(page.id)).toEqual([
      `page:${home.title}`,
      "folder:Runbooks",
      "folder:Databases",
      "page:Failover",
    ]);
    const folder = (await store.getBreadcrumb("brc", page.id))[1]!;
    expect(folder.webUrl).toBe(`${fake.baseUrl}/wiki/spaces/BRC/folder/${runbooks.id}`);

    space.renameFolder(runbooks.id, "Operations");
    await sync.run({ sourceId: "brc", mode: "incremental" });
    expect(await crumbs(page.id)).toEqual([
      `page:${home.title}`,
      "folder:Operations",
      "folder:Databases",
      "page:Failover",
    ]);

    space.moveFolder(databases.id, other.id);
    const moved = await sync.run({ sourceId: "brc", mode: "incremental" });
    expect(moved.pagesMoved).toBe(1);
    expect(await crumbs(page.id)).toEqual([`page:${home.title}`, "page:Archive", "folder:Databases", "page:Failover"]);

    space.deleteFolder(databases.id);
    await sync.run({ sourceId: "brc", mode: "full" });
    expect(await crumbs(page.id)).toEqual([`page:${home.title}`, "page:Archive", "page:Failover"]);
    expect((await store.getPage("brc", page.id))?.ancestors).toEqual(
      fake.groundTruth("BRC").find((p) => p.id === page.id)?.ancestors,
    );
  });
});
