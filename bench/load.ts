/**
 * Load benchmark and peer comparison. The fake Confluence (in this process) serves a generated space with a fixed
 * per-request latency and a rate limit; every sync runs in a fresh child process (so its peak RSS is its own) into
 * PostgreSQL (DATABASE_URL, a schema of its own, dropped afterwards) or PGlite, with the hashing embedder.
 *
 * Ours: a full sync, then resyncs with no change, after editing 1% of the pages and after deleting 1%.
 * Peer, same fake, same embedder: LangChain.js ConfluencePagesLoader + RecursiveCharacterTextSplitter + PGVectorStore,
 * a full load and a no-change reload, and the code bodies and table cells each kept, on a sample of pages.
 *
 *   npx tsx bench/load.ts [--pages 4000] [--latency 100] [--rate 10] [--no-peers] [--sample 200] [--langchain-limit 25]
 *     [--store auto|pglite] [--pglite-in-process] [--embed-delay 0] [--node-flags=--liftoff-only] [--no-floor]
 *
 * `--store pglite` syncs ours into PGlite even when DATABASE_URL is set (LangChain still writes to PostgreSQL), the
 * default a newcomer meets against the peer on a server; `--pglite-in-process` runs PGlite on the sync's own thread
 * instead of the worker thread `createPgliteStore` gives it by default. `--embed-delay <ms>` embeds ours through FakeOpenAIServer
 * (OpenAI's limits: 2,048 inputs and 300,000 tokens per request) answering each request after that delay, and
 * reports the requests it took and the time a perfectly packed, fully overlapped embedding phase would take.
 * `--node-flags` starts our sync processes with those Node.js flags (LangChain's keep the defaults).
 *
 * The floor of the full sync, measured in the same run: its API requests one after another at the fake's latency
 * and rate, overlapped with the store's own cost of the load, which `floor/store-replay.ts` measures by loading the
 * pages and chunks the full sync stored (vectors included) into a fresh, empty store through the same bulk path (page
 * groups, deferred index builds) with nothing else to do. `--no-floor` skips the replay.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createSourceRecord } from "@archon/confluence-core";
import { createPgliteStore } from "@archon/confluence-pg-store";
import { startFakeConfluence } from "@archon/fake-confluence";
import { FakeOpenAIServer } from "../packages/core/src/embed/fake-openai-server.js";
import type { ChildSyncConfig, ChildSyncResult } from "../test/e2e/support/child-protocol.js";
import {
  createMigratedSchema,
  databaseUrl,
  dropSchema,
  openSchemaStore,
  probePostgres,
  uniqueSchema,
} from "../test/e2e/support/pg.js";
import { runScript, runSyncChild } from "../test/e2e/support/run-child.js";
import { fakeCredentials } from "../test/e2e/support/store-check.js";
import type { StoreReplayConfig, StoreReplayResult } from "./floor/store-replay.js";
import { machineLine } from "./machine.js";
import { countKept, type KeptCounts } from "./peers/content-kept.js";
import { loadAverage, mb, ratio, seconds } from "./peers/format.js";
import type { LangChainSyncConfig, LangChainSyncResult } from "./peers/langchain-sync.js";

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "4000" },
    latency: { type: "string", default: "100" },
    rate: { type: "string", default: "10" },
    seed: { type: "string", default: "42" },
    sample: { type: "string", default: "200" },
    "langchain-limit": { type: "string", default: "25" },
    "no-peers": { type: "boolean", default: false },
    store: { type: "string", default: "auto" },
    "embed-delay": { type: "string", default: "0" },
    "node-flags": { type: "string", default: "" },
    "no-floor": { type: "boolean", default: false },
    "pglite-in-process": { type: "boolean", default: false },
  },
});
const pages = Number(values.pages);
const latencyMs = Number(values.latency);
const rate = Number(values.rate);
const SPACE = "LOAD";
const SOURCE_ID = "load";

const fake = await startFakeConfluence({
  seed: Number(values.seed),
  spaces: [{ key: SPACE, pages }],
  faults: { latencyMs, rateLimit: { capacity: rate, refillPerSecond: rate } },
});
const pgSkip = await probePostgres();
const url = databaseUrl as string;
const schema = uniqueSchema("archon_bench");
/** Ours syncs into PGlite: no server, or asked to. LangChain writes to PostgreSQL whenever there is one. */
const oursPglite = Boolean(pgSkip) || values.store === "pglite";
const pgliteDir = oursPglite ? mkdtempSync(join(tmpdir(), "archon-load-")) : "";
const storeSpec: ChildSyncConfig["store"] = oursPglite
  ? { kind: "pglite", dataDir: pgliteDir, ...(values["pglite-in-process"] ? { inProcess: true } : {}) }
  : { kind: "pg", url, schema };
