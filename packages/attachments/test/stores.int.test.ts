// Attached files in the PostgreSQL stores: PGlite always, a real server when DATABASE_URL (or TEST_DATABASE_URL)
// reaches one with pgvector; otherwise that suite is skipped and says why.
import { randomUUID } from "node:crypto";
import { ConfluenceJsSource, ConfluenceSync, type KnowledgeStore } from "@archon/confluence-core";
import { FakeEmbedder } from "@archon/confluence-core/testing";
import { createPgliteStore, createPgStore } from "@archon/confluence-pg-store";
import { type FakeConfluence, generateSampleFile, startFakeConfluence } from "@archon/fake-confluence";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createAttachmentExtractor } from "../src/index.js";

const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const extractor = createAttachmentExtractor({ workers: 1 });
afterAll(() => extractor.close());

async function probe(): Promise<string | undefined> {
  if (!url) return "TEST_DATABASE_URL / DATABASE_URL not set";
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    return rows.length === 0 ? "the server has no pgvector extension" : undefined;
  } catch (error) {
    return `no PostgreSQL server reachable (${(error as Error).message.replace(/:\/\/[^@]*@/, "://***@")})`;
  } finally {
    await client.end().catch(() => {});
  }
}
const skip = await probe();
// The server suite works in a schema of its own, so parallel suites and other tables in the database are left alone.
const schema = `attachments_it_${process.pid}_${Date.now().toString(36)}`;
if (skip) console.warn(`[attachments] skipping the PostgreSQL server suite: ${skip}`);

async function exercise(store: KnowledgeStore & { close?: () => Promise<void> }) {
  const fake: FakeConfluence = await startFakeConfluence({ spaces: [{ key: "KB", pages: 4, seed: 9 }] });
  const sourceId = `kb-${randomUUID().slice(0, 8)}`;
  try {
    const at = new Date().toISOString();
    await store.upsertSource({
      sourceId,
      name: "KB",
      deployment: "cloud",
      baseUrl: fake.baseUrl,
      spaceKey: "KB",
      deletionStrategy: "listing",
      removeArchived: true,
      createdAt: at,
      updatedAt: at,
    });
    const source = new ConfluenceJsSource({
      baseUrl: fake.baseUrl,
      deployment: "cloud",
      credentials: { type: "bearer", token: fake.credentials.bearerToken },
      timeZone: "UTC",
    });
    const embedder = new FakeEmbedder({ dimensions: 384 });
    const engine = new ConfluenceSync({
      source,
      store,
      embedder,
      convertPool: false,
      content: { attachments: true },
      attachmentExtractor: extractor,
    });
    const page = fake.space("KB").pages()[1]!;
    const docx = await generateSampleFile("docx", "pg");
    const attachment = fake.state.attachments.add({ pageId: page.id, ...docx });
    await engine.run({ sourceId, mode: "full" });

    const hits = await store.search({
      text: "warm replicas",
      mode: "keyword",
      filters: { sourceIds: [sourceId] },
    });
    const hit = hits.find((h) => h.pageId === attachment.id);
    expect(hit).toBeDefined();
    expect(hit!.url).toContain(`/wiki/download/attachments/${page.id}/${docx.fileName}?version=1`);
    expect(hit!.breadcrumb.slice(0, 2)).toEqual([page.title, docx.fileName]);
    expect(hit!.title).toBe(docx.fileName);
    // The file sits under its page in the tree: a subtree filter on the page finds it.
    const stored = await store.getPage(sourceId, page.id);
    const under = await store.search({ text: "warm replicas", mode: "keyword", filters: { pathPrefix: stored!.path } });
    expect(under.map((h) => h.pageId)).toContain(attachment.id);

    fake.state.attachments.delete(attachment.id);
    const after = await engine.run({ sourceId, mode: "incremental" });
    expect(after.attachments).toMatchObject({ deleted: 1 });
    expect(await store.getChunks(sourceId, attachment.id)).toEqual([]);
    expect(
      (await store.search({ text: "warm replicas", mode: "keyword", filters: { sourceIds: [sourceId] } })).length,
    ).toBe(0);
  } finally {
    await store.deleteSource(sourceId).catch(() => {});
    await fake.close();
  }
}

describe("attachments in PGlite", () => {
  it("are searchable with their download URL and breadcrumb, under their page, and leave with the file", async () => {
    const store = await createPgliteStore();
    try {
      await exercise(store);
    } finally {
      await store.close?.();
    }
  });
});

describe.skipIf(skip !== undefined)(`attachments in PostgreSQL${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("are searchable with their download URL and breadcrumb, under their page, and leave with the file", async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema},public` });
    try {
      await exercise(await createPgStore({ pool }));
    } finally {
      await pool.end();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  });
});
