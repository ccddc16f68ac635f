// A source's content options through the HTTP API, against the fake Confluence with the real source and engine:
// validated and shown with the source, applied by every sync the router runs, and a type turned off leaves at the next
// incremental sync.
import { HashingEmbedder, InMemoryCredentialStore, InMemoryKnowledgeStore } from "@archon/confluence-core";
import { type FakeConfluence, generateSampleFile, startFakeConfluence } from "@archon/fake-confluence";
import express from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForOperation } from "../test/helpers.js";
import { createConfluenceRouter } from "./index.js";

const API = "/api/confluence";

describe("content options of a source over HTTP", () => {
  let fake: FakeConfluence;
  let app: express.Express;
  let store: InMemoryKnowledgeStore;
  let fileId = "";

  beforeAll(async () => {
    fake = await startFakeConfluence({
      deployment: "cloud",
      spaces: [{ key: "ENG", pages: 30, seed: 6, blogPosts: 3, comments: { share: 0.5 } }],
    });
    const page = fake.space("ENG").pages()[1]!;
    fileId = fake.state.attachments.add({ pageId: page.id, ...(await generateSampleFile("md", "api")) }).id;
    store = new InMemoryKnowledgeStore();
    const router = createConfluenceRouter({
      store,
      credentials: new InMemoryCredentialStore(),
      embedder: new HashingEmbedder({ dimensions: 64 }),
      allowUnauthenticated: true,
      urlPolicy: { allowHttp: true, allowPrivateNetworks: true },
      sync: { convertPool: false },
    });
    app = express().use(API, router);
  });
  afterAll(async () => fake?.close());

  const body = (content: unknown) => ({
    sourceId: "eng",
    baseUrl: fake.baseUrl,
    deployment: "cloud",
    spaceKey: "ENG",
    credentials: { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken },
    content,
  });

  async function sync(mode: "full" | "incremental") {
    const started = await request(app).post(`${API}/eng/sync`).send({ mode }).expect(202);
    const done = (await waitForOperation(() => request(app).get(started.body.progressUrl), 3000)) as {
      status: string;
      progress: { contentTypes?: Record<string, { indexed: number; deleted: number }> };
      metrics: { contentTypes?: Record<string, { indexed: number; deleted: number }>; pagesIndexed: number };
    };
    expect(done.status).toBe("succeeded");
    return done;
  }

  it("refuses bad content options with 400 naming the field, and stores nothing", async () => {
    const response = await request(app)
      .post(`${API}/sources`)
      .send(body({ attachments: { mediaTypes: ["pdf"] }, blogPosts: true }))
      .expect(400);
    expect(response.body.error.fields).toEqual([
      expect.objectContaining({ path: "body.content.attachments.mediaTypes.0" }),
    ]);
    const unknown = await request(app)
      .post(`${API}/sources`)
      .send(body({ whiteboards: true }))
      .expect(400);
    expect(JSON.stringify(unknown.body.error)).toContain("whiteboards");
    expect(await store.listSources()).toEqual([]);
  });

  it("keeps the options with the source, shows them with defaults, and every sync counts each content type", async () => {
    const created = await request(app)
      .post(`${API}/sources`)
      .send(body({ blogPosts: true, comments: true, attachments: { mediaTypes: ["text/*"] } }))
      .expect(201);
    expect(created.body.content).toEqual({
      blogPosts: true,
      comments: true,
      attachments: {
        enabled: true,
        mediaTypes: ["text/*"],
        maxBytes: 25 * 1024 * 1024,
        timeBudgetMs: 60_000,
        concurrency: 8,
      },
    });
    expect(JSON.stringify(created.body)).not.toContain(fake.credentials.apiToken);

    const done = await sync("full");
    const space = fake.space("ENG");
    const commentsIndexed = space.allComments().filter((c) => space.page(c.containerId)?.status === "current").length;
    const counts = {
      page: { indexed: space.pages().length, deleted: 0 },
      blogpost: { indexed: 3, deleted: 0 },
      comment: { indexed: commentsIndexed, deleted: 0 },
      attachment: { indexed: 1, deleted: 0 },
    };
    expect(done.progress.contentTypes).toEqual(counts);
    expect(done.metrics.contentTypes).toEqual(counts);
    expect(await store.getPage("eng", fileId)).not.toBeNull();
  });

  it("applies changed options at the next incremental sync: what was turned off leaves", async () => {
    const patched = await request(app)
      .patch(`${API}/sources/eng`)
      .send({ content: { comments: true } })
      .expect(200);
    expect(patched.body.content).toEqual({ comments: true });
    const done = await sync("incremental");
    expect(done.metrics.contentTypes).toMatchObject({
      blogpost: { indexed: 0, deleted: 3 },
      attachment: { indexed: 0, deleted: 1 },
    });
    const states = [...(await store.getPageStates("eng")).values()];
    expect(states.filter((s) => s.contentType === "blogpost" || s.pageId.startsWith("att"))).toEqual([]);
    expect((await sync("incremental")).metrics.pagesIndexed).toBe(0);
  });
});
