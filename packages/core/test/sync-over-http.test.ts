/**
 * The core vertical slice over real HTTP: the confluence.js source against `@archon/fake-confluence`, the sync
 * engine, the default converter and chunker, and the in-memory store, compared with the fake's ground truth.
 */
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterEach, describe, expect, it } from "vitest";
import { createConfluenceSource } from "../src/confluence/index.js";
import { ConfluenceSyncError } from "../src/errors.js";
import type { ConfluenceCredentials } from "../src/ports/credential-store.js";
import type { KnowledgeStore, SourceRecord } from "../src/ports/knowledge-store.js";
import { InMemoryKnowledgeStore } from "../src/store/index.js";
import { ConfluenceSync } from "../src/sync/index.js";
import { FakeEmbedder } from "../src/testing/embedder.js";

const SOURCE_ID = "space";
let fake: FakeConfluence | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(
  options: {
    pages?: number;
    deployment?: "cloud" | "datacenter";
    spaceKey?: string;
    pageSize?: number;
    maxAttempts?: number;
  } = {},
) {
  const deployment = options.deployment ?? "cloud";
  fake = await startFakeConfluence({
    deployment,
    seed: 7,
    spaces: [
      { key: "ENG", pages: options.pages ?? 1000, archivedRatio: 0.02, trashedRatio: 0.01 },
      { key: "OTHER", pages: 20 },
    ],
  });
  const credentials: ConfluenceCredentials =
    deployment === "cloud"
      ? { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken }
      : { type: "bearer", token: fake.credentials.bearerToken };
  const source = createConfluenceSource({
    baseUrl: fake.baseUrl,
    deployment,
    credentials,
    baseDelayMs: 2,
    maxRetryAfterMs: 20,
    maxAttempts: options.maxAttempts ?? 8,
    timeZone: "UTC",
    pageSize: options.pageSize ?? 250,
  });
  const store = new InMemoryKnowledgeStore();
  const now = new Date().toISOString();
  const record: SourceRecord = {
    sourceId: SOURCE_ID,
    name: "Engineering",
    deployment,
    baseUrl: fake.baseUrl,
    spaceKey: options.spaceKey ?? "ENG",
    deletionStrategy: "listing",
    removeArchived: true,
    createdAt: now,
    updatedAt: now,
  };
  await store.upsertSource(record);
  const embedder = new FakeEmbedder({ dimensions: 16 });
  const sync = new ConfluenceSync({ source, store, embedder, concurrency: 4 });
  return { fake, source, store, embedder, sync };
}

/** The store holds exactly the space's current pages, each with its title, version, place and labels. */
async function expectGroundTruth(store: KnowledgeStore, fakeServer: FakeConfluence, spaceKey = "ENG") {
  const truth = fakeServer.space(spaceKey).pages();
  const states = await store.getPageStates(SOURCE_ID);
  expect([...states.keys()].sort()).toEqual(truth.map((p) => p.id).sort());
  for (const page of truth) {
    const stored = await store.getPage(SOURCE_ID, page.id);
    expect(stored, `page ${page.id}`).not.toBeNull();
    expect({
      title: stored?.title,
      version: stored?.version,
      parentId: stored?.parentId,
      ancestors: stored?.ancestors,
      path: stored?.path,
      depth: stored?.depth,
      labels: [...(stored?.labels ?? [])].sort(),
    }).toEqual({
      title: page.title,
      version: page.version,
      parentId: page.parentId,
      ancestors: page.ancestors,
      path: `/${[...page.ancestors, page.id].join("/")}`,
      depth: page.ancestors.length,
      labels: [...page.labels].sort(),
    });
    const chunks = await store.getChunks(SOURCE_ID, page.id);
    const numbers = chunks.map((c) => c.chunkNumber);
    expect(new Set(numbers).size, `duplicate chunks of page ${page.id}`).toBe(numbers.length);
  }
}

