/** Messages between {@link openPgliteThread}'s proxy and the worker thread that owns the PGlite database. */

import type { PgliteOptions } from "./pglite.js";

/** What the worker is started with (`workerData`). */
export interface PgliteWorkerData {
  readonly options: PgliteOptions;
}

/** A request from the proxy. `tx` names an open transaction the statement belongs to; none for the database. */
export type PgliteRequest =
  | {
      readonly id: number;
      readonly op: "query";
      readonly tx?: number;
      readonly sql: string;
      readonly params?: unknown[];
      readonly blob?: ArrayBuffer;
    }
  | { readonly id: number; readonly op: "exec"; readonly tx?: number; readonly sql: string }
  /** Opens a transaction; answered once PGlite runs its callback (the database is then the transaction's). */
  | { readonly id: number; readonly op: "begin"; readonly tx: number }
  /** Ends a transaction: commits, or rolls back when `commit` is false. */
  | { readonly id: number; readonly op: "end"; readonly tx: number; readonly commit: boolean }
  | { readonly id: number; readonly op: "close" };

/** A PostgreSQL error as it crosses the thread: its message and the fields the store reads (`code` above all). */
export interface PgliteErrorData {
  readonly name: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, string | number>>;
}

/** The answer to the request of the same id. */
export type PgliteResponse =
  | { readonly id: number; readonly ok: true; readonly rows?: unknown[]; readonly affectedRows?: number }
  | { readonly id: number; readonly ok: false; readonly error: PgliteErrorData };

/** The worker's first message: the database is open (or could not be opened). */
export type PgliteReady = { readonly ready: true } | { readonly ready: false; readonly error: PgliteErrorData };

/** Fields of PostgreSQL errors (node-postgres and PGlite name them alike) copied across the thread. */
const ERROR_FIELDS = [
  "code",
  "severity",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

/** `error` as plain data that survives `postMessage`, keeping its PostgreSQL fields. */
export function errorData(error: unknown): PgliteErrorData {
  const source = (error ?? {}) as Record<string, unknown>;
  const fields: Record<string, string | number> = {};
  for (const field of ERROR_FIELDS) {
    const value = source[field];
    if (typeof value === "string" || typeof value === "number") fields[field] = value;
  }
  return {
    name: error instanceof Error ? error.name : "Error",
    message: error instanceof Error ? error.message : String(error),
    fields,
  };
}

/** An `Error` carrying the fields of {@link errorData} again, so callers read `error.code` as they would in-process. */
export function errorFrom(data: PgliteErrorData): Error {
  const error = new Error(data.message) as Error & Record<string, unknown>;
  error.name = data.name;
  Object.assign(error, data.fields);
  return error;
}
