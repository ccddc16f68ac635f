#!/usr/bin/env node
import { parseArgs } from "node:util";
import { describeError } from "@archon/confluence-core";
import pg from "pg";
import { type Db, fromPglite, fromPgPool } from "./db.js";
import { migrate, migrationStatus, rollback } from "./migrate.js";
import { openPglite } from "./pglite.js";

const USAGE = `Usage: archon-confluence-migrate [--database-url URL | --pglite-dir DIR] [--status | --rollback [--to N]]

Applies the Archon + Confluence migrations (default), shows their status, or rolls back the newest one
(or everything above version N). The database URL defaults to $DATABASE_URL.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      "database-url": { type: "string" },
      "pglite-dir": { type: "string" },
      "migrations-dir": { type: "string" },
      status: { type: "boolean", default: false },
      rollback: { type: "boolean", default: false },
      to: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const url = values["database-url"] ?? process.env.DATABASE_URL;
  let db: Db;
  let where: string;
  if (values["pglite-dir"]) {
    db = fromPglite(await openPglite({ dataDir: values["pglite-dir"] }), { ownsDb: true });
    where = `PGlite at ${values["pglite-dir"]}`;
  } else if (url) {
    db = fromPgPool(new pg.Pool({ connectionString: url, max: 1 }), { ownsPool: true });
    where = url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  } else {
    console.error(`No database: pass --database-url, set DATABASE_URL, or pass --pglite-dir.\n\n${USAGE}`);
    return 2;
  }
  const dir = values["migrations-dir"];
  try {
    if (values.status) {
      for (const m of await migrationStatus(db, { dir }))
        console.log(`${m.applied ? "applied" : "pending"}  ${m.name}`);
    } else if (values.rollback) {
      const to = values.to === undefined ? undefined : Number(values.to);
      if (to !== undefined && !Number.isInteger(to)) throw new Error("--to must be a migration number");
      const done = await rollback(db, { dir, to });
      console.log(done.length ? `Rolled back on ${where}: ${done.join(", ")}` : "Nothing to roll back.");
    } else {
      const result = await migrate(db, { dir });
      console.log(
        result.applied.length
          ? `Applied on ${where}: ${result.applied.join(", ")}`
          : `Up to date on ${where} (${result.alreadyApplied.length} migrations).`,
      );
    }
    return 0;
  } catch (error) {
    console.error(`Migration failed: ${describeError(error)}`);
    return 1;
  } finally {
    await db.close();
  }
}

process.exitCode = await main();
