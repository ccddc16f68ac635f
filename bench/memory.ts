/**
 * Peak RSS of a full sync as the space grows: each size gets a fresh fake, a fresh PostgreSQL schema (or PGlite
 * directory) and a fresh sync process, whose own peak RSS is reported. Ours streams (bounded memory); LangChain.js's
 * loader returns every page at once, so its peak grows with the space. No latency and no rate limit here: memory,
 * not time, is measured, and 16,000 pages would otherwise take long on a small machine.
 *
 *   npx tsx bench/memory.ts [--sizes 1000,4000] [--no-peers]
 *   npx tsx bench/memory.ts --sizes 1000,4000,16000   # the BENCHMARKS.md run (about 20 minutes on 2 busy cores)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createSourceRecord } from "@archon/confluence-core";
import { createPgliteStore } from "@archon/confluence-pg-store";
import { startFakeConfluence } from "@archon/fake-confluence";
import type { ChildSyncConfig } from "../test/e2e/support/child-protocol.js";
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
import { loadAverage, mb, seconds } from "./peers/format.js";
import type { LangChainSyncConfig, LangChainSyncResult } from "./peers/langchain-sync.js";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,4000" },
    "no-peers": { type: "boolean", default: false },
  },
});
const sizes = values.sizes.split(",").map(Number);
const pgSkip = await probePostgres();
const url = databaseUrl as string;
const langchainScript = fileURLToPath(new URL("./peers/langchain-sync.ts", import.meta.url));
const rows: string[] = [];

for (const pages of sizes) {
  const fake = await startFakeConfluence({ seed: 42, spaces: [{ key: "MEM", pages }] });
  const storageMb = fake
    .space("MEM")
    .pages()
    .reduce((sum, p) => sum + Buffer.byteLength(p.body), 0);
  const schema = uniqueSchema("archon_mem");
  const pgliteDir = pgSkip ? mkdtempSync(join(tmpdir(), "archon-mem-")) : "";
  const record = createSourceRecord({ sourceId: "mem", baseUrl: fake.baseUrl, deployment: "cloud", spaceKey: "MEM" });
  if (pgSkip) {
    const store = await createPgliteStore({ dataDir: pgliteDir });
    await store.upsertSource(record);
    await store.close();
  } else {
    await createMigratedSchema(url, schema);
    const { store, close } = await openSchemaStore(url, schema, 1);
    await store.upsertSource(record);
    await close();
  }
  const config: ChildSyncConfig = {
    baseUrl: fake.baseUrl,
    deployment: "cloud",
    credentials: fakeCredentials(fake),
    sourceId: "mem",
    mode: "full",
    store: pgSkip ? { kind: "pglite", dataDir: pgliteDir } : { kind: "pg", url, schema },
  };
  const ours = await runSyncChild(config);
  if (!ours.result) throw new Error(`sync child failed (${ours.code}): ${ours.stderr}`);
  let peer = "not run";
  if (!values["no-peers"]) {
    const lc: LangChainSyncConfig = {
      baseUrl: `${fake.baseUrl}/wiki`,
      spaceKey: "MEM",
      username: fake.credentials.email,
      accessToken: fake.credentials.apiToken,
      chunkSize: 2000,
      chunkOverlap: 250,
      dimensions: 384,
      ...(pgSkip ? {} : { pg: { url, schema } }),
    };
    const outcome = await runScript<LangChainSyncResult>(langchainScript, {
      LANGCHAIN_SYNC_CONFIG: JSON.stringify(lc),
    });
    if (!outcome.result) throw new Error(`LangChain child failed (${outcome.code}): ${outcome.stderr}`);
    peer = `${mb(outcome.result.maxRssBytes)} (${seconds(outcome.result.wallMs)}, ${outcome.result.documents} documents)`;
  }
  const m = ours.result.metrics;
  rows.push(
    `| ${pages} | ${(storageMb / 2 ** 20).toFixed(0)} MB | ${m.pagesIndexed} | ${m.chunksWritten} | ${seconds(ours.result.wallMs)} | ${mb(ours.result.maxRssBytes)} | ${peer} |`,
  );
  await fake.close();
  if (pgSkip) rmSync(pgliteDir, { recursive: true, force: true });
  else await dropSchema(url, schema);
}

console.log(
  `Memory benchmark: full sync per size, each in a fresh process; no latency, no rate limit; store: ${pgSkip ? `PGlite (${pgSkip})` : "PostgreSQL 15 + pgvector"}; hashing embedder, 384 dimensions.`,
);
console.log(`Machine: ${machineLine()}; ${loadAverage()}`);
console.log(
  "\n| pages | storage format | pages indexed | chunks | wall time | peak RSS, ours | peak RSS, LangChain.js |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const line of rows) console.log(line);
