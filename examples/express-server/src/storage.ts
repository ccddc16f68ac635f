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
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
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
  let keys: Awaited<ReturnType<typeof loadKeyRing>>;
  try {
    keys = await loadKeyRing(config, dataDir, notes, () => storedKeyIds(store));
  } catch (error) {
    await store.close();
    await unlock();
    throw error;
  }
  const credentials = new PgCredentialStore(store.db, keys);
  await checkCredentials(credentials, notes, logger);
  const progress = new PgProgressSink(store.db);
  await recoverInterrupted(progress, notes, logger);
  return {
    store,
    credentials,
    progress,
    async close() {
      await store.close();
      await unlock();
    },
  };
}

async function storedKeyIds(store: PgKnowledgeStore): Promise<string[]> {
  const { rows } = await store.db.query<{ key_id: string }>(
    "SELECT DISTINCT key_id FROM confluence_credentials ORDER BY key_id",
  );
  return rows.map((row) => row.key_id);
}

/** Finds, at start, the sources whose stored credentials the key ring cannot decrypt, instead of at their next sync. */
async function checkCredentials(credentials: PgCredentialStore, notes: string[], logger: Logger): Promise<void> {
  const unreadable: string[] = [];
  for (const { sourceId } of await credentials.list()) {
    try {
      await credentials.get(sourceId);
    } catch (error) {
      unreadable.push(sourceId);
      logger.error(
        { sourceId, err: error instanceof Error ? error.message : "unknown error" },
        "credentials unreadable",
      );
    }
  }
  if (unreadable.length > 0) {
    notes.push(
      `credentials: sources ${unreadable.join(", ")} cannot be decrypted with this key ring; restore the key that ` +
        "encrypted them, or re-enter their credentials (PATCH /sources/:id).",
    );
  }
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
