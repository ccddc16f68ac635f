/**
 * `runMcpCommand` (behind `archon-confluence-mcp` and the `mcp` subcommand) in process, on in-memory pipes: with
 * --allow-sync an assistant syncs the demo space and then finds it; bad arguments and configuration exit 2.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, type Readable, type Writable } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMcpCommand } from "../src/mcp-command.js";

/** The client end of a stdio connection over two pipes, framed as the SDK's stdio transports frame it. */
class PipeClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #buffer = new ReadBuffer();
  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
  ) {}
  async start(): Promise<void> {
    this.input.on("data", (chunk: Buffer) => {
      this.#buffer.append(chunk);
      for (let message = this.#buffer.readMessage(); message; message = this.#buffer.readMessage()) {
        this.onmessage?.(message);
      }
    });
  }
  async send(message: JSONRPCMessage): Promise<void> {
    this.output.write(serializeMessage(message));
  }
  async close(): Promise<void> {
    this.output.end();
    this.onclose?.();
  }
}

function collect(stream: Readable): () => string {
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return () => text;
}

describe("runMcpCommand", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "archon-mcp-stdio-"));
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("exits 2 on an unknown option or a bad variable, naming it", async () => {
    const stderr = new PassThrough();
    const text = collect(stderr);
    expect(await runMcpCommand(["--bogus"], { stderr })).toBe(2);
    expect(text()).toMatch(/bogus[\s\S]*Usage: archon-confluence-mcp/);
    expect(await runMcpCommand([], { stderr, env: { DATA_DIR: dataDir, DATABASE_URL: "mysql://x" } })).toBe(2);
    expect(text()).toContain("DATABASE_URL: must start with postgres://");
  });

  it("with --allow-sync, syncs the demo space on request and then searches it", async () => {
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    const stderr = new PassThrough();
    const diagnostics = collect(stderr);
    const exited = runMcpCommand(["--allow-sync"], {
      env: { DATA_DIR: dataDir, FAKE_CONFLUENCE_PAGES: "15" },
      stdin: toServer,
      stdout: fromServer,
      stderr,
    });
    const client = new Client({ name: "archon-test", version: "1.0.0" });
    await client.connect(new PipeClientTransport(fromServer, toServer));
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("start_sync");
    const started = await client.callTool({ name: "start_sync", arguments: { sourceId: "demo", mode: "full" } });
    expect(started.isError).not.toBe(true);
    for (;;) {
      const status = await client.callTool({ name: "sync_status", arguments: { sourceId: "demo" } });
      const [source] = (status.structuredContent as { sources: { running: unknown; lastRun: unknown }[] }).sources;
      if (source?.running === null && source.lastRun !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const search = await client.callTool({ name: "search_confluence", arguments: { query: "onboarding" } });
    expect((search.structuredContent as { results: unknown[] }).results.length).toBeGreaterThan(0);
    await client.close();
    expect(await exited).toBe(0);
    expect(diagnostics()).toContain("mcp: start_sync is enabled (--allow-sync)");
  }, 180_000);
});
