import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfluenceSyncError } from "@archon/confluence-core";
import type { Db } from "./db.js";

/** A numbered migration with its rollback. */
export interface Migration {
  readonly version: number;
  /** File name without `.sql`, e.g. `0002_confluence`. */
  readonly name: string;
  readonly up: string;
  readonly down: string | null;
  /** md5 of `up`; Archon's `archon_migrations.checksum` column holds 32 characters. */
  readonly checksum: string;
}

/** Marks our rows in `archon_migrations`, whose `version` column Archon also uses for its own releases. */
export const MIGRATION_SERIES = "confluence";

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * The `migrations/` directory: beside the published package, or at the repository root in a checkout. Code run from
 * `src/` reads the repository's own files first, so a copy left by an earlier build never hides a newer migration.
 */
export function defaultMigrationsDir(): string {
  const candidates = migrationDirCandidates(dirname(fileURLToPath(import.meta.url)));
  const found = candidates.find((dir) => existsSync(join(dir, "0001_archon_knowledge_base.sql")));
  if (!found) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      `migrations directory not found (looked in ${candidates.join(", ")}).`,
    );
  }
  return found;
}

/** Where {@link defaultMigrationsDir} looks, in order, for a module in `moduleDir` (`src/` or `dist/`). */
export function migrationDirCandidates(moduleDir: string): string[] {
  const besidePackage = resolve(moduleDir, "../migrations");
  const repositoryRoot = resolve(moduleDir, "../../../migrations");
  return basename(moduleDir) === "src" ? [repositoryRoot, besidePackage] : [besidePackage, repositoryRoot];
}

/** Reads `NNNN_name.sql` and `NNNN_name.down.sql` files, ordered by number. */
export function loadMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const match = FILE.exec(file);
    if (!match) continue;
    const name = file.slice(0, -".sql".length);
    const up = readFileSync(join(dir, file), "utf8");
    const downFile = join(dir, `${name}.down.sql`);
    migrations.push({
      version: Number(match[1]),
      name,
      up,
      down: existsSync(downFile) ? readFileSync(downFile, "utf8") : null,
      checksum: createHash("md5").update(up, "utf8").digest("hex"),
    });
  }
  return migrations;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  readonly applied: string[];
  readonly alreadyApplied: string[];
}

/** Serialises concurrent runners on a server; PGlite has one connection anyway. */
const LOCK_KEY = 4_242_017;

// Archon's own definition of its migration ledger, so both tools share one table.
const LEDGER = `CREATE TABLE IF NOT EXISTS archon_migrations (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  version VARCHAR(20) NOT NULL,
  migration_name VARCHAR(255) NOT NULL,
  applied_at TIMESTAMPTZ DEFAULT NOW(),
  checksum VARCHAR(32),
  UNIQUE(version, migration_name)
)`;

async function applied(tx: Db): Promise<Map<string, string | null>> {
  await tx.exec(LEDGER);
  const { rows } = await tx.query<{ migration_name: string; checksum: string | null }>(
    "SELECT migration_name, checksum FROM archon_migrations WHERE version = $1",
    [MIGRATION_SERIES],
  );
  return new Map(rows.map((row) => [row.migration_name, row.checksum]));
}

async function lock(tx: Db): Promise<void> {
  if (tx.kind === "pg") await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
}

/**
 * Applies pending migrations in order, each in its own transaction, recording them in `archon_migrations`.
 * Running it again is a no-op. Refuses (`CONFIG_INVALID`) when an applied migration's file has changed since.
 */
export async function migrate(db: Db, options: { dir?: string } = {}): Promise<MigrateResult> {
  const migrations = loadMigrations(options.dir);
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    await db.transaction(async (tx) => {
      await lock(tx);
      const done = await applied(tx);
      if (done.has(migration.name)) {
        const recorded = done.get(migration.name);
        if (recorded && recorded !== migration.checksum) {
          throw new ConfluenceSyncError(
            "CONFIG_INVALID",
            `migration ${migration.name} was applied with checksum ${recorded}, but the file now has ` +
              `${migration.checksum}. Applied migrations must not change: restore the file, or add a new migration.`,
          );
        }
        result.alreadyApplied.push(migration.name);
        return;
      }
      await runMigrationSql(tx, migration.name, migration.up);
      await tx.query("INSERT INTO archon_migrations (version, migration_name, checksum) VALUES ($1, $2, $3)", [
        MIGRATION_SERIES,
        migration.name,
        migration.checksum,
      ]);
      result.applied.push(migration.name);
    });
  }
  return result;
}

/** Runs one migration's SQL; a failure becomes a `CONFIG_INVALID` error naming the migration, with the server's hint. */
async function runMigrationSql(tx: Db, name: string, sql: string): Promise<void> {
  try {
    await tx.exec(sql);
  } catch (error) {
    const { message, hint } = error as { message?: string; hint?: string };
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      `migration ${name} failed: ${message ?? String(error)}${hint ? ` ${hint}` : ""}`,
      { cause: error },
    );
  }
}

/**
 * Rolls back applied migrations newest first, down to (not including) version `to`. By default only the newest.
 * @returns names rolled back
 */
export async function rollback(db: Db, options: { dir?: string; to?: number } = {}): Promise<string[]> {
  const migrations = loadMigrations(options.dir);
  const done = await db.transaction(applied);
  const candidates = migrations.filter((m) => done.has(m.name)).reverse();
  const targets =
    options.to === undefined ? candidates.slice(0, 1) : candidates.filter((m) => m.version > (options.to ?? 0));
  const rolledBack: string[] = [];
  for (const migration of targets) {
    if (migration.down === null) {
      throw new ConfluenceSyncError("CONFIG_INVALID", `migration ${migration.name} has no rollback file.`);
    }
    const down = migration.down;
    await db.transaction(async (tx) => {
      await lock(tx);
      await runMigrationSql(tx, `${migration.name} (rollback)`, down);
      await tx.query("DELETE FROM archon_migrations WHERE version = $1 AND migration_name = $2", [
        MIGRATION_SERIES,
        migration.name,
      ]);
    });
    rolledBack.push(migration.name);
  }
  return rolledBack;
}

/** Each known migration and whether it is applied. */
export async function migrationStatus(
  db: Db,
  options: { dir?: string } = {},
): Promise<{ name: string; version: number; applied: boolean }[]> {
  const done = await db.transaction(applied);
  return loadMigrations(options.dir).map((m) => ({ name: m.name, version: m.version, applied: done.has(m.name) }));
}
