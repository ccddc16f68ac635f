/**
 * Distributed sync throughput: sources synced per minute by 1, 2 and 4 worker processes (each running one sync at
 * a time) against a fake Confluence with a fixed per-request latency. Every run gets a fresh schema; the clock
 * starts when the sources are enqueued (workers already running) and stops when the last one succeeded.
 *
 *   DATABASE_URL=postgres://... npx tsx --tsconfig tsconfig.json bench/worker.ts [--sources 16] [--pages 30]
 *     [--latency 150] [--workers 1,2,4] [--concurrency 1] [--page-size 10]
 */
import { parseArgs } from "node:util";
import { createSyncQueue } from "@archon/confluence-worker";
import { startFakeConfluence } from "@archon/fake-confluence";
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

const rows: string[] = [];
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
