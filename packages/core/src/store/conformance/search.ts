import type { KnowledgeStore, SearchFilters } from "../../ports/knowledge-store.js";
import { expect, it } from "../../testing/test-api.js";
import { axis, MODEL, makeChunk, makePage, makeSource, tilt } from "../fixtures.js";
import { RRF_K } from "../validate.js";
import { expectCoded, type SuiteContext } from "./context.js";

export function searchTests(ctx: SuiteContext): void {
  const { dims } = ctx;

  async function corpus(): Promise<KnowledgeStore> {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    await store.writePage(makePage("s", "1", { title: "Habitats" }), [
      makeChunk(0, "The quokka lives on Rottnest island", axis(0, dims), { breadcrumb: ["Habitats", "Island"] }),
      makeChunk(1, "Penguins prefer cold water", axis(1, dims)),
    ]);
    await store.writePage(makePage("s", "2"), [
      makeChunk(0, "quokka quokka quokka everywhere", tilt(2, 0, 0.5, dims)),
      makeChunk(1, "A quokka diet is mostly leaves", axis(5, dims), { embeddingModel: "conformance:model-b" }),
    ]);
    return store;
  }

  it("finds keyword matches only, ranking more occurrences higher", async () => {
    const store = await corpus();
    const hits = await store.search({ text: "quokka", mode: "keyword" });
    expect(hits.map((h) => `${h.pageId}#${h.chunkNumber}`)).toEqual(["2#0", "1#0", "2#1"]);
    expect(hits.every((h) => h.matched.keyword && !h.matched.vector && h.score > 0)).toBe(true);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    // Words are ANDed; stop words are ignored.
    expect((await store.search({ text: "quokka island", mode: "keyword" })).map((h) => h.pageId)).toEqual(["1"]);
    expect((await store.search({ text: "the penguins", mode: "keyword" })).map((h) => h.chunkNumber)).toEqual([1]);
    expect(await store.search({ text: "kangaroo", mode: "keyword" })).toEqual([]);
  });

  it("carries title, url, breadcrumb and content on each hit", async () => {
    const store = await corpus();
    const [hit] = await store.search({ text: "Rottnest", mode: "keyword" });
    expect(hit).toMatchObject({
      sourceId: "s",
      pageId: "1",
      chunkNumber: 0,
      title: "Habitats",
      url: makePage("s", "1").webUrl,
      breadcrumb: ["Habitats", "Island"],
      content: "The quokka lives on Rottnest island",
    });
  });

  it("ranks by cosine similarity in vector mode, within the query's model", async () => {
    const store = await corpus();
    const hits = await store.search({ text: "", embedding: axis(2, dims), embeddingModel: MODEL, mode: "vector" });
    expect(hits[0]).toMatchObject({ pageId: "2", chunkNumber: 0, matched: { vector: true, keyword: false } });
    expect(hits[0]!.score).toBeCloseTo(1 / Math.sqrt(1.25), 5);
    expect(hits.map((h) => `${h.pageId}#${h.chunkNumber}`)).not.toContain("2#1");
    expect(hits).toHaveLength(3);
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
    const exact = await store.search({ text: "", embedding: axis(1, dims), mode: "vector", limit: 1 });
    expect(exact.map((h) => h.content)).toEqual(["Penguins prefer cold water"]);
    expect(exact[0]!.score).toBeCloseTo(1, 5);
  });

  it("fuses both legs with Reciprocal Rank Fusion and reports which legs matched", async () => {
    const store = await corpus();
    const hits = await store.search({ text: "island quokka", embedding: axis(0, dims), embeddingModel: MODEL });
    const byKey = new Map(hits.map((h) => [`${h.pageId}#${h.chunkNumber}`, h]));
    expect(hits[0]).toMatchObject({ pageId: "1", chunkNumber: 0, matched: { vector: true, keyword: true } });
    expect(hits[0]!.score).toBeCloseTo(2 / (RRF_K + 1), 10);
    // Vector-only: the penguin chunk; the model-b chunk has no keyword "island", so it is absent.
    expect(byKey.get("1#1")?.matched).toEqual({ vector: true, keyword: false });
    expect(byKey.has("2#1")).toBe(false);
    const keywordOnly = await store.search({ text: "diet", embedding: axis(0, dims), embeddingModel: MODEL });
    const diet = keywordOnly.find((h) => h.pageId === "2" && h.chunkNumber === 1);
    expect(diet?.matched).toEqual({ vector: false, keyword: true });
    expect(diet?.score).toBeCloseTo(1 / (RRF_K + 1), 10);
  });

  it("applies each filter to both legs", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("a"));
    await store.upsertSource(makeSource("b", { spaceKey: "OPS" }));
    const pages = [
      makePage("a", "1", { labels: ["x", "y"], authorId: "u1", updatedAt: "2024-01-01T00:00:00.000Z" }),
      makePage("a", "10", { ancestors: ["1"], labels: ["x"], authorId: "u2", updatedAt: "2024-06-01T00:00:00.000Z" }),
      makePage("a", "100", { ancestors: ["1", "10"], labels: ["y"], authorId: null, updatedAt: null }),
      makePage("a", "101", { ancestors: ["1"], labels: [], authorId: "u1", updatedAt: "2024-09-01T00:00:00.000Z" }),
      makePage("b", "1", {
        spaceKey: "OPS",
        labels: ["x", "y"],
        authorId: "u2",
        updatedAt: "2025-01-01T00:00:00.000Z",
      }),
    ];
    for (const [i, page] of pages.entries()) {
      await store.writePage(page, [makeChunk(0, `filterword ${page.pageId}`, axis(i, dims))]);
    }
    const run = async (filters: SearchFilters) => {
      const keyword = await store.search({ text: "filterword", mode: "keyword", filters });
      const vector = await store.search({ text: "", embedding: axis(0, dims), mode: "vector", filters, limit: 50 });
      const key = (h: { sourceId: string; pageId: string }) => `${h.sourceId}/${h.pageId}`;
      expect(vector.map(key).sort()).toEqual(keyword.map(key).sort());
      return keyword.map(key).sort();
    };
    expect(await run({ sourceIds: ["b"] })).toEqual(["b/1"]);
    expect(await run({ spaceKeys: ["OPS"] })).toEqual(["b/1"]);
    expect(await run({ labels: ["x", "y"] })).toEqual(["a/1", "b/1"]);
    expect(await run({ labels: ["y"] })).toEqual(["a/1", "a/100", "b/1"]);
    expect(await run({ sourceIds: ["a"], pathPrefix: "/1/10" })).toEqual(["a/10", "a/100"]);
    expect(await run({ authorIds: ["u2"] })).toEqual(["a/10", "b/1"]);
    expect(await run({ updatedAfter: "2024-06-01T00:00:00.000Z" })).toEqual(["a/10", "a/101", "b/1"]);
    expect(await run({ sourceIds: ["a"], labels: ["x"], authorIds: ["u1"] })).toEqual(["a/1"]);
    expect(await run({ sourceIds: [] })).toEqual([]);
  });

  it("respects the limit and validates the query", async () => {
    const store = await corpus();
    expect(await store.search({ text: "quokka", mode: "keyword", limit: 2 })).toHaveLength(2);
    expect(await store.search({ text: "quokka", embedding: axis(0, dims), limit: 1 })).toHaveLength(1);
    await expectCoded(store.search({ text: "quokka", mode: "keyword", limit: 0 }), "CONFIG_INVALID", /limit/);
    await expectCoded(store.search({ text: "quokka", mode: "hybrid" }), "CONFIG_INVALID", /embedding/);
    await expectCoded(
      store.search({ text: "q", mode: "keyword", filters: { updatedAfter: "yesterday" } }),
      "CONFIG_INVALID",
      /updatedAfter/,
    );
  });

  it("rejects a query embedding whose dimension differs from the stored one", async () => {
    const store = await corpus();
    const wrong = axis(0, dims - 1);
    await expectCoded(store.search({ text: "quokka", embedding: wrong }), "EMBED_DIMENSION_MISMATCH", /dimension/);
    await expectCoded(
      store.search({ text: "", embedding: axis(0, ctx.altDims), embeddingModel: MODEL, mode: "vector" }),
      "EMBED_DIMENSION_MISMATCH",
      new RegExp(String(ctx.altDims)),
    );
    // Keyword mode ignores embeddings entirely.
    expect(await store.search({ text: "quokka", embedding: wrong, mode: "keyword" })).toHaveLength(3);
  });
}
