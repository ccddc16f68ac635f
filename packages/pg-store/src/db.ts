import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFromStream } from "pg-copy-streams";

/**
 * What the store uses of a PGlite database or transaction; a `PGlite` from `@electric-sql/pglite` fits. Declared
 * here so the type declarations do not need PGlite installed (it is an optional peer dependency).
 */
export interface PgliteQueryable {
  query<Row>(
    sql: string,
    params?: unknown[],
    options?: { blob?: Blob },
  ): Promise<{ rows: Row[]; affectedRows?: number | undefined }>;
  exec(sql: string): Promise<unknown>;
}

/** A PGlite database, as {@link fromPglite} uses it. */
export interface PgliteDatabase extends PgliteQueryable {
  transaction<T>(fn: (tx: PgliteQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Rows of one statement. */
export interface QueryResult<Row> {
  readonly rows: Row[];
  readonly rowCount: number;
}

/**
 * The little the store needs from a PostgreSQL connection. Two backends implement it: {@link fromPgPool}
 * (node-postgres) and {@link fromPglite} (PGlite, in process).
 */
export interface Db {
  /** `pg` for a server, `pglite` for the in-process database. */
  readonly kind: "pg" | "pglite";
  /** One statement with `$n` parameters. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** One or more statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `COPY ... FROM STDIN` with `data` as the input (binary or text, as the statement says). Optional: the
   * store falls back to batched INSERTs without it.
   */
  copyFrom?(sql: string, data: Buffer): Promise<void>;
  /** Runs `fn` in a transaction on one connection; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Optional: runs `fn` on one connection of its own, outside a transaction (session-level locks). */
  session?<T>(fn: (conn: Db) => Promise<T>): Promise<T>;
  /** Closes the pool or database. */
  close(): Promise<void>;
}

type PgQueryable = Pick<pg.PoolClient, "query">;

async function pgCopy(client: pg.PoolClient, sql: string, data: Buffer): Promise<void> {
  await pipeline(Readable.from([data]), client.query(copyFromStream(sql)));
}

function pgQueryable(target: PgQueryable): Omit<Db, "transaction" | "close"> {
  return {
    kind: "pg",
    async query<Row>(sql: string, params?: readonly unknown[]) {
      const result = await target.query(sql, params ? [...params] : undefined);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql: string) {
      await target.query(sql);
    },
  };
}

/**
 * A {@link Db} over a node-postgres pool. `close()` ends the pool only when `ownsPool` is true.
 * @param ownsPool @default false
 */
export function fromPgPool(pool: pg.Pool, options: { ownsPool?: boolean } = {}): Db {
  const base = pgQueryable(pool);
  return {
    ...base,
    async copyFrom(sql: string, data: Buffer) {
      const client = await pool.connect();
      try {
        await pgCopy(client, sql, data);
      } finally {
        client.release();
      }
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      const tx: Db = {
        ...pgQueryable(client),
        copyFrom: (sql, data) => pgCopy(client, sql, data),
        transaction: (inner) => inner(tx),
        close: async () => {},
      };
      try {
        await client.query("BEGIN");
        const result = await fn(tx);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async session<T>(fn: (conn: Db) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      const conn: Db = {
        ...pgQueryable(client),
        transaction: () => Promise.reject(new Error("no transactions on a session connection")),
        close: async () => {},
      };
      try {
        return await fn(conn);
      } finally {
        client.release();
      }
    },
    async close() {
      if (options.ownsPool) await pool.end();
    },
  };
}

function pgliteQueryable(target: PgliteQueryable): Omit<Db, "transaction" | "close"> {
  return {
    kind: "pglite",
    async query<Row>(sql: string, params?: readonly unknown[]) {
      const result = await target.query<Row>(sql, params ? [...params] : undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
    async copyFrom(sql: string, data: Buffer) {
      // PGlite reads COPY input from a virtual file instead of the wire protocol.
      await target.query(sql.replace(/FROM\s+STDIN/i, "FROM '/dev/blob'"), [], {
        blob: new Blob([new Uint8Array(data)]),
      });
    },
  };
}

/**
 * A {@link Db} over a PGlite instance (load it with the `vector` extension, see `openPglite`). `close()` closes
 * the database only when `ownsDb` is true.
 * @param ownsDb @default false
 */
export function fromPglite(db: PgliteDatabase, options: { ownsDb?: boolean } = {}): Db {
  return {
    ...pgliteQueryable(db),
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      return db.transaction(async (raw) => {
        const tx: Db = { ...pgliteQueryable(raw), transaction: (inner) => inner(tx), close: async () => {} };
        return fn(tx);
      });
    },
    async close() {
      if (options.ownsDb) await db.close();
    },
  };
}
