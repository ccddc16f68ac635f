// PostgreSQL store benchmarks: chunk insert throughput at 1536 dimensions (the store's json_to_recordset batches
// against plain multi-row INSERT), hybrid search latency at 100k chunks with HNSW, and recall@10 of the vector leg
// against exact search. Needs a server with pgvector: `eval "$(.ci/setup-postgres.sh | tail -n 1)"` then
// `npx tsx bench/pg-store.ts` (env: DATABASE_URL, BENCH_CHUNKS=100000, BENCH_INSERT_ROWS=5000, BENCH_QUERIES=200,
// BENCH_PGLITE=0 to skip the PGlite rows, BENCH_KEEP=1 to keep the loaded schema, BENCH_REUSE=1 to search a kept
// corpus of BENCH_CHUNKS chunks again without loading it, BENCH_WRITES_ONLY=1 to measure only what the keyword
// table's triggers cost a first load).
import { cpus, loadavg, totalmem } from "node:os";
import {
  type ChunkRecord,
  type PageRecord,
  type PageWrite,
  type SearchHit,
  type SearchQuery,
  sha256,
} from "@archon/confluence-core";
import { makePage, makeSource } from "@archon/confluence-core/testing";
import { createPgliteStore, type Db, fromPgPool, migrate, PgKnowledgeStore } from "@archon/confluence-pg-store";
import pg from "pg";
import { HNSW_EF_SEARCH, searchChunks } from "../packages/pg-store/src/search.js";
import { insertChunks } from "../packages/pg-store/src/write-page.js";

