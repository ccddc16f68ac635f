import { describe, expect, it } from "vitest";
import { formatDuration } from "./format.js";
import { groupByPage } from "./group.js";
import { highlight, plainText, queryTerms, snippet } from "./highlight.js";
import { formatRoute, parseRoute } from "./route.js";
import { shortenTrail } from "./trail.js";

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: String(i), label: `L${i}` }));
const labels = (entries: ReturnType<typeof shortenTrail>) =>
  entries.map((entry) => (entry.kind === "item" ? entry.item.label : "…"));

describe("shortenTrail", () => {
  it("keeps trails of up to five levels whole", () => {
    expect(labels(shortenTrail(items(5)))).toEqual(["L0", "L1", "L2", "L3", "L4"]);
  });

  it("shortens deeper trails to the first, an ellipsis and the last three, remembering what it hid", () => {
    const entries = shortenTrail(items(8));
    expect(labels(entries)).toEqual(["L0", "…", "L5", "L6", "L7"]);
    const hidden = entries.find((entry) => entry.kind === "ellipsis");
    expect(hidden?.kind === "ellipsis" && hidden.hidden.map((item) => item.label)).toEqual(["L1", "L2", "L3", "L4"]);
  });
});

describe("highlighting", () => {
  it("extracts distinct terms of two characters or more", () => {
    expect(queryTerms("Deploy the deploy a RUNBOOK!")).toEqual(["deploy", "the", "runbook"]);
  });

  it("marks term matches case-insensitively at word starts only", () => {
    expect(highlight("Deploying redeploy DEPLOY", ["deploy"])).toEqual([
      { text: "Deploy", match: true },
      { text: "ing redeploy ", match: false },
      { text: "DEPLOY", match: true },
    ]);
  });

  it("treats regex characters in terms literally", () => {
    expect(highlight("a.b axb", ["a.b"])).toEqual([
      { text: "a.b", match: true },
      { text: " axb", match: false },
    ]);
  });

  it("reduces Markdown to plain text", () => {
    expect(plainText("## Steps\n\n- [x] **Run** the [pipeline](https://x) and [[Deploy Guide]]\n> [!TIP] `cmd`")).toBe(
      "Steps Run the pipeline and Deploy Guide cmd",
    );
    expect(plainText("<details><summary>Offset</summary>vector</details>")).toBe("Offset vector");
  });

  it("cuts a snippet around the first match", () => {
    const text = `${"lorem ".repeat(100)}the rollback flag ${"ipsum ".repeat(100)}`;
    const cut = snippet(text, ["rollback"], 80);
    expect(cut).toContain("rollback");
    expect(cut.startsWith("… ")).toBe(true);
    expect(cut.endsWith(" …")).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(86);
  });
});

describe("formatDuration and routes", () => {
  it("formats durations for people", () => {
    expect(formatDuration(45_400)).toBe("45 s");
    expect(formatDuration(200_000)).toBe("3 min 20 s");
    expect(formatDuration(3_900_000)).toBe("1 h 05 min");
  });

  it("round-trips routes through the URL hash", () => {
    const route = { view: "browse" as const, sourceId: "eng docs", pageId: "42" };
    expect(parseRoute(formatRoute(route))).toEqual(route);
    expect(parseRoute("#/search")).toEqual({ view: "search" });
    const search = { view: "search", params: { q: "rollback procedure", mode: "keyword", source: "demo" } } as const;
    expect(formatRoute(search)).toBe("#/search?q=rollback+procedure&mode=keyword&source=demo");
    expect(parseRoute(formatRoute(search))).toEqual(search);
    expect(parseRoute("")).toEqual({ view: "sources" });
  });
});

describe("groupByPage", () => {
  it("keeps one entry per page, at its best chunk's rank, counting the other matches", () => {
    const hit = (pageId: string, chunkNumber: number, sourceId = "demo") => ({ sourceId, pageId, chunkNumber });
    const groups = groupByPage([hit("a", 2), hit("b", 0), hit("a", 0), hit("a", 5), hit("a", 1, "other")]);
    expect(groups.map((g) => [g.best.sourceId, g.best.pageId, g.best.chunkNumber, g.more])).toEqual([
      ["demo", "a", 2, 2],
      ["demo", "b", 0, 0],
      ["other", "a", 1, 0],
    ]);
  });
});

describe("plainText of a table", () => {
  it("drops the separator row and the pipes", () => {
    const text = plainText("| Situation | Action |\n| --- | :---: |\n| Bad release | roll back |");
    expect(text).toBe("Situation Action Bad release roll back");
    expect(plainText("> [!WARNING]\n> Roll back first")).toBe("Roll back first");
  });
});
