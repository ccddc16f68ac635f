import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ConfluenceSyncError } from "@archon/confluence-core";
import type { Db, PgliteDatabase } from "./db.js";

/** A PostgreSQL setting's value, as `postgresql.conf` or `-c name=value` takes it. */
export type PgliteSettingValue = string | number | boolean;

/**
 * Settings PGlite starts with unless {@link PgliteOptions.settings} says otherwise. They are passed at start-up
 * (`-c name=value`), never written into the data directory, so a directory stays openable with any settings.
 *
 * - `shared_buffers = 32MB` (PGlite's own default is 128MB): PostgreSQL zeroes its shared memory at start, inside
 *   the process's WebAssembly heap, so every megabyte is resident from the first query. The store's working set
 *   while syncing (a group of pages and its indexes) fits in far less; pages the buffers do not hold come from the
 *   operating system's file cache.
 * - `full_page_writes = off`: PGlite already runs with `fsync = off` (it cannot flush from WebAssembly), so what it
 *   writes survives the process being killed (the operating system has it) but not the machine losing power;
 *   full-page images in the WAL guard only against the latter, and cost WAL volume on every first write of a page
 *   after a checkpoint.
 * - `max_wal_size = 256MB`: fewer WAL segment files kept on disk than PGlite's 1GB; checkpoints still come at the
 *   default `checkpoint_timeout`.
 */
export const PGLITE_DEFAULT_SETTINGS: Readonly<Record<string, PgliteSettingValue>> = Object.freeze({
  shared_buffers: "32MB",
  full_page_writes: "off",
  max_wal_size: "256MB",
});

/** Options of {@link openPglite}. */
export interface PgliteOptions {
  /** Directory the database persists to; it and its parents are created when missing. In memory when omitted. */
  readonly dataDir?: string;
  /**
   * PostgreSQL settings to start with, merged over {@link PGLITE_DEFAULT_SETTINGS} (give a setting to override one
   * of those). Passed at start-up only; the data directory's `postgresql.conf` is left as it is.
   */
  readonly settings?: Readonly<Record<string, PgliteSettingValue>>;
}

/** Loads PGlite and its extensions on first use: they are optional peer dependencies, unused with PostgreSQL. */
async function loadPglite() {
  try {
    const [{ PGlite }, { pg_trgm }, { vector }] = await Promise.all([
      import("@electric-sql/pglite"),
      import("@electric-sql/pglite/contrib/pg_trgm"),
      import("@electric-sql/pglite-pgvector"),
    ]);
    return { PGlite, pg_trgm, vector };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw error;
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      "PGlite is not installed. It is an optional peer dependency of @archon/confluence-pg-store: run " +
        "npm install @electric-sql/pglite @electric-sql/pglite-pgvector, or use createPgStore with PostgreSQL.",
      { cause: error },
    );
  }
}

/** `-c name=value` pairs for the settings, checked so that nothing but one setting can reach the command line. */
export function pgliteStartSettings(settings: Readonly<Record<string, PgliteSettingValue>>): string[] {
  const params: string[] = [];
  for (const [name, raw] of Object.entries(settings)) {
    if (!/^[a-z_][a-z0-9_.]*$/i.test(name)) {
      throw new ConfluenceSyncError("CONFIG_INVALID", `PGlite setting name ${JSON.stringify(name)} is not valid.`);
    }
    const value = typeof raw === "boolean" ? (raw ? "on" : "off") : String(raw);
    if (value === "" || /[\0\n\r]/.test(value)) {
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        `PGlite setting ${name} needs a one-line, non-empty value (got ${JSON.stringify(value)}).`,
      );
    }
    params.push("-c", `${name}=${value}`);
  }
  return params;
}

/** Opens (or creates) a PGlite database with the `vector` and `pg_trgm` extensions loaded. */
export async function openPglite(options: PgliteOptions = {}): Promise<PgliteDatabase> {
  const settings = pgliteStartSettings({ ...PGLITE_DEFAULT_SETTINGS, ...options.settings });
  const { PGlite, pg_trgm, vector } = await loadPglite();
  const dataDir = options.dataDir;
  // PGlite creates the directory itself but not its parents; `memory://` and other schemes are left alone.
  if (dataDir && !/^[a-z]+:\/\//.test(dataDir)) await mkdir(dirname(resolve(dataDir)), { recursive: true });
  return PGlite.create({
    dataDir,
    extensions: { vector, pg_trgm },
    // PGlite's own start parameters (single-user mode and the like) come first; later `-c` values win.
    startParams: [...PGlite.defaultStartParams, ...settings],
  });
}

/**
 * `ef_construction` of the HNSW indexes PGlite builds after a bulk load, when their definition names none (pgvector's
 * default is 64). PGlite runs pgvector as WebAssembly without SIMD on one thread, where the build is most of a first
 * sync's time; with 32 it takes about half as long, and recall@10 at the store's `ef_search` was the same (0.930
 * against 0.932, 4,955 chunks of 384 dimensions; `bench/load.ts --store pglite`, BENCHMARKS.md). Searches are
 * unchanged: `ef_search` is set per query.
 */
export const PGLITE_HNSW_EF_CONSTRUCTION = 32;

/** `definition` (as `pg_get_indexdef` gives it) with `WITH (ef_construction = n)`, for an HNSW index that sets none. */
export function withEfConstruction(definition: string, efConstruction: number): string {
  const using = /\sUSING\s+hnsw\s*\(/i.exec(definition);
  if (!using || /\)\s*WITH\s*\(/i.test(definition)) return definition;
  let depth = 0;
  for (let i = using.index + using[0].length - 1; i < definition.length; i++) {
    if (definition[i] === "(") depth++;
    else if (definition[i] === ")" && --depth === 0) {
      return `${definition.slice(0, i + 1)} WITH (ef_construction = ${efConstruction})${definition.slice(i + 1)}`;
    }
  }
  return definition;
}

/**
 * On PGlite, builds the deferred HNSW indexes that name no `ef_construction` with
 * {@link PGLITE_HNSW_EF_CONSTRUCTION}, in the caller's transaction; `confluence_build_deferred_indexes` then finds
 * them built and forgets their definitions in the same transaction, so a crash still leaves the index or its record.
 * A no-op on PostgreSQL.
 */
export async function buildPgliteDeferredHnsw(tx: Db): Promise<void> {
  if (tx.kind !== "pglite") return;
  const { rows } = await tx.query<{ definition: string }>(
    "SELECT definition FROM confluence_deferred_indexes WHERE to_regclass(index_name) IS NULL ORDER BY index_name",
  );
  for (const { definition } of rows) {
    const cheaper = withEfConstruction(definition, PGLITE_HNSW_EF_CONSTRUCTION);
    if (cheaper !== definition) await tx.exec(cheaper);
  }
}