const url = process.env.DATABASE_URL ?? "postgres://archon:archon@127.0.0.1:5432/archon_test";
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 100_000);
const INSERT_ROWS = Number(process.env.BENCH_INSERT_ROWS ?? 5_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const SEARCH_DIMS = 384;
const schema = "bench_pg_store";

let seed = 42;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const gaussian = () => Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
function normalize(v: number[]): number[] {
  const n = Math.hypot(...v) || 1;
  return v.map((x) => round6(x / n));
}
const syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ven", "dor", "qua", "lix", "zen", "bra", "tor"];
const vocabulary = Array.from({ length: 6000 }, (_, i) => {
  let word = "";
  for (let n = i + 1; n > 0; n = Math.floor(n / syllables.length)) word += syllables[n % syllables.length];
  return word;
});
const zipfWord = () => vocabulary[Math.floor(vocabulary.length ** random()) - 1] as string;
const sentence = (words: number) => Array.from({ length: words }, zipfWord).join(" ");

const centers = Array.from({ length: 400 }, () => Array.from({ length: SEARCH_DIMS }, gaussian));
const clustered = (center: number[]) => normalize(center.map((x) => x + 0.6 * gaussian()));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function setup(pool: pg.Pool): Promise<Db> {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  const db = fromPgPool(pool);
  await migrate(db);
  return db;
}

/** With BENCH_REUSE=1, the corpus a kept run (BENCH_KEEP=1) left behind, migrated to the current schema; else null. */
async function reuse(pool: pg.Pool): Promise<Db | null> {
  if (process.env.BENCH_REUSE !== "1") return null;
  const kept = await pool.query<{ n: number }>(
    `SELECT CASE WHEN to_regclass('${schema}.archon_crawled_pages') IS NULL THEN 0
       ELSE (SELECT count(*)::int FROM ${schema}.archon_crawled_pages WHERE source_id = 'corpus') END AS n`,
  );
  if (kept.rows[0]?.n !== CHUNKS) return null;
  const db = fromPgPool(pool);
  await migrate(db);
  return db;
}

function benchChunks(count: number, dims: number): ChunkRecord[] {
  return Array.from({ length: count }, (_, n) => {
    const content = sentence(60);
    const embedding = normalize(Array.from({ length: dims }, gaussian));
    return {
      chunkNumber: n,
      content,
      hash: sha256(content),
      breadcrumb: ["Bench"],
      tokens: 80,
      embedding,
      embeddingModel: "m",
    };
  });
}

/**
 * Insert throughput at 1536 dimensions. Every method writes the same batches of 500 chunk rows of one page, one
 * transaction per batch.
 */
async function insertBench(db: Db, store: PgKnowledgeStore): Promise<string[]> {
  await store.upsertSource(makeSource("ins"));
  const batch = 500;
  const batches = Array.from({ length: Math.ceil(INSERT_ROWS / batch) }, (_, b) => ({
    page: makePage("ins", `b${b}`),
    chunks: benchChunks(batch, 1536),
  }));
  const methods: Record<string, (tx: Db, page: PageRecord, chunks: ChunkRecord[]) => Promise<unknown>> = {
    "plain multi-row INSERT ... VALUES (8 params/row)": async (tx, page, chunks) => {
      const values: unknown[] = [];
      const tuples = chunks.map((c, j) => {
        const meta = {
          confluence_page_id: page.pageId,
          chunk_hash: c.hash,
          breadcrumb: c.breadcrumb,
          tokens: c.tokens,
        };
        values.push(
          page.webUrl,
          c.chunkNumber,
          c.content,
          JSON.stringify(meta),
          "ins",
          "m",
          1536,
          JSON.stringify(c.embedding),
        );
        const b = j * 8;
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}::jsonb, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}::vector(1536))`;
      });
      await tx.query(
        `INSERT INTO archon_crawled_pages (url, chunk_number, content, metadata, source_id, embedding_model,
           embedding_dimension, embedding_1536) VALUES ${tuples.join(", ")}`,
        values,
      );
    },
    "json_to_recordset, 4 params/statement (fallback)": (tx, page, chunks) =>
      insertChunks(tx, [{ page, chunks }], 1536, "json"),
    "binary COPY (store default on node-postgres)": (tx, page, chunks) =>
      insertChunks(tx, [{ page, chunks }], 1536, "copy"),
  };
  const lines: string[] = [];
  for (const hnsw of [false, true]) {
    if (!hnsw) await db.exec("DROP INDEX confluence_embedding_1536_hnsw");
    else {
      await db.exec(
        `CREATE INDEX confluence_embedding_1536_hnsw ON archon_crawled_pages
         USING hnsw (embedding_1536 vector_cosine_ops)`,
      );
    }
    // With the HNSW index every method pays the same graph inserts; fewer rows keep that part short.
    const used = hnsw ? batches.slice(0, 2) : batches;
    for (const round of [1, 2]) {
      for (const [name, insert] of Object.entries(methods)) {
        await db.exec("TRUNCATE archon_crawled_pages, confluence_embedding_cache");
        const start = performance.now();
        for (const { page, chunks } of used) await db.transaction((tx) => insert(tx, page, chunks));
        const seconds = (performance.now() - start) / 1000;
        const rows = used.length * batch;
        if (round === 2) lines.push(`| ${name} | ${hnsw ? "yes" : "no"} | ${rows} | ${Math.round(rows / seconds)} |`);
      }
    }
  }
  await store.deleteSource("ins");
  return lines;
}

/** Loads the search corpus the way a first sync does: a bulk load, 50 pages per transaction, HNSW built after. */
async function loadCorpus(db: Db, store: PgKnowledgeStore): Promise<string> {
  await store.upsertSource(makeSource("corpus"));
  const perPage = 20;
  const pages = CHUNKS / perPage;
  const load = { sourceId: "corpus", pages, embeddingModel: "m384", dimensions: SEARCH_DIMS };
  const start = performance.now();
  await store.beginBulkLoad(load);
  let group: PageWrite[] = [];
  for (let p = 0; p < pages; p++) {
    const page: PageRecord = makePage("corpus", String(p), {
      ancestors: p === 0 ? [] : ["0"],
      labels: p % 3 === 0 ? ["runbook"] : ["design"],
      spaceKey: p % 2 === 0 ? "ENG" : "OPS",
    });
    const chunks: ChunkRecord[] = Array.from({ length: perPage }, (_, n) => {
      const content = sentence(60);
      const embedding = clustered(centers[Math.floor(random() * centers.length)] as number[]);
      return {
        chunkNumber: n,
        content,
        hash: sha256(content),
        breadcrumb: ["B"],
        tokens: 80,
        embedding,
        embeddingModel: "m384",
      };
    });
    group.push({ page, chunks });
    if (group.length === 50) {
      await store.writePages(group);
      group = [];
    }
  }
  if (group.length > 0) await store.writePages(group);
  const loadSeconds = (performance.now() - start) / 1000;
  const buildStart = performance.now();
  await store.endBulkLoad(load);
  await db.exec("ANALYZE confluence_pages");
  const buildSeconds = (performance.now() - buildStart) / 1000;
  return `loaded ${CHUNKS} chunks (${pages} pages) via writePages, 50 pages per transaction, in ${loadSeconds.toFixed(0)} s; deferred HNSW build (m=16, ef_construction=64) ${buildSeconds.toFixed(0)} s`;
}

/** Readers for every corpus page: a quarter readable by group `eng` only, the rest by anyone. */
async function grantReaders(store: PgKnowledgeStore): Promise<void> {
  const readers = new Map<string, string[][]>();
  for (let p = 0; p < CHUNKS / 20; p++) readers.set(String(p), p % 4 === 0 ? [["group:eng"]] : []);
  await store.setPageReaders("corpus", readers);
}

type BenchQuery = { text: string; embedding: number[] };
type Run = (q: BenchQuery) => Promise<SearchHit[]>;

/**
 * Search latency, every case run for every query in turn (after warm-up), so a change of load on a shared machine
 * reaches all cases alike; then, per case, whether the narrow keyword leg returns the same hits as ranking every
 * match on the chunk table itself (the reference, computed in the same run).
 */
async function searchBench(db: Db, store: PgKnowledgeStore): Promise<string[]> {
  seed = 7; // the queries do not depend on whether this run loaded the corpus
  const queries: BenchQuery[] = Array.from({ length: QUERIES }, () => ({
    text: `${zipfWord()} ${zipfWord()}`,
    embedding: clustered(centers[Math.floor(random() * centers.length)] as number[]),
  }));
  await grantReaders(store);
  const principal = { userId: "bench-user", groups: ["eng"] };
  const base = (q: BenchQuery): SearchQuery => ({ ...q, embeddingModel: "m384", limit: 10 });
  const wide = (query: SearchQuery, rankLimit?: number) =>
    searchChunks(db, query, { keyword: { table: "wide", rankLimit } });
  const outsider = { userId: "bench-outsider", groups: [] };
  const variants: [string, (q: BenchQuery) => SearchQuery][] = [
    ["hybrid", base],
    ["hybrid + filters (space, label)", (q) => ({ ...base(q), filters: { spaceKeys: ["ENG"], labels: ["runbook"] } })],
    ["hybrid + subtree filter", (q) => ({ ...base(q), filters: { pathPrefix: "/0" } })],
    ["hybrid + content types", (q) => ({ ...base(q), filters: { contentTypes: ["page"] } })],
    ["hybrid + principal", (q) => ({ ...base(q), principal })],
    ["hybrid + principal denied a quarter of the pages", (q) => ({ ...base(q), principal: outsider })],
    ["hybrid + label (a third of the pages)", (q) => ({ ...base(q), filters: { labels: ["runbook"] } })],
    ["keyword only", (q) => ({ text: q.text, mode: "keyword", limit: 10 })],
  ];
  // Page-level filters the keyword leg resolves to page ids first; each also runs joining the page row of every
  // match (as before), in the same run.
  const joined = new Set([
    "hybrid + filters (space, label)",
    "hybrid + subtree filter",
    "hybrid + principal",
    "hybrid + principal denied a quarter of the pages",
    "hybrid + label (a third of the pages)",
  ]);
  const cases: [string, Run, Run | null][] = variants.flatMap(([name, make]) => {
    const own: [string, Run, Run | null][] = [[name, (q) => store.search(make(q)), (q) => wide(make(q))]];
    if (joined.has(name)) {
      const join: Run = (q) => searchChunks(db, make(q), { keyword: { pages: "join" } });
      own.push([`${name}, page row joined per match (previous)`, join, (q) => wide(make(q))]);
    }
    return own;
  });
  const bounded = "hybrid, keyword leg bounded to 5,000 matches (previous)";
  cases.push([bounded, (q) => wide(base(q), 5000), null]);
  cases.push(["vector only", (q) => store.search({ ...base(q), mode: "vector" }), null]);
  // A joined case shares its reference with the case it is the previous form of.
  const referenceOf = (name: string) =>
    `${name.replace(/, page row joined per match \(previous\)$/, "")}, exact ranking on the chunk table (reference)`;
  const runs: [string, Run][] = cases.flatMap(([name, narrow, reference]) => [
    [name, narrow] as [string, Run],
    ...(reference && !name.endsWith("(previous)") ? [[referenceOf(name), reference] as [string, Run]] : []),
  ]);
  const times = new Map<string, number[]>(runs.map(([name]) => [name, []]));
  const results = new Map<string, string[][]>(runs.map(([name]) => [name, []]));
  const key = (hits: SearchHit[]) => hits.map((h) => `${h.sourceId}/${h.pageId}#${h.chunkNumber}`);
  for (const q of queries.slice(0, 20)) for (const [, run] of runs) await run(q); // warm-up
  for (const [n, q] of queries.entries()) {
    // Rotate the order, so no case always runs right after another's cache misses.
    for (let i = 0; i < runs.length; i++) {
      const [name, run] = runs[(n + i) % runs.length] as [string, Run];
      const start = performance.now();
      const hits = await run(q);
      times.get(name)?.push(performance.now() - start);
      (results.get(name) as string[][])[n] = key(hits);
    }
  }
  const lines = runs.map(([name]) => {
    const t = times.get(name) as number[];
    return `| ${name} | ${ms(percentile(t, 50))} | ${ms(percentile(t, 95))} |`;
  });
  // Same hits, from the timed runs: each case against its reference, top 10 identical (same chunks, same order)
  // and overlap@10; the previous, bounded leg against the exact hybrid reference.
  const pairs: [string, string][] = cases
    .filter(([, , reference]) => reference !== null)
    .map(([name]) => [name, referenceOf(name)]);
  pairs.push([bounded, "hybrid, exact ranking on the chunk table (reference)"]);
  for (const [name, reference] of pairs) {
    let same = 0;
    let overlap = 0;
    for (const [n] of queries.entries()) {
      const a = results.get(name)?.[n] ?? [];
      const b = results.get(reference)?.[n] ?? [];
      if (a.join() === b.join()) same += 1;
      overlap += b.length === 0 ? 1 : a.filter((k) => b.includes(k)).length / b.length;
    }
    lines.push(
      `same hits, ${name}: ${same}/${queries.length} identical top 10 against exact ranking on the chunk table; ` +
        `mean overlap@10 ${(overlap / queries.length).toFixed(3)}`,
    );
  }
  let large = 0;
  for (const q of queries) {
    const matches = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM confluence_chunk_search WHERE search_vector @@ websearch_to_tsquery('english', $1)",
      [q.text],
    );
    if ((matches.rows[0]?.n ?? 0) > 5000) large += 1;
  }
  lines.push(`${large} of the ${queries.length} queries match over 5,000 chunks`);
  // Recall@10 of the vector leg against exact search (sequential scan, no index), at pgvector's default ef_search
  // and at the store's.
  const found = new Map<number, number>([
    [40, 0],
    [HNSW_EF_SEARCH, 0],
  ]);
  for (const q of queries) {
    const exact = await db.transaction(async (tx) => {
      await tx.exec("SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off");
      return (
        await tx.query<{ k: string }>(
          `SELECT (metadata ->> 'confluence_page_id') || '#' || chunk_number AS k FROM archon_crawled_pages c
           WHERE (metadata ->> 'confluence_page_id') IS NOT NULL AND embedding_384 IS NOT NULL
           ORDER BY embedding_384 <=> $1::vector(384) LIMIT 10`,
          [JSON.stringify(q.embedding)],
        )
      ).rows.map((r) => r.k);
    });
    for (const ef of found.keys()) {
      const hits = await searchChunks(db, { ...base(q), mode: "vector" }, { efSearch: ef });
      const got = new Set(hits.map((h) => `${h.pageId}#${h.chunkNumber}`));
      found.set(ef, (found.get(ef) ?? 0) + exact.filter((k) => got.has(k)).length);
    }
  }
  for (const [ef, n] of found) {
    lines.push(
      `recall@10 of the vector leg vs exact, hnsw.ef_search = ${ef}${ef === HNSW_EF_SEARCH ? " (the store's)" : ""}: ` +
        (n / (queries.length * 10)).toFixed(3),
    );
  }
  const plan = await db.query<{ "QUERY PLAN": string }>(
    `EXPLAIN SELECT c.id FROM archon_crawled_pages c WHERE (c.metadata ->> 'confluence_page_id') IS NOT NULL
     ORDER BY c.embedding_384 <=> $1::vector(384) LIMIT 40`,
    [JSON.stringify(queries[0]?.embedding)],
  );
  lines.push(
    `vector leg plan: ${plan.rows.map((r) => r["QUERY PLAN"].trim()).find((l) => l.includes("Index")) ?? "no index scan"}`,
  );
  return lines;
}

/** The zero-setup default: writePage throughput on in-memory PGlite, with and without the HNSW index. */
async function pgliteBench(): Promise<string[]> {
  const store = await createPgliteStore();
  await store.upsertSource(makeSource("lite"));
  const lines: string[] = [];
  for (const hnsw of [false, true]) {
    if (!hnsw) await store.db.exec("DROP INDEX confluence_embedding_1536_hnsw");
    else {
      await store.db.exec("DELETE FROM archon_crawled_pages");
      await store.db.exec(
        `CREATE INDEX confluence_embedding_1536_hnsw ON archon_crawled_pages
         USING hnsw (embedding_1536 vector_cosine_ops)`,
      );
    }
    const pages = hnsw ? 25 : 100;
    const start = performance.now();
    for (let p = 0; p < pages; p++) await store.writePage(makePage("lite", `${hnsw}-${p}`), benchChunks(20, 1536));
    const rows = pages * 20;
    const seconds = (performance.now() - start) / 1000;
    lines.push(
      `| PGlite writePage (binary COPY), 20 chunks/page | ${hnsw ? "yes" : "no"} | ${rows} | ${Math.round(rows / seconds)} |`,
    );
  }
  await store.close();
  return lines;
}

/**
 * What the narrow search table's triggers cost a first load: the same pages written the way a first sync writes
 * them (bulk load into an empty table, 50 pages per `writePages`, indexes built after), with the triggers enabled
 * and disabled in alternate rounds, in a schema of its own.
 */
async function triggerCostBench(): Promise<string[]> {
  const own = `${schema}_writes`;
  const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${own},public` });
  await pool.query(`DROP SCHEMA IF EXISTS ${own} CASCADE; CREATE SCHEMA ${own}`);
  const db = fromPgPool(pool);
  await migrate(db);
  const store = new PgKnowledgeStore(db);
  await store.upsertSource(makeSource("w"));
  const pages = Number(process.env.BENCH_WRITE_PAGES ?? 1000);
  const writes: PageWrite[] = Array.from({ length: pages }, (_, p) => ({
    page: makePage("w", String(p)),
    chunks: Array.from({ length: 20 }, (_, n) => {
      const content = sentence(60);
      return {
        chunkNumber: n,
        content,
        hash: sha256(content),
        breadcrumb: ["B"],
        tokens: 80,
        embeddingModel: "m384",
        embedding: clustered(centers[(p + n) % centers.length] as number[]),
      };
    }),
  }));
  const seconds: Record<"on" | "off", number[]> = { on: [], off: [] };
  for (const round of [1, 2, 3, 4]) {
    const mode = round % 2 === 1 ? "on" : "off";
    await db.exec("TRUNCATE archon_crawled_pages");
    for (const event of ["insert", "update", "delete", "truncate"]) {
      await db.exec(
        `ALTER TABLE archon_crawled_pages ${mode === "on" ? "ENABLE" : "DISABLE"} TRIGGER confluence_chunk_search_${event}`,
      );
    }
    const load = { sourceId: "w", pages, embeddingModel: "m384", dimensions: SEARCH_DIMS };
    const start = performance.now();
    await store.beginBulkLoad(load);
    for (let i = 0; i < writes.length; i += 50) await store.writePages(writes.slice(i, i + 50));
    await store.endBulkLoad(load);
    seconds[mode].push((performance.now() - start) / 1000);
  }
  await pool.query(`DROP SCHEMA ${own} CASCADE`);
  await pool.end();
  const best = (xs: number[]) => Math.min(...xs);
  return [
    `first load of ${pages * 20} chunks (${pages} pages, bulk load, indexes built after), best of 2 alternate rounds: ` +
      `with the narrow table's triggers ${best(seconds.on).toFixed(1)} s, without ${best(seconds.off).toFixed(1)} s ` +
      `(${(best(seconds.on) / best(seconds.off)).toFixed(2)}x); all rounds on ${seconds.on.map((x) => x.toFixed(1)).join(", ")}, ` +
      `off ${seconds.off.map((x) => x.toFixed(1)).join(", ")}`,
  ];
}

