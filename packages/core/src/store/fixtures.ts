// Builders for the store conformance suites (`@archon/confluence-core/testing`); not part of the main entry.
import { sha256 } from "../hash.js";
import type { PageMetadata } from "../ports/converter.js";
import type { ChunkRecord, PageRecord, SourceRecord, SyncMetrics } from "../ports/knowledge-store.js";

export const T0 = "2024-01-01T00:00:00.000Z";
export const MODEL = "conformance:model-a";

export function makeSource(sourceId: string, overrides: Partial<SourceRecord> = {}): SourceRecord {
  return {
    sourceId,
    name: `Source ${sourceId}`,
    deployment: "cloud",
    baseUrl: "https://acme.atlassian.net",
    spaceKey: "ENG",
    deletionStrategy: "listing",
    removeArchived: true,
    createdAt: T0,
    updatedAt: T0,
    metadata: { team: "platform", nested: { n: 1, tags: ["x", "y"] } },
    ...overrides,
  };
}

export function emptyMetadata(overrides: Partial<PageMetadata> = {}): PageMetadata {
  return {
    jiraKeys: [],
    mentions: [],
    pageLinks: [],
    attachments: [],
    externalLinks: [],
    headings: [],
    codeLanguages: [],
    macros: {},
    wordCount: 0,
    ...overrides,
  };
}

export interface PageOptions extends Partial<Omit<PageRecord, "sourceId" | "pageId" | "path" | "depth">> {}

/** A page; `path` and `depth` follow from `ancestors`. */
export function makePage(sourceId: string, pageId: string, options: PageOptions = {}): PageRecord {
  const ancestors = options.ancestors ?? [];
  return {
    sourceId,
    pageId,
    spaceKey: "ENG",
    title: `Page ${pageId}`,
    version: 1,
    contentHash: sha256(`${sourceId}/${pageId}/${options.version ?? 1}`),
    status: "current",
    parentId: ancestors.length > 0 ? (ancestors[ancestors.length - 1] as string) : null,
    webUrl: `https://acme.atlassian.net/wiki/spaces/ENG/pages/${encodeURIComponent(sourceId)}-${pageId}`,
    authorId: "user-1",
    createdAt: T0,
    updatedAt: T0,
    labels: [],
    metadata: emptyMetadata({ jiraKeys: ["ENG-1"], headings: [{ level: 1, text: "Intro" }], macros: { code: 2 } }),
    markdown: `# Page ${pageId}\n\nBody.`,
    indexedAt: T0,
    ...options,
    ancestors,
    path: `/${[...ancestors, pageId].join("/")}`,
    depth: ancestors.length,
  };
}

/** Unit vector along axis `axis % dimensions`; components are exact in float32. */
export function axis(axis: number, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  vector[axis % dimensions] = 1;
  return vector;
}

/** `axis(a)` tilted towards `axis(b)` by `weight` (0.5 or 0.25 keep float32 exact). */
export function tilt(a: number, b: number, weight: number, dimensions: number): number[] {
  const vector = axis(a, dimensions);
  vector[b % dimensions] = weight;
  return vector;
}

export function makeChunk(
  chunkNumber: number,
  content: string,
  embedding: readonly number[],
  overrides: Partial<ChunkRecord> = {},
): ChunkRecord {
  return {
    chunkNumber,
    content,
    hash: sha256(content),
    breadcrumb: ["Title", `Section ${chunkNumber}`],
    tokens: content.split(/\s+/).length,
    embedding,
    embeddingModel: MODEL,
    ...overrides,
  };
}

export function makeMetrics(operationId: string, overrides: Partial<SyncMetrics> = {}): SyncMetrics {
  return {
    operationId,
    mode: "full",
    startedAt: T0,
    finishedAt: "2024-01-01T00:01:00.000Z",
    durationMs: 60_000,
    pagesListed: 10,
    pagesFetched: 9,
    pagesIndexed: 8,
    pagesSkipped: 1,
    pagesMoved: 1,
    pagesDeleted: 1,
    pagesFailed: 1,
    chunksWritten: 40,
    chunksReused: 3,
    embeddingCalls: 2,
    embeddingTokens: 1234,
    apiRequests: 12,
    retries: 1,
    rateLimitWaits: 1,
    rateLimitWaitMs: 500,
    ...overrides,
  };
}
