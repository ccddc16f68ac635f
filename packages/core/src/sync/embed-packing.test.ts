import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenAIEmbedder } from "../embed/openai-embedder.js";
import { makeSource } from "../store/fixtures.js";
import { InMemoryKnowledgeStore } from "../store/index.js";
import { FakeOpenAIServer } from "../testing/embedder.js";
import { FakeConfluenceSource } from "../testing/source.js";
import { ConfluenceSync } from "./index.js";

let server: FakeOpenAIServer;
beforeEach(async () => {
  // A provider that takes a while per request, so that pages would pile up behind it if they held their slots.
  server = await FakeOpenAIServer.start({ delayMs: 40, maxRequestTokens: 2000 });
});
afterEach(() => server.close());

async function setup(pages: number) {
  const source = new FakeConfluenceSource({ batchSize: 25 });
  source.addSpace("ENG");
  const words = "deploy rollback incident runbook schema migration cache queue index replica".split(" ");
  for (let i = 0; i < pages; i++) {
    const text = Array.from({ length: 40 }, (_, w) => `${words[(i + w) % words.length]}${i % 7}`).join(" ");
    source.addPage("ENG", { title: `Page ${i}`, body: `<p>Page ${i}: ${text}.</p>` });
  }
  const store = new InMemoryKnowledgeStore();
  await store.upsertSource(makeSource("eng", { spaceKey: "ENG" }));
  const embedder = new OpenAIEmbedder({
    baseURL: server.baseURL,
    apiKey: "test",
    dimensions: 16,
    maxRequestTokens: 2000,
  });
  // Two pages in flight: without packing, every call would carry at most two pages' texts.
  const sync = new ConfluenceSync({ source, store, embedder, concurrency: 2, embedConcurrency: 2 });
  return { sync, store };
}

describe("embedding with a provider that has a per-request token limit", () => {
  it("packs the texts of many pages into requests close to the limit, never over it", async () => {
    const { sync, store } = await setup(120);
    const metrics = await sync.run({ sourceId: "eng", mode: "full" });
    expect(metrics.pagesIndexed).toBe(120);
    expect((await store.getPageStates("eng")).size).toBe(120);
    const sent = server.requests.filter((r) => r.status === 200);
    const tokens = sent.map((r) => r.tokens.reduce((sum, n) => sum + n, 0));
    const total = tokens.reduce((sum, n) => sum + n, 0);
    expect(Math.max(...tokens)).toBeLessThanOrEqual(2000);
    // At most one partial request per listing batch (25 pages each); the rest are nearly full.
    const fewest = Math.ceil(total / 2000);
    expect(sent.length).toBeLessThanOrEqual(fewest + 5);
    expect(sent.length).toBeLessThan(120 / 2 / 2);
    expect(server.maxInFlight).toBeLessThanOrEqual(2);
    // Each request holds the provider for its 40 ms delay, at most two of them at a time.
    expect(server.busyMs).toBeGreaterThanOrEqual(39 * Math.ceil(sent.length / 2));
  });
});
