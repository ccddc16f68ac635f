import type { SourceLock } from "@archon/confluence-core";
import type { Db } from "./db.js";

const held = new WeakMap<Db, Set<string>>();

/**
 * A per-source lock every process syncing into this database respects: a session-level advisory lock on a
 * connection of its own, keyed by database, schema and source, held until released (or until the process dies and
 * PostgreSQL ends its session). PGlite lives in one process, so an in-process lock is enough there.
 */
export async function lockSource(db: Db, sourceId: string): Promise<SourceLock> {
  if (db.kind !== "pg" || !db.session) return lockInProcess(db, sourceId);
  const session = db.session.bind(db);
  return new Promise<SourceLock>((resolve, reject) => {
    session(async (conn) => {
      const { rows } = await conn.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_lock(hashtext('archon-confluence-sync'),
           hashtext(current_database() || '.' || current_schema() || '.' || $1)) AS ok`,
        [sourceId],
      );
      if (rows[0]?.ok !== true) {
        resolve({ heldBy: await holder(db, sourceId) });
        return;
      }
      let release!: () => void;
      const released = new Promise<void>((done) => {
        release = done;
      });
      resolve({
        release: async () => {
          release();
        },
      });
      await released;
      await conn.query(
        `SELECT pg_advisory_unlock(hashtext('archon-confluence-sync'),
           hashtext(current_database() || '.' || current_schema() || '.' || $1))`,
        [sourceId],
      );
    }).catch(reject);
  });
}

async function lockInProcess(db: Db, sourceId: string): Promise<SourceLock> {
  let sources = held.get(db);
  if (!sources) {
    sources = new Set();
    held.set(db, sources);
  }
  if (sources.has(sourceId)) return { heldBy: await holder(db, sourceId) };
  sources.add(sourceId);
  const mine = sources;
  return {
    release: async () => {
      mine.delete(sourceId);
    },
  };
}

/** Who runs the source's sync, as far as its progress row tells. */
async function holder(db: Db, sourceId: string): Promise<string> {
  const { rows } = await db
    .query<{ operation_id: string; owner: string | null }>(
      `SELECT operation_id, owner FROM archon_progress WHERE source_id = $1 AND state = 'running'
       ORDER BY updated_at DESC LIMIT 1`,
      [sourceId],
    )
    .catch(() => ({ rows: [] as { operation_id: string; owner: string | null }[] }));
  const row = rows[0];
  if (!row) return "another process";
  return `process ${row.owner ?? "unknown"} (operation ${row.operation_id})`;
}
