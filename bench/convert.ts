// Converter and chunker throughput against plain turndown + turndown-plugin-gfm on the same storage-format corpus.
// Run: npx tsx bench/convert.ts [--pages 200] [--seed 7] [--runs 5] [--write]
// --write replaces the "Converter and chunker" section of BENCHMARKS.md with this run's results.
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import TurndownService from "turndown";
// @ts-expect-error turndown-plugin-gfm ships no types
import { gfm } from "turndown-plugin-gfm";
import { createMarkdownChunker } from "../packages/core/src/chunk/index.js";
import { createStorageConverter } from "../packages/core/src/convert/index.js";
import { generateSpace } from "../packages/fake-confluence/src/index.js";

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "200" },
    seed: { type: "string", default: "7" },
    runs: { type: "string", default: "5" },
    write: { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
const space = generateSpace({ key: "BENCH", pages: Number(values.pages), seed: Number(values.seed) });
const users = new Map(
  space.users.flatMap((u) => [[u.accountId, u.displayName] as const, [u.userKey, u.displayName] as const]),
);
const titles = new Map(space.pages.map((p) => [p.title, p.id]));
const context = (pageId: string) => ({
  pageId,
  spaceKey: space.key,
  baseUrl: "https://wiki.example.com",
  resolveUser: (id: string) => users.get(id),
  resolvePageUrl: (title: string) => {
    const id = titles.get(title);
    return id === undefined ? undefined : `https://wiki.example.com/pages/${id}`;
  },
});
const bodies = space.pages.map((p) => ({ id: p.id, title: p.title, body: p.body }));
const bytes = (texts: readonly string[]) => texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
const corpusBytes = bytes(bodies.map((b) => b.body));
// One 5 MB page, made of the corpus's bodies, for the "huge page" case.
const hugeBody = bodies
  .map((b) => b.body)
  .join("")
  .repeat(Math.ceil((5 * 1024 * 1024) / corpusBytes))
  .slice(0, 5 * 1024 * 1024);

const turndown = new TurndownService({ codeBlockStyle: "fenced", headingStyle: "atx", bulletListMarker: "-" });
turndown.use(gfm);
const converter = createStorageConverter();
const chunker = createMarkdownChunker();

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
/** Median seconds of each runner; runners take turns within every round, so a load spike hits them alike. */
function timeTogether(runners: readonly (() => void)[], rounds = runs): number[] {
  for (const run of runners) run(); // warm-up
  const samples = runners.map((): number[] => []);
  for (let i = 0; i < rounds; i++) {
    runners.forEach((run, r) => {
      const start = process.hrtime.bigint();
      run();
      samples[r]?.push(Number(process.hrtime.bigint() - start) / 1e9);
    });
  }
  return samples.map(median);
}
const mbps = (size: number, seconds: number) => size / 1024 / 1024 / seconds;

// What each converter keeps: code bodies (CDATA sections of one body joined) found verbatim in the output.
const codeBodies = bodies.map((b) =>
  [...b.body.matchAll(/<ac:plain-text-body>(.*?)<\/ac:plain-text-body>/gs)].map((m) =>
    [...(m[1] ?? "").matchAll(/<!\[CDATA\[(.*?)\]\]>/gs)].map((c) => c[1]).join(""),
  ),
);
function keptCode(outputs: readonly string[]): string {
  let total = 0;
  let kept = 0;
  outputs.forEach((out, i) => {
    for (const body of codeBodies[i] ?? []) {
      if (body.trim() === "") continue;
      total++;
      if (out.includes(body.replace(/\n$/, ""))) kept++;
    }
  });
  return `${kept}/${total}`;
}

let tdOut: string[] = [];
let ourOut: string[] = [];
const [tdSeconds = 0, ourSeconds = 0] = timeTogether([
  () => {
    tdOut = bodies.map((b) => turndown.turndown(b.body));
  },
  () => {
    ourOut = bodies.map((b) => converter.convert(b.body, context(b.id)).markdown);
  },
]);
let chunkCount = 0;
const markdownBytes = bytes(ourOut);
const [chunkSeconds = 0] = timeTogether([
  () => {
    chunkCount = 0;
    bodies.forEach((b, i) => {
      chunkCount += chunker.chunk(ourOut[i] ?? "", { title: b.title }).length;
    });
  },
]);
const hugeRuns = Math.max(1, Math.min(runs, 3));
let hugeMarkdown = "";
const [hugeOurs = 0, hugeTurndown = 0] = timeTogether(
  [
    () => {
      hugeMarkdown = converter.convert(hugeBody, context("1")).markdown;
    },
    () => turndown.turndown(hugeBody),
  ],
  hugeRuns,
);
const [hugeChunks = 0] = timeTogether([() => chunker.chunk(hugeMarkdown, { title: "Huge" })], hugeRuns);

const cpuModel =
  /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model ?? "unknown";
const row = (name: string, size: number, seconds: number, extra: string) =>
  `| ${name} | ${(size / 1024 / 1024).toFixed(2)} MB | ${(seconds * 1000).toFixed(0)} ms | ${mbps(size, seconds).toFixed(2)} MB/s | ${extra} |`;
const report = [
  "## Converter and chunker",
  "",
  `Command: \`npx tsx bench/convert.ts --pages ${values.pages} --seed ${values.seed} --runs ${runs}\` (median of ${runs} rounds after a warm-up, ${hugeRuns} for the 5 MB page; the compared steps take turns within each round).`,
  `Machine: ${cpus().length} cores (\`nproc\`), ${cpuModel}, ${(totalmem() / 1024 ** 3).toFixed(1)} GB memory, Node ${process.version}; load average ${loadavg()[0]?.toFixed(1)} at the end of the run (the machine is shared, so compare the rows of one run rather than absolute numbers across runs).`,
  `Corpus: \`generateSpace({ key: "BENCH", pages: ${values.pages}, seed: ${values.seed} })\` from \`@archon/fake-confluence\`, ${bodies.length} pages, ${(corpusBytes / 1024 / 1024).toFixed(2)} MB of storage format; the huge page is that corpus repeated to 5 MB.`,
  "",
  "| step | input | time | throughput | kept |",
  "| --- | --- | --- | --- | --- |",
  row("turndown + gfm (baseline)", corpusBytes, tdSeconds, `code bodies ${keptCode(tdOut)}`),
  row("StorageConverter", corpusBytes, ourSeconds, `code bodies ${keptCode(ourOut)}`),
  row("MarkdownChunker (512/64)", markdownBytes, chunkSeconds, `${chunkCount} chunks`),
  row("turndown + gfm, one 5 MB page", hugeBody.length, hugeTurndown, ""),
  row("StorageConverter, one 5 MB page", hugeBody.length, hugeOurs, ""),
  row("MarkdownChunker, one 5 MB page", Buffer.byteLength(hugeMarkdown), hugeChunks, ""),
  "",
  `StorageConverter is ${(tdSeconds / ourSeconds).toFixed(1)}x the speed of plain turndown on the corpus and ${(hugeTurndown / hugeOurs).toFixed(1)}x on the 5 MB page.`,
  "Plain turndown reads `<![CDATA[...]]>` as a bogus comment, so code-macro bodies are lost; the kept column counts code bodies found verbatim in the output.",
  "",
].join("\n");

console.log(report);
if (values.write) {
  const path = new URL("../BENCHMARKS.md", import.meta.url);
  let doc = "";
  try {
    doc = readFileSync(path, "utf8");
  } catch {
    doc = "# Benchmarks\n\n";
  }
  const start = doc.indexOf("## Converter and chunker");
  if (start < 0) doc = `${doc.trimEnd()}\n\n${report}`;
  else {
    const next = doc.indexOf("\n## ", start + 1);
    doc = doc.slice(0, start) + report + (next < 0 ? "" : doc.slice(next + 1));
  }
  writeFileSync(path, `${doc.trimEnd()}\n`);
  console.log("BENCHMARKS.md updated");
}
