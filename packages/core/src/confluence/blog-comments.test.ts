// Blog posts and comments synced over HTTP from @archon/fake-confluence, on Cloud and Data Center: full and incremental
// syncs converge to the fake's ground truth, a comment added without a page edit is picked up, and a deleted blog
// post leaves the store.
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashingEmbedder } from "../embed/hashing-embedder.js";
import type { ContentOptions } from "../ports/knowledge-store.js";
import type { SyncEvent } from "../ports/progress-sink.js";
import { InMemoryKnowledgeStore } from "../store/in-memory-store.js";
import { BLOG_NODE_ID } from "../sync/content-options.js";
import { ConfluenceSync } from "../sync/engine.js";
import { createSourceRecord } from "../sync/source-record.js";
import { ConfluenceJsSource } from "./confluence-js-source.js";

const embedder = new HashingEmbedder({ dimensions: 32 });

describe.each(["cloud", "datacenter"] as const)("blog posts and comments on %s", (deployment) => {
  let fake: FakeConfluence;
  let store: InMemoryKnowledgeStore;
  let sync: ConfluenceSync;
  const events: SyncEvent[] = [];
  const ids = { post: "", post2: "", footerPage: "", inlinePage: "", quietPage: "" };

  async function setContent(content: ContentOptions): Promise<void> {
    await store.upsertSource(
      createSourceRecord({ sourceId: "blg", baseUrl: fake.baseUrl, spaceKey: "BLG", deployment, content }),
    );
  }

  /** Stored page ids against the fake: every current page and blog post, at its current version. */
  async function expectConverged(): Promise<void> {
    const space = fake.space("BLG");
    const truth = [...space.pages(), ...space.blogPosts()];
    const states = await store.getPageStates("blg");
    expect([...states.keys()].sort()).toEqual(truth.map((t) => t.id).sort());
    for (const page of truth) expect(states.get(page.id)?.version, page.id).toBe(page.version);
  }

  async function chunkText(pageId: string, type?: string): Promise<string> {
    const chunks = await store.getChunks("blg", pageId);
    return chunks
      .filter((chunk) => type === undefined || (chunk.contentType ?? "page") === type)
      .map((chunk) => chunk.content)
      .join("\n");
  }

  beforeAll(async () => {
    fake = await startFakeConfluence({ deployment, spaces: [{ key: "BLG", pages: 15, seed: 5 }] });
    const space = fake.space("BLG");
    const pages = space.pages();
    ids.footerPage = pages[2]?.id as string;
    ids.inlinePage = pages[3]?.id as string;
    ids.quietPage = pages[4]?.id as string;
    const [alice, bob] = fake.state.users();
    ids.post = space.addBlogPost({
      title: "Quarterly planning notes",
      body: "<p>We decided to migrate the billing service to the flamingo broker.</p>",
      authorId: bob?.accountId,
      labels: ["planning"],
    }).id;
    ids.post2 = space.addBlogPost({ title: "Welcome aboard", body: "<p>Say hello to the onboarding buddy.</p>" }).id;
    const first = space.addComment({ containerId: ids.footerPage, body: "<p>Why not use the walrus cluster?</p>" });
    space.addComment({
      containerId: ids.footerPage,
      body: "<p>Staging is frozen until the audit ends.</p>",
      parentId: first.id,
      authorId: bob?.accountId,
    });
    const resolved = space.addComment({
      containerId: ids.inlinePage,
      location: "inline",
      anchor: "retention period",
      body: "<p>Legal asked for ninety days here.</p>",
      authorId: alice?.accountId,
    });
    fake.state.resolveComment(resolved.id);
    space.addComment({ containerId: ids.post, body: "<p>Does the flamingo broker support replay?</p>" });
    store = new InMemoryKnowledgeStore();
    await setContent({ blogPosts: true, comments: true });
    const source = new ConfluenceJsSource({
      baseUrl: fake.baseUrl,
      deployment,
      credentials:
        deployment === "cloud"
          ? { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken }
          : { type: "bearer", token: fake.credentials.bearerToken },
      timeZone: "UTC",
    });
    sync = new ConfluenceSync({ source, store, embedder, convertPool: false });
    sync.on("page-indexed", (e) => events.push({ type: "page-indexed", ...e }));
    sync.on("page-deleted", (e) => events.push({ type: "page-deleted", ...e }));
  });
  afterAll(async () => fake?.close());

  it("indexes blog posts under the blog node and comments as a Discussion section, equal to the ground truth", async () => {
    const metrics = await sync.run({ sourceId: "blg", mode: "full" });
    expect(metrics.pagesFailed).toBe(0);
    await expectConverged();
    const post = await store.getPage("blg", ids.post);
    const truth = fake.space("BLG").page(ids.post);
    expect(post).toMatchObject({
      contentType: "blogpost",
      parentId: BLOG_NODE_ID,
      ancestors: [BLOG_NODE_ID],
      path: `/${BLOG_NODE_ID}/${ids.post}`,
      title: "Quarterly planning notes",
      authorId: truth?.authorId,
      createdAt: truth?.createdAt,
      labels: ["planning"],
      webUrl: truth?.webUrl,
    });
    expect(await chunkText(ids.post)).toContain("billing service");
    expect(await chunkText(ids.post, "comment")).toContain("support replay");

    const footer = await store.getPage("blg", ids.footerPage);
    expect(footer?.contentType).toBeUndefined();
    expect(footer?.markdown).toContain("## Discussion");
    const discussion = await chunkText(ids.footerPage, "comment");
    expect(discussion).toContain("walrus cluster");
    expect(discussion).toMatch(/reply to .+\)/);
    expect(discussion).toContain("audit ends");
    const inline = await chunkText(ids.inlinePage, "comment");
    expect(inline).toContain("> retention period");
    expect(inline).toContain("inline comment, resolved");
    expect(await chunkText(ids.quietPage, "comment")).toBe("");

    expect(metrics.contentTypes).toEqual({
      page: { indexed: fake.space("BLG").pages().length, deleted: 0 },
      blogpost: { indexed: 2, deleted: 0 },
      comment: { indexed: 4, deleted: 0 },
    });
    const indexedPost = events.find((e) => e.type === "page-indexed" && e.pageId === ids.post);
    expect(indexedPost).toMatchObject({ contentType: "blogpost", comments: 1 });
  });

  it("filters search by content type", async () => {
    const found = async (text: string, contentTypes?: ("page" | "blogpost" | "comment")[]) => {
      const filters = contentTypes === undefined ? {} : { contentTypes };
      const hits = await store.search({ text, mode: "keyword", limit: 50, filters });
      return new Set(hits.map((hit) => `${hit.pageId}:${hit.contentType}`));
    };
    // The post names the broker, and so does the comment on it.
    expect(await found("flamingo")).toEqual(new Set([`${ids.post}:blogpost`, `${ids.post}:comment`]));
    expect(await found("flamingo", ["blogpost"])).toEqual(new Set([`${ids.post}:blogpost`]));
    expect(await found("flamingo", ["comment"])).toEqual(new Set([`${ids.post}:comment`]));
    expect(await found("flamingo", ["page"])).toEqual(new Set());
    expect(await found("walrus", ["comment", "page"])).toEqual(new Set([`${ids.footerPage}:comment`]));
    await expect(found("flamingo", ["whiteboard" as "page"])).rejects.toMatchObject({ code: "CONFIG_INVALID" });
  });

  it("changes nothing on a resync without changes", async () => {
    for (const mode of ["incremental", "full"] as const) {
      const again = await sync.run({ sourceId: "blg", mode });
      expect(again, mode).toMatchObject({ pagesIndexed: 0, pagesDeleted: 0, pagesMoved: 0, pagesFailed: 0 });
    }
  });

  it("picks up a comment added without a page edit in an incremental sync", async () => {
    const before = fake.space("BLG").page(ids.quietPage)?.version;
    fake.space("BLG").addComment({ containerId: ids.quietPage, body: "<p>The rollback runbook is outdated.</p>" });
    expect(fake.space("BLG").page(ids.quietPage)?.version).toBe(before);
    events.length = 0;
    const metrics = await sync.run({ sourceId: "blg", mode: "incremental" });
    expect(metrics.pagesIndexed).toBe(1);
    expect(events.filter((e) => e.type === "page-indexed").map((e) => e.pageId)).toEqual([ids.quietPage]);
    expect(await chunkText(ids.quietPage, "comment")).toContain("rollback runbook");
    expect((await store.getPage("blg", ids.quietPage))?.version).toBe(before);
    await expectConverged();
  });

  it("follows a new and an edited blog post incrementally", async () => {
    const space = fake.space("BLG");
    const added = space.addBlogPost({ title: "Incident review", body: "<p>The pager woke everyone at three.</p>" });
    space.editPage(ids.post2, { body: "<p>Say hello to the onboarding buddy and the security team.</p>" });
    const metrics = await sync.run({ sourceId: "blg", mode: "incremental" });
    expect(metrics.contentTypes?.blogpost?.indexed).toBe(2);
    expect(await chunkText(added.id)).toContain("pager woke");
    expect(await chunkText(ids.post2)).toContain("security team");
    await expectConverged();
  });

  it("removes a deleted blog post", async () => {
    fake.space("BLG").deletePage(ids.post2);
    events.length = 0;
    const metrics = await sync.run({ sourceId: "blg", mode: "incremental" });
    expect(metrics.pagesDeleted).toBe(1);
    expect(metrics.contentTypes?.blogpost).toEqual({ indexed: 0, deleted: 1 });
    expect(events.filter((e) => e.type === "page-deleted")).toEqual([
      expect.objectContaining({ pageId: ids.post2, contentType: "blogpost", reason: "vanished" }),
    ]);
    expect(await store.getPage("blg", ids.post2)).toBeNull();
    await expectConverged();
  });

  it("removes a deleted comment and follows a resolved one in an incremental sync, the page version unchanged", async () => {
    const space = fake.space("BLG");
    const doomed = space.addComment({
      containerId: ids.quietPage,
      body: "<p>Temporary note about the kiwi cache.</p>",
    });
    await sync.run({ sourceId: "blg", mode: "incremental" });
    expect(await chunkText(ids.quietPage, "comment")).toContain("kiwi cache");

    const version = space.page(ids.quietPage)?.version;
    fake.state.deleteComment(doomed.id);
    events.length = 0;
    const metrics = await sync.run({ sourceId: "blg", mode: "incremental" });
    expect(metrics).toMatchObject({ pagesIndexed: 1, pagesFailed: 0 });
    expect(events.filter((e) => e.type === "page-indexed").map((e) => e.pageId)).toEqual([ids.quietPage]);
    const text = await chunkText(ids.quietPage, "comment");
    expect(text).not.toContain("kiwi cache");
    expect(text).toContain("rollback runbook");
    expect((await store.getPage("blg", ids.quietPage))?.version).toBe(version);

    // Every comment of a page deleted: its Discussion section goes.
    for (const comment of space.comments(ids.quietPage)) {
      if (fake.state.comment(comment.id)) fake.state.deleteComment(comment.id);
    }
    await sync.run({ sourceId: "blg", mode: "incremental" });
    expect(await chunkText(ids.quietPage, "comment")).toBe("");
    expect((await store.getPage("blg", ids.quietPage))?.markdown).not.toContain("## Discussion");

    // Resolving an inline comment bumps the comment's version only.
    const open = space.addComment({
      containerId: ids.footerPage,
      location: "inline",
      anchor: "audit",
      body: "<p>Which audit is this?</p>",
    });
    await sync.run({ sourceId: "blg", mode: "incremental" });
    fake.state.resolveComment(open.id);
    await sync.run({ sourceId: "blg", mode: "incremental" });
    expect(await chunkText(ids.footerPage, "comment")).toMatch(/inline comment, resolved[\s\S]*Which audit/);

    const again = await sync.run({ sourceId: "blg", mode: "incremental" });
    expect(again).toMatchObject({ pagesIndexed: 0, pagesDeleted: 0 });
  });

  it("leaves resolved inline comments out when asked, and blog posts and comments out when turned off", async () => {
    await setContent({ blogPosts: true, comments: { includeResolvedInline: false } });
    await sync.run({ sourceId: "blg", mode: "incremental" });
    expect(await chunkText(ids.inlinePage, "comment")).toBe("");
    expect(await chunkText(ids.footerPage, "comment")).toContain("walrus cluster");

    // Turned off, both leave at the next sync, incremental or not, whatever the deletion strategy.
    await store.upsertSource(
      createSourceRecord({
        sourceId: "blg",
        baseUrl: fake.baseUrl,
        spaceKey: "BLG",
        deployment,
        deletionStrategy: "never",
      }),
    );
    events.length = 0;
    const metrics = await sync.run({ sourceId: "blg", mode: "incremental" });
    expect(metrics.contentTypes?.blogpost?.deleted).toBe(2);
    expect(
      events.filter((e) => e.type === "page-deleted").map((e) => (e.type === "page-deleted" ? e.reason : "")),
    ).toEqual(["excluded", "excluded"]);
    const states = await store.getPageStates("blg");
    expect([...states.values()].filter((state) => state.contentType === "blogpost")).toEqual([]);
    expect(await chunkText(ids.footerPage, "comment")).toBe("");
    expect((await store.getPage("blg", ids.footerPage))?.markdown).not.toContain("## Discussion");
    const hits = await store.search({ text: "walrus", mode: "keyword", limit: 10 });
    expect(hits).toEqual([]);
    // Settled: the next sync changes nothing.
    expect(await sync.run({ sourceId: "blg", mode: "incremental" })).toMatchObject({
      pagesIndexed: 0,
      pagesDeleted: 0,
    });
  });
});
