/**
 * One full sync into PostgreSQL in a process of its own, for `sync-cpu.ts`: prints `RESULT <json>` with the wall
 * time, the main thread's CPU, the whole process's CPU (convert workers included), the main thread's event-loop
 * utilization and when the first and last pages were indexed.
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
}

const config = JSON.parse(process.env.SYNC_CPU_CONFIG ?? "null") as SyncCpuConfig;
const { store, close } = await openSchemaStore(config.url, config.schema);
const source = createConfluenceSource({
  baseUrl: config.baseUrl,
  deployment: "cloud",
  credentials: { type: "basic", email: config.email, apiToken: config.apiToken },
  timeZone: "UTC",
});
const sync = new ConfluenceSync({ source, store, embedder: new HashingEmbedder({ dimensions: 384 }) });
let first = 0;
let last = 0;
const started = performance.now();
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
};
await close();
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
