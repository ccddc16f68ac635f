// Permission-aware search: hybrid search latency at 100k chunks with a principal filter inside both legs, next to the
// same queries unfiltered, in one run on one corpus. Needs PostgreSQL with pgvector:
// `DATABASE_URL=postgres://... npx tsx bench/permissions.ts` (env: BENCH_CHUNKS=100000, BENCH_QUERIES=200).
// Works in its own schema (bench_permissions), dropped at the end.
import { type ChunkRecord, type PageReaders, type PageWrite, sha256 } from "@archon/confluence-core";
import { makePage, makeSource } from "@archon/confluence-core/testing";
import { fromPgPool, migrate, PgKnowledgeStore } from "@archon/confluence-pg-store";
import pg from "pg";
import { machineLine } from "./machine.js";

const url = process.env.DATABASE_URL ?? "postgres://archon:archon@127.0.0.1:5432/archon_test";
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const DIMS = 384;
const PER_PAGE = 20;
const SUBTREES = 50;
const schema = "bench_permissions";

let seed = 7;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const gaussian = () => Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
const normalize = (v: number[]) => {
  const n = Math.hypot(...v) || 1;
  return v.map((x) => Math.round((x / n) * 1e6) / 1e6);
};
const syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ven", "dor", "qua", "lix", "zen", "bra", "tor"];
const vocabulary = Array.from({ length: 6000 }, (_, i) => {
  let word = "";
  for (let n = i + 1; n > 0; n = Math.floor(n / syllables.length)) word += syllables[n % syllables.length];
  return word;
});
const zipfWord = () => vocabulary[Math.floor(vocabulary.length ** random()) - 1] as string;
const centers = Array.from({ length: 400 }, () => Array.from({ length: DIMS }, gaussian));
const clustered = () =>
  normalize((centers[Math.floor(random() * centers.length)] as number[]).map((x) => x + 0.6 * gaussian()));
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] as number;

/**
 * The space is open to the `staff` group and user `guest`. Each of 50 top-level subtrees carries a read restriction:
 * 12 to their team's group (subtree 0 also naming `guest`), the other 38 to `staff`.
 */
function readersOf(subtree: number): PageReaders {
  const space = ["group:staff", "user:guest"];
  if (subtree >= 12) return [space, ["group:staff"]];
  return subtree === 0 ? [space, ["group:team-0", "user:guest"]] : [space, [`group:team-${subtree}`]];
}

async function load(store: PgKnowledgeStore): Promise<{ seconds: number; restrictedShare: number }> {
  await store.upsertSource(makeSource("perm", { syncPermissions: true }));
  const pages = CHUNKS / PER_PAGE;
  const bulk = { sourceId: "perm", pages, embeddingModel: "m384", dimensions: DIMS };
  const start = performance.now();
  await store.beginBulkLoad(bulk);
  let group: PageWrite[] = [];
  const readers = new Map<string, PageReaders>();
  let restricted = 0;
  for (let p = 0; p < pages; p++) {
    const subtree = p % SUBTREES;
    const root = String(subtree);
    const page = makePage("perm", String(p), { ancestors: p < SUBTREES ? [] : [root] });
    const chunks: ChunkRecord[] = Array.from({ length: PER_PAGE }, (_, n) => {
      const content = Array.from({ length: 60 }, zipfWord).join(" ");
      return {
        chunkNumber: n,
        content,
        hash: sha256(content),
        breadcrumb: ["B"],
        tokens: 80,
        embedding: clustered(),
        embeddingModel: "m384",
      };
    });
    group.push({ page, chunks });
    readers.set(page.pageId, readersOf(subtree));
    if (subtree < 12) restricted += 1;
    if (group.length === 50) {
      await store.writePages(group);
      group = [];
    }
  }
  if (group.length > 0) await store.writePages(group);
  await store.endBulkLoad(bulk);
  const entries = [...readers];
  for (let i = 0; i < entries.length; i += 1000)
    await store.setPageReaders("perm", new Map(entries.slice(i, i + 1000)));
  await store.db.exec("ANALYZE confluence_pages; ANALYZE confluence_reader_clauses; ANALYZE archon_crawled_pages");
  return { seconds: (performance.now() - start) / 1000, restrictedShare: restricted / pages };
}

async function main(): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema},public` });
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  const db = fromPgPool(pool);
  await migrate(db);
  const store = new PgKnowledgeStore(db);
  const version = (
    await db.query<{ v: string }>(
      "SELECT current_setting('server_version') || ' / pgvector ' || extversion AS v FROM pg_extension WHERE extname = 'vector'",
    )
  ).rows[0]?.v;
  console.log(`machine: ${machineLine()}, PostgreSQL ${version}`);
  const loaded = await load(store);
  console.log(
    `loaded ${CHUNKS} chunks (${CHUNKS / PER_PAGE} pages, ${(loaded.restrictedShare * 100).toFixed(0)}% under a team ` +
      `restriction) with readers in ${loaded.seconds.toFixed(0)} s`,
  );
  const queries = Array.from({ length: QUERIES }, () => ({
    text: `${zipfWord()} ${zipfWord()}`,
    embedding: clustered(),
    embeddingModel: "m384",
    limit: 10,
  }));
  const principals = {
    none: undefined,
    "staff + 1 team (reads 78% of pages)": { userId: "u1", groups: ["staff", "team-3"] },
    "staff, no team (reads 76%)": { userId: "u2", groups: ["staff"] },
    "guest named on one subtree (reads 2%)": { userId: "guest", groups: [] as string[] },
    "team group outside the space (reads 0%)": { userId: "u3", groups: ["team-1"] },
  } as const;
  console.log(
    `\n| hybrid search, ${CHUNKS} chunks, ${DIMS} dims, limit 10, ${QUERIES} queries | p50 | p95 | mean hits |`,
  );
  console.log("| --- | --- | --- | --- |");
  for (const [name, principal] of Object.entries(principals)) {
    const run = (q: (typeof queries)[number]) => store.search(principal ? { ...q, principal } : q);
    for (const q of queries.slice(0, 20)) await run(q);
    const times: number[] = [];
    let hits = 0;
    for (const q of queries) {
      const start = performance.now();
      const result = await run(q);
      times.push(performance.now() - start);
      hits += result.length;
      if (principal) {
        for (const hit of result) {
          const subtree = Number(hit.pageId) % SUBTREES;
          const clauses = readersOf(subtree);
          const tokens = new Set(["anyone", `user:${principal.userId}`, ...principal.groups.map((g) => `group:${g}`)]);
          if (!clauses.every((c) => c.some((t) => tokens.has(t))))
            throw new Error(`leak: page ${hit.pageId} to ${name}`);
        }
      }
    }
    const label = principal ? `principal: ${name}` : "no principal (unfiltered)";
    console.log(
      `| ${label} | ${percentile(times, 50).toFixed(1)} ms | ${percentile(times, 95).toFixed(1)} ms | ${(hits / queries.length).toFixed(1)} |`,
    );
  }
  if (!process.env.BENCH_KEEP) await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  await pool.end();
}

await main();
