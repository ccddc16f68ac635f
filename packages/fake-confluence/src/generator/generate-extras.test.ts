import { describe, expect, it } from "vitest";
import { startFakeConfluence } from "../fake-confluence.js";
import { generateSpace } from "./generate-space.js";

describe("generated blog posts and comments", () => {
  const plain = generateSpace({ key: "ENG", pages: 300, seed: 9 });
  const rich = generateSpace({ key: "ENG", pages: 300, seed: 9, blogPosts: 40, comments: { share: 0.5 } });

  it("are off by default, deterministic by seed, and leave the pages as they were", () => {
    expect(plain.blogPosts).toBeUndefined();
    expect(plain.comments).toBeUndefined();
    expect(rich.pages).toEqual(plain.pages);
    const again = generateSpace({ key: "ENG", pages: 300, seed: 9, blogPosts: 40, comments: { share: 0.5 } });
    expect(again.blogPosts).toEqual(rich.blogPosts);
    expect(again.comments).toEqual(rich.comments);
    const other = generateSpace({ key: "ENG", pages: 300, seed: 10, blogPosts: 40, comments: { share: 0.5 } });
    expect(other.comments).not.toEqual(rich.comments);
  });

  it("number blog posts and comments after the pages, with footer threads, replies and resolved inline comments", () => {
    const posts = rich.blogPosts ?? [];
    const comments = rich.comments ?? [];
    expect(posts).toHaveLength(40);
    expect(posts[0]?.id).toBe(String(100_000 + 300));
    expect(new Set(posts.map((p) => p.title.toLowerCase())).size).toBe(40);
    expect(Number(comments[0]?.id)).toBe(100_000 + 340);
    const containers = new Set(comments.map((c) => c.containerId));
    const current = [...plain.pages.filter((p) => p.status === "current").map((p) => p.id), ...posts.map((p) => p.id)];
    // About half of the current pages and posts, and none that is archived or trashed.
    expect(containers.size).toBeGreaterThan(current.length * 0.4);
    expect(containers.size).toBeLessThan(current.length * 0.6);
    for (const id of containers) expect(current).toContain(id);
    expect([...containers].some((id) => posts.some((p) => p.id === id))).toBe(true);
    const inline = comments.filter((c) => c.location === "inline");
    expect(inline.length).toBeGreaterThan(0);
    expect(inline.some((c) => c.resolved)).toBe(true);
    expect(inline.some((c) => !c.resolved)).toBe(true);
    for (const c of inline) expect(c.anchor).toMatch(/^[A-Za-z]+ [A-Za-z]+ [A-Za-z]+$/);
    expect(comments.filter((c) => c.location === "footer").every((c) => !c.resolved && c.anchor === null)).toBe(true);
    const byId = new Map(comments.map((c) => [c.id, c]));
    const replies = comments.filter((c) => c.parentId !== null);
    expect(replies.length).toBeGreaterThan(0);
    for (const reply of replies) expect(byId.get(reply.parentId!)?.containerId).toBe(reply.containerId);
    expect(generateSpace({ key: "ENG", pages: 50, seed: 9, comments: { perPage: 1, share: 1 } }).comments).toHaveLength(
      generateSpace({ key: "ENG", pages: 50, seed: 9 }).pages.filter((p) => p.status === "current").length,
    );
  });

  it("are served by the fake and reported by the space's ground truth", async () => {
    const fake = await startFakeConfluence({
      spaces: [
        { key: "ENG", pages: 60, seed: 4, blogPosts: 5, comments: true },
        { key: "OPS", pages: 10, seed: 4 },
      ],
    });
    try {
      const space = fake.space("ENG");
      expect(space.blogPosts()).toHaveLength(5);
      const comments = space.allComments();
      expect(comments.length).toBeGreaterThan(0);
      expect(fake.space("OPS").allComments()).toEqual([]);
      const first = comments[0]!;
      expect(space.comments(first.containerId)).toContainEqual(first);
      // The next space's ids start after the comments.
      const ops = fake.space("OPS").pages();
      expect(Math.min(...ops.map((p) => Number(p.id)))).toBeGreaterThan(Math.max(...comments.map((c) => Number(c.id))));
      const response = await fetch(
        `${fake.baseUrl}/wiki/rest/api/content/search?cql=${encodeURIComponent('space = "ENG" and type = comment')}&limit=500`,
        { headers: { authorization: `Bearer ${fake.credentials.bearerToken}` } },
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as { results: { id: string; type: string }[] };
      expect(body.results.length).toBeGreaterThan(0);
      const ids = new Set(comments.map((c) => c.id));
      for (const found of body.results) expect(ids.has(found.id) && found.type === "comment").toBe(true);
    } finally {
      await fake.close();
    }
    await expect(startFakeConfluence({ spaces: [{ key: "ENG", pages: 5, comments: { share: 2 } }] })).rejects.toThrow(
      /comments/,
    );
  });
});
