import { describe, expect, it } from "vitest";
import type { ConfluenceComment } from "../ports/confluence-source.js";
import { commentsKey, pageContentHash, storedCommentsKey, threadOrder } from "./comments.js";
import { listedContentTypes, resolveContentOptions } from "./content-options.js";
import { createSourceRecord } from "./source-record.js";

describe("content options", () => {
  it("default to pages only, and a source's own options win key by key over the engine's", () => {
    expect(resolveContentOptions(undefined, undefined)).toEqual({
      blogPosts: false,
      comments: false,
      attachments: null,
    });
    expect(resolveContentOptions({ blogPosts: true, comments: true }, { comments: false })).toEqual({
      blogPosts: true,
      comments: false,
      attachments: null,
    });
    expect(resolveContentOptions({ comments: true }, undefined).comments).toEqual({ includeResolvedInline: true });
    expect(resolveContentOptions(undefined, { comments: { includeResolvedInline: false } }).comments).toEqual({
      includeResolvedInline: false,
    });
    expect(listedContentTypes(resolveContentOptions({ blogPosts: true }, undefined))).toEqual(["page", "blogpost"]);
    expect(listedContentTypes(resolveContentOptions(undefined, undefined))).toEqual(["page"]);
  });

  it("take attachments from the source over the engine, with defaults, and off when the source says so", () => {
    expect(resolveContentOptions(undefined, { attachments: true }).attachments).toEqual({
      enabled: true,
      maxBytes: 25 * 1024 * 1024,
      timeBudgetMs: 60_000,
      concurrency: 8,
    });
    const engine = { attachments: { mediaTypes: ["application/pdf"], maxBytes: 1000 } };
    expect(resolveContentOptions(engine, undefined).attachments).toMatchObject({ mediaTypes: ["application/pdf"] });
    expect(resolveContentOptions(engine, { attachments: false }).attachments).toBeNull();
    expect(resolveContentOptions(engine, { attachments: { enabled: false } }).attachments).toBeNull();
    expect(resolveContentOptions(engine, { attachments: { maxBytes: 5 } }).attachments).toMatchObject({
      maxBytes: 5,
      timeBudgetMs: 60_000,
    });
    expect(() => resolveContentOptions(undefined, { attachments: { mediaTypes: ["pdf"] } })).toThrowError(
      expect.objectContaining({
        code: "CONFIG_INVALID",
        message: expect.stringMatching(/attachments\.mediaTypes\.0/),
      }),
    );
  });

  it("reject unknown keys and wrong types with a coded error naming the field", () => {
    expect(() => resolveContentOptions({ blogPosts: "yes" as unknown as boolean }, undefined)).toThrowError(
      expect.objectContaining({ code: "CONFIG_INVALID", message: expect.stringMatching(/blogPosts/) }),
    );
    expect(() => resolveContentOptions(undefined, { whiteboards: true } as never)).toThrowError(
      expect.objectContaining({ code: "CONFIG_INVALID", message: expect.stringMatching(/whiteboards/) }),
    );
    expect(() =>
      createSourceRecord({
        sourceId: "s",
        baseUrl: "https://acme.atlassian.net",
        spaceKey: "ENG",
        content: { comments: { includeResolved: true } } as never,
      }),
    ).toThrowError(expect.objectContaining({ code: "CONFIG_INVALID", message: expect.stringMatching(/content/) }));
  });
});

const comment = (id: string, over: Partial<ConfluenceComment> = {}): ConfluenceComment => ({
  id,
  containerId: "1",
  version: 1,
  location: "footer",
  parentId: null,
  body: `<p>${id}</p>`,
  authorId: "u",
  createdAt: null,
  updatedAt: null,
  resolved: false,
  anchor: null,
  webUrl: `https://acme.atlassian.net/wiki/x?focusedCommentId=${id}`,
  ...over,
});

describe("page comments", () => {
  it("order footer threads first, replies right after what they answer", () => {
    const ordered = threadOrder([
      comment("5", { location: "inline" }),
      comment("3", { parentId: "2" }),
      comment("2"),
      comment("4", { parentId: "9" }),
      comment("6", { parentId: "5", location: "inline" }),
    ]);
    expect(ordered.map((c) => c.id)).toEqual(["2", "3", "4", "5", "6"]);
  });

  it("hash the body alone without comments, and change with a new, edited or resolved comment", () => {
    const body = "<p>body</p>";
    const base = pageContentHash(body, [comment("2")]);
    expect(pageContentHash(body, [])).toBe(pageContentHash(body, []));
    expect(base).not.toBe(pageContentHash(body, []));
    expect(pageContentHash(body, [comment("2"), comment("3")])).not.toBe(base);
    expect(pageContentHash(body, [comment("2", { version: 2 })])).not.toBe(base);
    expect(pageContentHash(body, [comment("2", { resolved: true })])).not.toBe(base);
    expect(pageContentHash(body, [comment("2")])).toBe(base);
  });

  it("keep the comments' key readable from the stored hash, and make it without comment bodies", () => {
    const body = "<p>body</p>";
    expect(storedCommentsKey(pageContentHash(body, []))).toBe("");
    const hash = pageContentHash(body, [comment("2"), comment("3", { parentId: "2" })]);
    expect(storedCommentsKey(hash)).toBe(commentsKey([comment("2"), comment("3", { parentId: "2" })]));
    // A listing without bodies gives the same key.
    const bare = [comment("2", { body: "" }), comment("3", { parentId: "2", body: "" })];
    expect(storedCommentsKey(hash)).toBe(commentsKey(bare));
    expect(storedCommentsKey(hash)).not.toBe(commentsKey([comment("2")]));
    expect(hash.startsWith(pageContentHash(body, []))).toBe(true);
  });
});
