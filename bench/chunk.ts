// Chunker CPU per page, this tree's against an earlier commit's, in the same process and the same rounds.
// Run: npx tsx bench/chunk.ts [--pages 1000] [--seed 42] [--rounds 7] [--before main]
// A first pass (cold caches, code not yet optimised) runs in a fresh process per chunker, three times each, taking
// turns; later passes run in this process, taking turns. The earlier chunker is read with `git show <before>:packages/core/src/chunk/<file>` into a temporary folder beside
// packages/core/src/chunk (removed at the end). Both chunk the same pages: the load benchmark's generated space,
// converted by this tree's converter, and the storage-format fixtures. Their chunks are compared before timing.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { countTokens } from "gpt-tokenizer/encoding/cl100k_base";
import { CL100K, createMarkdownChunker } from "../packages/core/src/chunk/index.js";
import { createStorageConverter } from "../packages/core/src/convert/index.js";
import { countCl100k } from "../packages/core/src/embed/cl100k-count.js";
import type { Chunker } from "../packages/core/src/ports/chunker.js";
import { generateSpace } from "../packages/fake-confluence/src/index.js";
import { machineLine } from "./machine.js";
import { loadAverage } from "./peers/format.js";

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "1000" },
    seed: { type: "string", default: "42" },
    rounds: { type: "string", default: "7" },
    before: { type: "string", default: "main" },
    // Internal: one first pass of the chunker in this module, over the pages in this file, in a fresh process.
    "cold-module": { type: "string" },
    "cold-pages": { type: "string" },
  },
});

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] as number;

/** CPU milliseconds per page for one pass over every page. */
function pass(chunker: Chunker, pages: readonly { title: string; markdown: string }[]): number {
  const start = process.cpuUsage();
  for (const page of pages) chunker.chunk(page.markdown, { title: page.title });
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / pages.length;
}

if (values["cold-module"] !== undefined && values["cold-pages"] !== undefined) {
  const module = (await import(values["cold-module"])) as typeof import("../packages/core/src/chunk/index.js");
  const pages = JSON.parse(readFileSync(values["cold-pages"], "utf8"));
  console.log(JSON.stringify(pass(module.createMarkdownChunker(), pages)));
  process.exit(0);
}
const rounds = Math.max(1, Number(values.rounds));
const root = fileURLToPath(new URL("..", import.meta.url));

// The pages: as bench/load.ts generates them, converted as a sync converts them, and the real-shaped fixtures.
const space = generateSpace({ key: "LOAD", pages: Number(values.pages), seed: Number(values.seed) });
const users = new Map(
  space.users.flatMap((u) => [[u.accountId, u.displayName] as const, [u.userKey, u.displayName] as const]),
);
const titles = new Map(space.pages.map((p) => [p.title, p.id]));
const converter = createStorageConverter();
const pages = space.pages.map((p) => ({
  title: p.title,
  markdown: converter.convert(p.body, {
    pageId: p.id,
    spaceKey: space.key,
    baseUrl: "https://wiki.example.com",
    resolveUser: (id: string) => users.get(id),
    resolvePageUrl: (title: string) => {
      const id = titles.get(title);
      return id === undefined ? undefined : `https://wiki.example.com/pages/${id}`;
    },
  }).markdown,
}));
const fixtureDir = join(root, "packages/core/test/fixtures/storage-format");
for (const file of readdirSync(fixtureDir).filter((f) => f.endsWith(".md"))) {
  pages.push({ title: file, markdown: readFileSync(join(fixtureDir, file), "utf8") });
}
const characters = pages.reduce((n, p) => n + p.markdown.length, 0);

/** The earlier commit's chunker, or why there is none. */
async function earlierChunker(
  ref: string,
): Promise<{ chunker?: Chunker; url?: string; why?: string; cleanup: () => void }> {
  const dir = join(root, "packages/core/src", `.chunk-before-${process.pid}`);
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const files = execFileSync("git", ["ls-tree", "--name-only", `${ref}:packages/core/src/chunk/`], {
      cwd: root,
      encoding: "utf8",
    })
      .split("\n")
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    mkdirSync(dir, { recursive: true });
    for (const file of files) {
      const source = execFileSync("git", ["show", `${ref}:packages/core/src/chunk/${file}`], {
        cwd: root,
        encoding: "utf8",
        maxBuffer: 1 << 26,
      });
      writeFileSync(join(dir, file), source);
    }
    const module = (await import(
      pathToFileURL(join(dir, "index.ts")).href
    )) as typeof import("../packages/core/src/chunk/index.js");
    return { chunker: module.createMarkdownChunker(), url: pathToFileURL(join(dir, "index.ts")).href, cleanup };
  } catch (error) {
    cleanup();
    return { why: `no chunker at ${ref}: ${(error as Error).message.split("\n")[0]}`, cleanup };
  }
}

