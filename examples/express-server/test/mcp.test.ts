/**
 * End to end with the MCP SDK's own client against the example stack (fake Confluence, PGlite, hashing embedder):
 * the server's Streamable HTTP endpoint at /mcp, then the `archon-confluence-mcp` stdio command on the same data.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultCredentials } from "@archon/fake-confluence";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Child, start, waitForUrl } from "./helpers.js";

const bin = fileURLToPath(new URL("../bin/archon-confluence-mcp.mjs", import.meta.url));

interface ToolOutcome {
  isError: boolean;
  text: string;
  structured: Record<string, unknown>;
}

/** Everything every call returned, to check that no secret is in any of it. */
const transcript: string[] = [];

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolOutcome> {
  const result = await client.callTool({ name, arguments: args });
  transcript.push(JSON.stringify(result));
  const content = result.content as { type: string; text?: string }[];
  return {
    isError: result.isError === true,
    text: content.map((block) => block.text ?? "").join("\n"),
    structured: (result.structuredContent ?? {}) as Record<string, unknown>,
  };
}

interface Result {
  sourceId: string;
  pageId: string;
  title: string;
  url: string;
  breadcrumb: string[];
  snippet: string;
}

/** The checks both transports must pass. */
function describeMcpClient(label: string, connect: () => Promise<Client>) {
  describe(label, () => {
    let client: Client;
    beforeAll(async () => {
      client = await connect();
    });
    afterAll(async () => {
      await client?.close();
    });

    it("lists the read-only tools, with input and output schemas, and no start_sync", async () => {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([
        "confluence_page_tree",
        "list_confluence_sources",
        "read_confluence_page",
        "search_confluence",
        "sync_status",
      ]);
      const search = tools.find((tool) => tool.name === "search_confluence");
      expect(search?.inputSchema.required).toEqual(["query"]);
      expect(search?.outputSchema?.properties).toHaveProperty("results");
    });

    it("lists the synced source with its page count", async () => {
      const outcome = await call(client, "list_confluence_sources");
      expect(outcome.isError).toBe(false);
      const sources = outcome.structured.sources as { sourceId: string; spaceKey: string; pages: number }[];
      expect(sources).toEqual([expect.objectContaining({ sourceId: "demo", spaceKey: "DEMO" })]);
      expect(sources[0]?.pages).toBeGreaterThan(20);
      expect(outcome.text).toContain("demo: ");
    });

    it("searches: each page once, with breadcrumb, URL and a plain-text snippet", async () => {
      const outcome = await call(client, "search_confluence", { query: "deploy rollback incident", limit: 8 });
      expect(outcome.isError).toBe(false);
      const results = outcome.structured.results as Result[];
      expect(results.length).toBe(8);
      const keys = results.map((r) => `${r.sourceId}/${r.pageId}`);
      expect(new Set(keys).size).toBe(keys.length);
      for (const result of results) {
        expect(result.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/wiki\/spaces\/DEMO\/pages\//);
        expect(result.breadcrumb.at(-1)).toBe(result.title);
        expect(result.snippet.length).toBeGreaterThan(0);
        expect(result.snippet.length).toBeLessThanOrEqual(330);
        expect(result.snippet).not.toMatch(/\| ?-{3}|\]\(|^#/);
        expect(outcome.text).toContain(result.url);
      }
    });

    it("reads a page by id and by URL, with breadcrumb, labels, editor and date", async () => {
      const search = await call(client, "search_confluence", { query: "rollback", limit: 1 });
      const [hit] = search.structured.results as Result[];
      if (!hit) throw new Error("no search result to read");
      const byId = await call(client, "read_confluence_page", { page: hit.pageId });
      expect(byId.isError).toBe(false);
      expect(byId.structured).toMatchObject({ pageId: hit.pageId, title: hit.title, url: hit.url, part: 1 });
      expect(byId.structured.breadcrumb).toEqual(hit.breadcrumb);
      expect(byId.structured.lastEditor).toEqual(expect.any(String));
      expect(byId.structured.updatedAt).toEqual(expect.any(String));
      expect(byId.text).toContain(`# ${hit.title}`);
      expect(byId.text).toContain(`URL: ${hit.url}`);
      const byUrl = await call(client, "read_confluence_page", { page: hit.url });
      expect(byUrl.structured.pageId).toBe(hit.pageId);
      expect(byUrl.structured.markdown).toBe(byId.structured.markdown);
    });

    it("reads a page as a resource at confluence://{sourceId}/pages/{pageId}", async () => {
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((t) => t.uriTemplate)).toContain("confluence://{sourceId}/pages/{pageId}");
      const { resources } = await client.listResources();
      const first = resources[0];
      if (!first) throw new Error("no page resource listed");
      expect(first.uri).toMatch(/^confluence:\/\/demo\/pages\/\w+$/);
      const read = await client.readResource({ uri: first.uri });
      transcript.push(JSON.stringify(read));
      const text = (read.contents[0] as { text?: string }).text ?? "";
      expect(text).toContain(`# ${first.name}`);
      expect(read.contents[0]?.mimeType).toBe("text/markdown");
      await expect(client.readResource({ uri: "confluence://demo/pages/999999999" })).rejects.toThrow(
        /Page 999999999 is not in any synced source/,
      );
    });

    it("walks the page tree a limited depth down", async () => {
      const outcome = await call(client, "confluence_page_tree", { depth: 2 });
      expect(outcome.isError).toBe(false);
      const nodes = outcome.structured.nodes as { depth: number; parentId: string | null }[];
      expect(nodes.length).toBeGreaterThan(1);
      expect(Math.max(...nodes.map((node) => node.depth))).toBe(2);
      expect(nodes.filter((node) => node.depth === 1).every((node) => node.parentId === null)).toBe(true);
    });

    it("reports the last sync", async () => {
      const outcome = await call(client, "sync_status");
      const [status] = outcome.structured.sources as { lastMode: string; running: unknown }[];
      expect(status).toMatchObject({ lastMode: "full", running: null });
    });

    it("answers bad input with tool errors that say what was wrong", async () => {
      const unknownPage = await call(client, "read_confluence_page", { page: "999999999" });
      expect(unknownPage).toMatchObject({ isError: true });
      expect(unknownPage.text).toMatch(/Page 999999999 is not in any synced source/);
      const notAPage = await call(client, "read_confluence_page", { page: "not a page" });
      expect(notAPage.text).toMatch(/neither a page id nor a Confluence page URL/);
      const unknownSource = await call(client, "search_confluence", {
        query: "deploy",
        filters: { sourceIds: ["nope"] },
      });
      expect(unknownSource).toMatchObject({ isError: true });
      expect(unknownSource.text).toMatch(/filters\.sourceIds: unknown source "nope".*demo/);
      const unknownFilter = await call(client, "search_confluence", { query: "deploy", filters: { team: "x" } });
      expect(unknownFilter.isError).toBe(true);
      expect(unknownFilter.text).toMatch(/Unrecognized key.*team/);
      const badDate = await call(client, "search_confluence", {
        query: "deploy",
        filters: { updatedAfter: "yesterday" },
      });
      expect(badDate.text).toMatch(/updatedAfter/);
      const badSubtree = await call(client, "search_confluence", { query: "deploy", filters: { subtree: "424242" } });
      expect(badSubtree.text).toMatch(/filters\.subtree: Page 424242 is not in any synced source/);
    });
  });
}

describe("MCP against the example stack", () => {
  let dataDir: string;
  let server: Child | undefined;
  let url: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "archon-mcp-"));
    server = start("src/start.ts", [], { PORT: "0", DATA_DIR: dataDir, FAKE_CONFLUENCE_PAGES: "40" });
    url = await waitForUrl(server);
    const started = await fetch(`${url}/api/confluence/demo/sync`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ mode: "full" }),
    });
    const { progressUrl } = (await started.json()) as { progressUrl: string };
    for (;;) {
      const operation = (await (await fetch(`${url}${progressUrl}`)).json()) as { status: string };
      if (operation.status !== "running") {
        expect(operation.status).toBe("succeeded");
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  afterAll(async () => {
    if (server && server.process.exitCode === null) {
      server.process.kill("SIGTERM");
      await server.exited;
    }
    if (dataDir) {
      // No result may quote a credential: the fake's token and email, or the key that encrypts stored tokens.
      const secretKey = (await readFile(join(dataDir, "secret.key"), "utf8")).trim();
      const { apiToken } = defaultCredentials("cloud");
      const all = transcript.join("\n");
      expect(transcript.length).toBeGreaterThan(20);
      for (const secret of [apiToken, secretKey]) expect(all).not.toContain(secret);
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("answers GET on /mcp with 405 (stateless endpoint)", async () => {
    const response = await fetch(`${url}/mcp`);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });

  describeMcpClient("over Streamable HTTP at /mcp", async () => {
    const client = new Client({ name: "archon-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
    return client;
  });

  describe("over stdio with archon-confluence-mcp", () => {
    beforeAll(async () => {
      // PGlite serves one process: the stdio command opens the same data once the server stopped.
      server?.process.kill("SIGTERM");
      await server?.exited;
    });

    describeMcpClient("on the same PGlite data", async () => {
      const client = new Client({ name: "archon-test", version: "1.0.0" });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [bin],
          env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATA_DIR: dataDir },
          stderr: "pipe",
        }),
      );
      return client;
    });
  });
});
