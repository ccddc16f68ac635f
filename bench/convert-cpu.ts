// The converter's CPU per page beside an earlier version of it, in the same process, on the pages bench/load.ts syncs.
// Run: npx tsx bench/convert-cpu.ts [--before main] [--pages 1000] [--seed 42] [--rounds 9]
// `--before` is a git ref: its packages/core/src is extracted under packages/core/.data/ (ignored by git) and its
// converter imported from there. Rounds alternate between the two versions, so a load spike hits both alike; the
// outputs (Markdown, metadata and warnings) of both are compared page by page.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createStorageConverter } from "../packages/core/src/convert/index.js";
import type { ConvertContext, Converter } from "../packages/core/src/index.js";
import { generateSpace } from "../packages/fake-confluence/src/index.js";
import { machineLine } from "./machine.js";

const { values } = parseArgs({
  options: {
    before: { type: "string", default: "main" },
    pages: { type: "string", default: "1000" },
    seed: { type: "string", default: "42" },
    rounds: { type: "string", default: "9" },
  },
});
const root = join(import.meta.dirname, "..");
const commit = execFileSync("git", ["rev-parse", "--short", values.before], { cwd: root, encoding: "utf8" }).trim();
const beforeDir = join(root, "packages", "core", ".data", `convert-${commit}`);
if (!existsSync(beforeDir)) {
  mkdirSync(beforeDir, { recursive: true });
  const archive = execFileSync("git", ["archive", commit, "packages/core/src"], { cwd: root, maxBuffer: 1 << 30 });
  execFileSync("tar", ["-x", "--strip-components=2", "-C", beforeDir], { input: archive });
}
const before = (await import(pathToFileURL(join(beforeDir, "src", "convert", "index.ts")).href)) as {
  createStorageConverter: () => Converter;
};

// The space bench/load.ts serves: same key, seed and generator.
const space = generateSpace({ key: "LOAD", pages: Number(values.pages), seed: Number(values.seed) });
const users = new Map(space.users.map((u) => [u.accountId, u.displayName] as const));
const titles = new Map(space.pages.map((p) => [p.title, p.id]));
const contexts: ConvertContext[] = space.pages.map((p) => ({
  pageId: p.id,
  spaceKey: space.key,
  baseUrl: "https://wiki.example.com",
  resolveUser: (id) => users.get(id),
  resolvePageUrl: (title) => {
    const id = titles.get(title);
    return id === undefined ? undefined : `https://wiki.example.com/pages/${id}`;
  },
}));
const versions = [
  { name: `before (${commit})`, converter: before.createStorageConverter(), samples: [] as number[] },
  { name: "this tree", converter: createStorageConverter(), samples: [] as number[] },
];

let identical = 0;
for (const [i, page] of space.pages.entries()) {
  const [a, b] = versions.map((v) => JSON.stringify(v.converter.convert(page.body, contexts[i])));
  if (a === b) identical++;
  else console.error(`output differs on page ${page.id}`);
}

/** CPU milliseconds per page of one pass over the corpus (user + system time of this process). */
function cpuPerPage(converter: Converter): number {
  const start = process.cpuUsage();
  for (const [i, page] of space.pages.entries()) converter.convert(page.body, contexts[i]);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / space.pages.length;
}
const load = loadavg().map((n) => n.toFixed(1));
for (const v of versions) cpuPerPage(v.converter); // warm-up
const rounds = Number(values.rounds);
for (let r = 0; r < rounds; r++) {
  for (const v of r % 2 === 0 ? versions : [...versions].reverse()) v.samples.push(cpuPerPage(v.converter));
}
const median = (samples: readonly number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? 0;
const [old, now] = versions.map((v) => median(v.samples)) as [number, number];
const bytes = space.pages.reduce((n, p) => n + Buffer.byteLength(p.body), 0);

console.log(
  [
    `Command: \`npx tsx bench/convert-cpu.ts --before ${values.before} --pages ${values.pages} --seed ${values.seed} --rounds ${rounds}\``,
    `Machine: ${machineLine()}; load average ${load.join(" / ")} at the start, ${loadavg()[0]?.toFixed(1)} at the end.`,
    `Corpus: \`generateSpace({ key: "LOAD", pages: ${values.pages}, seed: ${values.seed} })\`, the space bench/load.ts serves: ${space.pages.length} pages, ${(bytes / space.pages.length / 1024).toFixed(1)} KB of storage format per page on average.`,
    "",
    "| converter | CPU per page (median of rounds) | all rounds (ms) |",
    "| --- | --- | --- |",
    ...versions.map(
      (v) => `| ${v.name} | ${median(v.samples).toFixed(3)} ms | ${v.samples.map((s) => s.toFixed(2)).join(" ")} |`,
    ),
    "",
    `This tree uses ${((now / old) * 100).toFixed(0)}% of the earlier version's CPU per page (${((1 - now / old) * 100).toFixed(0)}% less). Output identical (Markdown, metadata and warnings) on ${identical} of ${space.pages.length} pages.`,
  ].join("\n"),
);
if (identical !== space.pages.length) process.exitCode = 1;
