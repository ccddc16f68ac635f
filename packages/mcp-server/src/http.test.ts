import type { Server } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import express, { type Request } from "express";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFixture, type Fixture } from "../test/fixture.js";
import { type ConfluenceMcpHttpOptions, confluenceMcp } from "./http.js";
import type { McpAction, McpResource } from "./options.js";

let fx: Fixture;
let server: Server | undefined;
beforeAll(async () => {
  fx = await createFixture();
});
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(options: Omit<ConfluenceMcpHttpOptions, "store" | "embedder">): Promise<string> {
  const app = express();
  app.use("/mcp", confluenceMcp({ store: fx.store, embedder: fx.embedder, ...options }));
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/mcp`;
}

const initialize = (token?: string) => ({
  method: "POST",
  headers: {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  },
  body: JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  }),
});

describe("confluenceMcp over Streamable HTTP", () => {
  it("refuses every request without an authorize hook or allowUnauthenticated", async () => {
    const url = await serve({});
    const response = await fetch(url, initialize());
    expect(response.status).toBe(403);
    expect(JSON.stringify(await response.json())).toContain("AUTHORIZATION_NOT_CONFIGURED");
  });

  it("asks the authorize hook with the request: 403 when it refuses, 401 when it asks for credentials", async () => {
    const authorize = (req: Request) => {
      const header = req.get("authorization");
      if (!header) throw Object.assign(new Error("Send Authorization: Bearer <token>."), { status: 401 });
      return header === "Bearer good-token";
    };
    const url = await serve({ authorize });
    expect((await fetch(url, initialize())).status).toBe(401);
    expect((await fetch(url, initialize("bad-token"))).status).toBe(403);
    expect((await fetch(url, initialize("good-token"))).status).toBe(200);
  });

  it("checks every tool call per source and page with the hook's actions", async () => {
    const seen: [McpAction, McpResource][] = [];
    const authorize = (_req: Request, action: McpAction, resource: McpResource) => {
      seen.push([action, resource]);
      return resource.sourceId !== "ops";
    };
    const url = await serve({ authorize });
    const client = new Client({ name: "t", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const search = await client.callTool({ name: "search_confluence", arguments: { query: "rollback checklist" } });
    const results = (search.structuredContent as { results: { sourceId: string }[] }).results;
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r.sourceId === "eng")).toBe(true);
    const denied = await client.callTool({ name: "read_confluence_page", arguments: { page: fx.ids.ops } });
    expect(denied.isError).toBe(true);
    expect(seen).toContainEqual(["search", {}]);
    expect(seen).toContainEqual(["search", { sourceId: "ops" }]);
    expect(seen).toContainEqual(["page:read", { sourceId: "ops" }]);
    await client.close();
  });

  it("answers other methods with 405 and keeps to its own path", async () => {
    const url = await serve({ allowUnauthenticated: true });
    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect((await fetch(`${url}/other`, initialize())).status).toBe(404);
  });

  it("refuses Host headers outside allowedHosts", async () => {
    const url = await serve({ allowUnauthenticated: true, allowedHosts: ["localhost:1"] });
    const response = await fetch(url, initialize());
    expect(response.status).toBe(403);
    expect(JSON.stringify(await response.json())).toContain("HOST_NOT_ALLOWED");
  });
});
