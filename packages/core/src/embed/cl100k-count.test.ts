import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { countTokens } from "gpt-tokenizer/encoding/cl100k_base";
import { describe, expect, it } from "vitest";
import { CL100K_SPLIT, countCl100k, pieceEnd } from "./cl100k-count.js";

// The reference: the tokenizer's own count, special-token text counted as text, and its own split pattern.
const AS_TEXT = { disallowedSpecial: new Set<string>() };
const exact = (text: string) => countTokens(text, AS_TEXT);
const referenceEnds = (text: string) => [...text.matchAll(CL100K_SPLIT)].map((m) => m.index + m[0].length);
const scannedEnds = (text: string) => {
  const ends: number[] = [];
  for (let i = 0; i < text.length; ) {
    i = pieceEnd(text, i);
    ends.push(i);
  }
  return ends;
};

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) & 0x7fffffff;
    return state % n;
  };
}

// What the split pattern treats specially: contractions in both cases, every kind of space and line break, letters,
// numbers and symbols outside the basic plane, lone surrogates, combining marks, special-token text.
const ATOMS = [
  "'",
  "s",
  "S",
  "l",
  "L",
  "v",
  "e",
  "E",
  "r",
  "R",
  "d",
  "D",
  "m",
  "t",
  "T",
  "x",
  "'ll",
  "'VE",
  "'Re",
  "don't",
  " ",
  " ",
  "  ",
  "\t",
  "\n",
  "\r",
  "\r\n",
  "\n\n",
  "\u000b",
  "\f",
  "\u00a0",
  "\u1680",
  "\u2003",
  "\u2028",
  "\u3000",
  "\ufeff",
  "0",
  "7",
  "123",
  "4567",
  "٣",
  "Ⅻ",
  "²",
  "½",
  "𝟎",
  "中",
  "文字",
  "한국어",
  "日本語です",
  "𝐀𝐁",
  "𠀀",
  "😀",
  "👍🏽",
  "👨‍👩‍👧",
  "\ud800",
  "\udc00",
  "é",
  "e\u0301",
  "ß",
  "Σ",
  ".",
  ",",
  "...",
  "|",
  "-",
  "—",
  "“",
  "`",
  "```",
  "#",
  "*",
  "[",
  "]",
  "(",
  ")",
  "/",
  ":",
  "<",
  ">",
  "<|endoftext|>",
  "<|fim_prefix|>",
  "https://wiki.example.com/x?a=1&b=%E4%B8%AD",
];

function randomText(next: (n: number) => number, atoms: number): string {
  let text = "";
  for (let k = 0; k < atoms; k++) text += ATOMS[next(ATOMS.length)];
  return text;
}

describe("countCl100k", () => {
  it("cuts random mixes of tricky characters exactly where the tokenizer's pattern does, and counts the same", () => {
    const next = random(20_261_130);
    const wrong: string[] = [];
    for (let i = 0; i < 6_000; i++) {
      const text = randomText(next, next(40));
      const cut = scannedEnds(text).join() === referenceEnds(text).join();
      if (!cut || countCl100k(text) !== exact(text)) wrong.push(text);
    }
    expect(wrong).toEqual([]);
  });

  it("counts page text exactly: the storage-format fixtures, line by line and whole", () => {
    const dir = fileURLToPath(new URL("../../test/fixtures/storage-format/", import.meta.url));
    const pages = readdirSync(dir)
      .filter((file) => file.endsWith(".md") || file.endsWith(".xml"))
      .map((file) => readFileSync(`${dir}${file}`, "utf8"));
    expect(pages.length).toBeGreaterThan(20);
    for (const page of pages) {
      expect(countCl100k(page)).toBe(exact(page));
      for (const line of page.split("\n")) expect(countCl100k(line), line).toBe(exact(line));
    }
  });

  it("counts long words, long runs of one script, code and tables exactly", () => {
    const texts = [
      "가나다라마바사아자차카타파하".repeat(40),
      "a".repeat(3_000),
      "😀".repeat(500),
      "1234567890".repeat(50),
      " ".repeat(300),
      "\n".repeat(50) + "x" + "\t \n".repeat(30),
      "```ts\nconst x = await fetch(base + `/v1/` + id); // don't\n```",
      "| Name | Value |\n| --- | --- |\n| a\\|b | 1,234.50 € |\n| 中文 | <br>two<br>lines |",
      "Supercalifragilisticexpialidocious-antidisestablishmentarianism_pneumonoultramicroscopic",
      "I'LL say it's what they'RE doing, isn't it? We'd've known.",
      "<|endoftext|> is text here, as are <|fim_middle|> and <|endofprompt|>.",
    ];
    for (const text of texts) {
      expect(scannedEnds(text)).toEqual(referenceEnds(text));
      expect(countCl100k(text)).toBe(exact(text));
    }
  });

  it("stays exact once it has seen more distinct pieces than it remembers", () => {
    const words = Array.from({ length: 101_000 }, (_, i) => `w${i.toString(36)}x`).join(" ");
    expect(countCl100k(words)).toBe(exact(words));
    expect(countCl100k(words)).toBe(exact(words));
  });

  it("counts nothing as no tokens", () => {
    expect(countCl100k("")).toBe(0);
  });
});
