import { describe, expect, it } from "vitest";
import { parsePageRef } from "./page-ref.js";
import { bestSnippet, markdownToPlainText, splitIntoParts } from "./text.js";

describe("markdownToPlainText", () => {
  it("drops table pipes, link targets, images, emphasis and markers but keeps the words", () => {
    const markdown = [
      "## Steps to **roll back**",
      "",
      "| step | owner |",
      "| --- | :---: |",
      "| drain [the queue](https://x.test/q) | *on-call* |",
      "",
      "- [x] Check the `dashboard` ![chart](https://x.test/c.png)",
      "> Quoted <br/> text",
      "```sh",
      "kubectl rollout undo",
      "```",
    ].join("\n");
    expect(markdownToPlainText(markdown)).toBe(
      [
        "Steps to roll back",
        "step; owner",
        "drain the queue; on-call",
        "Check the dashboard",
        "Quoted text",
        "kubectl rollout undo",
      ].join("\n"),
    );
  });
});

describe("bestSnippet", () => {
  const filler = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(" ");

  it("returns short text whole, on one line", () => {
    expect(bestSnippet("first line\nsecond line", "line")).toBe("first line · second line");
  });

  it("picks the window holding the most query terms, cut at words", () => {
    const text = `${filler(200)} the rollback procedure drains the queue ${filler(200)}`;
    const snippet = bestSnippet(text, "rollback queue", 200);
    expect(snippet).toContain("rollback procedure drains the queue");
    expect(snippet.startsWith("…")).toBe(true);
    expect(snippet.endsWith("…")).toBe(true);
    expect(snippet.length).toBeLessThanOrEqual(202);
    expect(snippet).not.toMatch(/…\S*word\d+[^ ]*\d…$/);
  });

  it("falls back to the start when no term occurs", () => {
    expect(bestSnippet(filler(300), "absent", 100).startsWith("word0 word1")).toBe(true);
  });
});

describe("splitIntoParts", () => {
  const section = (title: string, size: number) => `## ${title}\n\n${"x".repeat(size)}`;

  it("keeps a page that fits as one part", () => {
    expect(splitIntoParts("# A\n\ntext", 100)).toEqual([{ markdown: "# A\n\ntext", headings: ["A"] }]);
  });

  it("packs whole sections into parts and cuts only a section too long on its own", () => {
    const markdown = ["intro", section("One", 300), section("Two", 300), section("Huge", 1500)].join("\n\n");
    const parts = splitIntoParts(markdown, 700);
    expect(parts.map((p) => p.headings)).toEqual([["One", "Two"], ["Huge"], [], []]);
    expect(parts.every((p) => p.markdown.length <= 700)).toBe(true);
    expect(
      parts
        .map((p) => p.markdown)
        .join("")
        .replace(/\s+/g, ""),
    ).toBe(markdown.replace(/\s+/g, ""));
  });

  it("ignores headings inside code fences", () => {
    const markdown = `## Real\n\n\`\`\`sh\n# not a heading\n${"y".repeat(200)}\n\`\`\`\n\n${section("Next", 200)}`;
    expect(splitIntoParts(markdown, 260).map((p) => p.headings)).toEqual([["Real"], ["Next"]]);
  });
});

describe("parsePageRef", () => {
  it.each([
    ["12345", { kind: "id", pageId: "12345" }],
    [
      "https://acme.atlassian.net/wiki/spaces/ENG/pages/98765/Deploy+Guide",
      { kind: "id", pageId: "98765", host: "acme.atlassian.net" },
    ],
    ["https://wiki.acme.com/pages/viewpage.action?pageId=555", { kind: "id", pageId: "555", host: "wiki.acme.com" }],
    [
      "http://127.0.0.1:3000/wiki/display/DEMO/Auth+Postmortem",
      { kind: "title", spaceKey: "DEMO", title: "Auth Postmortem", host: "127.0.0.1:3000" },
    ],
  ])("reads %s", (input, expected) => {
    expect(parsePageRef(input)).toEqual(expected);
  });

  it.each(["not a page", "ftp://x/pages/1", "https://acme.atlassian.net/wiki/spaces/ENG/overview"])(
    "refuses %s",
    (input) => {
      expect(parsePageRef(input)).toBeNull();
    },
  );
});
