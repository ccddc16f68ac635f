/** Shared test wiring: a small in-process Confluence site, the in-memory stores and an app with the router. */
import {
  type Chunk,
  type Chunker,
  type ConfluenceCredentials,
  type ConfluencePage,
  type ConfluenceSource,
  type ConfluenceSpace,
  ConfluenceSyncError,
  createStorageConverter,
  HashingEmbedder,
  InMemoryCredentialStore,
  InMemoryKnowledgeStore,
  type PageRef,
  type SourceCallOptions,
  sha256,
} from "@archon/confluence-core";
import express, { type Express } from "express";
import { type ConfluenceRouter, type ConfluenceRouterOptions, createConfluenceRouter } from "../src/index.js";

export const SITE_URL = "https://wiki.example.com";
export const GOOD_TOKEN = "tok-good-123456";

function page(id: string, title: string, parentId: string | null, text: string, labels: string[] = []): ConfluencePage {
  return {
    id,
    title,
    version: 1,
    status: "current",
    parentId,
    spaceKey: "ENG",
    body: `<h1>${title}</h1><p>${text}</p>`,
    labels,
    authorId: "u-1",
    createdAt: "2025-01-01T00:00:00.000Z",
    updatedAt: "2025-01-02T00:00:00.000Z",
    webUrl: `${SITE_URL}/pages/${id}`,
  };
}

/**
 * A Confluence site in memory: one space `ENG` with a small page tree. `hold()` makes listings wait until
 * `release()`, so a test can observe a running sync.
 */
export class MemorySite {
  readonly space: ConfluenceSpace = { id: "100", key: "ENG", name: "Engineering", homepageId: "1" };
  readonly pages: ConfluencePage[] = [
    page("1", "Engineering Handbook", null, "How the engineering team works."),
    page("2", "Deploy Runbook", "1", "Run the deploy pipeline, then verify the canary dashboards.", ["runbook"]),
    page("3", "On-call Guide", "1", "The pager rotates weekly; escalate after fifteen minutes."),
    page("4", "Rollback Procedure", "2", "To roll back, redeploy the previous artifact with the rollback flag.", [
      "runbook",
    ]),
    page("5", "Postmortems", null, "Blameless postmortem template and archive."),
  ];
  /** Every connection check, with the credential type (never the secret). */
  readonly checks: ConfluenceCredentials["type"][] = [];
  #gate: Promise<void> | null = null;
  #open: (() => void) | null = null;

  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  release(): void {
    this.#open?.();
    this.#gate = null;
  }

  async wait(signal?: AbortSignal): Promise<void> {
    const gate = this.#gate;
    if (!gate) return;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new ConfluenceSyncError("SYNC_ABORTED", "Sync cancelled."));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      gate.then(resolve);
    });
  }
}

export class MemorySource implements ConfluenceSource {
  readonly deployment: "cloud" | "datacenter";
  readonly baseUrl: string;
  constructor(
    private readonly site: MemorySite,
    connection: { baseUrl: string; deployment: "cloud" | "datacenter"; credentials: ConfluenceCredentials },
    private readonly credentials = connection.credentials,
  ) {
    this.deployment = connection.deployment;
    this.baseUrl = connection.baseUrl;
  }

  async checkConnection(): Promise<void> {
    this.site.checks.push(this.credentials.type);
    const secret = this.credentials.type === "basic" ? this.credentials.apiToken : this.credentials.token;
    if (secret !== GOOD_TOKEN) {
      throw new ConfluenceSyncError("SOURCE_AUTH", `Confluence rejected the credentials for ${this.baseUrl} (401).`);
    }
  }

  async getSpace(spaceKey: string): Promise<ConfluenceSpace> {
    if (spaceKey !== this.site.space.key) {
      throw new ConfluenceSyncError("SOURCE_NOT_FOUND", `Space ${spaceKey} does not exist or is not visible.`);
    }
    return this.site.space;
  }

  async *listPageRefs(_space: ConfluenceSpace, options?: SourceCallOptions): AsyncIterable<PageRef[]> {
    await this.site.wait(options?.signal);
    yield this.site.pages.map(({ id, title, version, status, parentId, labels, updatedAt }) => ({
      id,
      title,
      version,
      status,
      parentId,
      labels,
      updatedAt,
    }));
  }

  async *listPages(_space: ConfluenceSpace, options?: SourceCallOptions): AsyncIterable<ConfluencePage[]> {
    await this.site.wait(options?.signal);
    yield [...this.site.pages];
  }

  async *listChangedSince(space: ConfluenceSpace, since: Date, options?: SourceCallOptions) {
    await this.site.wait(options?.signal);
    yield this.site.pages.filter((p) => p.updatedAt !== null && new Date(p.updatedAt) >= since && space.key === "ENG");
  }

  async *getPages(_space: ConfluenceSpace, ids: readonly string[], options?: SourceCallOptions) {
    await this.site.wait(options?.signal);
    yield this.site.pages.filter((p) => ids.includes(p.id));
  }
}

/** One chunk per paragraph, breadcrumb = title. Small and deterministic. */
export const paragraphChunker: Chunker = {
  id: "test-paragraphs@1",
  chunk(markdown, { title }): Chunk[] {
    return markdown
      .split(/\n{2,}/)
      .map((text) => text.trim())
      .filter(Boolean)
      .map((text, index) => ({
        index,
        text,
        breadcrumb: [title],
        hash: sha256(text),
        tokens: text.split(/\s+/).length,
      }));
  },
};

export interface TestApp {
  app: Express;
  router: ConfluenceRouter;
  store: InMemoryKnowledgeStore;
  credentials: InMemoryCredentialStore;
  site: MemorySite;
}

/** An app with the router at `/api/confluence`, the real sync engine and the in-memory stores. */
export function createTestApp(overrides: Partial<ConfluenceRouterOptions> = {}): TestApp {
  const store = new InMemoryKnowledgeStore();
  const credentials = new InMemoryCredentialStore();
  const site = new MemorySite();
  const router = createConfluenceRouter({
    store,
    credentials,
    embedder: new HashingEmbedder({ dimensions: 64 }),
    createSource: (connection) => new MemorySource(site, connection),
    sync: { converter: createStorageConverter(), chunker: paragraphChunker },
    allowUnauthenticated: !overrides.authorize,
    urlPolicy: { lookup: async () => ["93.184.216.34"] },
    ...overrides,
  });
  const app = express();
  app.use("/api/confluence", router);
  return { app, router, store, credentials, site };
}

/** A valid `POST /sources` body for the memory site. */
export function newSourceBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sourceId: "eng",
    baseUrl: SITE_URL,
    spaceKey: "ENG",
    credentials: { type: "basic", email: "bot@example.com", apiToken: GOOD_TOKEN },
    ...overrides,
  };
}

/** Polls `GET /progress/:id` until the operation leaves `running`. */
export async function waitForOperation(
  request: () => Promise<{ status: number; body: { status: string } }>,
  attempts = 500,
): Promise<{ status: string } & Record<string, unknown>> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const response = await request();
    if (response.status !== 200) throw new Error(`progress answered ${response.status}`);
    if (response.body.status !== "running") return response.body;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("operation did not finish");
}
