import { describe, expect, it } from "vitest";
import { loadCl100kTokenizer, planBatches } from "./tokenizer.js";

describe("planBatches", () => {
  it("keeps every batch within the input and token limits, in order, covering every input once", () => {
    const tokens = [5, 5, 5, 9, 1, 1, 1, 1, 10, 3];
    const batches = planBatches(tokens, 3, 10);
    expect(batches).toEqual([
      [0, 2],
      [2, 3],
      [3, 5],
      [5, 8],
      [8, 9],
      [9, 10],
    ]);
    for (const [start, end] of batches) {
      expect(end - start).toBeLessThanOrEqual(3);
      expect(tokens.slice(start, end).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10);
    }
  });

  it("gives an input larger than the token budget a batch of its own", () => {
    expect(planBatches([2, 50, 2], 10, 10)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it("plans nothing for no input", () => {
    expect(planBatches([], 10, 10)).toEqual([]);
  });
});

describe("cl100k tokenizer", () => {
  it("counts and truncates in OpenAI embedding tokens", async () => {
    const tokenizer = await loadCl100kTokenizer();
    expect(tokenizer.count("hello world")).toBe(2);
    const long = "alpha beta gamma delta ".repeat(100);
    const cut = tokenizer.truncate(long, 10);
    expect(tokenizer.count(cut)).toBe(10);
    expect(long.startsWith(cut)).toBe(true);
  });

  it("treats special-token markers in page text as plain text", async () => {
    const tokenizer = await loadCl100kTokenizer();
    expect(tokenizer.count("a <|endoftext|> b")).toBeGreaterThan(3);
    expect(tokenizer.truncate("<|endoftext|> tail", 100)).toBe("<|endoftext|> tail");
  });
});
