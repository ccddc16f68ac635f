/**
 * One sync in a process of its own, for the crash suite (which kills it) and the benchmarks (which read its peak
 * RSS). Configuration comes as JSON in `E2E_SYNC_CONFIG` (see {@link ChildSyncConfig}); with `progress`, every
 * indexed page prints `indexed <n>`; the last line is `RESULT <json>` with the metrics and the peak RSS.
 *
 *   E2E_SYNC_CONFIG='{...}' npx tsx test/e2e/support/sync-child.ts
 */
import {
  ConfluenceSync,
  createConfluenceSource,
  HashingEmbedder,
  type KnowledgeStore,
  OpenAIEmbedder,
} from "@archon/confluence-core";
import { createPgliteStore, type PgKnowledgeStore, PgProgressSink } from "@archon/confluence-pg-store";
import type { ChildSyncConfig, ChildSyncResult } from "./child-protocol.js";
import { openSchemaStore } from "./pg.js";

const config = JSON.parse(process.env.E2E_SYNC_CONFIG ?? "null") as ChildSyncConfig | null;
if (!config) {
  console.error("E2E_SYNC_CONFIG is not set");
  process.exit(2);
}

let store: KnowledgeStore;
let db: PgKnowledgeStore["db"] | undefined;
let close: () => Promise<void>;
if (config.store.kind === "pg") {
  const opened = await openSchemaStore(config.store.url, config.store.schema);
  store = opened.store;
  db = opened.store.db;
  close = opened.close;
} else {
  const pglite = await createPgliteStore({
    dataDir: config.store.dataDir,
    ...(config.store.inProcess ? { thread: false } : {}),
  });
  store = pglite;
  close = () => pglite.close();
}

const source = createConfluenceSource({
  baseUrl: config.baseUrl,
  deployment: config.deployment,
  credentials: config.credentials,
  timeZone: "UTC",
  ...config.sourceOptions,
});
const sync = new ConfluenceSync({
  source,
  store,
  embedder: config.openai
    ? new OpenAIEmbedder({
        baseURL: config.openai.baseURL,
        apiKey: "bench",
        model: "text-embedding-3-small",
        dimensions: config.dimensions ?? 384,
      })
    : new HashingEmbedder({ dimensions: config.dimensions ?? 384 }),
  ...(config.progressSink && db ? { sinks: [new PgProgressSink(db)] } : {}),
  ...(config.concurrency ? { concurrency: config.concurrency } : {}),
});
if (config.progress) {
  let indexed = 0;
  sync.on("page-indexed", () => {
    indexed += 1;
    process.stdout.write(`indexed ${indexed}\n`);
  });
}

const started = performance.now();
const metrics = await sync.run({ sourceId: config.sourceId, mode: config.mode });
const wallMs = performance.now() - started;
await close();
const result: ChildSyncResult = { metrics, wallMs, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
