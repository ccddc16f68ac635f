import type { Readable, Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { ConfluenceMcpOptions } from "./options.js";
import { createConfluenceMcpServer } from "./server.js";

/** A running stdio server. */
export interface StdioMcpServer {
  /** Resolves when the client closes the connection (stdin ends) or {@link close} was called. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves the Confluence MCP server over stdio, as Claude Desktop, Cursor and VS Code launch local servers. stdout
 * carries the protocol: log to stderr only. The caller owns (and closes) the store.
 */
export async function runStdioServer(
  options: ConfluenceMcpOptions,
  streams: { readonly stdin?: Readable; readonly stdout?: Writable } = {},
): Promise<StdioMcpServer> {
  const server = createConfluenceMcpServer(options);
  const stdin = streams.stdin ?? process.stdin;
  const transport = new StdioServerTransport(stdin, streams.stdout ?? process.stdout);
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  transport.onclose = () => resolveClosed();
  // The SDK's stdio transport does not notice the end of its input by itself.
  const onEnd = () => {
    void server.close().finally(resolveClosed);
  };
  stdin.once("end", onEnd);
  stdin.once("close", onEnd);
  await server.connect(transport);
  return {
    closed,
    async close() {
      stdin.off("end", onEnd);
      stdin.off("close", onEnd);
      await server.close();
      resolveClosed();
    },
  };
}
