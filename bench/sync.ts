/**
 * Full sync of a generated space from the fake Confluence, with a fixed per-request latency, into the in-memory
 * store with the hashing embedder; then a no-change incremental resync.
 *
 *   npx tsx bench/sync.ts [--pages 4000] [--latency 50]
 */
import { parseArgs } from "node:util";
import {
  ConfluenceSync,
  createConfluenceSource,
  HashingEmbedder,
  InMemoryKnowledgeStore,
} from "@archon/confluence-core";
import { startFakeConfluence } from "@archon/fake-confluence";
import { machineLine } from "./machine.js";

const { values } = parseArgs({
  options: { pages: { type: "string", default: "4000" }, latency: { type: "string", default: "50" } },
});
const pages = Number(values.pages);
const latencyMs = Number(values.latency);

const fake = await startFakeConfluence({ seed: 42, spaces: [{ key: "BENCH", pages }], faults: { latencyMs } });
const source = createConfluenceSource({
  baseUrl: fake.baseUrl,
  deployment: "cloud",
  credentials: { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken },
  timeZone: "UTC",
});
const store = new InMemoryKnowledgeStore();
const now = new Date().toISOString();
await store.upsertSource({
  sourceId: "bench",
  name: "Bench",
  deployment: "cloud",
  baseUrl: fake.baseUrl,
  spaceKey: "BENCH",
  deletionStrategy: "listing",
  removeArchived: true,
  createdAt: now,
  updatedAt: now,
});
const sync = new ConfluenceSync({ source, store, embedder: new HashingEmbedder({ dimensions: 384 }) });
const current = fake.space("BENCH").pages().length;
// Fewest requests the API allows: a full sync needs the space lookup and a 250-page v2 listing with bodies; a
// resync that also detects deletions needs the space lookup, one CQL search for changes and an id listing.
const minimum = { full: 1 + Math.ceil(current / 250), incremental: 2 + Math.ceil(current / 250) };

const rows: string[] = [];
for (const mode of ["full", "incremental"] as const) {
  const before = fake.stats().requests;
  const started = performance.now();
  const metrics = await sync.run({ sourceId: "bench", mode });
  const seconds = (performance.now() - started) / 1000;
  const requests = fake.stats().requests - before;
  rows.push(
    `| ${mode === "full" ? "full sync" : "no-change resync"} | ${seconds.toFixed(1)} s | ${requests} | ${minimum[mode]} | ${metrics.pagesFetched} | ${metrics.pagesIndexed} | ${metrics.chunksWritten} | ${metrics.embeddingCalls} |`,
  );
}
await fake.close();

console.log(`Sync benchmark: ${current} current pages, ${latencyMs} ms per request. ${machineLine()}`);
console.log(
  "| run | wall time | API requests | fewest possible | bodies fetched | pages indexed | chunks | embedding calls |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
