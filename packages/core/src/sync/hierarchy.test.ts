import { describe, expect, it } from "vitest";
import { Hierarchy } from "./hierarchy.js";

const tree = (entries: [string, string | null][]) => new Map(entries.map(([id, parentId]) => [id, { parentId }]));

describe("Hierarchy", () => {
  it("derives ancestors, path and depth for a deep chain", () => {
    const ids = Array.from({ length: 9 }, (_, i) => `p${i}`);
    const h = new Hierarchy(tree(ids.map((id, i) => [id, i === 0 ? null : (ids[i - 1] as string)])));
    expect(h.placement("p8")).toEqual({ ancestors: ids.slice(0, 8), path: `/${ids.join("/")}`, depth: 8 });
    expect(h.placement("p0")).toEqual({ ancestors: [], path: "/p0", depth: 0 });
    expect(h.placement("p3").path).toBe("/p0/p1/p2/p3");
  });

  it("keeps an unknown parent in the path and stops there", () => {
    const h = new Hierarchy(tree([["a", "outside"]]));
    expect(h.placement("a")).toEqual({ ancestors: ["outside"], path: "/outside/a", depth: 1 });
  });

  it("cuts a parent cycle instead of looping", () => {
    const h = new Hierarchy(
      tree([
        ["a", "b"],
        ["b", "a"],
      ]),
    );
    expect(h.placement("a")).toEqual({ ancestors: ["b"], path: "/b/a", depth: 1 });
  });

  it("uses memoized ancestors of a parent computed earlier", () => {
    const h = new Hierarchy(
      tree([
        ["r", null],
        ["c", "r"],
        ["g", "c"],
      ]),
    );
    expect(h.placement("c").path).toBe("/r/c");
    expect(h.placement("g")).toEqual({ ancestors: ["r", "c"], path: "/r/c/g", depth: 2 });
  });
});
