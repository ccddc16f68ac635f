/**
 * Node's CPU in a first full sync into PostgreSQL, tree against tree: the fake Confluence runs in this process, each
 * sync in a fresh child process (so the fake's CPU is not counted) into a fresh schema, alternating between the given
 * worktrees round by round so both see the same machine load.
 *
 *   DATABASE_URL=... npx tsx bench/sync-cpu.ts [--pages 1000] [--rounds 3] [--trees /a,/b] [--profile dir] [--timeline]
 *
 * `--profile <dir>` starts the children with `--cpu-prof` writing into that directory. `--timeline` also reports when
 * the store's writes ran, how long the bulk load's end (the deferred index builds) took, and the child's CPU per
 * thread (main thread, convert threads, V8's helper threads), read from `/proc` while it runs (Linux only).
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createSourceRecord } from "@archon/confluence-core";
import { startFakeConfluence } from "@archon/fake-confluence";
import {
  createMigratedSchema,
  databaseUrl,
  dropSchema,
  openSchemaStore,
  uniqueSchema,
} from "../test/e2e/support/pg.js";
import { loadAverage } from "./peers/format.js";
import type { SyncCpuConfig, SyncCpuResult } from "./sync-cpu-child.js";

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "1000" },
    rounds: { type: "string", default: "3" },
    latency: { type: "string", default: "100" },
    rate: { type: "string", default: "10" },
    trees: { type: "string", default: fileURLToPath(new URL("..", import.meta.url)) },
    profile: { type: "string" },
    timeline: { type: "boolean", default: false },
  },
});
const url = databaseUrl;
if (!url) throw new Error("set DATABASE_URL");
const rate = Number(values.rate);
const fake = await startFakeConfluence({
  seed: 42,
  spaces: [{ key: "CPU", pages: Number(values.pages) }],
  faults: { latencyMs: Number(values.latency), rateLimit: { capacity: rate, refillPerSecond: rate } },
});
const trees = values.trees.split(",").map((tree) => resolve(tree));

/** CPU seconds per thread name of a running process (`/proc/<pid>/task`), added into `into` by thread id. */
function sampleThreads(pid: number, into: Map<string, { name: string; seconds: number }>): void {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return;
  }
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      into.set(tid, { name, seconds: (Number(fields[11]) + Number(fields[12])) / 100 });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
}

/** "MainThread 8.3 s, archon-convert ×2 9.4 s, ..." from the last sample of each thread. */
function threadSummary(threads: Map<string, { name: string; seconds: number }>): string {
  const byName = new Map<string, { count: number; seconds: number }>();
  for (const { name, seconds } of threads.values()) {
    const entry = byName.get(name) ?? { count: 0, seconds: 0 };
    byName.set(name, { count: entry.count + 1, seconds: entry.seconds + seconds });
  }
  return [...byName]
    .filter(([, { seconds }]) => seconds >= 0.05)
    .sort((a, b) => b[1].seconds - a[1].seconds)
    .map(([name, { count, seconds }]) => `${name}${count > 1 ? ` ×${count}` : ""} ${seconds.toFixed(1)} s`)
    .join(", ");
}

function runChild(tree: string, config: SyncCpuConfig): Promise<{ result: SyncCpuResult; threads: string }> {
  const flags = values.profile ? ["--cpu-prof", `--cpu-prof-dir=${values.profile}`] : [];
  const threads = new Map<string, { name: string; seconds: number }>();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...flags, "--import", "tsx", join(tree, "bench/sync-cpu-child.ts")], {
      cwd: tree,
      env: { ...process.env, TSX_TSCONFIG_PATH: join(tree, "tsconfig.json"), SYNC_CPU_CONFIG: JSON.stringify(config) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let result: SyncCpuResult | undefined;
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr += t;
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.startsWith("RESULT ")) result = JSON.parse(line.slice(7)) as SyncCpuResult;
    });
    const sampler = values.timeline
      ? setInterval(() => child.pid !== undefined && sampleThreads(child.pid, threads), 250)
      : undefined;
    child.on("close", (code) => {
      clearInterval(sampler);
      if (result) done({ result, threads: threadSummary(threads) });
      else fail(new Error(`child ${code}: ${stderr}`));
    });
  });
}

const results = new Map<string, SyncCpuResult[]>(trees.map((tree) => [tree, []]));
console.log(`start: ${loadAverage()}`);
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [i, tree] of trees.entries()) {
    const schema = uniqueSchema("archon_cpu");
    await createMigratedSchema(url, schema);
    const { store, close } = await openSchemaStore(url, schema, 1);
    await store.upsertSource(
      createSourceRecord({ sourceId: "cpu", baseUrl: fake.baseUrl, deployment: "cloud", spaceKey: "CPU" }),
    );
    await close();
    const config: SyncCpuConfig = {
      baseUrl: fake.baseUrl,
      email: fake.credentials.email,
      apiToken: fake.credentials.apiToken,
      url,
      schema,
      sourceId: "cpu",
      timeline: values.timeline,
    };
    try {
      const { result: r, threads } = await runChild(tree, config);
      results.get(tree)?.push(r);
      const perPage = (ms: number) => (ms / r.pages).toFixed(2);
      console.log(
        `round ${round} tree ${i}: wall ${(r.wallMs / 1000).toFixed(2)} s, main CPU ${perPage(r.mainCpuMs)} ms/page, process CPU ${perPage(r.processCpuMs)} ms/page, main idle ${(r.mainIdleMs / 1000).toFixed(2)} s, first page ${(r.firstIndexedMs / 1000).toFixed(2)} s, last ${(r.lastIndexedMs / 1000).toFixed(2)} s, ${r.pages} pages, ${r.chunks} chunks, ${r.embeddingCalls} embedding calls; ${loadAverage()}`,
      );
      const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      if (r.writes) {
        console.log(
          `  store writes: ${r.writes.calls} calls from ${s(r.writes.firstMs)} to ${s(r.writes.lastMs)}` +
            (r.bulkEnd
              ? `; bulk load end (index builds, ANALYZE) from ${s(r.bulkEnd.startMs)}, ${s(r.bulkEnd.ms)}`
              : ""),
        );
      }
      if (threads) console.log(`  CPU per thread: ${threads}`);
    } finally {
      await dropSchema(url, schema);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
for (const [i, tree] of trees.entries()) {
  const rs = results.get(tree) ?? [];
  const pages = rs[0]?.pages ?? 1;
  console.log(
    `tree ${i} (${tree}): median wall ${(median(rs.map((r) => r.wallMs)) / 1000).toFixed(2)} s, main CPU ${(median(rs.map((r) => r.mainCpuMs)) / pages).toFixed(2)} ms/page, process CPU ${(median(rs.map((r) => r.processCpuMs)) / pages).toFixed(2)} ms/page`,
  );
}
console.log(`end: ${loadAverage()}`);
await fake.close();
