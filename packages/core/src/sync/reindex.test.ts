import { describe, expect, it } from "vitest";
import { createMarkdownChunker } from "../chunk/markdown-chunker.js";
import { InMemoryKnowledgeStore } from "../store/index.js";
import { FakeEmbedder } from "../testing/embedder.js";
import { FakeConfluenceSource } from "../testing/source.js";
import { ConfluenceSync } from "./engine.js";

const now = new Date().toISOString();

async function setup() {
  let fixed: Date | null = new Date("2026-01-01T00:00:00Z");
  const source = new FakeConfluenceSource({ now: () => fixed ?? new Date() });
  source.addSpace("ENG");
  const ids = [1, 2, 3, 4].map(
    (n) => source.addPage("ENG", { title: `Page ${n}`, body: `<h1>Topic ${n}</h1><p>Text about topic ${n}.</p>` }).id,
  );
  fixed = null;
  const store = new InMemoryKnowledgeStore();
  await store.upsertSource({
    sourceId: "eng",
    name: "Engineering",
    deployment: "cloud",
    baseUrl: "https://fake.atlassian.net",
    spaceKey: "ENG",
    deletionStrategy: "never",
    removeArchived: true,
    createdAt: now,
    updatedAt: now,
  });
  return { source, store, ids };
}

const fetchedIds = (source: FakeConfluenceSource, from: number) =>
  source.calls
    .slice(from)
    .filter((call) => call.method === "getPages")
    .flatMap((call) => call.ids ?? []);

describe("ConfluenceSync re-indexing", () => {
  it("re-indexes pages whose chunks another embedding model made, replacing their vectors", async () => {
    const { source, store, ids } = await setup();
    const small = new FakeEmbedder({ dimensions: 16, modelId: "fake:small" });
    await new ConfluenceSync({ source, store, embedder: small }).run({ sourceId: "eng", mode: "full" });
    expect((await store.getPageStates("eng")).get(ids[0]!)?.indexedWith).toMatchObject({
      embeddingModel: "fake:small",
      dimensions: 16,
    });

    const large = new FakeEmbedder({ dimensions: 32, modelId: "fake:large" });
    const before = source.calls.length;
    const metrics = await new ConfluenceSync({ source, store, embedder: large }).run({
      sourceId: "eng",
      mode: "incremental",
    });
    expect(metrics.pagesIndexed).toBe(4);
    expect(metrics.pagesSkipped).toBe(0);
    // Fetched by id, each once: no listing of the whole space was needed.
    expect(fetchedIds(source, before).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const chunks = await store.getChunks("eng", id);
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks.every((c) => c.embeddingModel === "fake:large" && c.embedding.length === 32)).toBe(true);
    }

    // Nothing changed since: the next sync fetches nothing and indexes nothing.
    const after = source.calls.length;
    const again = await new ConfluenceSync({ source, store, embedder: large }).run({
      sourceId: "eng",
      mode: "incremental",
    });
    expect(again.pagesIndexed).toBe(0);
    expect(fetchedIds(source, after)).toEqual([]);
  });

  it("re-indexes when the chunker changes, reusing vectors of unchanged texts", async () => {
    const { source, store } = await setup();
    const embedder = new FakeEmbedder({ dimensions: 16 });
    await new ConfluenceSync({ source, store, embedder }).run({ sourceId: "eng", mode: "full" });
    const calls = embedder.calls.length;
    const chunker = createMarkdownChunker();
    const renamed = { id: `${chunker.id}+other`, chunk: chunker.chunk.bind(chunker) };
    const metrics = await new ConfluenceSync({ source, store, embedder, chunker: renamed }).run({
      sourceId: "eng",
      mode: "full",
    });
    expect(metrics.pagesIndexed).toBe(4);
    expect(metrics.chunksReused).toBe(metrics.chunksWritten);
    expect(embedder.calls.length).toBe(calls);
  });

  it("reindex: true re-processes every page even when nothing changed", async () => {
    const { source, store } = await setup();
    const embedder = new FakeEmbedder({ dimensions: 16 });
    const sync = new ConfluenceSync({ source, store, embedder });
    await sync.run({ sourceId: "eng", mode: "full" });
    const unchanged = await sync.run({ sourceId: "eng", mode: "incremental" });
    expect(unchanged.pagesIndexed).toBe(0);
    const forced = await sync.run({ sourceId: "eng", mode: "incremental", reindex: true });
    expect(forced.mode).toBe("full");
    expect(forced.pagesIndexed).toBe(4);
  });

  it("leaves pages alone whose stored signature is unknown", async () => {
    const { source, store, ids } = await setup();
    const embedder = new FakeEmbedder({ dimensions: 16 });
    const sync = new ConfluenceSync({ source, store, embedder });
    await sync.run({ sourceId: "eng", mode: "full" });
    // As stored by a version that did not record the signature.
    const page = await store.getPage("eng", ids[0]!);
    const chunks = await store.getChunks("eng", ids[0]!);
    const { indexedWith: _, ...legacy } = page!;
    await store.writePage(legacy, chunks);
    const metrics = await sync.run({ sourceId: "eng", mode: "full" });
    expect(metrics.pagesIndexed).toBe(0);
  });
});