const current = createMarkdownChunker();
const before = await earlierChunker(values.before);
try {
  const pagesFile = join(root, "packages/core/src", `.chunk-bench-pages-${process.pid}.json`);
  writeFileSync(pagesFile, JSON.stringify(pages));
  /** One first pass in a fresh process. */
  const coldPass = (url: string): number => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", fileURLToPath(import.meta.url), "--cold-module", url, "--cold-pages", pagesFile],
      { cwd: root, encoding: "utf8" },
    );
    if (run.status !== 0) throw new Error(`cold pass failed: ${run.stderr}`);
    return Number(run.stdout.trim().split("\n").at(-1));
  };
  const nowUrl = pathToFileURL(join(root, "packages/core/src/chunk/index.ts")).href;
  const coldNows: number[] = [];
  const coldBefores: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      if (before.url !== undefined && i % 2 === 0) coldBefores.push(coldPass(before.url));
      coldNows.push(coldPass(nowUrl));
      if (before.url !== undefined && i % 2 === 1) coldBefores.push(coldPass(before.url));
    }
  } finally {
    rmSync(pagesFile, { force: true });
  }
  const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

  const coldNow = median(coldNows);
  const coldBefore = coldBefores.length > 0 ? median(coldBefores) : undefined;
  let differ = 0;
  let chunks = 0;
  if (before.chunker !== undefined) {
    for (const page of pages) {
      const now = current.chunk(page.markdown, { title: page.title });
      const then = before.chunker.chunk(page.markdown, { title: page.title });
      chunks += now.length;
      if (JSON.stringify(now) !== JSON.stringify(then)) differ++;
    }
  }
  const warmNow: number[] = [];
  const warmBefore: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate who goes first, so a load spike hits both alike.
    if (before.chunker !== undefined && i % 2 === 1) warmBefore.push(pass(before.chunker, pages));
    warmNow.push(pass(current, pages));
    if (before.chunker !== undefined && i % 2 === 0) warmBefore.push(pass(before.chunker, pages));
  }

  // The counter alone, on every text the chunker hands it: gpt-tokenizer's countTokens against countCl100k.
  const counted: string[] = [];
  const recording = {
    id: CL100K.id,
    count: (text: string) => {
      counted.push(text);
      return countCl100k(text);
    },
  };
  for (const page of pages) createMarkdownChunker({ tokenizer: recording }).chunk(page.markdown, { title: page.title });
  const asText = { disallowedSpecial: new Set<string>() };
  const countAll = (count: (text: string) => number): number => {
    const start = process.cpuUsage();
    for (const text of counted) count(text);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
  const gptMs: number[] = [];
  const fastMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    gptMs.push(countAll((text) => countTokens(text, asText)));
    fastMs.push(countAll(countCl100k));
  }
  const countedChars = counted.reduce((n, text) => n + text.length, 0);

  console.log(`Machine: ${machineLine()}; ${loadAverage()} at the end of the run.`);
  console.log(
    `Pages: ${pages.length} (${values.pages} generated with seed ${values.seed}, as bench/load.ts does, and the storage-format fixtures), ${(characters / 1e6).toFixed(1)} M characters of Markdown; default chunker (512/64, cl100k).`,
  );
  if (before.chunker === undefined) {
    console.log(`Earlier chunker: ${before.why}`);
    console.log(
      `\nThis tree: first pass ${fmt(coldNow)}, later passes (median of ${rounds}) ${fmt(median(warmNow))} CPU per page.`,
    );
  } else {
    console.log(
      `Chunks: ${chunks}; pages whose chunks differ from ${values.before}'s: ${differ}${differ === 0 ? " (byte-identical)" : ""}.`,
    );
    console.log(`\n| CPU per page | ${values.before} | this tree | ratio |`);
    console.log("| --- | --- | --- | --- |");
    console.log(
      `| first pass in a fresh process (median of 3) | ${fmt(coldBefore as number)} | ${fmt(coldNow)} | ${((coldBefore as number) / coldNow).toFixed(2)}x |`,
    );
    console.log(
      `| later passes (median of ${rounds}) | ${fmt(median(warmBefore))} | ${fmt(median(warmNow))} | ${(median(warmBefore) / median(warmNow)).toFixed(2)}x |`,
    );
    if (differ > 0) process.exitCode = 1;
  }
  console.log(
    `\nToken counting alone, the ${counted.length} texts (${(countedChars / 1e6).toFixed(1)} M characters) the chunker counts, median of ${rounds}: gpt-tokenizer countTokens ${median(gptMs).toFixed(0)} ms, countCl100k ${median(fastMs).toFixed(0)} ms (${(median(gptMs) / median(fastMs)).toFixed(2)}x), CPU.`,
  );
} finally {
  before.cleanup();
}
