/**
 * `archon-confluence <command>`: sync, search, migrate, serve and mcp. Commands load their code only when run, so
 * `--help` is instant.
 */
import { EXIT, registerCommand, runCli } from "./commands.js";
import { MCP_HELP, MIGRATE_HELP, SEARCH_HELP, SERVE_HELP, SYNC_HELP } from "./help.js";

registerCommand({
  name: "sync",
  summary: "sync a Confluence space into the store (live progress, then a metrics table)",
  help: SYNC_HELP,
  run: async (argv) => (await import("./cli-sync.js")).runSyncCommand(argv),
});
registerCommand({
  name: "search",
  summary: "search what was synced: ranked results with breadcrumb, URL and snippet",
  help: SEARCH_HELP,
  run: async (argv) => (await import("./cli-search.js")).runSearchCommand(argv),
});
registerCommand({
  name: "migrate",
  summary: "apply the database migrations (PostgreSQL at DATABASE_URL, or the embedded PGlite)",
  help: MIGRATE_HELP,
  run: async (argv) => (await import("./cli-migrate.js")).runMigrateCommand(argv),
});
registerCommand({
  name: "serve",
  summary: "start the HTTP API and the web app (what npm start runs)",
  help: SERVE_HELP,
  run: async (argv) => (await import("./serve.js")).runServeCommand(argv),
});
registerCommand({
  name: "mcp",
  summary: "serve the synced pages to AI assistants over MCP on stdin/stdout",
  help: MCP_HELP,
  run: async (argv) => (await import("./mcp-command.js")).runMcpCommand(argv),
});

const code = await runCli(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`archon-confluence failed: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.failed;
});
process.exit(code);