const embedDelayMs = Number(values["embed-delay"]);
/** Node.js flags for our sync processes only, e.g. `--liftoff-only` (see the PGlite section of BENCHMARKS.md). */
const ourNodeFlags = values["node-flags"].split(/\s+/).filter(Boolean);
const openai = embedDelayMs > 0 ? await FakeOpenAIServer.start({ delayMs: embedDelayMs }) : null;
const record = createSourceRecord({ sourceId: SOURCE_ID, baseUrl: fake.baseUrl, deployment: "cloud", spaceKey: SPACE });
if (oursPglite) {
  const store = await createPgliteStore({ dataDir: pgliteDir });
  await store.upsertSource(record);
  await store.close();
}
if (!pgSkip) {
  await createMigratedSchema(url, schema);
  const { store, close } = await openSchemaStore(url, schema, 1);
  await store.upsertSource(record);
  await close();
}

const config = (mode: "full" | "incremental"): ChildSyncConfig => ({
  baseUrl: fake.baseUrl,
  deployment: "cloud",
  credentials: fakeCredentials(fake),
  sourceId: SOURCE_ID,
  mode,
  store: storeSpec,
  ...(openai ? { openai: { baseURL: openai.baseURL } } : {}),
});

/** One sync of ours in a fresh process, with the API requests the fake counted. */
async function ours(mode: "full" | "incremental"): Promise<ChildSyncResult & { requests: number }> {
  const before = fake.stats().requests;
  const outcome = await runSyncChild(config(mode), { nodeFlags: ourNodeFlags });
  if (!outcome.result) throw new Error(`sync child failed (${outcome.code}): ${outcome.stderr}`);
  return { ...outcome.result, requests: fake.stats().requests - before };
}

const replayScript = fileURLToPath(new URL("./floor/store-replay.ts", import.meta.url));
const langchainScript = fileURLToPath(new URL("./peers/langchain-sync.ts", import.meta.url));
async function langchain(): Promise<LangChainSyncResult & { requests: number; rejected: number }> {
  const before = fake.stats();
  const lc: LangChainSyncConfig = {
    baseUrl: `${fake.baseUrl}/wiki`,
    spaceKey: SPACE,
    username: fake.credentials.email,
    accessToken: fake.credentials.apiToken,
    limit: Number(values["langchain-limit"]),
    chunkSize: 2000,
    chunkOverlap: 250,
    dimensions: 384,
    ...(pgSkip ? { dumpPath: join(pgliteDir, "langchain-chunks.json") } : { pg: { url, schema } }),
  };
  const outcome = await runScript<LangChainSyncResult>(langchainScript, { LANGCHAIN_SYNC_CONFIG: JSON.stringify(lc) });
  if (!outcome.result) throw new Error(`LangChain child failed (${outcome.code}): ${outcome.stderr}`);
  const after = fake.stats();
  return {
    ...outcome.result,
    requests: after.requests - before.requests,
    rejected: after.faults.rateLimited - before.faults.rateLimited,
  };
}

