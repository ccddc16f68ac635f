import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ConfluenceSyncError } from "@archon/confluence-core";
import type { PgliteDatabase } from "./db.js";

/** Options of {@link openPglite}. */
export interface PgliteOptions {
  /** Directory the database persists to; it and its parents are created when missing. In memory when omitted. */
  readonly dataDir?: string;
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

/** Opens (or creates) a PGlite database with the `vector` and `pg_trgm` extensions loaded. */
export async function openPglite(options: PgliteOptions = {}): Promise<PgliteDatabase> {
  const { PGlite, pg_trgm, vector } = await loadPglite();
  const dataDir = options.dataDir;
  // PGlite creates the directory itself but not its parents; `memory://` and other schemes are left alone.
  if (dataDir && !/^[a-z]+:\/\//.test(dataDir)) await mkdir(dirname(resolve(dataDir)), { recursive: true });
  return PGlite.create({ dataDir, extensions: { vector, pg_trgm } });
}
