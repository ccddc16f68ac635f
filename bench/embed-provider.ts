/**
 * The first full sync with a remote embedder that takes a while per request, and the tokens it embeds.
 *
 * The fake Confluence (in this process) serves a generated space with a per-request latency and a rate limit, like
 * bench/load.ts; ours syncs in a fresh child process into PostgreSQL (DATABASE_URL, schemas of its own, dropped
 * afterwards) through `OpenAIEmbedder` on `FakeOpenAIServer` (OpenAI's limits: 2,048 inputs and 300,000 tokens per
 * request). Two full syncs of the same space in one run: the provider answering after `--delay` ms, and answering at
 * once; the difference is what the slow provider cost the sync. Then LangChain.js loads the same space (unless
 * `--no-peers`), and the embedded tokens of both are counted in cl100k against the page text.
 *
 *   DATABASE_URL=postgres://... npx tsx --tsconfig tsconfig.json bench/embed-provider.ts [--pages 4000]
 *     [--latency 100] [--rate 10] [--delay 250] [--sample 200] [--no-peers] [--instant-first]
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createSourceRecord } from "@archon/confluence-core";
import { startFakeConfluence } from "@archon/fake-confluence";
import { CL100K, createMarkdownChunker, embedText } from "../packages/core/src/chunk/index.js";
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
import { machineLine } from "./machine.js";
import { countKept, type KeptCounts } from "./peers/content-kept.js";
import { loadAverage, seconds } from "./peers/format.js";
import type { LangChainSyncConfig, LangChainSyncResult } from "./peers/langchain-sync.js";

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "4000" },
    latency: { type: "string", default: "100" },
    rate: { type: "string", default: "10" },
    delay: { type: "string", default: "250" },
    sample: { type: "string", default: "200" },
    "no-peers": { type: "boolean", default: false },
    "instant-first": { type: "boolean", default: false },
  },
});
const skip = await probePostgres();
if (skip) {
  console.error(`bench/embed-provider.ts needs PostgreSQL with pgvector: ${skip}`);
  process.exit(1);
}
const url = databaseUrl as string;
const delayMs = Number(values.delay);
const latencyMs = Number(values.latency);
const rate = Number(values.rate);
const SPACE = "LOAD";
const SOURCE_ID = "load";
/** OpenAI's limits, which FakeOpenAIServer enforces and OpenAIEmbedder packs toward by default. */
const REQUEST_TOKENS = 300_000;
const IN_FLIGHT = 4;

const fake = await startFakeConfluence({
  seed: 42,
  spaces: [{ key: SPACE, pages: Number(values.pages) }],
  faults: { latencyMs, rateLimit: { capacity: rate, refillPerSecond: rate } },
});
const record = createSourceRecord({ sourceId: SOURCE_ID, baseUrl: fake.baseUrl, deployment: "cloud", spaceKey: SPACE });
const schemas: string[] = [];

interface ProviderRun {
  readonly result: ChildSyncResult;
  readonly requests: number;
  readonly tokens: number;
  readonly perRequest: number[];
  readonly mostInFlight: number;
  readonly busyMs: number;
  readonly schema: string;
}

/** One full sync of ours into a fresh schema, embedding through a FakeOpenAIServer answering after `delay` ms. */
async function syncWith(delay: number): Promise<ProviderRun> {
  const schema = uniqueSchema("archon_embed");
  schemas.push(schema);
  await createMigratedSchema(url, schema);
  const { store, close } = await openSchemaStore(url, schema, 1);
  await store.upsertSource(record);
  await close();
  const server = await FakeOpenAIServer.start({ delayMs: delay });
  try {
    const config: ChildSyncConfig = {
      baseUrl: fake.baseUrl,
      deployment: "cloud",
      credentials: fakeCredentials(fake),
      sourceId: SOURCE_ID,
      mode: "full",
      store: { kind: "pg", url, schema },
      openai: { baseURL: server.baseURL },
    };
    const outcome = await runSyncChild(config);
    if (!outcome.result) throw new Error(`sync child failed (${outcome.code}): ${outcome.stderr}`);
    const ok = server.requests.filter((r) => r.status === 200);
    const perRequest = ok.map((r) => r.tokens.reduce((sum, n) => sum + n, 0));
    return {
      result: outcome.result,
      requests: server.requests.length,
      tokens: perRequest.reduce((sum, n) => sum + n, 0),
      perRequest,
      mostInFlight: server.maxInFlight,
      busyMs: server.busyMs,
      schema,
    };
  } finally {
    await server.close();
  }
}

