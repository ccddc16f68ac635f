/**
 * The worker thread behind {@link openPgliteThread}: owns one PGlite database and runs the statements its parent
 * sends, so PostgreSQL's work (WebAssembly, single-threaded) runs beside the parent's event loop instead of on it.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { PgliteDatabase, PgliteQueryable } from "./db.js";
import { openPglite } from "./pglite.js";
import {
  errorData,
  type PgliteReady,
  type PgliteRequest,
  type PgliteResponse,
  type PgliteWorkerData,
} from "./pglite-protocol.js";

/** Thrown inside a transaction's callback to make PGlite roll it back. */
class Rollback extends Error {}

interface OpenTransaction {
  readonly tx: PgliteQueryable;
  readonly end: (commit: boolean) => void;
}

const port = parentPort;
if (!port) throw new Error("pglite-worker must run in a worker thread");
const { options } = workerData as PgliteWorkerData;
const transactions = new Map<number, OpenTransaction>();
/** What each open transaction settles with, for its "end". */
const ending = new Map<number, Promise<void>>();

function reply(message: PgliteResponse): void {
  port?.postMessage(message);
}

function target(db: PgliteDatabase, tx: number | undefined): PgliteQueryable {
  if (tx === undefined) return db;
  const open = transactions.get(tx);
  if (!open) throw new Error(`transaction ${tx} is not open`);
  return open.tx;
}

async function handle(db: PgliteDatabase, request: PgliteRequest): Promise<void> {
  switch (request.op) {
    case "query": {
      const blob = request.blob ? new Blob([request.blob]) : undefined;
      const result = await target(db, request.tx).query(request.sql, request.params, blob ? { blob } : undefined);
      reply({ id: request.id, ok: true, rows: result.rows, affectedRows: result.affectedRows });
      return;
    }
    case "exec":
      await target(db, request.tx).exec(request.sql);
      reply({ id: request.id, ok: true });
      return;
    case "begin": {
      const { id, tx } = request;
      let started = false;
      // Settles when PGlite has committed or rolled back; the answer to "begin" goes out when the callback runs.
      const done = db.transaction(
        (raw) =>
          new Promise<void>((resolve, reject) => {
            started = true;
            transactions.set(tx, { tx: raw, end: (commit) => (commit ? resolve() : reject(new Rollback())) });
            reply({ id, ok: true });
          }),
      );
      done.then(
        () => transactions.delete(tx),
        (error: unknown) => {
          transactions.delete(tx);
          if (!started) reply({ id, ok: false, error: errorData(error) });
        },
      );
      ending.set(tx, done);
      return;
    }
    case "end": {
      const open = transactions.get(request.tx);
      const done = ending.get(request.tx);
      ending.delete(request.tx);
      if (!open || !done) throw new Error(`transaction ${request.tx} is not open`);
      open.end(request.commit);
      try {
        await done;
      } catch (error) {
        if (!(error instanceof Rollback)) throw error;
      }
      reply({ id: request.id, ok: true });
      return;
    }
    case "close":
      await db.close();
      reply({ id: request.id, ok: true });
      port?.close();
      return;
  }
}

try {
  const db = await openPglite(options);
  port.on("message", (request: PgliteRequest) => {
    handle(db, request).catch((error: unknown) => reply({ id: request.id, ok: false, error: errorData(error) }));
  });
  port.postMessage({ ready: true } satisfies PgliteReady);
} catch (error) {
  port.postMessage({ ready: false, error: errorData(error) } satisfies PgliteReady);
}