async function main(): Promise<void> {
  if (process.env.BENCH_WRITES_ONLY === "1") {
    const before = loadavg().map((n) => n.toFixed(1));
    for (const line of await triggerCostBench()) console.log(line);
    console.log(
      `load average: ${before.join(", ")} before, ${loadavg()
        .map((n) => n.toFixed(1))
        .join(", ")} after`,
    );
    return;
  }
  const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema},public` });
  const kept = await reuse(pool);
  const db = kept ?? (await setup(pool));
  const store = new PgKnowledgeStore(db);
  const version = (
    await db.query<{ v: string }>(
      "SELECT current_setting('server_version') || ' / pgvector ' || extversion AS v FROM pg_extension WHERE extname = 'vector'",
    )
  ).rows[0]?.v;
  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, PostgreSQL ${version}`,
  );
  console.log(
    "\n| insert method (1536 dims, batches of 500) | HNSW index | rows | rows/s |\n| --- | --- | --- | --- |",
  );
  if (kept) console.log(`reused the ${CHUNKS}-chunk corpus of a kept run (BENCH_REUSE=1)`);
  else {
    for (const line of await insertBench(db, store)) console.log(line);
    if (process.env.BENCH_PGLITE !== "0") for (const line of await pgliteBench()) console.log(line);
    console.log(`\n${await loadCorpus(db, store)}`);
  }
  console.log(
    `\n| search at ${CHUNKS} chunks, ${SEARCH_DIMS} dims, ${QUERIES} queries | p50 | p95 |\n| --- | --- | --- |`,
  );
  const before = loadavg().map((n) => n.toFixed(1));
  for (const line of await searchBench(db, store)) console.log(line);
  console.log(
    `load average (1, 5, 15 min): ${before.join(", ")} before the searches, ${loadavg()
      .map((n) => n.toFixed(1))
      .join(", ")} after`,
  );
  if (!process.env.BENCH_KEEP) await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  await pool.end();
}

await main();
