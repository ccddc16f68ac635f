/**
 * The store's share of the floor of a first full sync, in a process of its own: the pages and chunks (with their
 * vectors) that a full sync stored in one store are read back, untimed, and then written into a fresh, empty store
 * the way the sync engine writes a first load (`beginBulkLoad`, groups of `writeBatchPages` pages or
 * `writeBatchChunks` chunk rows per `writePages` transaction, `writeConcurrency` groups at once, `endBulkLoad` with
 * its deferred index builds), with no Confluence, no conversion, no chunking and no embedding. Only the load is timed.
 *
 *   STORE_REPLAY_CONFIG='{...}' npx tsx bench/floor/store-replay.ts
 */
import { type ChunkRecord, type KnowledgeStore, type PageWrite, syncTuningSchema } from "@archon/confluence-core";
import { createPgliteStore } from "@archon/confluence-pg-store";
import type { ChildSyncConfig } from "../../test/e2e/support/child-protocol.js";
import { openSchemaStore } from "../../test/e2e/support/pg.js";

export interface StoreReplayConfig {
  readonly sourceId: string;
  /** Where the full sync stored the pages. */
  readonly from: ChildSyncConfig["store"];
  /** A fresh store (already migrated, the source upserted, no page): where they are loaded again. */
  readonly to: ChildSyncConfig["store"];
}

export interface StoreReplayResult {
  readonly pages: number;
  readonly chunks: number;
  /** `beginBulkLoad` to `endBulkLoad` returned: the writes and the deferred index builds. */
  readonly loadMs: number;
  /** Of which `endBulkLoad` (index builds and ANALYZE). */
  readonly buildMs: number;
  readonly maxRssBytes: number;
}

async function open(spec: ChildSyncConfig["store"]): Promise<{ store: KnowledgeStore; close: () => Promise<void> }> {
  if (spec.kind === "pg") {
    const { store, close } = await openSchemaStore(spec.url, spec.schema);
    return { store, close };
  }
  const store = await createPgliteStore({ dataDir: spec.dataDir });
  return { store, close: () => store.close() };
}

const config = JSON.parse(process.env.STORE_REPLAY_CONFIG ?? "null") as StoreReplayConfig | null;
if (!config) {
  console.error("STORE_REPLAY_CONFIG is not set");
  process.exit(2);
}

// Read everything first (untimed): the floor is the store's cost, not the cost of reading it back.
const from = await open(config.from);
const writes: PageWrite[] = [];
let chunkRows = 0;
let model: { modelId: string; dimensions: number } | undefined;
for (const pageId of (await from.store.getPageStates(config.sourceId)).keys()) {
  const page = await from.store.getPage(config.sourceId, pageId);
  if (!page) continue;
  const chunks: ChunkRecord[] = await from.store.getChunks(config.sourceId, pageId);
  const first = chunks[0];
  if (first && !model) model = { modelId: first.embeddingModel, dimensions: first.embedding.length };
  writes.push({ page, chunks });
  chunkRows += chunks.length;
}
await from.close();
// Pages in the order a listing hands them over: the engine writes them as they come, not sorted.
writes.sort((a, b) => a.page.path.localeCompare(b.page.path));

const tuning = syncTuningSchema.parse({});
const to = await open(config.to);
const load = {
  sourceId: config.sourceId,
  pages: writes.length,
  embeddingModel: model?.modelId ?? "none",
  dimensions: model?.dimensions ?? 384,
};
const writePages = to.store.writePages?.bind(to.store);
if (!writePages) throw new Error("the target store cannot write page groups");
const started = performance.now();
await to.store.beginBulkLoad?.(load);
const groups: PageWrite[][] = [];
let group: PageWrite[] = [];
let groupChunks = 0;
for (const write of writes) {
  group.push(write);
  groupChunks += write.chunks.length;
  if (group.length >= tuning.writeBatchPages || groupChunks >= tuning.writeBatchChunks) {
    groups.push(group);
    group = [];
    groupChunks = 0;
  }
}
if (group.length > 0) groups.push(group);
let next = 0;
const lane = async () => {
  while (next < groups.length) {
    const mine = groups[next++] as PageWrite[];
    await writePages(mine);
  }
};
await Promise.all(Array.from({ length: tuning.writeConcurrency }, lane));
const built = performance.now();
await to.store.endBulkLoad?.(load);
const ended = performance.now();
await to.close();

const result: StoreReplayResult = {
  pages: writes.length,
  chunks: chunkRows,
  loadMs: ended - started,
  buildMs: ended - built,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
