// HashingEmbedder throughput on realistic chunk texts.
// Run: npx tsx bench/embed.ts [--chunks 30000] [--dimensions 384] [--batch 256] [--runs 3]
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { HashingEmbedder } from "@archon/confluence-core";

const { values } = parseArgs({
  options: {
    chunks: { type: "string", default: "30000" },
    dimensions: { type: "string", default: "384" },
    batch: { type: "string", default: "256" },
    runs: { type: "string", default: "3" },
  },
});
const chunkCount = Number(values.chunks);
const dimensions = Number(values.dimensions);
const batchSize = Number(values.batch);
const runs = Number(values.runs);

// Deterministic pseudo-random numbers, so every run embeds the same corpus.
let seed = 0x2545f491;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

// A vocabulary with a Zipf-like distribution, like the words of a wiki, plus identifiers, numbers and URLs.
const common = "the of and to a in is for on that with as be by this it are from or at an we can not".split(" ");
const domain = (
  "deployment service cluster database migration rollback incident runbook latency cache query index page space " +
  "release pipeline monitoring alert dashboard kubernetes postgres backup restore failover replica token request " +
  "response timeout retry customer invoice payment account onboarding checklist owner escalation review approval " +
  "architecture decision record roadmap quarter objective metric budget vendor contract security compliance audit"
).split(" ");
const identifiers = [
  "ENG-1423",
  "payments-api",
  "v2.14.3",
  "us-east-1",
  "p99",
  "HTTP 503",
  "kubectl",
  "pg_dump",
  "JIRA",
];
function word(): string {
  const r = random();
  if (r < 0.45) return pick(common);
  if (r < 0.93) return pick(domain);
  if (r < 0.98) return pick(identifiers);
  return String(Math.floor(random() * 100_000));
}
function sentence(): string {
  const length = 6 + Math.floor(random() * 18);
  const words = Array.from({ length }, word);
  const first = words[0]!;
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return words.join(" ") + ".";
}
function chunk(i: number): string {
  const parts = [`Space ENG > Runbooks > Service ${i % 97} > Section ${i % 13}`, `## ${sentence()}`];
  // ~400-800 tokens of prose, with a list, a table row or a code line now and then.
  const target = 1_600 + Math.floor(random() * 1_600);
  let length = 0;
  while (length < target) {
    const r = random();
    const part =
      r < 0.7
        ? Array.from({ length: 2 + Math.floor(random() * 4) }, sentence).join(" ")
        : r < 0.85
          ? `- ${sentence()}\n- ${sentence()}`
          : r < 0.95
            ? `| ${word()} | ${word()} | ${Math.floor(random() * 1000)} ms |`
            : "```\nkubectl rollout undo deployment/" + pick(domain) + " --to-revision=" + (i % 9) + "\n```";
    parts.push(part);
    length += part.length;
  }
  return parts.join("\n\n");
}

const texts = Array.from({ length: chunkCount }, (_, i) => chunk(i));
const megabytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0) / 1e6;
const embedder = new HashingEmbedder({ dimensions });

async function once(): Promise<{ ms: number; tokens: number }> {
  const started = performance.now();
  let tokens = 0;
  for (let i = 0; i < texts.length; i += batchSize) {
    const result = await embedder.embed(texts.slice(i, i + batchSize));
    tokens += result.tokens;
  }
  return { ms: performance.now() - started, tokens };
}

const startLoad = loadavg()[0]!.toFixed(2);
await once(); // warm-up: JIT and the character class table
const timings: number[] = [];
let words = 0;
for (let run = 0; run < runs; run++) {
  const { ms, tokens } = await once();
  timings.push(ms);
  words = tokens;
}
timings.sort((a, b) => a - b);
const median = timings[Math.floor(timings.length / 2)]!;
const cpu = cpus()[0]?.model ?? "unknown CPU";

console.log(
  `machine: ${cpus().length} cores, ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`,
);
console.log(`corpus: ${chunkCount} chunks, ${megabytes.toFixed(1)} MB UTF-8, ${words} words`);
console.log(`embedder: ${embedder.modelId}, ${dimensions} dimensions, batches of ${batchSize}`);
const best = timings[0]!;
const rate = (ms: number) =>
  `${Math.round((chunkCount / ms) * 1000)} chunks/s, ${((megabytes / ms) * 1000).toFixed(1)} MB/s`;
console.log(`load average (1 min) before: ${startLoad}, after: ${loadavg()[0]!.toFixed(2)}`);
console.log(`median of ${runs} runs: ${(median / 1000).toFixed(2)} s, ${rate(median)}`);
console.log(`best run: ${(best / 1000).toFixed(2)} s, ${rate(best)}`);
console.log(`all runs (ms): ${timings.map((ms) => Math.round(ms)).join(", ")}`);
