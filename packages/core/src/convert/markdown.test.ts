import { describe, expect, it } from "vitest";
import { collapseSpace, countWords, escapeInline, scanText } from "./markdown.js";

describe("collapseSpace", () => {
  it("equals replacing every run of \\s with one space, for every UTF-16 code unit", () => {
    for (let code = 0; code <= 0xffff; code++) {
      const c = String.fromCharCode(code);
      for (const text of [`a${c}b`, `a ${c}b`, `${c}`, `a${c} b`]) {
        expect(collapseSpace(text)).toBe(text.replace(/\s+/g, " "));
      }
    }
  });

  it("returns the same text when there is nothing to collapse", () => {
    const text = "one two three";
    expect(collapseSpace(text)).toBe(text);
    expect(collapseSpace("one  two\u00a0three\n")).toBe("one two three ");
  });
});

describe("scanText", () => {
  it("agrees with collapseSpace, countWords, escapeInline and the dash check on random text", () => {
    const alphabet = [
      "a",
      "b",
      " ",
      "  ",
      "\n",
      "\t",
      "\u00a0",
      "\u2003",
      "-",
      "_",
      "*",
      "<",
      "x<y",
      "é",
      "한",
      "`",
      "\\",
      "[",
      "]",
      "1.",
    ];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let n = 0; n < 5000; n++) {
      let text = "";
      const count = Math.floor(next() * 12);
      for (let i = 0; i < count; i++) text += alphabet[Math.floor(next() * alphabet.length)];
      const scan = scanText(text);
      if (collapseSpace(text) !== text) {
        expect(scan).toBe(-1);
        continue;
      }
      expect(scan).toBeGreaterThanOrEqual(0);
      expect(Math.floor(scan / 4)).toBe(countWords(text));
      if (escapeInline(text) !== text) expect(scan & 1).toBe(1);
      expect((scan & 2) !== 0).toBe(text.includes("-"));
    }
  });
});
