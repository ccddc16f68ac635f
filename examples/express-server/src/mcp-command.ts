/**
 * The MCP server over stdio on the example's configuration (PGlite in DATA_DIR by default, or DATABASE_URL; the same
 * embedder as the server), for assistants that launch local servers: Claude Desktop, Cursor, VS Code.
 * `archon-confluence-mcp [--allow-sync]`; also the `mcp` subcommand of the `archon-confluence` command line.
 */
import type { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import type { SourceRecord, SyncMode } from "@archon/confluence-core";
import {
  checkBaseUrl,
  createPolicyFetch,
  createSyncRunner,
  type PolicyFetch,
  SyncOperations,
  type UrlPolicy,
} from "@archon/confluence-express";
import { runStdioServer, type StartSync } from "@archon/confluence-mcp";
import { ConfigError, loadConfig, startupFailure } from "./config.js";
import { createConsoleLogger } from "./logger.js";
import { startRuntime, startSearchRuntime } from "./runtime.js";

const usage =
  "Usage: archon-confluence-mcp [--allow-sync]\n" +
  "Serves the synced Confluence to an MCP client over stdin/stdout. Configure it with the example server's\n" +
  "environment variables (DATABASE_URL, DATA_DIR, OPENAI_API_KEY, ...). --allow-sync adds the start_sync tool.";

/**
 * `start_sync` as the HTTP API does it: the source's host is checked against the URL policy again, and a sync that
 * already runs (here or, for queued runners, elsewhere) is a `SYNC_ALREADY_RUNNING` error.
 */
export function syncStarter(operations: SyncOperations, urlPolicy: UrlPolicy): StartSync {
  return async (source: SourceRecord, mode: SyncMode) => {
    await checkBaseUrl(source.baseUrl, urlPolicy);
    if (operations.runningFor(source.sourceId) === undefined) {
      await operations.assertNotRunningElsewhere(source.sourceId);
      const lock = await operations.claim(source.sourceId);
      return operations.start(source, mode, lock ? { lock } : {});
    }
    return operations.start(source, mode);
  };
}

export interface McpCommandIo {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  /** Diagnostics; never the protocol stream. @default process.stderr */
  readonly stderr?: Writable;
}

/**
 * Runs the stdio MCP server until the client closes stdin. Returns the exit code: 0 after a clean close, 2 for bad
 * arguments or configuration, 1 when starting failed. Everything but the protocol goes to stderr.
 */
export async function runMcpCommand(argv: readonly string[], io: McpCommandIo = {}): Promise<number> {
  const stderr = io.stderr ?? process.stderr;
  let values: { "allow-sync"?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: { "allow-sync": { type: "boolean" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (error) {
    stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    stderr.write(`${usage}\n`);
    return 0;
  }
  const logger = createConsoleLogger("warn");
  let runtime: Awaited<ReturnType<typeof startSearchRuntime>>;
  let operations: SyncOperations | undefined;
  let startSync: StartSync | undefined;
  let policyFetch: PolicyFetch | undefined;
  try {
    const config = loadConfig(io.env ?? process.env);
    if (values["allow-sync"]) {
      const full = await startRuntime(config, logger);
      runtime = full;
      if (full.defaultSpaceKey) await full.ensureSource(full.defaultSpaceKey);
      // Sources connect only to addresses the URL policy allows, checked as each connection is made.
      const pinned = createPolicyFetch(full.urlPolicy);
      policyFetch = pinned;
      const runner = createSyncRunner({
        store: full.store,
        credentials: full.credentials,
        embedder: full.embedder,
        createSource: (connection) => full.createSource({ ...connection, fetch: connection.fetch ?? pinned }),
        sinks: [full.progress],
        logger,
      });
      operations = new SyncOperations(runner, { logger });
      startSync = syncStarter(operations, full.urlPolicy);
      full.notes.push("mcp: start_sync is enabled (--allow-sync)");
    } else {
      runtime = await startSearchRuntime(config, logger);
    }
  } catch (error) {
    stderr.write(`${startupFailure(error)}\n`);
    return error instanceof ConfigError ? 2 : 1;
  }
  try {
    const server = await runStdioServer(
      {
        store: runtime.store,
        embedder: runtime.embedder,
        progressReader: runtime.progress,
        logger,
        ...(startSync ? { startSync } : {}),
      },
      { ...(io.stdin ? { stdin: io.stdin } : {}), ...(io.stdout ? { stdout: io.stdout } : {}) },
    );
    stderr.write(`Archon Confluence MCP server on stdio\n${runtime.notes.map((note) => `  ${note}\n`).join("")}`);
    const stop = () => void server.close();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    await server.closed;
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    return 0;
  } finally {
    await operations?.close();
    await policyFetch?.close();
    await runtime.close();
  }
}
