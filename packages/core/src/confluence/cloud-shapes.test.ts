// Cloud shapes the source must read as real sites send them.
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashingEmbedder } from "../embed/hashing-embedder.js";
import type { SyncEventMap } from "../ports/progress-sink.js";
import { InMemoryKnowledgeStore } from "../store/in-memory-store.js";
import { ConfluenceSync } from "../sync/engine.js";
import { createSourceRecord } from "../sync/source-record.js";
import type { ConfluenceSourceConfig } from "./config.js";
import { ConfluenceJsSource } from "./confluence-js-source.js";

function sourceFor(fake: FakeConfluence, config: Partial<ConfluenceSourceConfig> = {}) {
  return new ConfluenceJsSource({
    baseUrl: fake.baseUrl,
    deployment: "cloud",
    credentials: { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken },
    timeZone: "UTC",
    baseDelayMs: 1,
    maxRetryAfterMs: 20,
    ...config,
  });
}

describe("ConfluenceJsSource on Cloud shapes", () => {
  let fake: FakeConfluence;
  beforeAll(async () => {
    fake = await startFakeConfluence({ spaces: [{ key: "CLD", pages: 30, seed: 4 }] });
  });
  afterAll(async () => fake?.close());

  it("asks v2 listings for at most their documented 250 results, whatever pageSize says", async () => {
    const source = sourceFor(fake, { pageSize: 1000 });
    const space = await source.getSpace("CLD");
    fake.resetStats();
    const refs: unknown[] = [];
    for await (const batch of source.listPageRefs(space, { statuses: ["current", "archived"] })) refs.push(...batch);
    const listings = fake.requestLog().filter((entry) => entry.endpoint === "GET /wiki/api/v2/spaces/{id}/pages");
    expect(listings.length).toBeGreaterThan(0);
    expect(listings.map((entry) => new URL(entry.url, fake.origin).searchParams.get("limit"))).toEqual(
      listings.map(() => "250"),
    );
  });

  it("follows an empty space lookup that still links on, instead of calling the space missing", async () => {
    fake.setFaults({ emptyPage: { match: "/api/v2/spaces", times: 1 } });
    try {
      const space = await sourceFor(fake).getSpace("CLD");
      expect(space).toMatchObject({ key: "CLD", id: fake.space("CLD").id });
      expect(fake.stats().faults.emptyPage).toBe(1);
    } finally {
      fake.clearFaults();
    }
  });

  it("still reports a space that does not exist as SOURCE_NOT_FOUND", async () => {
    await expect(sourceFor(fake).getSpace("NOPE")).rejects.toMatchObject({ code: "SOURCE_NOT_FOUND" });
  });
});

describe("a token without read:confluence-user on Cloud", () => {
  it("syncs incrementally with a widened window and a warning event when /user/current answers 403", async () => {
    const fake = await startFakeConfluence({ spaces: [{ key: "SCP", pages: 20, seed: 8 }], timeZone: "Asia/Tokyo" });
    try {
      const store = new InMemoryKnowledgeStore();
      await store.upsertSource(
        createSourceRecord({ sourceId: "scp", baseUrl: fake.baseUrl, spaceKey: "SCP", deployment: "cloud" }),
      );
      const sync = new ConfluenceSync({
        source: sourceFor(fake, { timeZone: undefined }),
        store,
        embedder: new HashingEmbedder({ dimensions: 16 }),
      });
      await sync.run({ sourceId: "scp", mode: "full" });
      const target = fake.space("SCP").pages()[3];
      fake.space("SCP").editPage(target!.id, { body: "<p>edited behind a scoped token</p>" });
      fake.setFaults({ forbidden: { match: "/user/current" } });
      const warnings: SyncEventMap["source-warning"][] = [];
      sync.on("source-warning", (event) => warnings.push(event));
      const metrics = await sync.run({ sourceId: "scp", mode: "incremental" });
      expect(fake.stats().faults.forbidden).toBe(1);
      expect(metrics.pagesIndexed).toBe(1);
      expect((await store.getPage("scp", target!.id))?.version).toBe(target!.version + 1);
      expect(warnings).toEqual([
        expect.objectContaining({
          code: "TIME_ZONE_UNKNOWN",
          message: expect.stringContaining("read:confluence-user"),
        }),
      ]);
    } finally {
      await fake.close();
    }
  });
});

describe("Cloud rate limiting without Retry-After", () => {
  it("slows down and finishes a listing that meets 429s on most requests, reporting every wait", async () => {
    const fake = await startFakeConfluence({ spaces: [{ key: "RLM", pages: 60, seed: 9 }] });
    fake.setFaults({ rateLimit: { capacity: 1, refillPerSecond: 20, retryAfter: "missing" } });
    try {
      const source = sourceFor(fake, { maxAttempts: 2, baseDelayMs: 20, maxRetryAfterMs: 200, pageSize: 5 });
      const space = await source.getSpace("RLM");
      fake.resetStats();
      const waits: string[] = [];
      const pages: string[] = [];
      for await (const batch of source.listPageRefs(space, { onWait: (wait) => waits.push(wait.kind) })) {
        pages.push(...batch.map((page) => page.id));
      }
      expect(pages.sort()).toEqual(
        fake
          .groundTruth("RLM")
          .map((page) => page.id)
          .sort(),
      );
      expect(waits.length).toBe(fake.stats().faults.rateLimited);
      expect(waits.every((kind) => kind === "rate-limited")).toBe(true);
    } finally {
      await fake.close();
    }
  });
});

describe("links in converted Cloud pages", () => {
  it("keep /wiki for attachments and pages linked by id", async () => {
    const fake = await startFakeConfluence({ spaces: [{ key: "LNK", pages: 3, seed: 2 }] });
    try {
      const body =
        '<p><ac:image><ri:attachment ri:filename="chart one.png" /></ac:image></p>' +
        '<p><ac:link><ri:page ri:content-id="4242" /><ac:plain-text-link-body><![CDATA[by id]]></ac:plain-text-link-body></ac:link></p>';
      const page = fake.space("LNK").addPage({ title: "Linked", body });
      const store = new InMemoryKnowledgeStore();
      await store.upsertSource(
        createSourceRecord({ sourceId: "lnk", baseUrl: fake.baseUrl, spaceKey: "LNK", deployment: "cloud" }),
      );
      const source = sourceFor(fake);
      expect(source.webBaseUrl).toBe(`${fake.baseUrl}/wiki`);
      await new ConfluenceSync({ source, store, embedder: new HashingEmbedder({ dimensions: 16 }) }).run({
        sourceId: "lnk",
        mode: "full",
      });
      const stored = await store.getPage("lnk", page.id);
      expect(stored?.markdown).toContain(`${fake.baseUrl}/wiki/download/attachments/${page.id}/chart%20one.png`);
      expect(stored?.markdown).toContain(`${fake.baseUrl}/wiki/pages/viewpage.action?pageId=4242`);
      expect(stored?.webUrl.startsWith(`${fake.baseUrl}/wiki/`)).toBe(true);
    } finally {
      await fake.close();
    }
  });
});
