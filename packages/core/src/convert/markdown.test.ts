import { describe, expect, it } from "vitest";
import { collapseSpace } from "./markdown.js";

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
