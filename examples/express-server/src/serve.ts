/** `archon-confluence serve` (and `npm start`): starts the server and prints its URL and the defaults it chose. */

import { ConfigError, startupFailure } from "./config.js";
import { type RunningServer, startServer } from "./server.js";

/** Starts the server and resolves once it stopped (on a signal); resolves with the exit code. */
export async function runServeCommand(argv: readonly string[]): Promise<number> {
  if (argv.length > 0) {
    process.stderr.write(`serve takes no arguments (got ${argv.join(" ")}); it reads the environment.\n`);
    return 2;
  }
  let running: RunningServer;
  try {
    running = await startServer();
  } catch (error) {
    process.stderr.write(`${startupFailure(error)}\n`);
    return error instanceof ConfigError ? 2 : 4;
  }
  const { url, runtime } = running;
  // One write, so whoever reads the output (a terminal, a supervisor, a test) sees the banner whole.
  const banner = [`Archon Confluence demo listening on ${url}`, ...runtime.notes.map((note) => `  ${note}`)];
  banner.push(`  API: ${url}/api/confluence (OpenAPI at ${url}/api/confluence/openapi.json)`);
  if (runtime.defaultSpaceKey) {
    const sourceId = (await runtime.store.listSources()).find((s) => s.spaceKey === runtime.defaultSpaceKey)?.sourceId;
    banner.push(
      `  try: curl -X POST ${url}/api/confluence/${sourceId}/sync -H 'content-type: application/json' -d '{"mode":"full"}'`,
    );
  }
  process.stdout.write(`${banner.join("\n")}\n`);
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`${signal}: shutting down\n`);
      running.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}
