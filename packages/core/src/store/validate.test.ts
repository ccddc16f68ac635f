import { describe, expect, it } from "vitest";
import type { ChunkRecord, PageRecord } from "../ports/knowledge-store.js";
import { hasNulDeep, normalizePageWrite } from "./validate.js";

const page: PageRecord = {
  sourceId: "s",
  pageId: "1",
  spaceKey: "ENG",
  title: "Runbook",
  version: 1,
  contentHash: "h",
  status: "current",
  parentId: null,
  ancestors: [],
  path: "/Runbook",
  depth: 0,
  webUrl: "https://acme.atlassian.net/wiki/x",
  authorId: null,
  createdAt: null,
  updatedAt: null,
  labels: ["ops"],
  metadata: { headings: ["Intro"] } as unknown as PageRecord["metadata"],
  markdown: "# Runbook",
  indexedAt: "2024-01-01T00:00:00.000Z",
};
const chunk: ChunkRecord = {
  chunkNumber: 0,
  content: "Restart the service.",
  hash: "c0",
  breadcrumb: ["Runbook"],
  tokens: 4,
  embedding: [0.1, 0.2],
  embeddingModel: "m",
};

describe("normalizePageWrite", () => {
  it("copies by default, so a store may keep what it returns", () => {
    const clean = normalizePageWrite(page, [chunk]);
    expect(clean.page).toEqual(page);
    expect(clean.page).not.toBe(page);
    expect(clean.chunks[0]).toEqual(chunk);
    expect(clean.chunks[0]?.embedding).not.toBe(chunk.embedding);
  });

  it("with copy: false hands back a write without NUL characters as given", () => {
    const clean = normalizePageWrite(page, [chunk], { copy: false });
    expect(clean.page).toBe(page);
    expect(clean.chunks[0]).toBe(chunk);
    expect(clean.dimensions).toBe(2);
  });

  it("with copy: false still removes NUL characters wherever they are, vectors untouched", () => {
    const dirtyPage = { ...page, title: "Run\u0000book", metadata: { "k\u0000": ["v\u0000"] } as never };
    const dirtyChunk = { ...chunk, breadcrumb: ["Run\u0000book"], content: "a\u0000b" };
    const clean = normalizePageWrite(dirtyPage, [dirtyChunk, { ...chunk, chunkNumber: 1 }], { copy: false });
    expect(clean.page.title).toBe("Runbook");
    expect(clean.page.metadata).toEqual({ k: ["v"] });
    expect(clean.chunks[0]).toEqual({ ...chunk, breadcrumb: ["Runbook"], content: "ab" });
    expect(clean.chunks[0]?.embedding).toBe(chunk.embedding);
    expect(hasNulDeep(dirtyPage)).toBe(true);
    expect(hasNulDeep(clean.page)).toBe(false);
  });

  it("with copy: false still rejects a non-finite vector", () => {
    expect(() => normalizePageWrite(page, [{ ...chunk, embedding: [Number.NaN, 1] }], { copy: false })).toThrow(
      expect.objectContaining({ code: "EMBED_BAD_RESPONSE" }),
    );
  });
});
