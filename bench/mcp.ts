/**
 * What an assistant pays, in tokens, for the MCP server's search results: a demo space from the fake Confluence is
 * synced into the in-memory store, then a fixed set of queries goes through `search_confluence` with the SDK's
 * own client. Compared with handing over the raw chunk hits as the HTTP API returns them.
 *
 *   npx tsx --tsconfig tsconfig.json bench/mcp.ts [--pages 300] [--limit 5]
 */
import { parseArgs } from "node:util";
import {
  ConfluenceSync,
  createConfluenceSource,
  HashingEmbedder,
  InMemoryKnowledgeStore,
  loadCl100kTokenizer,
} from "@archon/confluence-core";
import { createConfluenceMcpServer } from "@archon/confluence-mcp";
import { startFakeConfluence } from "@archon/fake-confluence";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { machineLine } from "./machine.js";

const { values } = parseArgs({
  options: { pages: { type: "string", default: "300" }, limit: { type: "string", default: "5" } },
});
const pages = Number(values.pages);
const limit = Number(values.limit);
const queries = [
  "how do I roll back a deploy",
  "incident postmortem payments",
  "rotate the API token",
  "on-call escalation policy",
  "database migration checklist",
  "cache invalidation",
  "release notes for the gateway",
  "retention policy for backups",
  "how to scale the cron workers",
  "OPS-1676",
  "rate limit 429 retry",
  "architecture decision record search ranking",
];

const fake = await startFakeConfluence({ seed: 7, spaces: [{ preset: "demo", pages }] });
const store = new InMemoryKnowledgeStore();
const embedder = new HashingEmbedder();
const now = new Date().toISOString();
await store.upsertSource({
  sourceId: "demo",
  name: "Demo",
  deployment: "cloud",
  baseUrl: fake.baseUrl,
  spaceKey: "DEMO",
  deletionStrategy: "listing",
  removeArchived: true,
  createdAt: now,
  updatedAt: now,
});
const source = createConfluenceSource({
  baseUrl: fake.baseUrl,
  deployment: "cloud",
  credentials: { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken },
});
const metrics = await new ConfluenceSync({ source, store, embedder }).run({ sourceId: "demo", mode: "full" });

const server = createConfluenceMcpServer({ store, embedder });
const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
await server.connect(serverSide);
const client = new Client({ name: "bench", version: "1.0.0" });
await client.connect(clientSide);
const tokenizer = await loadCl100kTokenizer();

let mcpResults = 0;
let mcpTextTokens = 0;
let mcpJsonTokens = 0;
let rawHits = 0;
let rawTokens = 0;
let rawDuplicates = 0;
let rawTables = 0;
let mcpTables = 0;
let mcpDuplicates = 0;
let elapsedMs = 0;
for (const query of queries) {
  const started = performance.now();
  const result = await client.callTool({ name: "search_confluence", arguments: { query, limit } });
  elapsedMs += performance.now() - started;
  const text = (result.content as { text: string }[]).map((block) => block.text).join("\n");
  const found = (result.structuredContent as { results: { pageId: string; snippet: string }[] }).results;
  mcpResults += found.length;
  mcpTextTokens += tokenizer.count(text);
  mcpJsonTokens += tokenizer.count(JSON.stringify(result.structuredContent));
  mcpDuplicates += found.length - new Set(found.map((r) => r.pageId)).size;
  mcpTables += found.filter((r) => /\|\s*-{3}/.test(r.snippet)).length;

  // The baseline: the same number of raw chunk hits, as the HTTP search route returns them.
  const embedding = (await embedder.embed([query])).embeddings[0];
  const hits = await store.search({
    text: query,
    limit,
    ...(embedding ? { embedding, embeddingModel: embedder.modelId } : {}),
  });
  rawHits += hits.length;
  rawTokens += tokenizer.count(JSON.stringify({ hits }));
  rawDuplicates += hits.length - new Set(hits.map((hit) => hit.pageId)).size;
  rawTables += hits.filter((hit) => /\|\s*-{3}/.test(hit.content)).length;
}
await client.close();
await fake.close();

const per = (total: number, count: number) => (count === 0 ? "-" : (total / count).toFixed(0));
console.log(`Machine: ${machineLine()}`);
console.log(
  `Space: ${metrics.pagesIndexed} pages, ${metrics.chunksWritten} chunks; ${queries.length} queries, limit ${limit}; ` +
    "tokens counted with cl100k_base",
);
console.log("| what the assistant gets | results | tokens per result | duplicate pages | results with a raw table |");
console.log("| --- | --- | --- | --- | --- |");
console.log(
  `| search_confluence text content | ${mcpResults} | ${per(mcpTextTokens, mcpResults)} | ${mcpDuplicates} | ${mcpTables} |`,
);
console.log(
  `| search_confluence structuredContent (JSON) | ${mcpResults} | ${per(mcpJsonTokens, mcpResults)} | ${mcpDuplicates} | ${mcpTables} |`,
);
console.log(
  `| raw chunk hits (HTTP API JSON) | ${rawHits} | ${per(rawTokens, rawHits)} | ${rawDuplicates} | ${rawTables} |`,
);
console.log(`Mean search_confluence call: ${(elapsedMs / queries.length).toFixed(1)} ms (in-memory store, in process)`);
