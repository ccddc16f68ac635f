import { expect, it } from "../../testing/test-api.js";
import { axis, emptyMetadata, makeChunk, makePage, makeSource } from "../fixtures.js";
import type { SuiteContext } from "./context.js";

const HOSTILE = `O'Brien's "quoted" \\back\\slash\\ 🚀 rocket '; DROP TABLE archon_crawled_pages; -- %_ $1 :* & | !`;

export function hostileInputTests(ctx: SuiteContext): void {
  const { dims } = ctx;

  it("round-trips quotes, backslashes, emoji and SQL-looking strings, and strips NUL characters", async () => {
    const store = ctx.store();
    const sourceId = `src'"\\🚀`;
    await store.upsertSource(makeSource(sourceId, { name: HOSTILE, metadata: { note: HOSTILE, "key'\\": [HOSTILE] } }));
    const page = makePage(sourceId, "1", {
      title: HOSTILE,
      labels: ["it's", 'say "hi"', "back\\slash", "🚀"],
      markdown: `# ${HOSTILE}\n\n${HOSTILE}`,
      metadata: emptyMetadata({ headings: [{ level: 1, text: HOSTILE }], macros: { "it's": 1 }, mentions: ["a\\b"] }),
    });
    const chunk = makeChunk(0, `${HOSTILE} wallaby`, axis(0, dims), { breadcrumb: [HOSTILE, "🚀"] });
    await store.writePage(page, [chunk]);
    expect(await store.getSource(sourceId)).toEqual(
      makeSource(sourceId, { name: HOSTILE, metadata: { note: HOSTILE, "key'\\": [HOSTILE] } }),
    );
    expect(await store.getPage(sourceId, "1")).toEqual(page);
    expect(await store.getChunks(sourceId, "1")).toEqual([chunk]);

    const withNul = makePage(sourceId, "2", { title: "nul\u0000title", markdown: "a\u0000b", labels: ["l\u0000"] });
    await store.writePage(withNul, [
      makeChunk(0, "nul\u0000chunk kookaburra", axis(1, dims), { breadcrumb: ["x\u0000"] }),
    ]);
    expect(await store.getPage(sourceId, "2")).toEqual({
      ...withNul,
      title: "nultitle",
      markdown: "ab",
      labels: ["l"],
    });
    const [stored] = await store.getChunks(sourceId, "2");
    expect(stored?.content).toBe("nulchunk kookaburra");
    expect(stored?.breadcrumb).toEqual(["x"]);

    const [hit] = await store.search({ text: "wallaby", mode: "keyword", filters: { sourceIds: [sourceId] } });
    expect(hit).toMatchObject({ title: HOSTILE, breadcrumb: [HOSTILE, "🚀"], content: chunk.content });
    expect((await store.listPages({ sourceId, pathPrefix: "/1" })).items[0]?.labels).toEqual(page.labels);
  });

  it("searches safely with hostile query strings", async () => {
    const store = ctx.store();
    await store.upsertSource(makeSource("s"));
    await store.writePage(makePage("s", "1"), [makeChunk(0, `${HOSTILE} wallaby`, axis(0, dims))]);
    const queries = [
      "'; DROP TABLE archon_crawled_pages; --",
      '"unbalanced quote',
      "a & b | !c <-> d:*",
      "\\",
      "\u0000",
      "nul\u0000wallaby",
      "(((",
      "-",
      "or or",
      "",
      "   ",
      "%_",
      "🚀",
    ];
    for (const text of queries) {
      const keyword = await store.search({ text, mode: "keyword" });
      expect(Array.isArray(keyword)).toBe(true);
      const hybrid = await store.search({ text, embedding: axis(0, dims) });
      expect(hybrid[0]?.pageId).toBe("1");
    }
    expect(await store.search({ text: "", mode: "keyword" })).toEqual([]);
    expect((await store.search({ text: "rocket Brien", mode: "keyword" })).map((h) => h.pageId)).toEqual(["1"]);
    expect(
      await store.search({ text: "wallaby", mode: "keyword", filters: { pathPrefix: "%", labels: ["'"] } }),
    ).toEqual([]);
    expect(await store.getChunks("s", "1")).toHaveLength(1);
  });
}
