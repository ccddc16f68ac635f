import { HashingEmbedder, InMemoryCredentialStore, InMemoryKnowledgeStore } from "@archon/confluence-core";
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import express from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForOperation } from "../test/helpers.js";
import { createConfluenceRouter } from "./index.js";

const API = "/api/confluence";

describe("router against a fake Confluence server, with the real source and engine", () => {
  let fake: FakeConfluence;
  let app: express.Express;
  let store: InMemoryKnowledgeStore;
  const credentials = new InMemoryCredentialStore();

  beforeAll(async () => {
    fake = await startFakeConfluence({ deployment: "cloud", spaces: [{ preset: "demo", pages: 40 }] });
    store = new InMemoryKnowledgeStore();
    const router = createConfluenceRouter({
      store,
      credentials,
      embedder: new HashingEmbedder(),
      allowUnauthenticated: true,
      // The fake listens on loopback over http: allowed here as in the demo.
      urlPolicy: { allowHttp: true, allowPrivateNetworks: true },
    });
    app = express().use(API, router);
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("refuses wrong credentials with the source's coded error", async () => {
    const response = await request(app)
      .post(`${API}/sources`)
      .send({
        sourceId: "demo",
        baseUrl: fake.baseUrl,
        deployment: "cloud",
        spaceKey: "DEMO",
        credentials: { type: "basic", email: fake.credentials.email, apiToken: "not-the-token" },
      })
      .expect(422);
    expect(response.body.error.code).toBe("SOURCE_AUTH");
    expect(JSON.stringify(response.body)).not.toContain("not-the-token");
  });

  it("creates the source, syncs the space in the background, lists the tree and finds pages", async () => {
    const created = await request(app)
      .post(`${API}/sources`)
      .send({
        sourceId: "demo",
        baseUrl: fake.baseUrl,
        deployment: "cloud",
        spaceKey: "DEMO",
        credentials: { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken },
      })
      .expect(201);
    expect(created.body).toMatchObject({ name: "Acme Engineering Handbook", spaceKey: "DEMO", deployment: "cloud" });
    expect(JSON.stringify(created.body)).not.toContain(fake.credentials.apiToken);

    const started = await request(app).post(`${API}/demo/sync`).send({ mode: "full" }).expect(202);
    const done = await waitForOperation(() => request(app).get(started.body.progressUrl), 6000);
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");
    const current = fake.groundTruth("DEMO").length;
    expect(done.metrics).toMatchObject({ pagesIndexed: current, pagesFailed: 0 });

    const roots = await request(app).get(`${API}/sources/demo/pages`).query({ parentId: "root" }).expect(200);
    expect(roots.body.items.length).toBeGreaterThan(0);
    const root = roots.body.items[0];
    const subtree = await request(app).get(`${API}/sources/demo/pages`).query({ pathPrefix: root.path, limit: 200 });
    expect(subtree.body.total).toBeGreaterThan(1);

    const page = await request(app).get(`${API}/pages/${root.pageId}`).expect(200);
    expect(page.body.markdown.length).toBeGreaterThan(0);
    const words = page.body.title.split(/\s+/).slice(0, 3).join(" ");
    const search = await request(app).post(`${API}/search`).send({ query: words, limit: 5 }).expect(200);
    expect(search.body.hits.length).toBeGreaterThan(0);
    expect(search.body.hits[0].url).toContain(fake.origin);

    const again = await request(app).post(`${API}/demo/sync`).send({ mode: "incremental" }).expect(202);
    const second = await waitForOperation(() => request(app).get(again.body.progressUrl), 6000);
    expect(second.status).toBe("succeeded");
    expect(second.metrics).toMatchObject({ pagesIndexed: 0 });
  });
});
