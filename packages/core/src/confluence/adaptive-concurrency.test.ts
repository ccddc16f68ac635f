// A site that keeps answering 429 (Cloud, often without Retry-After): the source lowers how many requests it keeps in
// flight, raises it back once the site recovers, and ends with the same pages as with a fixed limit.
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashingEmbedder } from "../embed/hashing-embedder.js";
import type { SyncEventMap } from "../ports/progress-sink.js";
import { InMemoryKnowledgeStore } from "../store/in-memory-store.js";
import { ConfluenceSync } from "../sync/engine.js";
import { createSourceRecord } from "../sync/source-record.js";
import type { ConfluenceSourceConfig } from "./config.js";
import { ConfluenceJsSource } from "./confluence-js-source.js";

const STORM = { rateLimit: { capacity: 2, refillPerSecond: 25, retryAfter: "missing" as const } };

function sourceFor(fake: FakeConfluence, config: Partial<ConfluenceSourceConfig> = {}) {
  return new ConfluenceJsSource(
    {
      baseUrl: fake.baseUrl,
      deployment: "cloud",
      credentials: { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken },
      timeZone: "UTC",
      maxAttempts: 3,
      baseDelayMs: 20,
      maxRetryAfterMs: 80,
      rateLimitBudgetMinutes: 2,
      maxConcurrentRequests: 16,
      ...config,
    },
    { random: () => 0.5 },
  );
}

describe("adaptive concurrency under a 429 storm", () => {
  let fake: FakeConfluence;
  beforeAll(async () => {
    fake = await startFakeConfluence({ spaces: [{ key: "AIM", pages: 48, seed: 11 }] });
  });
  afterAll(async () => fake?.close());

  /** Fetches every page by id, all at once, through `source`; returns the 429s the site sent and what came back. */
  async function fetchAll(source: ConfluenceJsSource) {
    const space = await source.getSpace("AIM");
    const truth = fake.groundTruth("AIM");
    fake.setFaults(STORM);
    fake.resetStats();
    try {
      const changes: string[] = [];
      const onConcurrency = (change: { previous: number; limit: number }) =>
        changes.push(`${change.previous}->${change.limit}`);
      const batches = await Promise.all(
        truth.map(async (page) => {
          const found = [];
          for await (const batch of source.getPages(space, [page.id], { onConcurrency })) found.push(...batch);
          return found;
        }),
      );
      const pages = batches.flat().map((page) => `${page.id}@${page.version}`);
      return { limited: fake.stats().faults.rateLimited, pages: pages.sort(), truth, changes };
    } finally {
      fake.clearFaults();
    }
  }

  it("sends fewer requests into the storm than a fixed limit, for the same pages", async () => {
    const fixed = await fetchAll(sourceFor(fake, { adaptiveConcurrency: false }));
    const adaptive = await fetchAll(sourceFor(fake));
    const expected = fixed.truth.map((page) => `${page.id}@${page.version}`).sort();
    expect(fixed.pages).toEqual(expected);
    expect(adaptive.pages).toEqual(expected);
    expect(fixed.changes).toEqual([]);
    expect(adaptive.changes[0]).toBe("16->8");
    expect(adaptive.limited).toBeLessThan(fixed.limited);
  });

  it("reports every change as an event, recovers once the site does, and the store matches the site", async () => {
    const store = new InMemoryKnowledgeStore();
    await store.upsertSource(
      createSourceRecord({ sourceId: "aim", baseUrl: fake.baseUrl, spaceKey: "AIM", deployment: "cloud" }),
    );
    const sync = new ConfluenceSync({
      source: sourceFor(fake, { pageSize: 5 }),
      store,
      embedder: new HashingEmbedder({ dimensions: 16 }),
    });
    const events: SyncEventMap["source-concurrency"][] = [];
    sync.on("source-concurrency", (event) => events.push(event));
    fake.setFaults(STORM);
    try {
      await sync.run({ sourceId: "aim", mode: "full" });
    } finally {
      fake.clearFaults();
    }
    expect(fake.stats().faults.rateLimited).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({ sourceId: "aim", reason: "rate-limited", previous: 16, limit: 8 });
    const lowest = Math.min(...events.map((event) => event.limit));
    expect(lowest).toBeLessThan(16);

    const stored = await store.listPages({ sourceId: "aim", limit: 500 });
    const truth = fake.groundTruth("AIM");
    expect(stored.items.map((page) => `${page.pageId}@${page.version}@${page.path}`).sort()).toEqual(
      truth.map((page) => `${page.id}@${page.version}@/${[...page.ancestors, page.id].join("/")}`).sort(),
    );

    // The storm is over: the limit climbs back, one step at a time.
    events.length = 0;
    await sync.run({ sourceId: "aim", mode: "full" });
    await sync.run({ sourceId: "aim", mode: "full" });
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((event) => event.reason === "recovered" && event.limit === event.previous + 1)).toBe(true);
  });
});
