import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { vector } from "@electric-sql/pglite-pgvector";

/** Options of {@link openPglite}. */
export interface PgliteOptions {
  /** Directory the database persists to; created when missing. In memory when omitted. */
  readonly dataDir?: string;
}

/** Opens (or creates) a PGlite database with the `vector` and `pg_trgm` extensions loaded. */
export async function openPglite(options: PgliteOptions = {}): Promise<PGlite> {
  const db = await PGlite.create({ dataDir: options.dataDir, extensions: { vector, pg_trgm } });
  return db;
}
