import { describeKnowledgeStore } from "@archon/confluence-core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { type Db, fromPglite } from "./db.js";
import { migrate } from "./migrate.js";
import { PgKnowledgeStore } from "./pg-knowledge-store.js";
import { openPgliteThread } from "./pglite-thread.js";
import { resetDatabase } from "./test-support.js";

let shared: Promise<Db> | null = null;
function database(): Promise<Db> {
  shared ??= (async () => {
    const db = fromPglite(await openPgliteThread(), { ownsDb: true });
    await migrate(db);
    return db;
  })();
  return shared;
}
afterAll(async () => {
  await (await shared)?.close();
});

describeKnowledgeStore(
  "PgKnowledgeStore on PGlite in a worker thread",
  async () => {
    const db = await database();
    await resetDatabase(db);
    return new PgKnowledgeStore({ ...db, close: async () => {} });
  },
  { dimensions: 384, alternateDimensions: 768 },
);

describe("openPgliteThread", () => {
  it("keeps PostgreSQL's error fields, such as the SQLSTATE code, across the thread", async () => {
    const db = await database();
    await db.exec("CREATE TEMP TABLE IF NOT EXISTS uniq (id int PRIMARY KEY)");
    await db.exec("TRUNCATE uniq");
    await db.query("INSERT INTO uniq VALUES ($1)", [1]);
    const error = await db.query("INSERT INTO uniq VALUES ($1)", [1]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: "23505", constraint: "uniq_pkey" });
    expect((error as Error).message).toMatch(/duplicate key/);
  });

  it("commits a transaction's statements together, and rolls all of them back when the callback throws", async () => {
    const db = await database();
    await db.exec("CREATE TEMP TABLE IF NOT EXISTS tx_rows (v text)");
    await db.exec("TRUNCATE tx_rows");
    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO tx_rows VALUES ($1)", ["kept-1"]);
      await tx.query("INSERT INTO tx_rows VALUES ($1)", ["kept-2"]);
    });
    const thrown = new Error("callback failed");
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO tx_rows VALUES ($1)", ["lost"]);
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    const { rows } = await db.query<{ v: string }>("SELECT v FROM tx_rows ORDER BY v");
    expect(rows.map((r) => r.v)).toEqual(["kept-1", "kept-2"]);
  });

  it("runs concurrent transactions one after another, as PGlite does in process", async () => {
    const db = await database();
    await db.exec("CREATE TEMP TABLE IF NOT EXISTS tx_order (tx int, step int)");
    await db.exec("TRUNCATE tx_order");
    const run = (n: number) =>
      db.transaction(async (tx) => {
        for (let step = 0; step < 3; step++) {
          await tx.query("INSERT INTO tx_order VALUES ($1, $2)", [n, step]);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      });
    await Promise.all([run(1), run(2), run(3)]);
    const { rows } = await db.query<{ tx: number }>("SELECT tx FROM tx_order ORDER BY ctid");
    const order = rows.map((r) => r.tx);
    // Each transaction's three rows are contiguous: no interleaving.
    expect(order).toHaveLength(9);
    for (let i = 0; i < 9; i += 3) expect(new Set(order.slice(i, i + 3)).size).toBe(1);
  });

  it("feeds COPY input to PostgreSQL from a blob", async () => {
    const db = await database();
    await db.exec("CREATE TEMP TABLE IF NOT EXISTS copied (id int, name text)");
    await db.exec("TRUNCATE copied");
    await db.copyFrom?.("COPY copied (id, name) FROM STDIN", Buffer.from("1\tone\n2\ttwo\n"));
    const { rows } = await db.query<{ id: number; name: string }>("SELECT id, name FROM copied ORDER BY id");
    expect(rows).toEqual([
      { id: 1, name: "one" },
      { id: 2, name: "two" },
    ]);
  });

  it("leaves the event loop free while a long statement runs", async () => {
    const db = await database();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      await db.query("SELECT count(*) FROM generate_series(1, 3000000) g WHERE md5(g::text) LIKE 'a%'");
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(5);
  });

  it("fails every later call with STORE_FAILED once closed", async () => {
    const db = fromPglite(await openPgliteThread(), { ownsDb: true });
    expect((await db.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    await db.close();
    await expect(db.query("SELECT 1")).rejects.toMatchObject({ code: "STORE_FAILED" });
  });
});
