import type { SearchHit } from "../../ports/knowledge-store.js";
import { expect, it } from "../../testing/test-api.js";
import { axis, makeChunk, makePage, makeSource } from "../fixtures.js";
import { expectCoded, type SuiteContext } from "./context.js";

/** Blog posts, discussion chunks and the `contentTypes` filter. */
export function contentTypeTests(ctx: SuiteContext): void {
  const { dims } = ctx;

  async function corpus() {
    const store = ctx.store();
    await store.upsertSource(
      makeSource("s", {
        content: {
          blogPosts: true,
          comments: { includeResolvedInline: false },
          attachments: { enabled: true, mediaTypes: ["application/pdf", "image/*"], maxBytes: 1000 },
        },
      }),
    );
    await store.writePage(makePage("s", "1"), [
      makeChunk(0, "marmot burrows in the page", axis(0, dims)),
      makeChunk(1, "marmot sightings in a comment", axis(1, dims), { contentType: "comment" }),
    ]);
    await store.writePage(makePage("s", "2", { contentType: "blogpost", ancestors: ["blog"] }), [
      makeChunk(0, "marmot season in a blog post", axis(2, dims)),
      makeChunk(1, "marmot question under the post", axis(3, dims), { contentType: "comment" }),
    ]);
    return store;
  }

  const key = (hit: SearchHit) => `${hit.pageId}#${hit.chunkNumber}:${hit.contentType}`;

  it("keeps the content type of pages, blog posts, discussion chunks and the source's content options", async () => {
    const store = await corpus();
    expect((await store.getSource("s"))?.content).toEqual({
      blogPosts: true,
      comments: { includeResolvedInline: false },
      attachments: { enabled: true, mediaTypes: ["application/pdf", "image/*"], maxBytes: 1000 },
    });
    expect((await store.getPage("s", "1"))?.contentType).toBeUndefined();
    expect((await store.getPage("s", "2"))?.contentType).toBe("blogpost");
    expect((await store.getPageStates("s")).get("2")?.contentType).toBe("blogpost");
    expect((await store.getPageStates("s")).get("1")?.contentType).toBeUndefined();
    expect((await store.getChunks("s", "2")).map((chunk) => chunk.contentType)).toEqual([undefined, "comment"]);
    const listed = await store.listPages({ sourceId: "s", parentId: "blog" });
    expect(listed.items.map((page) => [page.pageId, page.contentType])).toEqual([["2", "blogpost"]]);
  });

  it("filters both search legs by content type and reports each hit's type", async () => {
    const store = await corpus();
    const run = async (contentTypes?: ("page" | "blogpost" | "comment")[]) => {
      const filters = contentTypes === undefined ? {} : { contentTypes };
      const keyword = await store.search({ text: "marmot", mode: "keyword", filters, limit: 20 });
      const vector = await store.search({ text: "", embedding: axis(0, dims), mode: "vector", filters, limit: 20 });
      expect(vector.map(key).sort()).toEqual(keyword.map(key).sort());
      return keyword.map(key).sort();
    };
    expect(await run()).toEqual(["1#0:page", "1#1:comment", "2#0:blogpost", "2#1:comment"]);
    expect(await run(["page"])).toEqual(["1#0:page"]);
    expect(await run(["blogpost"])).toEqual(["2#0:blogpost"]);
    expect(await run(["comment"])).toEqual(["1#1:comment", "2#1:comment"]);
    expect(await run(["page", "blogpost"])).toEqual(["1#0:page", "2#0:blogpost"]);
    expect(await run([])).toEqual([]);
    await expectCoded(
      store.search({ text: "marmot", mode: "keyword", filters: { contentTypes: ["folder" as "page"] } }),
      "CONFIG_INVALID",
    );
  });
}