// The machine's load drifts: `--instant-first` swaps the order, to tell drift from the provider's cost.
const instantFirst = values["instant-first"];
const first = await syncWith(instantFirst ? 0 : delayMs);
const second = await syncWith(instantFirst ? delayMs : 0);
const [slow, instant] = instantFirst ? [second, first] : [first, second];

let peer: LangChainSyncResult | undefined;
if (!values["no-peers"]) {
  const lc: LangChainSyncConfig = {
    baseUrl: `${fake.baseUrl}/wiki`,
    spaceKey: SPACE,
    username: fake.credentials.email,
    accessToken: fake.credentials.apiToken,
    limit: 25,
    chunkSize: 2000,
    chunkOverlap: 250,
    dimensions: 384,
    pg: { url, schema: slow.schema },
  };
  const script = fileURLToPath(new URL("./peers/langchain-sync.ts", import.meta.url));
  const outcome = await runScript<LangChainSyncResult>(script, { LANGCHAIN_SYNC_CONFIG: JSON.stringify(lc) });
  if (!outcome.result) throw new Error(`LangChain child failed (${outcome.code}): ${outcome.stderr}`);
  peer = outcome.result;
}

// Tokens, counted the same way on both sides (cl100k, exact).
const { pool, close } = await openSchemaStore(url, slow.schema, 1);
const truth = fake.space(SPACE).pages();
const step = Math.max(1, Math.floor(truth.length / Number(values.sample)));
const sample = new Set(
  truth
    .filter((_, i) => i % step === 0)
    .slice(0, Number(values.sample))
    .map((p) => p.id),
);
let pageText = 0;
let markdownTokens = 0;
// Where the tokens over the page text come from: the stored Markdown chunked again as the sync did (512/64), with
// no overlap, and as one chunk per page.
const rechunked = { default: 0, noOverlap: 0, whole: 0 };
const chunkers = {
  default: createMarkdownChunker({}),
  noOverlap: createMarkdownChunker({ overlapTokens: 0 }),
  whole: createMarkdownChunker({ maxTokens: 32_768, overlapTokens: 0 }),
};
for (const row of (
  await pool.query<{ markdown: string; title: string }>(
    "SELECT markdown, title FROM confluence_pages WHERE source_id = $1",
    [SOURCE_ID],
  )
).rows) {
  markdownTokens += CL100K.count(row.markdown);
  pageText += CL100K.count(embedText(row.markdown));
  for (const key of Object.keys(chunkers) as (keyof typeof chunkers)[]) {
    for (const chunk of chunkers[key].chunk(row.markdown, { title: row.title })) {
      rechunked[key] += CL100K.count(chunk.embedText ?? chunk.text);
    }
  }
}
const zero = (): KeptCounts => ({ codeBodies: 0, codeKept: 0, cells: 0, cellsKept: 0 });
const kept = { ours: zero(), langchain: zero() };
const sampleTokens = { ours: 0, langchain: 0 };
let peerTokens = 0;
let peerChunks = 0;
for (const page of truth) {
  if (!sample.has(page.id)) continue;
  const ours = (
    await pool.query<{ content: string }>(
      "SELECT content FROM archon_crawled_pages WHERE source_id = $1 AND metadata ->> 'confluence_page_id' = $2",
      [SOURCE_ID, page.id],
    )
  ).rows.map((r) => r.content);
  countKept(page.body, ours, kept.ours);
  // What was embedded for a chunk is its text without link targets.
  for (const content of ours) sampleTokens.ours += CL100K.count(embedText(content));
  if (peer) {
    const theirs = (
      await pool.query<{ text: string }>("SELECT text FROM langchain_pg_embedding WHERE metadata ->> 'id' = $1", [
        page.id,
      ])
    ).rows.map((r) => r.text);
    countKept(page.body, theirs, kept.langchain);
    for (const text of theirs) sampleTokens.langchain += CL100K.count(text);
  }
}
if (peer) {
  for (const row of (await pool.query<{ text: string }>("SELECT text FROM langchain_pg_embedding")).rows) {
    peerTokens += CL100K.count(row.text);
    peerChunks++;
  }
}
await close();
await fake.close();
for (const schema of schemas) await dropSchema(url, schema);

