import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { ConfluenceSyncError, type SyncErrorCode } from "@archon/confluence-core";
import type { PgliteDatabase, PgliteQueryable } from "./db.js";
import type { PgliteOptions } from "./pglite.js";
import {
  errorFrom,
  type PgliteErrorData,
  type PgliteReady,
  type PgliteRequest,
  type PgliteResponse,
  type PgliteWorkerData,
} from "./pglite-protocol.js";

/** A request without its id, which the proxy assigns. */
type Request = PgliteRequest extends infer R ? (R extends PgliteRequest ? Omit<R, "id"> : never) : never;

interface Pending {
  readonly resolve: (response: PgliteResponse & { ok: true }) => void;
  readonly reject: (error: Error) => void;
}

/**
 * This package's worker: the built `pglite-worker.js` beside the bundle, or, when running from TypeScript source
 * (tests, tsx), the `.ts` file loaded through tsx.
 */
function workerScript(): { url: URL; execArgv?: string[] } {
  if (import.meta.url.endsWith(".ts")) {
    const tsx = createRequire(import.meta.url).resolve("tsx");
    return { url: new URL("./pglite-worker.ts", import.meta.url), execArgv: ["--import", pathToFileURL(tsx).href] };
  }
  return { url: new URL("./pglite-worker.js", import.meta.url) };
}

/** A thrown error as the caller should see it: a `ConfluenceSyncError` stays one, PostgreSQL errors keep `code`. */
function rebuild(data: PgliteErrorData): Error {
  if (data.name === "ConfluenceSyncError" && typeof data.fields.code === "string") {
    return new ConfluenceSyncError(data.fields.code as SyncErrorCode, data.message);
  }
  return errorFrom(data);
}

/**
 * Opens (or creates) a PGlite database in a worker thread of its own and returns a proxy with the same shape as
 * {@link openPglite}'s database. PGlite runs PostgreSQL as WebAssembly on the thread that calls it: in process, every
 * statement (a bulk COPY, an index build) holds the event loop until it ends. In a thread, the caller's work (fetching,
 * converting, embedding, serving HTTP) goes on meanwhile, on another core.
 *
 * Statements, transactions and COPY input (`blob`) behave as on PGlite itself; results and errors are copied across
 * the thread (errors keep PostgreSQL's fields such as `code`). If the thread dies, every pending and later call
 * fails with `STORE_FAILED`.
 */
export async function openPgliteThread(options: PgliteOptions = {}): Promise<PgliteDatabase> {
  const script = workerScript();
  const worker = new Worker(script.url, {
    workerData: { options } satisfies PgliteWorkerData,
    ...(script.execArgv ? { execArgv: script.execArgv } : {}),
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let nextTx = 1;
  let failure: Error | undefined;

  const fail = (error: Error) => {
    failure ??= error;
    for (const { reject } of pending.values()) reject(failure);
    pending.clear();
  };

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) =>
      reject(
        new ConfluenceSyncError("STORE_FAILED", `PGlite's thread failed to start: ${error.message}`, { cause: error }),
      );
    const onExit = (code: number) =>
      reject(
        new ConfluenceSyncError("STORE_FAILED", `PGlite's thread exited with code ${code} while opening the database.`),
      );
    worker.once("error", onError);
    worker.once("exit", onExit);
    worker.once("message", (message: PgliteReady) => {
      worker.off("error", onError);
      worker.off("exit", onExit);
      if (message.ready) resolve();
      else {
        void worker.terminate();
        reject(rebuild(message.error));
      }
    });
  });

  worker.on("message", (message: PgliteResponse) => {
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (pending.size === 0) worker.unref();
    if (message.ok) waiting.resolve(message);
    else waiting.reject(rebuild(message.error));
  });
  worker.on("error", (error) =>
    fail(new ConfluenceSyncError("STORE_FAILED", `PGlite's thread failed: ${error.message}`, { cause: error })),
  );
  worker.on("exit", (code) =>
    fail(new ConfluenceSyncError("STORE_FAILED", `PGlite's thread exited (code ${code}); the database is closed.`)),
  );
  // Idle, the thread does not keep the process alive; a pending call does.
  worker.unref();

  const send = (request: Request, transfer?: ArrayBuffer[]): Promise<PgliteResponse & { ok: true }> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id }, transfer ?? []);
    });
  };

  const queryable = (tx: number | undefined): PgliteQueryable => ({
    async query<Row>(sql: string, params?: unknown[], queryOptions?: { blob?: Blob }) {
      let blob: ArrayBuffer | undefined;
      if (queryOptions?.blob) blob = await queryOptions.blob.arrayBuffer();
      const response = await send(
        {
          op: "query",
          sql,
          ...(tx === undefined ? {} : { tx }),
          ...(params ? { params } : {}),
          ...(blob ? { blob } : {}),
        },
        blob ? [blob] : undefined,
      );
      return { rows: (response.rows ?? []) as Row[], affectedRows: response.affectedRows };
    },
    async exec(sql: string) {
      await send({ op: "exec", sql, ...(tx === undefined ? {} : { tx }) });
    },
  });

  return {
    ...queryable(undefined),
    async transaction<T>(fn: (tx: PgliteQueryable) => Promise<T>): Promise<T> {
      const tx = nextTx++;
      await send({ op: "begin", tx });
      let result: T;
      try {
        result = await fn(queryable(tx));
      } catch (error) {
        await send({ op: "end", tx, commit: false }).catch(() => {});
        throw error;
      }
      await send({ op: "end", tx, commit: true });
      return result;
    },
    async close() {
      if (failure) return;
      await send({ op: "close" });
      await worker.terminate();
    },
  };
}
