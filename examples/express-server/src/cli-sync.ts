/**
 * `archon-confluence sync [--space KEY] [--full] [--reindex]`: syncs one space of the configured site (the embedded fake
 * by default)
 * with a live progress bar, then prints a metrics table.
 *
 * Exit codes: 0 synced, 1 synced but some pages failed, 2 bad arguments or configuration, 3 Confluence refused
 * (credentials, unknown space), 4 the sync failed, 130 interrupted.
 */
import { parseArgs } from "node:util";
import {
  ConfluenceSync,
  createMarkdownChunker,
  createStorageConverter,
  isConfluenceSyncError,
  isSpaceKey,
  SPACE_KEY_RULE,
  type SyncProgress,
} from "@archon/confluence-core";
import { ConfigError, loadConfig, startupFailure } from "./config.js";
import { metricsTable, progressLine } from "./format.js";
import { SYNC_HELP, SYNC_USAGE } from "./help.js";
import { createConsoleLogger } from "./logger.js";
import { startRuntime } from "./runtime.js";

const usage = SYNC_USAGE;

export const EXIT = { ok: 0, pagesFailed: 1, usage: 2, refused: 3, failed: 4, interrupted: 130 } as const;

export async function runSyncCommand(argv: readonly string[]): Promise<number> {
  let values: {
    space?: string | undefined;
    full?: boolean | undefined;
    reindex?: boolean | undefined;
    help?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        space: { type: "string", short: "s" },
        full: { type: "boolean" },
        reindex: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return EXIT.usage;
  }
  if (values.help) {
    process.stdout.write(`${SYNC_HELP}\n`);
    return EXIT.ok;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  const spaceKey = values.space ?? config.CONFLUENCE_SPACE_KEY ?? (config.CONFLUENCE_BASE_URL ? undefined : "DEMO");
  if (!spaceKey || !isSpaceKey(spaceKey)) {
    process.stderr.write(`--space must be ${SPACE_KEY_RULE}.\n${usage}\n`);
    return EXIT.usage;
  }
  const logger = createConsoleLogger("error");
  let runtime: Awaited<ReturnType<typeof startRuntime>>;
  try {
    runtime = await startRuntime(config, logger);
  } catch (error) {
    process.stderr.write(`${startupFailure(error)}\n`);
    return error instanceof ConfigError ? EXIT.usage : EXIT.failed;
  }
  const controller = new AbortController();
  const tty = process.stderr.isTTY === true;
  let firstSigint = 0;
  const onSigint = () => {
    const now = Date.now();
    if (!controller.signal.aborted) {
      firstSigint = now;
      process.stderr.write(
        `${tty ? "\r\x1b[2K" : ""}Stopping after the pages in flight (press Ctrl-C again to quit now)...\n`,
      );
      controller.abort();
      return;
    }
    // npm forwards the terminal's SIGINT to its child, which then sees one keypress twice.
    if (now - firstSigint < 500) return;
    process.stderr.write("Interrupted; the next sync resumes where this one stopped.\n");
    process.exit(EXIT.interrupted);
  };
  process.on("SIGINT", onSigint);
  try {
    for (const note of runtime.notes) process.stderr.write(`${note}\n`);
    const source = await runtime.ensureSource(spaceKey);
    // --reindex re-processes every page (after a change of embedding model, converter or chunker it happens anyway).
    const reindex = values.reindex === true;
    const mode = values.full || reindex ? "full" : "incremental";
    const sync = new ConfluenceSync({
      source: runtime.createSource(runtime.connection),
      store: runtime.store,
      embedder: runtime.embedder,
      converter: createStorageConverter(),
      chunker: createMarkdownChunker(),
      sinks: [runtime.progress],
      logger,
      ...(runtime.resolveUser ? { resolveUser: runtime.resolveUser } : {}),
    });
    // The engine decides the mode: an incremental request on a never-synced source runs full.
    sync.on("sync-start", (event) => {
      const why = event.mode !== mode ? ", the first sync of this source" : event.resumed ? ", resuming" : "";
      process.stderr.write(`Syncing space ${source.spaceKey} into source "${source.sourceId}" (${event.mode}${why})\n`);
    });
    let last: SyncProgress | null = null;
    let waitUntil = 0;
    let lastPrinted = -1;
    const render = () => {
      if (!last) return;
      const line = progressLine(last, Math.max(0, waitUntil - Date.now()));
      if (tty) process.stderr.write(`\r\x1b[2K${line}`);
      else if (Math.floor(last.percent / 10) !== lastPrinted || last.stage === "done") {
        lastPrinted = Math.floor(last.percent / 10);
        process.stderr.write(`${line}\n`);
      }
    };
    sync.on("progress", (progress) => {
      last = progress;
      render();
    });
    sync.on("rate-limited", (event) => {
      waitUntil = Date.now() + event.delayMs;
      render();
    });
    sync.on("page-failed", (event) => {
      process.stderr.write(`${tty ? "\r\x1b[2K" : ""}page ${event.pageId} "${event.title}" failed: ${event.error}\n`);
      render();
    });
    const ticker = tty ? setInterval(render, 1000) : undefined;
    try {
      const metrics = await sync.run({ sourceId: source.sourceId, mode, reindex, signal: controller.signal });
      if (tty) process.stderr.write("\n");
      process.stdout.write(`${metricsTable(metrics)}\n`);
      return metrics.pagesFailed > 0 ? EXIT.pagesFailed : EXIT.ok;
    } finally {
      clearInterval(ticker);
    }
  } catch (error) {
    if (tty) process.stderr.write("\n");
    if (controller.signal.aborted || isConfluenceSyncError(error, "SYNC_ABORTED")) {
      process.stderr.write("Interrupted; the next sync resumes where this one stopped.\n");
      return EXIT.interrupted;
    }
    if (isConfluenceSyncError(error)) {
      process.stderr.write(`Sync failed (${error.code}): ${error.message}\n`);
      return error.code === "SOURCE_AUTH" || error.code === "SOURCE_NOT_FOUND" ? EXIT.refused : EXIT.failed;
    }
    process.stderr.write(`Sync failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  } finally {
    process.off("SIGINT", onSigint);
    await runtime.close();
  }
}
