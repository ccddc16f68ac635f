/**
 * Test wiring: the real `createConfluenceRouter` over HTTP on an ephemeral port, with the in-memory stores, the
 * hashing embedder, the real sync engine and a small in-memory Confluence site. Not part of the package build.
 */
import type { AddressInfo } from "node:net";
import {
  type ConfluenceCredentials,
  type ConfluencePage,
  type ConfluenceSource,
  type ConfluenceSpace,
  ConfluenceSyncError,
  HashingEmbedder,
  InMemoryCredentialStore,
  InMemoryKnowledgeStore,
  type PageRef,
  type SourceCallOptions,
} from "@archon/confluence-core";
import { type ConfluenceRouter, createConfluenceRouter } from "@archon/confluence-express";
import express from "express";

export const SITE_URL = "https://wiki.example.com";
export const GOOD_TOKEN = "tok-good-123456";

/** A valid `createSource` input for the memory site. */
export function sourceInput(overrides: Record<string, unknown> = {}) {
  return {
    sourceId: "eng",
    baseUrl: SITE_URL,
    spaceKey: "ENG",
    credentials: { type: "basic" as const, email: "bot@example.com", apiToken: GOOD_TOKEN },
    ...overrides,
  };
}

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

/** One space, `ENG`: a handbook with runbooks, a chain six levels deep, and a few top-level pages. */
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
    page("6", "Architecture", null, "Services, queues and storage."),
    page("7", "Storage", "6", "PostgreSQL clusters and backups."),
    page("8", "Backups", "7", "Nightly base backups and WAL archiving."),
    page("9", "Restore Drills", "8", "Quarterly restore drills prove the backups."),
  ];
  #gate: Promise<void> | null = null;
  #open: (() => void) | null = null;

  /** Makes syncs wait (at their first listing) until {@link release}, so a test can watch one run. */
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

class MemorySource implements ConfluenceSource {
  readonly deployment: "cloud" | "datacenter";
  readonly baseUrl: string;
  readonly #site: MemorySite;
  readonly #credentials: ConfluenceCredentials;

  constructor(
    site: MemorySite,
    connection: { baseUrl: string; deployment: "cloud" | "datacenter"; credentials: ConfluenceCredentials },
  ) {
    this.#site = site;
    this.#credentials = connection.credentials;
    this.deployment = connection.deployment;
    this.baseUrl = connection.baseUrl;
  }

  async checkConnection(): Promise<void> {
    const secret = this.#credentials.type === "basic" ? this.#credentials.apiToken : this.#credentials.token;
    if (secret !== GOOD_TOKEN) {
      throw new ConfluenceSyncError("SOURCE_AUTH", `Confluence rejected the credentials for ${this.baseUrl} (401).`);
    }
  }

  async getSpace(spaceKey: string): Promise<ConfluenceSpace> {
    if (spaceKey !== this.#site.space.key) {
      throw new ConfluenceSyncError("SOURCE_NOT_FOUND", `Space ${spaceKey} does not exist or is not visible.`);
    }
    return this.#site.space;
  }

  async *listPageRefs(_space: ConfluenceSpace, options?: SourceCallOptions): AsyncIterable<PageRef[]> {
    await this.#site.wait(options?.signal);
    yield this.#site.pages.map(({ id, title, version, status, parentId, labels, updatedAt }) => ({
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
    await this.#site.wait(options?.signal);
    yield [...this.#site.pages];
  }

  async *listChangedSince(_space: ConfluenceSpace, since: Date, options?: SourceCallOptions) {
    await this.#site.wait(options?.signal);
    yield this.#site.pages.filter((p) => p.updatedAt !== null && new Date(p.updatedAt) >= since);
  }

  async *getPages(_space: ConfluenceSpace, ids: readonly string[], options?: SourceCallOptions) {
    await this.#site.wait(options?.signal);
    yield this.#site.pages.filter((p) => ids.includes(p.id));
  }
}

export interface LiveRouter {
  /** Absolute URL of the router, e.g. `http://127.0.0.1:40123/api/confluence`. */
  readonly baseUrl: string;
  readonly site: MemorySite;
  readonly store: InMemoryKnowledgeStore;
  readonly router: ConfluenceRouter;
  /** Every request the server received, as `METHOD /path` (without the query). */
  readonly requests: string[];
  close(): Promise<void>;
}

export interface LiveRouterOptions {
  /** Answer the SSE route with `503`, as a proxy that cannot stream would. */
  blockStreams?: boolean;
  /** Close every SSE response right after its first event, as a proxy with a short idle timeout would. */
  dropStreams?: boolean;
}

/** Starts the router on `127.0.0.1` at an ephemeral port. */
export async function startLiveRouter(options: LiveRouterOptions = {}): Promise<LiveRouter> {
  const store = new InMemoryKnowledgeStore();
  const site = new MemorySite();
  const requests: string[] = [];
  const router = createConfluenceRouter({
    store,
    credentials: new InMemoryCredentialStore(),
    embedder: new HashingEmbedder({ dimensions: 64 }),
    createSource: (connection) => new MemorySource(site, connection),
    allowUnauthenticated: true,
    urlPolicy: { lookup: async () => ["93.184.216.34"] },
    // The test page (jsdom) lives on another origin than this server, like an app served from its own host.
    ...(globalThis.location ? { allowedOrigins: [globalThis.location.origin] } : {}),
  });
  const app = express();
  app.use((req, res, next) => {
    requests.push(`${req.method} ${req.path}`);
    if (options.blockStreams && req.path.endsWith("/stream")) {
      res.status(503).json({ error: { code: "STREAMING_UNAVAILABLE", message: "This proxy cannot stream." } });
      return;
    }
    if (options.dropStreams && req.path.endsWith("/stream")) {
      const write = res.write.bind(res) as (chunk: unknown) => boolean;
      res.write = ((chunk: unknown) => {
        const written = write(chunk);
        if (String(chunk).startsWith("id:")) res.end();
        return written;
      }) as typeof res.write;
    }
    next();
  });
  app.use("/api/confluence", router);
  const server = app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/confluence`,
    site,
    store,
    router,
    requests,
    async close() {
      site.release();
      await router.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A fetch that passes everything to the real one and records each exchange (method, URL, headers, status). */
export function recordingFetch() {
  const exchanges: { method: string; url: string; ifNoneMatch: string | null; status: number }[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    exchanges.push({
      method: init?.method ?? "GET",
      url: String(input),
      ifNoneMatch: new Headers(init?.headers).get("if-none-match"),
      status: response.status,
    });
    return response;
  };
  return { fetch: fetchImpl, exchanges };
}
