/**
 * Distributed sync throughput: sources synced per minute by 1, 2 and 4 worker processes (each running one sync at
 * a time) against a fake Confluence with a fixed per-request latency. Every run gets a fresh schema; the clock
 * starts when the sources are enqueued (workers already running) and stops when the last one succeeded.
 *
 *   DATABASE_URL=postgres://... npx tsx --tsconfig tsconfig.json bench/worker.ts [--sources 16] [--pages 30]
 *     [--latency 150] [--workers 1,2,4] [--concurrency 1] [--page-size 10]
 *
 * Where the time goes, per run: CPU seconds of the worker processes, of the PostgreSQL backends serving this
 * database (sampled before the workers stop), and of this process (the fake Confluence), against the cores the
 * wall time offers; and how busy the whole machine was meanwhile (other jobs included: the machine is shared).
 */
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { createSyncQueue } from "@archon/confluence-worker";
import { startFakeConfluence } from "@archon/fake-confluence";
import pg from "pg";
import { createArea, probeDatabase, seedSources, spawnWorker, waitFor } from "../packages/worker/test/support.js";
import { machineLine } from "./machine.js";

const { values } = parseArgs({
  options: {
    sources: { type: "string", default: "16" },
    pages: { type: "string", default: "30" },
    latency: { type: "string", default: "150" },
    workers: { type: "string", default: "1,2,4" },
    concurrency: { type: "string", default: "1" },
    "page-size": { type: "string", default: "10" },
  },
});
const skip = await probeDatabase();
if (skip) {
  console.error(`bench/worker.ts needs PostgreSQL with pgvector: ${skip}`);
  process.exit(1);
}
const sources = Number(values.sources);
const pages = Number(values.pages);
const latencyMs = Number(values.latency);
const keys = Array.from({ length: sources }, (_, i) => `B${i + 1}`);

/** CPU seconds (user + system) a process has used, or 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Busy and total CPU time of the whole machine so far, in seconds. */
function machineCpu(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const ticks = line.split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, n) => sum + n, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

/** CPU seconds of every PostgreSQL backend now serving the benchmark's database, by pid. */
async function backendCpu(url: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    return new Map(rows.map((r) => [r.pid, cpuSeconds(r.pid)]));
  } finally {
    await client.end();
  }
}

const rows: string[] = [];
const cpuRows: string[] = [];
for (const count of values.workers.split(",").map(Number)) {
  const fake = await startFakeConfluence({
    seed: 42,
    spaces: keys.map((key) => ({ key, pages })),
    faults: { latencyMs },
  });
  const area = await createArea(`bench${count}`);
  await seedSources(area, fake, keys);
  const queue = await createSyncQueue({ connectionString: area.url, schema: area.schema });
  const workers = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      spawnWorker(area, {
        WORKER_ID: `bench-${i + 1}`,
        WORKER_CONCURRENCY: values.concurrency,
        WORKER_PAGE_SIZE: values["page-size"],
      }),
    ),
  );
  const before = fake.stats().requests;
  const backendsBefore = await backendCpu(area.url);
  const workersBefore = workers.map((w) => cpuSeconds(w.process.pid!));
  const selfBefore = process.cpuUsage();
  const machineBefore = machineCpu();
  const started = performance.now();
  for (const key of keys) await queue.enqueueSync(key.toLowerCase(), { mode: "full" });
  await waitFor(
    "every source to be synced",
    async () => {
      const statuses = await queue.listSourceStatuses(keys.map((k) => k.toLowerCase()));
      return statuses.every((s) => s.state === "succeeded") ? true : undefined;
    },
    600_000,
  );
  const seconds = (performance.now() - started) / 1000;
  const requests = fake.stats().requests - before;
  const machineAfter = machineCpu();
  const self = process.cpuUsage(selfBefore);
  const workerCpu = workers.reduce((sum, w, i) => sum + cpuSeconds(w.process.pid!) - workersBefore[i]!, 0);
  let backendSeconds = 0;
  for (const [pid, after] of await backendCpu(area.url)) backendSeconds += after - (backendsBefore.get(pid) ?? 0);
  const fakeSeconds = (self.user + self.system) / 1e6;
  const offered = seconds * cpus().length;
  const machineBusy = (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total);
  cpuRows.push(
    `| ${count} | ${workerCpu.toFixed(1)} s (${(workerCpu / count / seconds).toFixed(2)} of a core each) | ${backendSeconds.toFixed(1)} s | ${fakeSeconds.toFixed(1)} s | ${(((workerCpu + backendSeconds + fakeSeconds) / offered) * 100).toFixed(0)}% | ${(machineBusy * 100).toFixed(0)}% |`,
  );
  const perMinute = (sources / seconds) * 60;
  rows.push(
    `| ${count} | ${values.concurrency} | ${sources} × ${pages} pages | ${seconds.toFixed(1)} s | ${perMinute.toFixed(1)} | ${requests} |`,
  );
  for (const worker of workers) worker.process.kill("SIGTERM");
  await Promise.all(workers.map((w) => w.exited));
  await queue.close();
  await area.drop();
  await fake.close();
}

console.log(
  `Machine: ${machineLine()}; fake Confluence latency ${latencyMs} ms per request, listing pages of ${values["page-size"]}.\n`,
);
console.log("| Workers | Syncs per worker | Sources | Wall time | Sources per minute | API requests |");
console.log("| ------: | ---------------: | ------- | --------: | -----------------: | -----------: |");
for (const row of rows) console.log(row);
console.log(
  `\nCPU during each run (${cpus().length} cores): the workers, the PostgreSQL backends of the benchmark's database and the fake Confluence, as a share of the cores over the wall time; and the whole machine's busy share, other jobs included.\n`,
);
console.log(
  "| Workers | worker CPU | PostgreSQL CPU | fake Confluence CPU | share of the cores (ours) | machine busy (all jobs) |",
);
console.log(
  "| ------: | ---------: | -------------: | ------------------: | ------------------------: | ----------------------: |",
);
for (const row of cpuRows) console.log(row);
