import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CredentialStore, KnowledgeStore, Logger, ProgressReader, ProgressSink } from "@archon/confluence-core";
import {
  createPgliteStore,
  createPgStore,
  PgCredentialStore,
  type PgKnowledgeStore,
  PgProgressSink,
} from "@archon/confluence-pg-store";
import { type AppConfig, ConfigError } from "./config.js";
import { loadKeyRing } from "./secret-key.js";

/** Where pages, credentials and progress live. */
export interface Storage {
  readonly store: KnowledgeStore;
  readonly credentials: CredentialStore;
  readonly progress: ProgressSink & ProgressReader;
  close(): Promise<void>;
}

/** PGlite is single-process: a pid file keeps a second process (say, `npm run sync` next to the server) out. */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, "pglite.pid");
  await mkdir(dir, { recursive: true });
  try {
    const pid = Number((await readFile(path, "utf8")).trim());
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) {
      throw new ConfigError([
        `DATA_DIR: the embedded database in ${dir} is in use by process ${pid} (the server?). Stop it, or set ` +
          "DATABASE_URL so several processes can share a PostgreSQL server.",
      ]);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await writeFile(path, String(process.pid));
  return () => rm(path, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** PostgreSQL at `DATABASE_URL`, else PGlite in `<dataDir>/pglite`; credentials encrypted with the key ring. */
export async function openStorage(
  config: AppConfig,
  dataDir: string,
  notes: string[],
  logger: Logger,
): Promise<Storage> {
  const keys = await loadKeyRing(config, dataDir, notes);
  let store: PgKnowledgeStore;
  let unlock = async () => {};
  if (config.DATABASE_URL) {
    store = await createPgStore({ connectionString: config.DATABASE_URL });
    notes.push(`storage: PostgreSQL at ${redact(config.DATABASE_URL)}`);
  } else {
    const dir = join(dataDir, "pglite");
    unlock = await lockDataDir(dataDir);
    try {
      store = await createPgliteStore({ dataDir: dir });
    } catch (error) {
      await unlock();
      throw error;
    }
    notes.push(`storage: embedded PGlite in ${dir} (default; set DATABASE_URL for PostgreSQL)`);
  }
  const progress = new PgProgressSink(store.db);
  await recoverInterrupted(progress, notes, logger);
  return {
    store,
    credentials: new PgCredentialStore(store.db, keys),
    progress,
    async close() {
      await store.close();
      await unlock();
    },
  };
}

/** Syncs a crashed or killed process left `running` become `interrupted`; the next sync of each resumes. */
async function recoverInterrupted(progress: PgProgressSink, notes: string[], logger: Logger): Promise<void> {
  const interrupted = await progress.recoverInterrupted();
  for (const operation of interrupted) {
    logger.warn({ operationId: operation.operationId, sourceId: operation.sourceId }, operation.reason);
  }
  if (interrupted.length > 0) {
    notes.push(`progress: ${interrupted.length} sync(s) left running by a stopped process marked interrupted`);
  }
}

/** The URL without its password. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
