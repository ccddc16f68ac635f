/** `archon-confluence migrate`: applies the schema migrations to PostgreSQL (`DATABASE_URL`) or the embedded PGlite. */
import { join } from "node:path";
import { isConfluenceSyncError } from "@archon/confluence-core";
import { type Db, fromPglite, fromPgPool, migrate, openPglite } from "@archon/confluence-pg-store";
import pg from "pg";
import { ConfigError, exampleDir, loadConfig } from "./config.js";
import { MIGRATE_HELP } from "./help.js";
import { lockDataDir } from "./storage.js";

export async function runMigrateCommand(argv: readonly string[]): Promise<number> {
  if (argv.length > 0) {
    process.stderr.write(`migrate takes no arguments (got ${argv.join(" ")}).\n${MIGRATE_HELP.split("\n")[0]}\n`);
    return 2;
  }
  let unlock = async () => {};
  // A bare connection, not a store: opening a store checks for the very migrations this command applies.
  let db: Db | undefined;
  try {
    const config = loadConfig();
    let where: string;
    if (config.DATABASE_URL) {
      db = fromPgPool(new pg.Pool({ connectionString: config.DATABASE_URL, max: 1 }), { ownsPool: true });
      where = "PostgreSQL at DATABASE_URL";
    } else {
      const dataDir = config.DATA_DIR ?? join(exampleDir, ".data");
      unlock = await lockDataDir(dataDir);
      db = fromPglite(await openPglite({ dataDir: join(dataDir, "pglite") }), { ownsDb: true });
      where = `embedded PGlite in ${join(dataDir, "pglite")}`;
    }
    const result = await migrate(db);
    for (const name of result.applied) process.stdout.write(`applied ${name}\n`);
    process.stdout.write(
      `${where}: ${result.applied.length} migration(s) applied, ${result.alreadyApplied.length} already there.\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    const code = isConfluenceSyncError(error) ? ` (${error.code})` : "";
    process.stderr.write(`Migration failed${code}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 4;
  } finally {
    await db?.close().catch(() => {});
    await unlock();
  }
}
