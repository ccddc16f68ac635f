/**
 * Where a first sync into PGlite spends its time and memory: one full sync (then a no-change resync) in this
 * process, from the fake Confluence into a fresh PGlite directory, with every statement timed (grouped by its first
 * words; a statement's time includes waiting for PGlite, which runs one statement at a time), the process's CPU,
 * the event loop's delay, and the resident memory at each step.
 *
 *   npx tsx bench/pglite-profile.ts [--pages 1000] [--latency 100] [--rate 10] [--settings '{"shared_buffers":"128MB"}']
 *   node --liftoff-only --import tsx bench/pglite-profile.ts     # V8's baseline WebAssembly compiler only
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { ConfluenceSync, createConfluenceSource, createSourceRecord, HashingEmbedder } from "@archon/confluence-core";
import { type Db, fromPglite, migrate, openPglite, PgKnowledgeStore } from "@archon/confluence-pg-store";
import { startFakeConfluence } from "@archon/fake-confluence";
import { machineLine } from "./machine.js";
import { loadAverage, mb, seconds } from "./peers/format.js";

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "1000" },
    latency: { type: "string", default: "100" },
    rate: { type: "string", default: "10" },
    settings: { type: "string", default: "{}" },
  },
});
const rate = Number(values.rate);
const steps: string[] = [];
const step = (label: string) =>
  steps.push(`| ${label} | ${mb(process.memoryUsage().rss)} | ${mb(process.resourceUsage().maxRSS * 1024)} |`);

step("start");
const fake = await startFakeConfluence({
  seed: 42,
  spaces: [{ key: "PROF", pages: Number(values.pages) }],
  faults: { latencyMs: Number(values.latency), rateLimit: { capacity: rate, refillPerSecond: rate } },
});
step("fake Confluence started");
const dir = mkdtempSync(join(tmpdir(), "archon-pglite-profile-"));
const lite = await openPglite({ dataDir: join(dir, "db"), settings: JSON.parse(values.settings) });
step("PGlite created (initdb)");
const raw = fromPglite(lite, { ownsDb: true });
await migrate(raw);
step("migrated");

const timings = new Map<string, { count: number; ms: number; maxMs: number }>();
async function timed<T>(sql: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    const ms = performance.now() - started;
    const key = sql.replace(/\s+/g, " ").trim().slice(0, 72);
    const entry = timings.get(key) ?? { count: 0, ms: 0, maxMs: 0 };
    timings.set(key, { count: entry.count + 1, ms: entry.ms + ms, maxMs: Math.max(entry.maxMs, ms) });
  }
}
/** The same database with every statement timed; transactions hand out a timed transaction. */
function timedDb(db: Db): Db {
  return {
    kind: db.kind,
    query: (sql, params) => timed(sql, () => db.query(sql, params)),
    exec: (sql) => timed(sql, () => db.exec(sql)),
    ...(db.copyFrom ? { copyFrom: (sql: string, data: Buffer) => timed(sql, () => db.copyFrom!(sql, data)) } : {}),
    transaction: (fn) => db.transaction((tx) => fn(timedDb(tx))),
    close: () => db.close(),
  };
}

const store = new PgKnowledgeStore(timedDb(raw));
await store.upsertSource(
  createSourceRecord({ sourceId: "prof", baseUrl: fake.baseUrl, deployment: "cloud", spaceKey: "PROF" }),
);
const source = createConfluenceSource({
  baseUrl: fake.baseUrl,
  deployment: "cloud",
  credentials: { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken },
  timeZone: "UTC",
});
const sync = new ConfluenceSync({ source, store, embedder: new HashingEmbedder({ dimensions: 384 }) });
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const cpuBefore = process.cpuUsage();
const started = performance.now();
const metrics = await sync.run({ sourceId: "prof", mode: "full" });
const fullMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
delay.disable();
step("full sync done");
const resyncStarted = performance.now();
await sync.run({ sourceId: "prof", mode: "incremental" });
const resyncMs = performance.now() - resyncStarted;
step("no-change resync done");
await store.close();
await fake.close();
rmSync(dir, { recursive: true, force: true });

const ms = (n: number) => `${Math.round(n / 1e6)} ms`;
console.log(
  `PGlite profile: ${metrics.pagesIndexed} pages, ${metrics.chunksWritten} chunks; ${machineLine()}; ${loadAverage()}`,
);
console.log(
  `\nFull sync ${seconds(fullMs)} (process CPU: user ${seconds(cpu.user / 1000)}, system ${seconds(cpu.system / 1000)}; event loop delay p50 ${ms(delay.percentile(50))}, p99 ${ms(delay.percentile(99))}, max ${ms(delay.max)}); no-change resync ${seconds(resyncMs)}.`,
);
console.log("\n| step | resident | peak so far |\n| --- | --- | --- |");
for (const line of steps) console.log(line);
console.log("\n| statement | calls | total | slowest |\n| --- | --- | --- | --- |");
for (const [sql, t] of [...timings].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) {
  console.log(`| \`${sql}\` | ${t.count} | ${seconds(t.ms)} | ${Math.round(t.maxMs)} ms |`);
}
