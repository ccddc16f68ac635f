// Every sample format synced from the fake over HTTP, Cloud and Data Center, into the in-memory store.
import { ConfluenceJsSource, ConfluenceSync, InMemoryKnowledgeStore, type SyncEventMap } from "@archon/confluence-core";
import { FakeEmbedder } from "@archon/confluence-core/testing";
import {
  corruptPdf,
  encryptedDocx,
  type FakeConfluence,
  generateSampleFile,
  generateSampleFiles,
  type SampleFile,
  startFakeConfluence,
} from "@archon/fake-confluence";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createAttachmentExtractor } from "../src/index.js";

const extractor = createAttachmentExtractor({ workers: 2 });
afterAll(() => extractor.close());
let fake: FakeConfluence | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(deployment: "cloud" | "datacenter") {
  fake = await startFakeConfluence({ deployment, spaces: [{ key: "DOCS", pages: 8, seed: 4 }] });
  const source = new ConfluenceJsSource({
    baseUrl: fake.baseUrl,
    deployment,
    credentials: { type: "bearer", token: fake.credentials.bearerToken },
    timeZone: "UTC",
    baseDelayMs: 1,
    maxRetryAfterMs: 20,
  });
  const store = new InMemoryKnowledgeStore();
  const at = new Date().toISOString();
  await store.upsertSource({
    sourceId: "docs",
    name: "Docs",
    deployment,
    baseUrl: fake.baseUrl,
    spaceKey: "DOCS",
    deletionStrategy: "listing",
    removeArchived: true,
    createdAt: at,
    updatedAt: at,
  });
  const engine = new ConfluenceSync({
    source,
    store,
    embedder: new FakeEmbedder({ dimensions: 16 }),
    convertPool: false,
    content: { attachments: { maxBytes: 5_000_000 } },
    attachmentExtractor: extractor,
  });
  const events: SyncEventMap["attachment-skipped"][] = [];
  engine.on("attachment-skipped", (event) => events.push(event));
  return {
    fake,
    store,
    engine,
    events,
    pages: fake
      .space("DOCS")
      .pages()
      .map((p) => p.id),
  };
}

/** What the store should hold for the fake's files: every attachment id with the phrases its text must show. */
async function expectConverged(s: Awaited<ReturnType<typeof setup>>, expected: Map<string, SampleFile>) {
  const states = await s.store.getPageStates("docs");
  const stored = [...states.keys()].filter((id) => id.startsWith("att")).sort();
  const inFake = s.fake.state.attachments
    .all()
    .map((a) => a.id)
    .sort();
  expect(stored).toEqual(inFake);
  for (const [id, file] of expected) {
    const truth = s.fake.state.attachments.get(id)!;
    expect(states.get(id)).toMatchObject({ version: truth.version.number, parentId: truth.pageId });
    const text = (await s.store.getChunks("docs", id)).map((c) => c.content).join("\n");
    for (const phrase of file.phrases) expect(text, `${file.fileName}: ${phrase}`).toContain(phrase);
  }
}

describe.each(["cloud", "datacenter"] as const)("attachments of every format on %s", (deployment) => {
  it("converge over full and incremental syncs, replacements included, and a no-change resync downloads nothing", async () => {
    const s = await setup(deployment);
    const expected = new Map<string, SampleFile>();
    const samples = await generateSampleFiles("r1");
    samples.forEach((file, i) => {
      const attachment = s.fake.state.attachments.add({ pageId: s.pages[i % s.pages.length]!, ...file });
      expected.set(attachment.id, file);
    });
    const first = await s.engine.run({ sourceId: "docs", mode: "full" });
    expect(first.attachments).toMatchObject({ listed: samples.length, indexed: samples.length, skipped: 0 });
    await expectConverged(s, expected);

    const quiet = await s.engine.run({ sourceId: "docs", mode: "incremental" });
    expect(quiet.attachments).toMatchObject({ unchanged: samples.length, downloads: 0, bytesDownloaded: 0 });

    // A new version of the Word file, a new spreadsheet on another page, and a deleted PDF; no page edits.
    const [docxId] = [...expected].find(([, f]) => f.fileName.endsWith(".docx"))!;
    const [pdfId] = [...expected].find(([, f]) => f.fileName.endsWith(".pdf"))!;
    const docx2 = await generateSampleFile("docx", "r2");
    s.fake.state.attachments.replace(docxId, docx2.data);
    expected.set(docxId, docx2);
    const xlsx2 = await generateSampleFile("xlsx", "r2");
    expected.set(s.fake.state.attachments.add({ pageId: s.pages[7]!, ...xlsx2 }).id, xlsx2);
    s.fake.state.attachments.delete(pdfId);
    expected.delete(pdfId);
    const pageVersions = s.fake
      .space("DOCS")
      .pages()
      .map((p) => p.version);

    const second = await s.engine.run({ sourceId: "docs", mode: "incremental" });
    expect(
      s.fake
        .space("DOCS")
        .pages()
        .map((p) => p.version),
    ).toEqual(pageVersions);
    expect(second.pagesIndexed).toBe(0);
    expect(second.attachments).toMatchObject({ indexed: 2, deleted: 1, downloads: 2 });
    expect(second.attachments!.bytesDownloaded).toBe(docx2.data.byteLength + xlsx2.data.byteLength);
    await expectConverged(s, expected);
    const docxText = (await s.store.getChunks("docs", docxId)).map((c) => c.content).join("\n");
    expect(docxText).not.toContain("Design review r1");
    expect(s.events).toEqual([]);
  });
});

describe("unreadable attachments", () => {
  it("are skipped with a reason, never fail their page, and are not downloaded again", async () => {
    const s = await setup("cloud");
    const broken = s.fake.state.attachments.add({ pageId: s.pages[1]!, ...(await corruptPdf("x")) });
    const locked = s.fake.state.attachments.add({ pageId: s.pages[1]!, ...encryptedDocx("x") });
    const huge = await generateSampleFile("pdf", "huge");
    const big = s.fake.state.attachments.add({
      pageId: s.pages[2]!,
      ...huge,
      fileName: "huge.pdf",
      data: new Uint8Array(6_000_000).fill(32).map((v, i) => (i < huge.data.length ? huge.data[i]! : v)),
    });
    const metrics = await s.engine.run({ sourceId: "docs", mode: "full" });
    expect(metrics.pagesFailed).toBe(0);
    expect(metrics.pagesIndexed).toBe(s.pages.length);
    const reasons = Object.fromEntries(s.events.map((e) => [e.attachmentId, e.reason]));
    expect(reasons).toEqual({ [broken.id]: "corrupt", [locked.id]: "encrypted", [big.id]: "too-large" });
    for (const event of s.events) expect(event.message.length).toBeGreaterThan(10);
    const skippedEntry = await s.store.getPage("docs", locked.id);
    expect(skippedEntry!.metadata.attachment).toMatchObject({ skipped: { reason: "encrypted" }, pageId: s.pages[1] });

    const again = await s.engine.run({ sourceId: "docs", mode: "incremental" });
    expect(again.attachments).toMatchObject({ downloads: 0, unchanged: 3, skipped: 0 });
  });
});
