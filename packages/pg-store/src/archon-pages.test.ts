import { describe, expect, it } from "vitest";
import { wordCount } from "./archon-pages.js";

describe("wordCount", () => {
  it("counts what a split on whitespace counts, for every kind of space JavaScript's \\s knows", () => {
    const spaces = [
      " ",
      "\t",
      "\n",
      "\r",
      "\v",
      "\f",
      "\u00a0",
      "\u1680",
      "\u2003",
      "\u200a",
      "\u2028",
      "\u3000",
      "\ufeff",
    ];
    const pieces = ["word", "x", "日本語", "a-b", "\u200b", "🙂", ""];
    let seed = 7;
    const pick = <T>(list: readonly T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return list[seed % list.length] as T;
    };
    for (let n = 0; n < 500; n++) {
      let text = "";
      for (let i = 0; i < n % 17; i++)
        text += pick(pieces) + (i % 3 === 0 ? pick(spaces) + pick(spaces) : pick(spaces));
      expect(wordCount(text), JSON.stringify(text)).toBe(text.split(/\s+/).filter(Boolean).length);
    }
    expect(wordCount("")).toBe(0);
    expect(wordCount("  two\u00a0words ")).toBe(2);
  });
});
