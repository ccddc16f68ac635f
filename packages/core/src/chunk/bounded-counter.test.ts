import { describe, expect, it } from "vitest";
import { boundedCounter, hasLongRun } from "./split.js";

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) & 0x7fffffff;
    return state % n;
  };
}

const SPACES = [" ", "\n", "\t", "\r", "\u00a0", "\u3000"];
const LETTERS = ["a", "中", "😀", "-", "\u2003"];
/** The definition: more than 100 characters in a row, none of them whitespace as the counter knows it. */
const longRun = (text: string) => /[^ \n\t\r\u00a0\u3000]{101}/.test(text);

/** The counter without its shortcut: the run-by-run slicing loop, as it always ran. */
function slicingCounter(count: (text: string) => number) {
  return (text: string) => {
    let total = 0;
    let from = 0;
    let runStart = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (SPACES.includes(text[i] as string)) runStart = i + 1;
      else if (i - runStart >= 100 && !(code >= 0xdc00 && code <= 0xdfff)) {
        total += count(text.slice(from, i));
        from = i;
        runStart = i;
      }
    }
    return from === 0 ? count(text) : total + count(text.slice(from));
  };
}

describe("boundedCounter", () => {
  it("finds every run of over 100 characters without whitespace, and only those, whatever their place", () => {
    const next = random(11);
    let long = 0;
    for (let i = 0; i < 3_000; i++) {
      let text = "";
      for (let k = 0, runs = 1 + next(6); k < runs; k++) {
        if (k > 0 || next(2) === 0) text += SPACES[next(SPACES.length)];
        const letter = LETTERS[next(LETTERS.length)] as string;
        // Runs of 95 to 105 characters (a surrogate pair counts two), around the limit.
        text += letter.repeat(Math.ceil((95 + next(11)) / letter.length)).slice(0, 95 + next(11));
      }
      expect(hasLongRun(text), JSON.stringify(text)).toBe(longRun(text));
      if (longRun(text)) long++;
    }
    expect(long).toBeGreaterThan(300);
    expect(long).toBeLessThan(2_700);
  });

  it("counts the same as slicing every run, on texts with and without long runs", () => {
    // A counter that tells slices apart: characters plus one per call.
    const count = (text: string) => text.length + 1;
    const next = random(5);
    for (let i = 0; i < 2_000; i++) {
      const text = Array.from({ length: 1 + next(5) }, () => "x".repeat(next(260))).join(SPACES[next(SPACES.length)]);
      expect(boundedCounter(count)(text)).toBe(slicingCounter(count)(text));
    }
  });
});
