/**
 * Starts the example server as a child process on embedded defaults (PGlite in a temp dir, the fake Confluence,
 * the hashing embedder), syncs the demo space over HTTP, polls progress to completion and searches.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Child, freePort, start, waitForUrl } from "./helpers.js";

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    ...init,
    headers: { "content-type": "application/json", ...(init?.headers ?? {}) },
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe("example server on embedded defaults", () => {
  let dataDir: string;
  let server: Child;
  let url: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "archon-example-"));
    await mkdir(join(dataDir, "web"));
    await writeFile(join(dataDir, "web", "index.html"), "<!doctype html><title>app shell marker</title>");
    server = start("src/start.ts", [], {
      PORT: "0",
      DATA_DIR: dataDir,
      FAKE_CONFLUENCE_PAGES: "150",
      WEB_APP_DIR: join(dataDir, "web"),
    });
    url = await waitForUrl(server);
  });

  afterAll(async () => {
    server?.process.kill("SIGTERM");
    await server?.exited;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("prints its URL and one line for each default it chose", () => {
    expect(server.stdout).toContain("storage: embedded PGlite");
    expect(server.stdout).toContain("embedder: local hashing embedder");
    expect(server.stdout).toContain("confluence: embedded fake Confluence");
    expect(server.stdout).toContain("secret key: generated");
    expect(server.stdout).toContain('source: "demo" = space DEMO');
  });

  it("serves the web app shell for client routes, next to the API and a health check", async () => {
    for (const path of ["/", "/sources/demo"]) {
      const response = await fetch(`${url}${path}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("app shell marker");
    }
    const api = await json(`${url}/api/confluence/no/such/route`);
    expect(api).toEqual({ status: 404, body: { error: expect.objectContaining({ code: "NOT_FOUND" }) } });
    expect((await json(`${url}/healthz`)).body).toEqual({ ok: true });
  });

  it("syncs the demo space over HTTP, reports progress to completion, and finds pages", async () => {
    const sources = await json(`${url}/api/confluence/sources`);
    expect(sources.status).toBe(200);
    expect(sources.body.sources).toEqual([expect.objectContaining({ sourceId: "demo", spaceKey: "DEMO" })]);
    expect(JSON.stringify(sources.body)).not.toContain("fake-api-token");

    const started = await json(`${url}/api/confluence/demo/sync`, { method: "POST", body: '{"mode":"full"}' });
    expect(started.status).toBe(202);
    const progressUrl = `${url}${started.body.progressUrl as string}`;
    let operation: Record<string, unknown> = {};
    for (let attempt = 0; attempt < 1200; attempt++) {
      operation = (await json(progressUrl)).body;
      if (operation.status !== "running") break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(operation.error).toBeNull();
    expect(operation.status).toBe("succeeded");
    const metrics = operation.metrics as { pagesIndexed: number; pagesFailed: number };
    expect(metrics.pagesFailed).toBe(0);
    expect(metrics.pagesIndexed).toBeGreaterThan(100);

    const pages = await json(`${url}/api/confluence/sources/demo/pages?parentId=root`);
    const roots = pages.body.items as { pageId: string; title: string }[];
    expect(roots.length).toBeGreaterThan(0);
    const page = await json(`${url}/api/confluence/pages/${roots[0]?.pageId}`);
    expect(page.body.markdown).toEqual(expect.any(String));

    // A page must come back when searching for a sentence of its own text.
    const listing = await json(`${url}/api/confluence/sources/demo/pages?limit=100`);
    let query: string | undefined;
    let pageId: string | undefined;
    for (const item of listing.body.items as { pageId: string }[]) {
      const detail = await json(`${url}/api/confluence/pages/${item.pageId}?sourceId=demo`);
      const line = (detail.body.markdown as string).split("\n").find((text) => /^[A-Z][a-z]+( [a-z]+){7,}/.test(text));
      if (line) {
        query = line.split(" ").slice(0, 8).join(" ");
        pageId = item.pageId;
        break;
      }
    }
    expect(query).toBeDefined();
    const search = await json(`${url}/api/confluence/search`, {
      method: "POST",
      body: JSON.stringify({ query, limit: 10 }),
    });
    expect(search.status).toBe(200);
    const hits = search.body.hits as { pageId: string; title: string; url: string; sourceId: string }[];
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]?.sourceId).toBe("demo");
    expect(hits[0]?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/wiki\/spaces\/DEMO\/pages\//);
    expect(hits.map((hit) => hit.pageId)).toContain(pageId);

    // Mentions of the demo show people's names, not account ids.
    const outage = await json(`${url}/api/confluence/search`, {
      method: "POST",
      body: JSON.stringify({ query: "checkout outage", mode: "keyword", limit: 1 }),
    });
    const outageId = (outage.body.hits as { pageId: string }[])[0]?.pageId;
    const review = await json(`${url}/api/confluence/pages/${outageId}?sourceId=demo`);
    expect(review.body.markdown).toMatch(/@[A-Z][a-z]+ [A-Z][a-z]+ starts the/);
    expect(review.body.markdown).not.toMatch(/@557058:/);
  }, 300_000);

  it("refuses a second process on the same embedded database with a clear message", async () => {
    const second = start("src/start.ts", [], { PORT: "0", DATA_DIR: dataDir });
    const code = await second.exited;
    expect(code).toBe(2);
    expect(second.stderr).toContain("is in use by process");
  });
});

describe("configuration errors", () => {
  it("exits 2 naming every bad variable, without echoing secrets", async () => {
    const child = start("src/start.ts", [], {
      PORT: "not-a-port",
      DATABASE_URL: "mysql://u:secret-password@db/x",
    });
    expect(await child.exited).toBe(2);
    expect(child.stderr).toContain("PORT: must be a port number");
    expect(child.stderr).toContain("DATABASE_URL: must start with postgres://");
    expect(child.stderr).not.toContain("secret-password");
  });

  it("requires credentials with CONFLUENCE_BASE_URL", async () => {
    const child = start("src/start.ts", [], {
      CONFLUENCE_BASE_URL: "https://acme.atlassian.net",
      CONFLUENCE_EMAIL: "me@acme.com",
    });
    expect(await child.exited).toBe(2);
    expect(child.stderr).toContain("CONFLUENCE_API_TOKEN: is required with CONFLUENCE_BASE_URL");
  });
});

describe("starting up", () => {
  it("fails clearly when its port is in use, instead of claiming to listen", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as { port: number };
    const dataDir = await mkdtemp(join(tmpdir(), "archon-port-"));
    try {
      const child = start("src/start.ts", [], { PORT: String(port), DATA_DIR: dataDir, FAKE_CONFLUENCE_PAGES: "5" });
      expect(await child.exited).toBe(2);
      expect(child.stderr).toContain(`PORT: 127.0.0.1:${port} is already in use`);
      expect(child.stdout).not.toContain("listening on");
    } finally {
      blocker.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it("keeps the fake Confluence on its port across restarts, serves readable pages, and never dead-ends at /", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "archon-restart-"));
    const fakePort = await freePort();
    const env = {
      PORT: "0",
      DATA_DIR: dataDir,
      FAKE_CONFLUENCE_PAGES: "30",
      FAKE_CONFLUENCE_PORT: String(fakePort),
      WEB_APP_DIR: join(dataDir, "no-web-app"),
    };
    try {
      const baseUrls: string[] = [];
      for (let run = 0; run < 2; run++) {
        const server = start("src/start.ts", [], env);
        try {
          const url = await waitForUrl(server);
          expect(server.stdout).toContain(`embedded fake Confluence at http://127.0.0.1:${fakePort}`);
          const { sources } = (await (await fetch(`${url}/api/confluence/sources`)).json()) as {
            sources: { baseUrl: string }[];
          };
          baseUrls.push(sources[0]?.baseUrl ?? "");

          const home = await fetch(`${url}/`);
          expect(home.status).toBe(200);
          const html = await home.text();
          expect(html).toContain("npm run build -w @archon/example-react-app");
          expect(html).toContain('href="/api/confluence/openapi.json"');

          const view = await fetch(`http://127.0.0.1:${fakePort}/wiki/spaces/DEMO/pages/100000`);
          expect(view.status).toBe(200);
          expect(await view.text()).toContain("<h1>Acme Engineering Handbook</h1>");
        } finally {
          server.process.kill("SIGTERM");
          await server.exited;
        }
      }
      expect(baseUrls).toEqual([`http://127.0.0.1:${fakePort}`, `http://127.0.0.1:${fakePort}`]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