describe("sync over HTTP against the fake Confluence", () => {
  it("a full sync of a 1,000-page space equals the ground truth", async () => {
    const { fake, store, sync } = await setup();
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    const truth = fake.space("ENG").pages();
    expect(metrics.pagesIndexed).toBe(truth.length);
    expect(metrics.pagesFailed).toBe(0);
    expect(Math.max(...truth.map((p) => p.ancestors.length))).toBeGreaterThanOrEqual(7);
    await expectGroundTruth(store, fake);
    // Nothing from the other space leaks in.
    const otherIds = new Set(
      fake
        .space("OTHER")
        .pages()
        .map((p) => p.id),
    );
    for (const id of (await store.getPageStates(SOURCE_ID)).keys()) expect(otherIds.has(id)).toBe(false);
    // A whole space costs a few listing requests, not one per page.
    expect(metrics.apiRequests).toBeLessThan(40);
  });

  it("converges after edits, moves, renames, deletions, trashing and archiving", async () => {
    const { fake, store, sync, embedder } = await setup({ pages: 300 });
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    const eng = fake.space("ENG");
    const pages = eng.pages();
    const leaves = pages.filter((p) => !pages.some((q) => q.parentId === p.id));
    const branch = pages.find((p) => p.ancestors.length >= 2 && pages.some((q) => q.parentId === p.id))!;
    eng.editPage(pages[5]!.id, { body: "<h1>Rewritten</h1><p>An entirely new incident runbook.</p>" });
    eng.renamePage(pages[6]!.id, "Renamed page");
    eng.movePage(branch.id, pages[0]!.id);
    eng.deletePage(leaves[0]!.id);
    eng.trashPage(leaves[1]!.id);
    eng.archivePage(leaves[2]!.id);
    eng.setLabels(pages[7]!.id, ["fresh-label"]);
    const added = eng.addPage({ title: "Brand new page", parentId: leaves[3]!.id, body: "<p>Hello world</p>" });
    embedder.reset();
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect(metrics.pagesDeleted).toBe(3);
    expect(metrics.pagesIndexed).toBeLessThanOrEqual(4);
    expect((await store.getPage(SOURCE_ID, added.id))?.markdown).toContain("Hello world");
    await expectGroundTruth(store, fake);
  });

  it("loses and duplicates nothing under 429s, 5xx bursts and connection resets", async () => {
    // Small listing pages make enough requests for every kind of fault to strike.
    const { fake, store, sync } = await setup({ pages: 400, pageSize: 20, maxAttempts: 20 });
    fake.setFaults({
      rateLimit: { capacity: 2, refillPerSecond: 10, retryAfter: "absurd" },
      serverError: { status: 503, burst: 2, rate: 0.3, times: 6, match: "/pages" },
      reset: { times: 3, match: "/content/search" },
    });
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    const stats = fake.stats();
    expect(stats.faults.rateLimited).toBeGreaterThan(0);
    expect(stats.faults.serverError).toBeGreaterThan(0);
    expect(stats.faults.reset).toBeGreaterThan(0);
    expect(metrics.rateLimitWaits).toBe(stats.faults.rateLimited);
    expect(metrics.retries).toBe(stats.faults.serverError + stats.faults.reset);
    await expectGroundTruth(store, fake);
  });

  it("resumes an aborted sync and converges without redoing finished pages", async () => {
    const { fake, store, sync, embedder } = await setup({ pages: 300 });
    const controller = new AbortController();
    let indexed = 0;
    const onIndexed = () => {
      indexed += 1;
      if (indexed === 60) controller.abort();
    };
    sync.on("page-indexed", onIndexed);
    await expect(sync.run({ sourceId: SOURCE_ID, mode: "full", signal: controller.signal })).rejects.toMatchObject({
      code: "SYNC_ABORTED",
    });
    sync.off("page-indexed", onIndexed);
    const done = (await store.getPageStates(SOURCE_ID)).size;
    expect(done).toBeGreaterThanOrEqual(60);
    const firstEmbeddings = embedder.calls.length;
    const resumed = await sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect(resumed.pagesSkipped).toBe(done);
    expect(resumed.pagesIndexed).toBe(fake.space("ENG").pages().length - done);
    expect(embedder.calls.length).toBeGreaterThan(firstEmbeddings);
    await expectGroundTruth(store, fake);
  });

  it("syncs Data Center through clamped limits and phantom next links", async () => {
    const { fake, store, sync } = await setup({ pages: 250, deployment: "datacenter" });
    fake.setFaults({ clampLimit: 30, phantomNext: { rate: 1 } });
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    await expectGroundTruth(store, fake);
    fake.space("ENG").editPage(fake.space("ENG").pages()[3]!.id, { body: "<p>Data Center edit</p>" });
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect(metrics.pagesIndexed).toBe(1);
    await expectGroundTruth(store, fake);
  });

  it("keeps a CQL injection through the space key inert", async () => {
    const { store, sync } = await setup({ pages: 30, spaceKey: 'ENG" or space = "OTHER' });
    const failure = sync.run({ sourceId: SOURCE_ID, mode: "full" });
    await expect(failure).rejects.toBeInstanceOf(ConfluenceSyncError);
    expect((await store.getPageStates(SOURCE_ID)).size).toBe(0);
  });

  it("rejects invalid source configuration naming the field, without echoing the token", () => {
    const attempt = () =>
      createConfluenceSource({
        baseUrl: "ftp://user:pw@example.com",
        credentials: { type: "basic", email: "a@example.com", apiToken: "super-secret-token" },
      });
    expect(attempt).toThrow(/baseUrl/);
    try {
      attempt();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("super-secret-token");
      expect((error as ConfluenceSyncError).code).toBe("CONFIG_INVALID");
    }
  });
});
