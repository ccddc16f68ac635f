/**
 * A generated space with files attached to its pages (every sample format, each file unique), synced from the fake
 * Confluence with a fixed per-request latency into the in-memory store with the hashing embedder and
 * `@archon/confluence-attachments`: a full sync, then a no-change resync, counting attachment bytes downloaded.
 *
 *   npx tsx bench/attachments.ts [--pages 4000] [--attachments 2000] [--latency 20]
 *   npx tsx bench/attachments.ts --quick    # 400 pages, 200 attachments
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { createAttachmentExtractor } from "@archon/confluence-attachments";
import {
  ConfluenceSync,
  createConfluenceSource,
  HashingEmbedder,
  InMemoryKnowledgeStore,
} from "@archon/confluence-core";
import { generateSampleFile, SAMPLE_FORMATS, startFakeConfluence } from "@archon/fake-confluence";
import { machineLine } from "./machine.js";

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "4000" },
    attachments: { type: "string", default: "2000" },
    latency: { type: "string", default: "20" },
    quick: { type: "boolean", default: false },
  },
});
const pages = values.quick ? 400 : Number(values.pages);
const attachmentCount = values.quick ? 200 : Number(values.attachments);
const latencyMs = Number(values.latency);

const fake = await startFakeConfluence({ seed: 42, spaces: [{ key: "BENCH", pages }], faults: { latencyMs } });
const current = fake.space("BENCH").pages();
const generationStarted = performance.now();
let fileBytes = 0;
for (let i = 0; i < attachmentCount; i++) {
  const format = SAMPLE_FORMATS[i % SAMPLE_FORMATS.length]!;
  const file = await generateSampleFile(format, `b${i}`);
  fileBytes += file.data.byteLength;
  // Spread over the pages: every other page holds one file, a few hold several.
  fake.state.attachments.add({ pageId: current[(i * 2) % current.length]!.id, ...file });
}
const generationSeconds = (performance.now() - generationStarted) / 1000;

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
const extractor = createAttachmentExtractor();
const sync = new ConfluenceSync({
  source,
  store,
  embedder: new HashingEmbedder({ dimensions: 384 }),
  content: { attachments: true },
  attachmentExtractor: extractor,
});

const endpoint = (stats: Record<string, number>, fragment: string) =>
  Object.entries(stats)
    .filter(([name]) => name.includes(fragment))
    .reduce((sum, [, n]) => sum + n, 0);
const rows: string[] = [];
for (const mode of ["full", "incremental"] as const) {
  fake.resetStats();
  const load = loadavg()[0]!.toFixed(1);
  const started = performance.now();
  const metrics = await sync.run({ sourceId: "bench", mode });
  const seconds = (performance.now() - started) / 1000;
  const stats = fake.stats();
  const a = metrics.attachments!;
  rows.push(
    `| ${mode === "full" ? "full sync" : "no-change resync"} | ${seconds.toFixed(1)} s | ${load} | ${stats.requests} | ${endpoint(stats.byEndpoint, "/child/attachment")} | ${endpoint(stats.byEndpoint, "/download/")} | ${a.bytesDownloaded.toLocaleString("en-US")} | ${a.indexed} | ${a.unchanged} | ${a.skipped} | ${metrics.pagesIndexed} |`,
  );
}
await extractor.close();
await fake.close();

console.log(
  `Attachments benchmark: ${current.length} current pages, ${attachmentCount} attachments (${SAMPLE_FORMATS.length} formats, ${(fileBytes / 1e6).toFixed(1)} MB, generated in ${generationSeconds.toFixed(0)} s, not timed), ${latencyMs} ms per request. ${machineLine()}`,
);
console.log(
  "| run | wall time | load (1 min) | API requests | attachment listings | downloads | attachment bytes downloaded | files indexed | unchanged | skipped | pages indexed |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
