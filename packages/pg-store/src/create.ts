import { ConfluenceSyncError } from "@archon/confluence-core";
import pg from "pg";
import { requireArchonPages } from "./archon-compat.js";
import { type Db, fromPglite, fromPgPool } from "./db.js";
import { migrate as runMigrations } from "./migrate.js";
import { PgKnowledgeStore } from "./pg-knowledge-store.js";
import { openPglite, type PgliteOptions } from "./pglite.js";
import { openPgliteThread } from "./pglite-thread.js";

/** Options of {@link createPgStore}. Give `connectionString` or `pool`. */
export interface PgStoreOptions {
  /** `postgres://user:password@host:5432/db`. The store creates and owns a pool. */
  readonly connectionString?: string;
  /** A pool you own; `close()` on the store leaves it open. */
  readonly pool?: pg.Pool;
  /** Pool size when the store creates the pool. @default 10 */
  readonly max?: number;
  /** Apply pending migrations first. @default true */
  readonly migrate?: boolean;
}

/** A {@link PgKnowledgeStore} on a PostgreSQL server with pgvector, migrated unless `migrate: false`. */
export async function createPgStore(options: PgStoreOptions): Promise<PgKnowledgeStore> {
  let db: Db;
  if (options.pool) db = fromPgPool(options.pool);
  else if (options.connectionString) {
    if (!/^postgres(ql)?:\/\//.test(options.connectionString)) {
      throw new ConfluenceSyncError("CONFIG_INVALID", "connectionString must start with postgres:// or postgresql://.");
    }
    db = fromPgPool(new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10 }), {
      ownsPool: true,
    });
  } else {
    throw new ConfluenceSyncError("CONFIG_INVALID", "createPgStore needs connectionString or pool.");
  }
  return open(db, options.migrate ?? true);
}

/** Options of {@link createPgliteStore}. */
export interface PgliteStoreOptions {
  /** Directory the database persists to, created when missing. In memory when omitted. */
  readonly dataDir?: string;
  /** Apply pending migrations first. @default true */
  readonly migrate?: boolean;
  /** PostgreSQL settings PGlite starts with, over `PGLITE_DEFAULT_SETTINGS` (see `openPglite`). */
  readonly settings?: PgliteOptions["settings"];
  /**
   * Run PGlite in a worker thread of its own (see `openPgliteThread`), so its statements do not hold the event loop
   * and the sync's own work runs on another core meanwhile. `false` runs it on the calling thread. @default true
   */
  readonly thread?: boolean;
}

/**
 * The zero-setup default: a {@link PgKnowledgeStore} on PGlite (PostgreSQL compiled to WebAssembly, in process)
 * with pgvector, persisted to `dataDir`. `close()` closes the database.
 */
export async function createPgliteStore(options: PgliteStoreOptions = {}): Promise<PgKnowledgeStore> {
  const pgliteOptions: PgliteOptions = { dataDir: options.dataDir, settings: options.settings };
  const pglite = options.thread === false ? await openPglite(pgliteOptions) : await openPgliteThread(pgliteOptions);
  const db = fromPglite(pglite, { ownsDb: true });
  return open(db, options.migrate ?? true);
}

async function open(db: Db, migrate: boolean): Promise<PgKnowledgeStore> {
  try {
    if (migrate) await runMigrations(db);
    else await requireArchonPages(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return new PgKnowledgeStore(db);
}
