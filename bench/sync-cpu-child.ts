/**
 * One full sync into PostgreSQL in a process of its own, for `sync-cpu.ts`: prints `RESULT <json>` with the wall
 * time, the main thread's CPU, the whole process's CPU (convert workers included), the main thread's event-loop
 * utilization and when the first and last pages were indexed; with `timeline`, also when the store's writes ran and
 * how long the bulk load's end (its index builds) took.
 *
 *   SYNC_CPU_CONFIG='{...}' node --import tsx bench/sync-cpu-child.ts
 */
import { performance } from "node:perf_hooks";
import { ConfluenceSync, createConfluenceSource, HashingEmbedder } from "@archon/confluence-core";
import { openSchemaStore } from "../test/e2e/support/pg.js";

export interface SyncCpuConfig {
  readonly baseUrl: string;
  readonly email: string;
  readonly apiToken: string;
  readonly url: string;
  readonly schema: string;
  readonly sourceId: string;
  /** Time the store's writes and the bulk load's end (see {@link SyncCpuResult.writes}). */
  readonly timeline?: boolean;
}

export interface SyncCpuResult {
  readonly wallMs: number;
  readonly mainCpuMs: number;
  readonly processCpuMs: number;
  readonly mainIdleMs: number;
  readonly firstIndexedMs: number;
  readonly lastIndexedMs: number;
  readonly pages: number;
  readonly chunks: number;
  readonly embeddingCalls: number;
  /** With `timeline`: when the first `writePages` call started and the last ended, and how many there were. */
  readonly writes?: { readonly firstMs: number; readonly lastMs: number; readonly calls: number };
  /** With `timeline`: when `endBulkLoad` (the deferred index builds and ANALYZE) started, and how long it took. */
  readonly bulkEnd?: { readonly startMs: number; readonly ms: number };
}

const config = JSON.parse(process.env.SYNC_CPU_CONFIG ?? "null") as SyncCpuConfig;
const { store, close } = await openSchemaStore(config.url, config.schema);
const source = createConfluenceSource({
  baseUrl: config.baseUrl,
  deployment: "cloud",
  credentials: { type: "basic", email: config.email, apiToken: config.apiToken },
  timeZone: "UTC",
});
let first = 0;
let last = 0;
const started = performance.now();
let writes: SyncCpuResult["writes"];
let bulkEnd: SyncCpuResult["bulkEnd"];
/** The store, with its writes and the bulk load's end timed when the config asks for a timeline. */
const timed: typeof store = !config.timeline
  ? store
  : new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== "function") return value;
        // The store's methods read its private fields: they run on the store itself, not on the proxy.
        if (prop !== "writePages" && prop !== "endBulkLoad") return value.bind(target);
        return async (...args: unknown[]) => {
          const startMs = performance.now() - started;
          const result = await value.apply(target, args);
          const endMs = performance.now() - started;
          if (prop === "endBulkLoad") bulkEnd = { startMs, ms: endMs - startMs };
          else {
            writes = {
              firstMs: writes?.firstMs ?? startMs,
              lastMs: Math.max(writes?.lastMs ?? 0, endMs),
              calls: (writes?.calls ?? 0) + 1,
            };
          }
          return result;
        };
      },
    });
const sync = new ConfluenceSync({ source, store: timed, embedder: new HashingEmbedder({ dimensions: 384 }) });
sync.on("page-indexed", () => {
  last = performance.now() - started;
  if (first === 0) first = last;
});
const cpu = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const mainBefore = process.threadCpuUsage();
const processBefore = process.cpuUsage();
const elu = performance.eventLoopUtilization();
const metrics = await sync.run({ sourceId: config.sourceId, mode: "full" });
const wallMs = performance.now() - started;
const result: SyncCpuResult = {
  wallMs,
  mainCpuMs: cpu(process.threadCpuUsage(mainBefore)),
  processCpuMs: cpu(process.cpuUsage(processBefore)),
  mainIdleMs: performance.eventLoopUtilization(elu).idle,
  firstIndexedMs: first,
  lastIndexedMs: last,
  pages: metrics.pagesIndexed,
  chunks: metrics.chunksWritten,
  embeddingCalls: metrics.embeddingCalls,
  ...(writes ? { writes } : {}),
  ...(bulkEnd ? { bulkEnd } : {}),
};
await close();
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
