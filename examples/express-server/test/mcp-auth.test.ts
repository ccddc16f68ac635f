/**
 * The example server's /mcp endpoint with API_TOKEN and MCP_ALLOW_SYNC: the API's bearer token guards it too, and
 * an assistant can start a sync and follow it to the end with sync_status.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../src/server.js";

const token = "mcp-test-token-0123456789";

describe("/mcp with API_TOKEN and MCP_ALLOW_SYNC", () => {
  let dataDir: string;
  let running: RunningServer;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "archon-mcp-auth-"));
    running = await startServer({
      PORT: "0",
      DATA_DIR: dataDir,
      FAKE_CONFLUENCE_PAGES: "20",
      API_TOKEN: token,
      MCP_ALLOW_SYNC: "true",
    });
  });

  afterAll(async () => {
    await running?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("refuses requests without the API token, as the API does", async () => {
    const request = (authorization?: string) =>
      fetch(`${running.url}/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
    // A missing or wrong token is a 401 with a Bearer challenge, on /mcp as on the API.
    const missing = await request();
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await request("Bearer wrong-token-0123456789")).status).toBe(401);
    expect((await fetch(`${running.url}/api/confluence/sources`)).status).toBe(401);
  });

  it("starts a sync with start_sync and follows it with sync_status", async () => {
    const client = new Client({ name: "archon-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${running.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("start_sync");
      const started = await client.callTool({ name: "start_sync", arguments: { sourceId: "demo", mode: "full" } });
      expect(started.isError).not.toBe(true);
      const { operationId } = started.structuredContent as { operationId: string };
      // Wait on the progress the sync writes, then ask the assistant's way.
      for (;;) {
        const progress = await running.runtime.progress.getProgress(operationId);
        if (progress && progress.state !== "running") {
          expect(progress.state).toBe("completed");
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const status = await client.callTool({ name: "sync_status", arguments: { sourceId: "demo" } });
      expect((status.structuredContent as { sources: unknown[] }).sources).toEqual([
        expect.objectContaining({ sourceId: "demo", lastMode: "full", running: null, failedPages: 0 }),
      ]);
      const search = await client.callTool({ name: "search_confluence", arguments: { query: "onboarding" } });
      expect((search.structuredContent as { results: unknown[] }).results.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });
});