const fm = slow.result.metrics;
const fewest = Math.ceil(slow.tokens / REQUEST_TOKENS);
const boundMs = (fewest * delayMs) / IN_FLIGHT;
const packedMs = (slow.requests * delayMs) / IN_FLIGHT;
const costMs = slow.result.wallMs - instant.result.wallMs;
const full = slow.perRequest.filter((n) => n >= 0.9 * REQUEST_TOKENS).length;
console.log(
  `Embedding with a slow provider: ${truth.length} current pages, the fake at ${latencyMs} ms per request and ${rate} requests/s; ours into PostgreSQL 15 + pgvector through OpenAIEmbedder (default settings) on FakeOpenAIServer.`,
);
console.log(
  `Machine: ${machineLine()}; ${loadAverage()} at the end; the ${instantFirst ? "instant" : "slow"} provider's sync ran first.`,
);
console.log(
  "\n| full sync | wall time | pages indexed | chunks | provider requests | tokens | most in flight | provider busy |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const [label, run] of [
  [`provider answering after ${delayMs} ms`, slow],
  ["provider answering at once", instant],
] as const) {
  const m = run.result.metrics;
  console.log(
    `| ${label} | ${seconds(run.result.wallMs)} | ${m.pagesIndexed} | ${m.chunksWritten} | ${run.requests} | ${run.tokens} | ${run.mostInFlight} | ${seconds(run.busyMs)} |`,
  );
}
console.log(
  `\nBound: tokens / ${REQUEST_TOKENS} per request x ${delayMs} ms / ${IN_FLIGHT} in flight = ${fewest} requests x ${delayMs} ms / ${IN_FLIGHT} = ${seconds(boundMs)}.`,
);
console.log(
  `Measured: ${slow.requests} requests (${(slow.requests / fewest).toFixed(2)}x the fewest possible; ${full} of them at least 90% full; ${Math.round(slow.tokens / Math.max(1, slow.requests))} tokens per request on average) = ${seconds(packedMs)} of provider time at ${IN_FLIGHT} in flight (**${(packedMs / boundMs).toFixed(2)}x the bound**); the provider was busy for ${seconds(slow.busyMs)} (requests mostly one at a time, as pages arrive); the slow provider made the sync ${seconds(costMs)} longer than the instant one (${((100 * costMs) / instant.result.wallMs).toFixed(1)}%; ${(costMs / boundMs).toFixed(2)}x the bound).`,
);
const perMillion = (k: KeptCounts, tokens: number) =>
  (((k.codeKept + k.cellsKept) / Math.max(1, tokens)) * 1e6).toFixed(0);
const pct = (a: number, b: number) => `${a}/${b} (${((100 * a) / Math.max(b, 1)).toFixed(0)}%)`;
console.log(
  `\nTokens (cl100k): the page text (each stored page's Markdown with link and image targets removed) is ${pageText}; the Markdown with its URLs ${markdownTokens}. Ours embedded ${slow.tokens} for the full sync: **${(slow.tokens / pageText).toFixed(3)}x the page text** (${fm.chunksWritten} chunks).`,
);
const share = (n: number) => `${n} (${((100 * n) / pageText).toFixed(1)}%)`;
console.log("\n| over the page text | tokens (share of the page text) |");
console.log("| --- | --- |");
console.log(
  `| overlap (trailing sentences repeated when a section is cut by size) | ${share(rechunked.default - rechunked.noOverlap)} |`,
);
console.log(
  `| split frames (table headers repeated, code fences and callouts re-opened) | ${share(rechunked.noOverlap - rechunked.whole)} |`,
);
console.log(`| joins and tokens merging differently at chunk edges | ${share(rechunked.whole - pageText)} |`);
console.log(
  `| the sync against the stored Markdown chunked again (comments, page links resolved at sync time) | ${share(slow.tokens - rechunked.default)} |`,
);
if (peer) {
  console.log(
    `\nLangChain.js (RecursiveCharacterTextSplitter 2000/250 characters over the loader's plain text) embedded ${peerTokens} in ${peerChunks} chunks: ${(peerTokens / pageText).toFixed(3)}x our page text, ${(peerTokens / slow.tokens).toFixed(2)}x ours.`,
  );
  console.log("\n| on " + sample.size + " sampled pages | ours | LangChain.js |");
  console.log("| --- | --- | --- |");
  console.log(`| tokens embedded | ${sampleTokens.ours} | ${sampleTokens.langchain} |`);
  console.log(
    `| code bodies kept | ${pct(kept.ours.codeKept, kept.ours.codeBodies)} | ${pct(kept.langchain.codeKept, kept.langchain.codeBodies)} |`,
  );
  console.log(
    `| table cells kept | ${pct(kept.ours.cellsKept, kept.ours.cells)} | ${pct(kept.langchain.cellsKept, kept.langchain.cells)} |`,
  );
  console.log(
    `| code bodies + cells kept per million tokens | ${perMillion(kept.ours, sampleTokens.ours)} | ${perMillion(kept.langchain, sampleTokens.langchain)} |`,
  );
}
