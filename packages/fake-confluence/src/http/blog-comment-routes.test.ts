import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeConfluence, startFakeConfluence } from "../fake-confluence.js";

// biome-ignore lint/suspicious/noExplicitAny: untyped JSON under test
type Json = Record<string, any>;

async function get(fake: FakeConfluence, path: string) {
  const res = await fetch(`${fake.origin}${path}`, {
    headers: { authorization: `Bearer ${fake.credentials.bearerToken}` },
  });
  return { status: res.status, json: (await res.json()) as Json };
}

describe.each([
  { deployment: "cloud" as const, prefix: "/wiki/rest/api" },
  { deployment: "datacenter" as const, prefix: "/rest/api" },
])("blog posts and comments on $deployment", ({ deployment, prefix }) => {
  let fake: FakeConfluence;
  let postId: string;
  let pageId: string;
  let footerId: string;
  let inlineId: string;
  let replyId: string;
  beforeAll(async () => {
    fake = await startFakeConfluence({ deployment, spaces: [{ key: "ENG", pages: 5 }] });
    const space = fake.space("ENG");
    pageId = space.pages()[1]?.id as string;
    postId = space.addBlogPost({ title: "Release notes", body: "<p>We shipped the importer.</p>" }).id;
    footerId = space.addComment({ containerId: pageId, body: "<p>Looks good.</p>" }).id;
    replyId = space.addComment({ containerId: pageId, body: "<p>Agreed.</p>", parentId: footerId }).id;
    inlineId = space.addComment({
      containerId: pageId,
      body: "<p>Typo here.</p>",
      location: "inline",
      anchor: "the importer",
    }).id;
    fake.state.resolveComment(inlineId);
  });
  afterAll(() => fake.close());

  it("keeps blog posts out of page listings and serves them with type=blogpost", async () => {
    const pages = await get(fake, `${prefix}/content?spaceKey=ENG&type=page&limit=100`);
    expect(pages.json.results.map((r: Json) => r.id)).not.toContain(postId);
    const posts = await get(fake, `${prefix}/content?spaceKey=ENG&type=blogpost&expand=body.storage,version`);
    expect(posts.json.results).toHaveLength(1);
    expect(posts.json.results[0]).toMatchObject({ id: postId, type: "blogpost", title: "Release notes" });
    expect(posts.json.results[0].body.storage.value).toBe("<p>We shipped the importer.</p>");
    const byId = await get(fake, `${prefix}/content/${postId}?expand=version`);
    expect(byId.json.type).toBe("blogpost");
    const cql = encodeURIComponent('space = "ENG" and type = blogpost');
    expect((await get(fake, `${prefix}/content/search?cql=${cql}`)).json.results.map((r: Json) => r.id)).toEqual([
      postId,
    ]);
  });

  it("lists a page's comments with location, resolution, anchored text and replies", async () => {
    const expand = "body.storage,version,extensions.inlineProperties,extensions.resolution,ancestors";
    const top = await get(fake, `${prefix}/content/${pageId}/child/comment?expand=${expand}`);
    expect(top.json.results.map((r: Json) => r.id)).toEqual([footerId, inlineId]);
    const all = await get(fake, `${prefix}/content/${pageId}/child/comment?depth=all&expand=${expand}`);
    const byId = new Map<string, Json>(all.json.results.map((r: Json) => [r.id, r]));
    expect([...byId.keys()]).toEqual([footerId, replyId, inlineId]);
    expect(byId.get(footerId)).toMatchObject({ type: "comment", extensions: { location: "footer" } });
    expect(byId.get(replyId)?.ancestors.map((a: Json) => a.id)).toEqual([footerId]);
    expect(byId.get(inlineId)?.extensions).toMatchObject({
      location: "inline",
      inlineProperties: { originalSelection: "the importer" },
      resolution: { status: "resolved" },
    });
    expect(byId.get(inlineId)?._links.webui).toContain(`focusedCommentId=${inlineId}`);
    const inline = await get(fake, `${prefix}/content/${pageId}/child/comment?location=footer&depth=all`);
    expect(inline.json.results.map((r: Json) => r.id)).toEqual([footerId, replyId]);
  });

  it("finds comments by CQL with their container, and a comment leaves the container's version alone", async () => {
    const before = fake.space("ENG").page(pageId)?.version;
    fake.space("ENG").addComment({ containerId: postId, body: "<p>Congrats!</p>" });
    expect(fake.space("ENG").page(pageId)?.version).toBe(before);
    const cql = encodeURIComponent('space = "ENG" and type = comment and lastmodified >= "2000-01-01"');
    const found = await get(fake, `${prefix}/content/search?cql=${cql}&expand=container,version`);
    const containers = found.json.results.map((r: Json) => [r.type, r.container.id]);
    expect(containers).toContainEqual(["comment", pageId]);
    expect(containers).toContainEqual(["comment", postId]);
  });

  it.runIf(deployment === "cloud")(
    "serves v2 blog posts and footer/inline comments (v2 exists on Cloud only)",
    async () => {
      const spaceId = fake.space("ENG").id;
      const posts = await get(fake, `/wiki/api/v2/spaces/${spaceId}/blogposts?body-format=storage`);
      expect(posts.json.results.map((r: Json) => r.id)).toEqual([postId]);
      expect(posts.json.results[0].body.storage.value).toContain("importer");
      expect((await get(fake, `/wiki/api/v2/pages/${postId}`)).status).toBe(404);
      expect((await get(fake, `/wiki/api/v2/blogposts/${postId}`)).json.title).toBe("Release notes");
      const footer = await get(fake, `/wiki/api/v2/pages/${pageId}/footer-comments?body-format=storage`);
      expect(footer.json.results.map((r: Json) => [r.id, r.pageId])).toEqual([[footerId, pageId]]);
      const inline = await get(fake, `/wiki/api/v2/pages/${pageId}/inline-comments`);
      expect(inline.json.results[0]).toMatchObject({
        id: inlineId,
        resolutionStatus: "resolved",
        properties: { inlineOriginalSelection: "the importer" },
      });
    },
  );
});
