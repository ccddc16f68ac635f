/**
 * Blog posts and comments: a generated space with blog posts and comments on a share of its pages (footer threads,
 * replies, inline comments, some resolved), synced from the fake Confluence with a fixed per-request latency into the
 * in-memory store with the hashing embedder. The same space is synced twice in one process, each into a store of its
 * own: pages only, then with `content: { blogPosts: true, comments: true }`; each a full sync, then a no-change
 * incremental resync, then (content on) an incremental sync after one comment was deleted.
 *
 *   npx tsx bench/content.ts [--pages 4000] [--blog-posts 400] [--comment-share 0.3] [--latency 20]
 *   npx tsx bench/content.ts --quick    # 400 pages, 40 blog posts
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import {
  ConfluenceSync,
  type ContentOptions,
  createConfluenceSource,
  createSourceRecord,
  HashingEmbedder,
  InMemoryKnowledgeStore,
  type SyncMetrics,
} from "@archon/confluence-core";
import { startFakeConfluence } from "@archon/fake-confluence";
import { machineLine } from "./machine.js";

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "4000" },
    "blog-posts": { type: "string", default: "400" },
    "comment-share": { type: "string", default: "0.3" },
    latency: { type: "string", default: "20" },
    quick: { type: "boolean", default: false },
  },
});
const pages = values.quick ? 400 : Number(values.pages);
const blogPosts = values.quick ? 40 : Number(values["blog-posts"]);
const share = Number(values["comment-share"]);
const latencyMs = Number(values.latency);

const fake = await startFakeConfluence({
  seed: 42,
  spaces: [
    { key: "BENCH", pages, blogPosts, comments: { share } },
    { key: "WARM", pages: 200, blogPosts: 20, comments: true },
  ],
  faults: { latencyMs },
});
const space = fake.space("BENCH");
const comments = space.allComments();
const commented = new Set(comments.map((c) => c.containerId)).size;
const source = createConfluenceSource({
  baseUrl: fake.baseUrl,
  deployment: "cloud",
  credentials: { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken },
  timeZone: "UTC",
});

interface Row {
  readonly label: string;
  readonly metrics: SyncMetrics;
  readonly seconds: number;
  readonly load: string;
  readonly requests: number;
}

async function runAll(
  label: string,
  content: ContentOptions,
  afterwards?: () => void,
  spaceKey = "BENCH",
): Promise<Row[]> {
  const store = new InMemoryKnowledgeStore();
  await store.upsertSource(
    createSourceRecord({ sourceId: "bench", baseUrl: fake.baseUrl, spaceKey, deployment: "cloud", content }),
  );
  const sync = new ConfluenceSync({ source, store, embedder: new HashingEmbedder({ dimensions: 384 }) });
  const rows: Row[] = [];
  const once = async (run: string, mode: "full" | "incremental") => {
    fake.resetStats();
    const load = loadavg()[0]!.toFixed(1);
    const started = performance.now();
    const metrics = await sync.run({ sourceId: "bench", mode });
    const seconds = (performance.now() - started) / 1000;
    rows.push({ label: `${label}: ${run}`, metrics, seconds, load, requests: fake.stats().requests });
  };
  await once("full sync", "full");
  await once("no-change resync", "incremental");
  if (afterwards) {
    afterwards();
    await once("one comment deleted", "incremental");
  }
  return rows;
}

// Not timed: starts the convert worker threads and warms the JIT, so the first timed run does not pay for it.
await runAll("warm-up", { blogPosts: true, comments: true }, undefined, "WARM");
const rows = [
  ...(await runAll("pages only", {})),
  ...(await runAll("blog posts + comments", { blogPosts: true, comments: true }, () => {
    const doomed = comments.find((c) => c.parentId === null && !comments.some((r) => r.parentId === c.id));
    if (doomed) fake.state.deleteComment(doomed.id);
  })),
];
await fake.close();

const n = (value: number | undefined) => (value ?? 0).toLocaleString("en-US");
console.log(
  `Blog posts and comments benchmark: ${space.pages().length} current pages, ${blogPosts} blog posts, ${comments.length} comments on ${commented} pages and posts (share ${share}), ${latencyMs} ms per request. ${machineLine()}`,
);
console.log(
  "| run | wall time | load (1 min) | API requests | bodies fetched | pages indexed | blog posts indexed | comments indexed | chunks written | embedding calls |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const { label, metrics: m, seconds, load, requests } of rows) {
  const types = m.contentTypes ?? {};
  console.log(
    `| ${label} | ${seconds.toFixed(1)} s | ${load} | ${n(requests)} | ${n(m.pagesFetched)} | ${n(types.page?.indexed)} | ${n(types.blogpost?.indexed)} | ${n(types.comment?.indexed)} | ${n(m.chunksWritten)} | ${n(m.embeddingCalls)} |`,
  );
}
const full = (label: string) => rows.find((row) => row.label === `${label}: full sync`)!;
const ratio = full("blog posts + comments").seconds / full("pages only").seconds;
console.log(`\nFull sync with blog posts and comments / pages only, same run: ${ratio.toFixed(2)}×`);