const current = () => fake.space(SPACE).pages();
const total = current().length;
const rows: string[] = [];
const row = (label: string, r: ChildSyncResult & { requests: number }) => {
  const s = r.wallMs / 1000;
  const m = r.metrics;
  rows.push(
    `| ${label} | ${seconds(r.wallMs)} | ${r.requests} | ${m.rateLimitWaits} | ${m.pagesIndexed} | ${(m.pagesIndexed / s).toFixed(1)} | ${m.chunksWritten} | ${(m.chunksWritten / s).toFixed(0)} | ${m.pagesDeleted} | ${m.embeddingCalls} | ${m.embeddingTokens} | ${mb(r.maxRssBytes)} |`,
  );
};

const requestsBefore = openai?.requests.length ?? 0;
const full = await ours("full");
row("full sync", full);
const embedRequests = (openai?.requests.length ?? 0) - requestsBefore;
const replay = values["no-floor"] ? undefined : await storeReplay();
const peers: string[] = [];
let kept: { ours: KeptCounts; langchain: KeptCounts } | undefined;
let lcFull: Awaited<ReturnType<typeof langchain>> | undefined;
let lcAgain: Awaited<ReturnType<typeof langchain>> | undefined;
if (!values["no-peers"]) {
  lcFull = await langchain();
  kept = await contentKept();
}
const unchanged = await ours("incremental");
row("no-change resync", unchanged);
if (lcFull) lcAgain = await langchain();

const space = fake.space(SPACE);
const onePercent = Math.max(1, Math.round(total / 100));
const all = current();
for (let i = 0; i < onePercent; i++) {
  const page = all[(i * 97 + 13) % all.length];
  if (page) space.editPage(page.id, { body: `${page.body}<p>Edited for the load benchmark, round ${i}.</p>` });
}
const edited = await ours("incremental");
row(`after editing ${onePercent} pages (1%)`, edited);
const leaves = current().filter((p, _, list) => !list.some((q) => q.parentId === p.id));
for (const leaf of leaves.slice(0, onePercent)) space.deletePage(leaf.id);
const deleted = await ours("incremental");
row(`after deleting ${onePercent} pages (1%)`, deleted);

// A fast sync that lost pages would be no result: the store must hold exactly the space's current pages.
const storedIds = await storedPageIds();
const truthIds = new Set(current().map((p) => p.id));
const mismatch =
  [...truthIds].filter((id) => !storedIds.has(id)).length + [...storedIds].filter((id) => !truthIds.has(id)).length;
await fake.close();
const openaiMaxInFlight = openai?.maxInFlight ?? 0;
await openai?.close();
if (oursPglite) rmSync(pgliteDir, { recursive: true, force: true });
if (!pgSkip) await dropSchema(url, schema);

