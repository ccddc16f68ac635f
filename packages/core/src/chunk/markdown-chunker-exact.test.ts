import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateSpace } from "@archon/fake-confluence";
import { countTokens } from "gpt-tokenizer/encoding/cl100k_base";
import { describe, expect, it } from "vitest";
import { createStorageConverter } from "../convert/index.js";
import type { Chunk } from "../ports/chunker.js";
import { CL100K, MarkdownChunker } from "./markdown-chunker.js";

// The default chunker counts with a fast exact counter and shortcuts; the reference counts every text with the
// tokenizer itself, straightforwardly. Both must give the very same chunks: a change would re-index every page.
const AS_TEXT = { disallowedSpecial: new Set<string>() };
const reference = { id: CL100K.id, count: (text: string) => countTokens(text, AS_TEXT) };
const SIZES = [
  { maxTokens: 32, overlapTokens: 8 },
  { maxTokens: 64, overlapTokens: 16 },
  { maxTokens: 128, overlapTokens: 32 },
  { maxTokens: 512, overlapTokens: 64 },
];

function compare(pages: readonly { title: string; markdown: string }[], sizes = SIZES): string[] {
  const differ: string[] = [];
  for (const size of sizes) {
    const fast = new MarkdownChunker(size);
    const exact = new MarkdownChunker({ ...size, tokenizer: reference });
    expect(fast.id).toBe(exact.id);
    for (const page of pages) {
      const got: Chunk[] = fast.chunk(page.markdown, { title: page.title });
      const want: Chunk[] = exact.chunk(page.markdown, { title: page.title });
      if (JSON.stringify(got) !== JSON.stringify(want)) differ.push(`${page.title} at ${size.maxTokens}`);
    }
  }
  return differ;
}

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) & 0x7fffffff;
    return state % n;
  };
}

const WORDS = [
  "deploy",
  "the",
  "pipeline",
  "don't",
  "It'll",
  "中文",
  "日本語のテキスト",
  "한국어",
  "😀",
  "👍🏽",
  "𝐀𝐁𝐂",
  "1,234.5",
  "[link](https://wiki.example.com/pages/1?a=b)",
  '![alt](https://x.example.com/a.png "cap")',
  "<https://a.example.com/b>",
  "[[Missing Page]]",
  "`code`",
  "**bold**",
  "<|endoftext|>",
  "Supercalifragilisticexpialidocious".repeat(6),
  "a\u00a0b",
  "x".repeat(150),
  "가나다라마바사".repeat(30),
];

function sentence(next: (n: number) => number): string {
  const words = Array.from({ length: 2 + next(14) }, () => WORDS[next(WORDS.length)]);
  return `${words.join(" ")}${[".", "!", "?", "。", ""][next(5)]}`;
}

/** A page made of random blocks: headings, prose, quotes and callouts, lists, code, GFM and HTML tables. */
function randomPage(next: (n: number) => number): string {
  const blocks: string[] = [];
  for (let b = 0, count = 1 + next(12); b < count; b++) {
    const kind = next(8);
    if (kind === 0) blocks.push(`${"#".repeat(1 + next(4))} ${sentence(next)}`);
    else if (kind === 1) blocks.push(Array.from({ length: 1 + next(8) }, () => sentence(next)).join(" "));
    else if (kind === 2) blocks.push(Array.from({ length: 1 + next(8) }, () => `- ${sentence(next)}`).join("\n"));
    else if (kind === 3) {
      const lines = Array.from({ length: 1 + next(30) }, (_, i) => `  call(${i}, "${WORDS[next(WORDS.length)]}");`);
      blocks.push(["```ts", ...lines, "```"].join("\n"));
    } else if (kind === 4) {
      const rows = Array.from(
        { length: 1 + next(15) },
        () => `| ${sentence(next)} | ${next(1000)} | ${sentence(next)} |`,
      );
      blocks.push(["| Name | Count | Notes |", "| --- | --- | --- |", ...rows].join("\n"));
    } else if (kind === 5) {
      const rows = Array.from(
        { length: 1 + next(10) },
        () => `<tr><td>${sentence(next)}</td><td>${sentence(next)}</td></tr>`,
      );
      blocks.push(["<table>", "<tr><th>Key</th><th>Value</th></tr>", ...rows, "</table>"].join("\n"));
    } else if (kind === 6) {
      const inner = Array.from({ length: 1 + next(10) }, () => `> ${sentence(next)}`);
      blocks.push([next(2) === 0 ? "> [!NOTE]" : ">", ...inner].join("\n"));
    } else blocks.push(sentence(next).repeat(1 + next(8)));
  }
  return blocks.join("\n\n");
}

describe("MarkdownChunker with its fast counting", () => {
  it("gives the same chunks as counting every text with the tokenizer, on generated Confluence pages", () => {
    const space = generateSpace({ key: "EXACT", pages: 40, seed: 42 });
    const converter = createStorageConverter();
    const pages = space.pages.map((page) => ({
      title: page.title,
      markdown: converter.convert(page.body, { pageId: page.id, spaceKey: space.key }).markdown,
    }));
    expect(compare(pages)).toEqual([]);
  });

  it("gives the same chunks on the storage-format fixtures", () => {
    const dir = fileURLToPath(new URL("../../test/fixtures/storage-format/", import.meta.url));
    const pages = readdirSync(dir)
      .filter((file) => file.endsWith(".md"))
      .map((file) => ({ title: file, markdown: readFileSync(`${dir}${file}`, "utf8") }));
    expect(pages.length).toBeGreaterThan(10);
    expect(compare(pages)).toEqual([]);
  });

  it("gives the same chunks on random pages of CJK, emoji, long words, links, tables, code and callouts", () => {
    const next = random(7);
    const pages = Array.from({ length: 30 }, (_, i) => ({ title: `Random ${i}`, markdown: randomPage(next) }));
    expect(compare(pages)).toEqual([]);
  });

  it("gives byte for byte the chunks that markdown@3 has always given on a fixed set of random pages", () => {
    // Digest of the chunks (text, embedded text, breadcrumb, hash, tokens, order) made by the chunker before any
    // counting shortcut, on these pages: a change of chunks would re-index every stored page.
    const next = random(20_261_129);
    const pages = Array.from({ length: 40 }, () => randomPage(next));
    const hash = createHash("sha256");
    for (const size of [
      { maxTokens: 48, overlapTokens: 12 },
      { maxTokens: 512, overlapTokens: 64 },
    ]) {
      const chunker = new MarkdownChunker(size);
      for (const [i, markdown] of pages.entries()) {
        hash.update(JSON.stringify(chunker.chunk(markdown, { title: `Page ${i}` })));
      }
    }
    expect(hash.digest("hex")).toBe("88728b8e355d9828c7ba182a5b970f762c2bc6766d8e15f1b3d22842d43c29e5");
  });
});
