// Attached files synced over HTTP from the fake, with core's built-in text extractor.
import {
  type FakeConfluence,
  generateSampleFile,
  type SampleFile,
  type SampleFormat,
  startFakeConfluence,
} from "@archon/fake-confluence";
import { afterEach, describe, expect, it } from "vitest";
import { ConfluenceJsSource } from "../confluence/confluence-js-source.js";
import type { SyncEventMap } from "../ports/progress-sink.js";
import { InMemoryKnowledgeStore } from "../store/index.js";
import { FakeEmbedder } from "../testing/embedder.js";
import type { ContentOptionsInput } from "./content-options.js";
import { ConfluenceSync } from "./engine.js";

let fake: FakeConfluence | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const now = new Date().toISOString();

async function setup(deployment: "cloud" | "datacenter" = "cloud") {
  fake = await startFakeConfluence({ deployment, spaces: [{ key: "ENG", pages: 6, seed: 11 }] });
  const source = new ConfluenceJsSource({
    baseUrl: fake.baseUrl,
    deployment,
    credentials: { type: "bearer", token: fake.credentials.bearerToken },
    timeZone: "UTC",
    baseDelayMs: 1,
    maxRetryAfterMs: 20,
  });
  const store = new InMemoryKnowledgeStore();
  await store.upsertSource({
    sourceId: "eng",
    name: "Engineering",
    deployment,
    baseUrl: fake.baseUrl,
    spaceKey: "ENG",
    deletionStrategy: "listing",
    removeArchived: true,
    createdAt: now,
    updatedAt: now,
  });
  const pages = fake.space("ENG").pages();
  return { fake, source, store, pageA: pages[1]!.id, pageB: pages[2]!.id };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function attach(s: Setup, pageId: string, format: SampleFormat, tag: string) {
  const file = await generateSampleFile(format, tag);
  const attachment = s.fake.state.attachments.add({ pageId, ...file });
  return { file, attachment };
}

async function sync(s: Setup, mode: "full" | "incremental", content: ContentOptionsInput = { attachments: true }) {
  const events: { type: string; payload: unknown }[] = [];
  const engine = new ConfluenceSync({
    source: s.source,
    store: s.store,
    embedder: new FakeEmbedder({ dimensions: 16 }),
    convertPool: false,
    content,
  });
  for (const type of ["attachment-indexed", "attachment-skipped", "attachment-deleted"] as const) {
    engine.on(type, (payload) => events.push({ type, payload }));
  }
  const metrics = await engine.run({ sourceId: "eng", mode });
  return { metrics, events };
}

const skipped = (events: { type: string; payload: unknown }[]) =>
  events.filter((e) => e.type === "attachment-skipped").map((e) => e.payload as SyncEventMap["attachment-skipped"]);

async function textOf(s: Setup, attachmentId: string): Promise<string> {
  return (await s.store.getChunks("eng", attachmentId)).map((c) => c.content).join("\n");
}

function expectPhrases(text: string, file: SampleFile) {
  for (const phrase of file.phrases) expect(text).toContain(phrase);
}

describe("attachment sync with the built-in extractor", () => {
  it("indexes text, Markdown, CSV and images under their page, and skips what it cannot read with a reason", async () => {
    const s = await setup();
    const txt = await attach(s, s.pageA, "txt", "a1");
    const md = await attach(s, s.pageA, "md", "a1");
    const csv = await attach(s, s.pageB, "csv", "b1");
    const pdf = await attach(s, s.pageB, "pdf", "b1");
    const png = await attach(s, s.pageB, "png", "b1");
    s.fake.space("ENG").editPage(s.pageB, {
      body: `<p>Overview</p><ac:image ac:alt="Service mesh overview"><ri:attachment ri:filename="${png.file.fileName}" /></ac:image>`,
    });
    const { metrics, events } = await sync(s, "full");

    // Images are indexed by name, caption and alt text: never downloaded.
    expect(metrics.attachments).toMatchObject({ listed: 5, indexed: 4, skipped: 1, unchanged: 0, downloads: 3 });
    expectPhrases(await textOf(s, txt.attachment.id), txt.file);
    expectPhrases(await textOf(s, md.attachment.id), md.file);
    expectPhrases(await textOf(s, csv.attachment.id), csv.file);
    const image = await textOf(s, png.attachment.id);
    expectPhrases(image, png.file);
    expect(image).toContain("Service mesh overview");

    const entry = await s.store.getPage("eng", txt.attachment.id);
    const page = s.fake.space("ENG").page(s.pageA)!;
    expect(entry).toMatchObject({ parentId: s.pageA, title: txt.file.fileName, version: 1 });
    expect(entry!.webUrl).toBe(
      `${s.fake.siteBase}/download/attachments/${s.pageA}/${txt.file.fileName}?version=1&modificationDate=${Date.parse(s.fake.state.attachments.get(txt.attachment.id)!.version.when)}&api=v2`,
    );
    expect(entry!.path.endsWith(`/${s.pageA}/${txt.attachment.id}`)).toBe(true);
    const chunks = await s.store.getChunks("eng", txt.attachment.id);
    expect(chunks[0]!.breadcrumb.slice(0, 2)).toEqual([page.title, txt.file.fileName]);

    expect(skipped(events)).toEqual([
      expect.objectContaining({ attachmentId: pdf.attachment.id, pageId: s.pageB, reason: "unsupported" }),
    ]);
    expect((await s.store.getPage("eng", pdf.attachment.id))!.metadata.attachment?.skipped?.reason).toBe("unsupported");
    expect(await s.store.getChunks("eng", pdf.attachment.id)).toEqual([]);
    // The pages themselves are untouched by their files: same count as the space.
    const states = await s.store.getPageStates("eng");
    expect([...states.keys()].filter((id) => !id.startsWith("att")).sort()).toEqual(
      s.fake
        .space("ENG")
        .pages()
        .map((p) => p.id)
        .sort(),
    );
  });

  it("downloads nothing on a resync without changes, and picks up a replaced file without a page edit", async () => {
    const s = await setup();
    const txt = await attach(s, s.pageA, "txt", "v1");
    await attach(s, s.pageA, "csv", "v1");
    await sync(s, "full");

    for (const mode of ["incremental", "full"] as const) {
      const again = await sync(s, mode);
      expect(again.metrics.attachments).toMatchObject({ listed: 2, unchanged: 2, downloads: 0, bytesDownloaded: 0 });
      expect(again.events).toEqual([]);
    }

    const pageVersion = s.fake.space("ENG").page(s.pageA)!.version;
    const next = await generateSampleFile("txt", "v2");
    s.fake.state.attachments.replace(txt.attachment.id, next.data);
    expect(s.fake.space("ENG").page(s.pageA)!.version).toBe(pageVersion);
    const { metrics } = await sync(s, "incremental");
    expect(metrics.attachments).toMatchObject({
      indexed: 1,
      unchanged: 1,
      downloads: 1,
      bytesDownloaded: next.data.byteLength,
    });
    const text = await textOf(s, txt.attachment.id);
    expectPhrases(text, next);
    expect(text).not.toContain("Deployment checklist v1");
    expect((await s.store.getPage("eng", txt.attachment.id))!.version).toBe(2);
  });

  it("removes deleted files, the files of a deleted page, and every file once attachments are turned off", async () => {
    const s = await setup();
    const gone = await attach(s, s.pageA, "txt", "g");
    const kept = await attach(s, s.pageA, "md", "k");
    const onB = await attach(s, s.pageB, "md", "b");
    await sync(s, "full");

    s.fake.state.attachments.delete(gone.attachment.id);
    s.fake.space("ENG").deletePage(s.pageB);
    const { events } = await sync(s, "incremental");
    expect(events.filter((e) => e.type === "attachment-deleted").map((e) => e.payload)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ attachmentId: gone.attachment.id, reason: "vanished" }),
        expect.objectContaining({ attachmentId: onB.attachment.id, reason: "page-removed" }),
      ]),
    );
    expect(await s.store.getPage("eng", gone.attachment.id)).toBeNull();
    expect(await s.store.getPage("eng", onB.attachment.id)).toBeNull();
    expect(await s.store.getPage("eng", kept.attachment.id)).not.toBeNull();

    const off = await sync(s, "incremental", {});
    expect(off.metrics.attachments).toMatchObject({ deleted: 1, listed: 0 });
    expect([...(await s.store.getPageStates("eng")).keys()].filter((id) => id.startsWith("att"))).toEqual([]);
  });

  it("skips a file over maxBytes and a binary file under a text type, with reasons, and the page stays indexed", async () => {
    const s = await setup("datacenter");
    const big = await attach(s, s.pageA, "md", "big");
    const binary = s.fake.state.attachments.add({
      pageId: s.pageA,
      fileName: "dump.txt",
      mediaType: "text/plain",
      data: new Uint8Array(2048).map((_, i) => i % 7),
    });
    const { metrics, events } = await sync(s, "full", { attachments: { maxBytes: big.file.data.byteLength - 1 } });
    expect(metrics.pagesFailed).toBe(0);
    expect(metrics.attachments).toMatchObject({ skipped: 2, downloads: 0 });
    const reasons = Object.fromEntries(skipped(events).map((e) => [e.attachmentId, e]));
    expect(reasons[big.attachment.id]).toMatchObject({ reason: "too-large" });
    expect(reasons[big.attachment.id]!.message).toContain("maxBytes");
    expect(reasons[binary.id]).toMatchObject({ reason: "too-large" });

    // Raising the limit looks at skipped files again; the binary one is now read and found corrupt.
    const raised = await sync(s, "incremental", { attachments: { maxBytes: 1_000_000 } });
    const again = Object.fromEntries(skipped(raised.events).map((e) => [e.attachmentId, e.reason]));
    expect(again).toEqual({ [binary.id]: "corrupt" });
    expectPhrases(await textOf(s, big.attachment.id), big.file);
    expect(await s.store.getPage("eng", s.pageA)).not.toBeNull();
    // Skipped files are remembered: the next sync downloads neither.
    const quiet = await sync(s, "incremental", { attachments: { maxBytes: 1_000_000 } });
    expect(quiet.metrics.attachments).toMatchObject({ downloads: 0, skipped: 0, unchanged: 2 });
  });

  it("lists the space's files in one search, and a file the lagging index misses is confirmed, not removed", async () => {
    const s = await setup();
    const a = await attach(s, s.pageA, "txt", "l1");
    await attach(s, s.pageB, "md", "l2");
    await sync(s, "full");
    s.fake.resetStats();
    const quiet = await sync(s, "incremental");
    expect(quiet.metrics.attachments).toMatchObject({ unchanged: 2, downloads: 0 });
    const perPage = (stats: Record<string, number>) =>
      Object.entries(stats)
        .filter(([name]) => name.includes("/child/attachment"))
        .reduce((n, [, count]) => n + count, 0);
    expect(perPage(s.fake.stats().byEndpoint)).toBe(0);

    s.fake.updateFaults({ indexLag: { pageIds: [a.attachment.id] } });
    s.fake.resetStats();
    const lagging = await sync(s, "incremental");
    expect(lagging.metrics.attachments).toMatchObject({ unchanged: 2, deleted: 0 });
    // Only the page whose file the search missed is listed on its own.
    expect(perPage(s.fake.stats().byEndpoint)).toBe(1);
    expect(await s.store.getPage("eng", a.attachment.id)).not.toBeNull();
  });

  it("rejects bad content options with CONFIG_INVALID naming the field", async () => {
    const s = await setup();
    const build = () =>
      new ConfluenceSync({
        source: s.source,
        store: s.store,
        embedder: new FakeEmbedder(),
        content: { attachments: { maxBytes: -5, mediaTypes: ["pdf"] } },
      });
    expect(build).toThrow(expect.objectContaining({ code: "CONFIG_INVALID" }));
    expect(build).toThrow(/attachments\.maxBytes/);
    expect(build).toThrow(/attachments\.mediaTypes\.0: a media type/);
  });
});