console.log(
  `Load benchmark: ${total} current pages (${pages} generated), ${latencyMs} ms per request, ${rate} requests/s rate limit; store: ${oursPglite ? `PGlite ${values["pglite-in-process"] ? "in process" : "in a worker thread"}${pgSkip ? ` (${pgSkip})` : ""}` : "PostgreSQL 15 + pgvector"}; ${openai ? `OpenAIEmbedder on FakeOpenAIServer answering after ${embedDelayMs} ms` : "hashing embedder"}, 384 dimensions.`,
);
console.log(
  `Machine: ${machineLine()}; ${loadAverage()}${ourNodeFlags.length ? `; our sync processes ran with ${ourNodeFlags.join(" ")}` : ""}`,
);
console.log(
  "\n| run | wall time | API requests | 429s waited | pages indexed | pages/s | chunks written | chunks/s | pages deleted | embedding calls | embedding tokens | peak RSS |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const line of rows) console.log(line);
// The floor of a full sync on the API side: its requests one after another at the fake's latency and rate.
const apiFloorMs = Math.max(full.requests * latencyMs, ((full.requests - rate) / rate) * 1000);
console.log(
  `\nAPI floor of the full sync: ${full.requests} requests x ${latencyMs} ms = ${seconds(apiFloorMs)}; ours took ${(full.wallMs / apiFloorMs).toFixed(1)}x that.`,
);
if (replay) {
  // The requests and the store's load overlap: the floor is the longer of the two.
  const floorMs = Math.max(apiFloorMs, replay.loadMs);
  console.log(
    `Store floor: the same ${replay.pages} pages and ${replay.chunks} chunks (vectors included) loaded into an empty store through its bulk path, nothing else done: ${seconds(replay.loadMs)} (index builds and ANALYZE ${seconds(replay.buildMs)}, peak RSS ${mb(replay.maxRssBytes)}).`,
  );
  console.log(
    `Floor of the full sync (the longer of the two): ${seconds(floorMs)}; ours took ${(full.wallMs / floorMs).toFixed(2)}x the floor.`,
  );
}
console.log(`\nAfterwards the store holds ${storedIds.size} pages, the space ${truthIds.size}; ${mismatch} differ.`);
const fm = full.metrics;
console.log(
  `\nEditing 1% of the pages cost ${ratio(edited.metrics.embeddingCalls, fm.embeddingCalls)} of a full sync's embedding calls and ${ratio(edited.metrics.embeddingTokens, fm.embeddingTokens)} of its tokens (${edited.metrics.chunksReused} chunks reused).`,
);

if (openai) {
  // A perfectly packed, fully overlapped embedding phase: every request full (300k tokens), 4 always in flight.
  const ideal = (Math.ceil(fm.embeddingTokens / 300_000) * embedDelayMs) / 4;
  console.log(
    `\nEmbedding through FakeOpenAIServer (${embedDelayMs} ms per request): ${embedRequests} requests for ${fm.embeddingTokens} tokens (${Math.round(fm.embeddingTokens / Math.max(1, embedRequests))} per request), at most ${openaiMaxInFlight} in flight; tokens / 300k per request x ${embedDelayMs} ms / 4 in flight = ${seconds(ideal)}; requests x delay / 4 = ${seconds((embedRequests * embedDelayMs) / 4)}.`,
  );
}
if (mismatch > 0) process.exitCode = 1;
if (lcFull && lcAgain && kept) {
  console.log(
    `\nPeer: LangChain.js ConfluencePagesLoader (limit ${values["langchain-limit"]}) + RecursiveCharacterTextSplitter (2000/250 characters) + ${pgSkip ? "an in-memory array (no PostgreSQL)" : "PGVectorStore with an HNSW index"}, same fake, same embedder.`,
  );
  console.log("\n| run | ours | LangChain.js | LangChain / ours |");
  console.log("| --- | --- | --- | --- |");
  const cmp = (label: string, a: number, b: number, fmt: (n: number) => string = String) =>
    peers.push(
      `| ${label} | ${fmt(a)} | ${fmt(b)} | ${a === 0 ? (b === 0 ? "same" : "none vs some") : `${(b / a).toFixed(1)}x`} |`,
    );
  cmp("full sync: wall time", full.wallMs, lcFull.wallMs, seconds);
  cmp("full sync: API requests", full.requests, lcFull.requests);
  cmp("full sync: peak RSS", full.maxRssBytes, lcFull.maxRssBytes, mb);
  cmp("full sync: embedding tokens", fm.embeddingTokens, lcFull.embeddingTokens);
  cmp("no-change resync: wall time", unchanged.wallMs, lcAgain.wallMs, seconds);
  cmp("no-change resync: API requests", unchanged.requests, lcAgain.requests);
  cmp("no-change resync: embedding tokens", unchanged.metrics.embeddingTokens, lcAgain.embeddingTokens);
  for (const line of peers) console.log(line);
  console.log(
    `\nLangChain loaded ${lcFull.documents} documents into ${lcFull.chunks} chunks (ours: ${fm.pagesIndexed} pages, ${fm.chunksWritten} chunks); 429s: ours waited for ${fm.rateLimitWaits}, LangChain's loader got ${lcFull.rejected} on the full load and ${lcAgain.rejected} on the reload (it retries at once, without waiting, at most 5 times, then returns no documents at all).`,
  );
  const pct = (a: number, b: number) => `${a}/${b} (${((100 * a) / Math.max(b, 1)).toFixed(0)}%)`;
  console.log(
    `\nContent kept, on ${values.sample} sampled pages: code bodies ours ${pct(kept.ours.codeKept, kept.ours.codeBodies)}, LangChain ${pct(kept.langchain.codeKept, kept.langchain.codeBodies)}; table cells ours ${pct(kept.ours.cellsKept, kept.ours.cells)}, LangChain ${pct(kept.langchain.cellsKept, kept.langchain.cells)}.`,
  );
}

/** Loads what the full sync stored into a fresh, empty store of the same kind, timing the load alone. */
async function storeReplay(): Promise<StoreReplayResult> {
  let to: ChildSyncConfig["store"];
  let cleanup: () => Promise<void>;
  if (oursPglite) {
    const dataDir = mkdtempSync(join(tmpdir(), "archon-floor-"));
    const store = await createPgliteStore({ dataDir });
    await store.upsertSource(record);
    await store.close();
    to = { kind: "pglite", dataDir };
    cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
  } else {
    const floorSchema = uniqueSchema("archon_floor");
    await createMigratedSchema(url, floorSchema);
    const { store, close } = await openSchemaStore(url, floorSchema, 1);
    await store.upsertSource(record);
    await close();
    to = { kind: "pg", url, schema: floorSchema };
    cleanup = () => dropSchema(url, floorSchema);
  }
  try {
    const replayConfig: StoreReplayConfig = { sourceId: SOURCE_ID, from: storeSpec, to };
    const outcome = await runScript<StoreReplayResult>(replayScript, {
      STORE_REPLAY_CONFIG: JSON.stringify(replayConfig),
    });
    if (!outcome.result) throw new Error(`store replay failed (${outcome.code}): ${outcome.stderr}`);
    return outcome.result;
  } finally {
    await cleanup();
  }
}

async function storedPageIds(): Promise<Set<string>> {
  if (oursPglite) {
    const store = await createPgliteStore({ dataDir: pgliteDir });
    const ids = new Set((await store.getPageStates(SOURCE_ID)).keys());
    await store.close();
    return ids;
  }
  const { store, close } = await openSchemaStore(url, schema, 1);
  const ids = new Set((await store.getPageStates(SOURCE_ID)).keys());
  await close();
  return ids;
}

/** Code bodies and table cells of sampled pages found in each system's stored chunks. */
async function contentKept(): Promise<{ ours: KeptCounts; langchain: KeptCounts }> {
  const truth = current();
  const step = Math.max(1, Math.floor(truth.length / Number(values.sample)));
  const sample = truth.filter((_, i) => i % step === 0).slice(0, Number(values.sample));
  const zero = (): KeptCounts => ({ codeBodies: 0, codeKept: 0, cells: 0, cellsKept: 0 });
  const result = { ours: zero(), langchain: zero() };
  const lite = oursPglite ? await createPgliteStore({ dataDir: pgliteDir }) : null;
  const server = pgSkip ? null : await openSchemaStore(url, schema, 1);
  const dumped = pgSkip
    ? (JSON.parse(readFileSync(join(pgliteDir, "langchain-chunks.json"), "utf8")) as { id: string; text: string }[])
    : [];
  try {
    for (const page of sample) {
      const ourChunks = lite
        ? (await lite.getChunks(SOURCE_ID, page.id)).map((c) => c.content)
        : (
            await server!.pool.query<{ content: string }>(
              "SELECT content FROM archon_crawled_pages WHERE source_id = $1 AND metadata ->> 'confluence_page_id' = $2",
              [SOURCE_ID, page.id],
            )
          ).rows.map((r) => r.content);
      countKept(page.body, ourChunks, result.ours);
      const theirChunks = server
        ? (
            await server.pool.query<{ content: string }>(
              "SELECT text AS content FROM langchain_pg_embedding WHERE metadata ->> 'id' = $1",
              [page.id],
            )
          ).rows.map((r) => r.content)
        : dumped.filter((c) => c.id === page.id).map((c) => c.text);
      countKept(page.body, theirChunks, result.langchain);
    }
  } finally {
    await lite?.close();
    await server?.close();
  }
  return result;
}
