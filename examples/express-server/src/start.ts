/** Entry point of `npm start`: starts the server and prints its URL and the defaults it chose. */
import { ConfigError, startupFailure } from "./config.js";
import { type RunningServer, startServer } from "./server.js";

async function main(): Promise<void> {
  let running: RunningServer;
  try {
    running = await startServer();
  } catch (error) {
    process.stderr.write(`${startupFailure(error)}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
  const { url, runtime } = running;
  process.stdout.write(`Archon Confluence demo listening on ${url}\n`);
  for (const note of runtime.notes) process.stdout.write(`  ${note}\n`);
  process.stdout.write(`  API: ${url}/api/confluence (OpenAPI at ${url}/api/confluence/openapi.json)\n`);
  if (runtime.defaultSpaceKey) {
    const sourceId = (await runtime.store.listSources()).find((s) => s.spaceKey === runtime.defaultSpaceKey)?.sourceId;
    process.stdout.write(
      `  try: curl -X POST ${url}/api/confluence/${sourceId}/sync -H 'content-type: application/json' -d '{"mode":"full"}'\n`,
    );
  }
  const stop = (signal: string) => {
    process.stdout.write(`${signal}: shutting down\n`);
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

await main();
