// Files attached to blog posts, and attachment options kept with the source, synced over HTTP from the fake on Cloud
// and Data Center.
import {
  type FakeConfluence,
  generateSampleFile,
  type SampleFormat,
  startFakeConfluence,
} from "@archon/fake-confluence";
import { afterEach, describe, expect, it } from "vitest";
import { ConfluenceJsSource } from "../confluence/confluence-js-source.js";
import type { ContentOptions } from "../ports/knowledge-store.js";
import type { SyncEvent } from "../ports/progress-sink.js";
import { InMemoryKnowledgeStore } from "../store/index.js";
import { FakeEmbedder } from "../testing/embedder.js";
import { BLOG_NODE_ID } from "./content-options.js";
import { ConfluenceSync } from "./engine.js";
import { createSourceRecord } from "./source-record.js";

let fake: FakeConfluence | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe.each(["cloud", "datacenter"] as const)(
  "attachments of blog posts and per-source options on %s",
  (deployment) => {
    async function setup(content: ContentOptions, deletionStrategy: "listing" | "never" = "listing") {
      fake = await startFakeConfluence({ deployment, spaces: [{ key: "ENG", pages: 6, seed: 3 }] });
      const source = new ConfluenceJsSource({
        baseUrl: fake.baseUrl,
        deployment,
        credentials: { type: "bearer", token: fake.credentials.bearerToken },
        timeZone: "UTC",
        baseDelayMs: 1,
        maxRetryAfterMs: 20,
      });
      const store = new InMemoryKnowledgeStore();
      const f = fake;
      const setContent = (next: ContentOptions, strategy = deletionStrategy) =>
        store.upsertSource(
          createSourceRecord({
            sourceId: "eng",
            baseUrl: f.baseUrl,
            spaceKey: "ENG",
            deployment,
            deletionStrategy: strategy,
            content: next,
          }),
        );
      await setContent(content);
      const events: SyncEvent[] = [];
      // The engine says nothing of attachments: the source's own options decide.
      const engine = new ConfluenceSync({
        source,
        store,
        embedder: new FakeEmbedder({ dimensions: 16 }),
        convertPool: false,
      });
      for (const type of ["attachment-indexed", "attachment-deleted", "page-deleted"] as const) {
        engine.on(type, (payload) => events.push({ type, ...payload } as SyncEvent));
      }
      const run = async (mode: "full" | "incremental") => {
        events.length = 0;
        return engine.run({ sourceId: "eng", mode });
      };
      const attach = async (pageId: string, format: SampleFormat, tag: string) => {
        const file = await generateSampleFile(format, tag);
        return { file, attachment: f.state.attachments.add({ pageId, ...file }) };
      };
      const text = async (id: string) => (await store.getChunks("eng", id)).map((chunk) => chunk.content).join("\n");
      const attachmentIds = async () =>
        [...(await store.getPageStates("eng")).keys()].filter((id) => id.startsWith("att")).sort();
      return { fake: f, store, run, attach, text, events, setContent, attachmentIds };
    }

    it("syncs files attached to a blog post under the post: listing, a new version, deletion, the post's removal", async () => {
      const s = await setup({ blogPosts: true, attachments: true });
      const post = s.fake.space("ENG").addBlogPost({ title: "Launch retro", body: "<p>What went well.</p>" });
      const page = s.fake.space("ENG").pages()[1]!;
      const onPost = await s.attach(post.id, "md", "post1");
      const second = await s.attach(post.id, "txt", "post2");
      const onPage = await s.attach(page.id, "txt", "page1");

      const full = await s.run("full");
      expect(full.attachments).toMatchObject({ listed: 3, indexed: 3, downloads: 3 });
      const entry = await s.store.getPage("eng", onPost.attachment.id);
      expect(entry).toMatchObject({
        parentId: post.id,
        title: onPost.file.fileName,
        path: `/${BLOG_NODE_ID}/${post.id}/${onPost.attachment.id}`,
        version: 1,
      });
      expect(entry!.webUrl).toContain(`/download/attachments/${post.id}/`);
      for (const phrase of onPost.file.phrases) expect(await s.text(onPost.attachment.id)).toContain(phrase);
      expect((await s.store.getChunks("eng", onPost.attachment.id))[0]!.breadcrumb[0]).toBe("Launch retro");

      // A new version of the post's file, without an edit of the post: downloaded again, nothing else.
      const next = await generateSampleFile("md", "post1b");
      s.fake.state.attachments.replace(onPost.attachment.id, next.data);
      const replaced = await s.run("incremental");
      expect(replaced.attachments).toMatchObject({ indexed: 1, unchanged: 2, downloads: 1 });
      expect((await s.store.getPage("eng", onPost.attachment.id))!.version).toBe(2);
      for (const phrase of next.phrases) expect(await s.text(onPost.attachment.id)).toContain(phrase);

      // A file deleted from the post leaves; so do the post's files when the post is deleted.
      s.fake.state.attachments.delete(second.attachment.id);
      const deleted = await s.run("incremental");
      expect(deleted.attachments).toMatchObject({ deleted: 1, downloads: 0 });
      expect(await s.attachmentIds()).toEqual([onPost.attachment.id, onPage.attachment.id].sort());

      s.fake.space("ENG").deletePage(post.id);
      await s.run("incremental");
      expect(s.events).toContainEqual(
        expect.objectContaining({
          type: "attachment-deleted",
          attachmentId: onPost.attachment.id,
          reason: "page-removed",
        }),
      );
      expect(await s.attachmentIds()).toEqual([onPage.attachment.id]);

      const quiet = await s.run("incremental");
      expect(quiet.attachments).toMatchObject({ unchanged: 1, downloads: 0, bytesDownloaded: 0 });
    });

    it("applies the source's attachment options: media types narrowed, then off, at the next incremental sync", async () => {
      const s = await setup({ attachments: true }, "never");
      const page = s.fake.space("ENG").pages()[2]!;
      const md = await s.attach(page.id, "md", "m");
      const txt = await s.attach(page.id, "txt", "t");
      await s.run("full");
      expect(await s.attachmentIds()).toEqual([md.attachment.id, txt.attachment.id].sort());

      await s.setContent({ attachments: { mediaTypes: ["text/markdown"] } });
      const narrowed = await s.run("incremental");
      expect(narrowed.attachments).toMatchObject({ listed: 1, unchanged: 1, deleted: 1, downloads: 0 });
      expect(s.events).toContainEqual(
        expect.objectContaining({ type: "attachment-deleted", attachmentId: txt.attachment.id, reason: "excluded" }),
      );
      expect(await s.attachmentIds()).toEqual([md.attachment.id]);

      await s.setContent({});
      const off = await s.run("incremental");
      expect(off.attachments).toMatchObject({ listed: 0, deleted: 1 });
      expect(await s.attachmentIds()).toEqual([]);
      expect(await s.store.search({ text: md.file.phrases[0]!, mode: "keyword", limit: 5 })).toEqual([]);
      // The page itself stays.
      expect(await s.store.getPage("eng", page.id)).not.toBeNull();
    });

    it("removes blog posts and their files when the source turns blog posts off, under any deletion strategy", async () => {
      const s = await setup({ blogPosts: true, attachments: true }, "never");
      const post = s.fake.space("ENG").addBlogPost({ title: "Weekly notes", body: "<p>Notes.</p>" });
      const file = await s.attach(post.id, "txt", "w");
      await s.run("full");
      expect(await s.attachmentIds()).toEqual([file.attachment.id]);

      await s.setContent({ attachments: true });
      const metrics = await s.run("incremental");
      expect(metrics.contentTypes?.blogpost).toEqual({ indexed: 0, deleted: 1 });
      expect(s.events).toContainEqual(
        expect.objectContaining({ type: "page-deleted", pageId: post.id, reason: "excluded", contentType: "blogpost" }),
      );
      expect(await s.store.getPage("eng", post.id)).toBeNull();
      expect(await s.attachmentIds()).toEqual([]);
    });
  },
);
