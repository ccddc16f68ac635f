import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createStorageConverter } from "../convert/index.js";
import { isConfluenceSyncError } from "../errors.js";
import { describeChunker, SAMPLE_STORAGE, wordsOf } from "../testing/text.js";
import { createMarkdownChunker, MarkdownChunker } from "./index.js";

const sentence = (i: number) => `Sentence ${i} explains how the deploy pipeline promotes build ${i} to production.`;
const paragraph = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => sentence(from + i)).join(" ");
const codeLines = (count: number) => Array.from({ length: count }, (_, i) => `console.log("line ${i}", ${i * 3});`);
const tableRows = (count: number) => Array.from({ length: count }, (_, i) => `| row ${i} | value ${i * 7} |`);

const PAGE = [
  createStorageConverter().convert(SAMPLE_STORAGE).markdown,
  "## Pipeline",
  paragraph(0, 40),
  "### Build",
  `\`\`\`ts\n${codeLines(120).join("\n")}\n\`\`\``,
  "### Matrix",
  `| name | value |\n| --- | --- |\n${tableRows(150).join("\n")}`,
].join("\n\n");

describeChunker("MarkdownChunker", () => createMarkdownChunker({ maxTokens: 128, overlapTokens: 16 }), PAGE);

describe("MarkdownChunker", () => {
  const small = createMarkdownChunker({ maxTokens: 128, overlapTokens: 16 });

  it("has an id with its settings and validates options naming the field", () => {
    expect(new MarkdownChunker().id).toBe("markdown@3:512/64");
    expect(createMarkdownChunker({ countTokens: (t) => t.length }).id).toBe("markdown@3:512/64:custom");
    expect(() => createMarkdownChunker({ maxTokens: 8 })).toThrow(/maxTokens/);
    try {
      createMarkdownChunker({ maxTokens: 100, overlapTokens: 50 });
    } catch (error) {
      expect(isConfluenceSyncError(error, "CONFIG_INVALID")).toBe(true);
      expect((error as Error).message).toContain("overlapTokens");
    }
    expect.assertions(5);
  });

  it("starts chunks at headings and carries the heading path, page title first", () => {
    const md = `Intro.\n\n# Deploy\n\n${paragraph(0, 8)}\n\n## Rollback\n\n${paragraph(10, 8)}\n\n# Monitoring\n\nDashboards.`;
    const chunks = small.chunk(md, { title: "Runbook" });
    expect(chunks.map((c) => c.breadcrumb.join(" > "))).toEqual([
      "Runbook",
      "Runbook > Deploy",
      "Runbook > Deploy > Rollback",
      "Runbook > Monitoring",
    ]);
    expect(chunks[1]?.text.startsWith("# Deploy\n\n")).toBe(true);
    expect(chunks[2]?.text.startsWith("## Rollback\n\n")).toBe(true);
  });

  it("lets a small subsection join its parent's chunk while it fits", () => {
    const md = `# Deploy\n\nShort.\n\n## Rollback\n\nAlso short.\n\n# Other\n\n${paragraph(0, 7)}`;
    const chunks = small.chunk(md, { title: "Runbook" });
    expect(chunks.map((c) => c.text)).toEqual([
      "# Deploy\n\nShort.\n\n## Rollback\n\nAlso short.",
      `# Other\n\n${paragraph(0, 7)}`,
    ]);
    expect(chunks[0]?.breadcrumb).toEqual(["Runbook", "Deploy"]);
    expect(chunks[1]?.breadcrumb).toEqual(["Runbook", "Other"]);
  });

  it("lets small sibling sections share a chunk under the section that holds them, headings kept in the text", () => {
    const md = [
      "# Deploy",
      "## Build",
      "Run the build.",
      "## Verify",
      "Check the dashboards.",
      "### Smoke tests",
      "Run the smoke suite.",
      "## Release",
      "Tag the release.",
      "# Monitor",
      "Watch the error rate.",
    ].join("\n\n");
    const chunks = small.chunk(md, { title: "Runbook" });
    expect(chunks.map((c) => c.text)).toEqual([md]);
    expect(chunks[0]?.breadcrumb).toEqual(["Runbook"]);
    // Siblings only: the chunk stays under their parent.
    const [deploy] = small.chunk(md.slice(0, md.indexOf("\n\n# Monitor")), { title: "Runbook" });
    expect(deploy?.breadcrumb).toEqual(["Runbook", "Deploy"]);
    expect(deploy?.text).toContain("### Smoke tests\n\nRun the smoke suite.");
  });

  it("starts a new chunk at a section that does not fit the one before, under that section's own path", () => {
    // Counted in words, so what fits is plain to see: 40 at most, 25 in the long paragraph.
    const byWords = createMarkdownChunker({
      maxTokens: 40,
      overlapTokens: 0,
      countTokens: (text) => text.split(/\s+/).filter(Boolean).length,
    });
    const long = Array.from({ length: 25 }, (_, i) => `word${i}`).join(" ");
    const md = `# Deploy\n\n## Build\n\nRun the build.\n\n## Verify\n\n${long}\n\n## Release\n\nTag it.`;
    const chunks = byWords.chunk(md, { title: "Runbook" });
    // The small section after the long one joins it, and that chunk moves up to the section holding both.
    expect(chunks.map((c) => c.breadcrumb.join(" > "))).toEqual(["Runbook > Deploy > Build", "Runbook > Deploy"]);
    expect(chunks[0]?.text).toBe("# Deploy\n\n## Build\n\nRun the build.");
    expect(chunks[1]?.text).toBe(`## Verify\n\n${long}\n\n## Release\n\nTag it.`);
    for (const chunk of chunks) expect(chunk.tokens).toBeLessThanOrEqual(40);
  });

  it("keeps a heading with a block that fits alone but not beside it, and stays within maxTokens", () => {
    // The longest paragraph that still fits one chunk on its own: beside its heading it must be split, not overflow.
    let n = 1;
    while (small.chunk(paragraph(0, n + 1), { title: "P" }).length === 1) n++;
    const text = paragraph(0, n);
    const chunks = small.chunk(`## A rather long section heading about deployments\n\n${text}`, { title: "P" });
    expect(chunks[0]?.text.startsWith("## A rather long section heading")).toBe(true);
    expect(chunks[0]?.text).not.toBe("## A rather long section heading about deployments");
    for (const chunk of chunks) expect(chunk.tokens).toBeLessThanOrEqual(128);
  });

  it("moves a code block or table that fits whole into the next chunk instead of cutting it", () => {
    const code = `\`\`\`sh\n${codeLines(8).join("\n")}\n\`\`\``;
    const table = `| a | b |\n| --- | --- |\n${tableRows(8).join("\n")}`;
    const chunks = small.chunk(`${paragraph(0, 5)}\n\n${code}\n\n${paragraph(5, 5)}\n\n${table}`, { title: "P" });
    expect(chunks.some((c) => c.text.includes(code))).toBe(true);
    expect(chunks.some((c) => c.text.includes(table))).toBe(true);
  });

  it("splits an oversized code block at line boundaries, re-opening the fence in every piece", () => {
    const lines = codeLines(120);
    const chunks = small.chunk(`\`\`\`ts\n${lines.join("\n")}\n\`\`\``, { title: "P" });
    expect(chunks.length).toBeGreaterThan(3);
    const bodies: string[] = [];
    for (const chunk of chunks) {
      expect(chunk.text.startsWith("```ts\n")).toBe(true);
      expect(chunk.text.endsWith("\n```")).toBe(true);
      expect(chunk.tokens).toBeLessThanOrEqual(128);
      bodies.push(...chunk.text.split("\n").slice(1, -1));
    }
    expect(bodies).toEqual(lines);
  });

  it("splits an oversized table between rows, repeating the header", () => {
    const rows = tableRows(150);
    const chunks = small.chunk(`| name | value |\n| --- | --- |\n${rows.join("\n")}`, { title: "P" });
    expect(chunks.length).toBeGreaterThan(3);
    const seen: string[] = [];
    for (const chunk of chunks) {
      const [head, rule, ...body] = chunk.text.split("\n");
      expect([head, rule]).toEqual(["| name | value |", "| --- | --- |"]);
      seen.push(...body);
    }
    expect(seen).toEqual(rows);
  });

  it("splits an oversized callout inside the quote, re-opening a code fence and keeping the alert marker", () => {
    const lines = codeLines(80);
    const md = `> [!WARNING]\n> **Careful**\n>\n> ${paragraph(0, 3)}\n>\n> \`\`\`sh\n${lines.map((l) => `> ${l}`).join("\n")}\n> \`\`\``;
    const chunks = small.chunk(md, { title: "P" });
    expect(chunks.length).toBeGreaterThan(2);
    const code: string[] = [];
    for (const chunk of chunks) {
      expect(chunk.text.startsWith("> [!WARNING]\n")).toBe(true);
      expect(chunk.tokens).toBeLessThanOrEqual(128);
      const body = chunk.text.split("\n").map((line) => line.replace(/^> ?/, ""));
      const open = body.indexOf("```sh");
      if (open >= 0) {
        expect(body.at(-1)).toBe("```");
        code.push(...body.slice(open + 1, -1));
      }
    }
    expect(code).toEqual(lines);
  });

  it("splits a long paragraph at sentence ends, repeating the last sentence as overlap", () => {
    const chunks = small.chunk(paragraph(0, 60), { title: "P" });
    expect(chunks.length).toBeGreaterThan(3);
    for (const [i, chunk] of chunks.entries()) {
      expect(chunk.text.endsWith(".")).toBe(true);
      expect(chunk.tokens).toBeLessThanOrEqual(128);
      const previous = chunks[i - 1];
      if (previous !== undefined) {
        const last = previous.text.split(/(?<=\.) /).at(-1) as string;
        expect(chunk.text.startsWith(last)).toBe(true);
      }
    }
  });

  it("cuts a line with no boundaries by tokens and keeps every character", () => {
    const blob = "x".repeat(3000) + "y".repeat(3000);
    const chunks = small.chunk(blob, { title: "P" });
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((c) => c.text).join("")).toBe(blob);
    for (const chunk of chunks) expect(chunk.tokens).toBeLessThanOrEqual(128);
  });

  it("keeps the hashes of unchanged sections when another section changes", () => {
    const page = (rollback: string) =>
      `# Deploy\n\n${paragraph(0, 10)}\n\n# Rollback\n\n${rollback}\n\n# Monitor\n\n${paragraph(50, 10)}`;
    const before = small.chunk(page("Revert the tag."), { title: "P" });
    const after = small.chunk(page("Revert the tag and redeploy."), { title: "P" });
    const changed = after.filter((c) => !before.some((b) => b.hash === c.hash));
    // The short section shares a chunk with a neighbour; only that chunk changes.
    expect(changed).toHaveLength(1);
    expect(changed[0]?.text).toContain("# Rollback\n\nRevert the tag and redeploy.");
    expect(after.filter((c) => c.text.includes("# Monitor")).every((c) => before.some((b) => b.hash === c.hash))).toBe(
      true,
    );
  });

  it("sizes by a custom token counter", () => {
    const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
    const chunker = createMarkdownChunker({ maxTokens: 40, overlapTokens: 0, countTokens: words });
    const chunks = chunker.chunk(paragraph(0, 30), { title: "P" });
    for (const chunk of chunks) expect(words(chunk.text)).toBeLessThanOrEqual(40);
    expect(chunks.flatMap((c) => wordsOf(c.text))).toEqual(wordsOf(paragraph(0, 30)));
  });

  it("handles a page of nothing but 20 000 headings", () => {
    const md = Array.from({ length: 20_000 }, (_, i) => `## H${i}`).join("\n");
    const chunks = small.chunk(md, { title: "P" });
    expect(chunks.length).toBeGreaterThan(100);
    for (const chunk of chunks) expect(chunk.tokens).toBeLessThanOrEqual(128);
    expect(chunks.at(-1)?.text.endsWith("## H19999")).toBe(true);
    expect(chunks.flatMap((c) => c.text.split("\n\n")).length).toBe(20_000);
  });

  it("chunks every converter fixture within maxTokens, at any size, losing no word", () => {
    const dir = fileURLToPath(new URL("../../test/fixtures/storage-format/", import.meta.url));
    const pages = readdirSync(dir)
      .filter((file) => file.endsWith(".md"))
      .map((file) => readFileSync(`${dir}${file}`, "utf8"));
    const all = pages.join("\n\n");
    for (const maxTokens of [32, 64, 200, 1000]) {
      const chunker = createMarkdownChunker({ maxTokens, overlapTokens: Math.floor(maxTokens / 8) });
      for (const page of [...pages, all]) {
        const chunks = chunker.chunk(page, { title: "P" });
        for (const chunk of chunks) expect(chunk.tokens).toBeLessThanOrEqual(maxTokens);
        const seen = new Set(chunks.flatMap((c) => wordsOf(c.text)));
        expect(wordsOf(page).filter((w) => w.length < 25 && !seen.has(w))).toEqual([]);
      }
    }
  });

  it("counts special-token text such as <|endoftext|> as plain text", () => {
    const [chunk] = small.chunk("A page that mentions <|endoftext|> literally.", { title: "P" });
    expect(chunk?.text).toContain("<|endoftext|>");
  });

  it("never exceeds maxTokens on random Markdown and loses no word", () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pieces = [
      () => `# H${Math.floor(random() * 9)}`,
      () => `## Sub ${Math.floor(random() * 9)}`,
      () => paragraph(Math.floor(random() * 100), 1 + Math.floor(random() * 20)),
      () => `\`\`\`\n${codeLines(1 + Math.floor(random() * 60)).join("\n")}\n\`\`\``,
      () => `| a | b |\n| --- | --- |\n${tableRows(1 + Math.floor(random() * 60)).join("\n")}`,
      () => `- item one\n- item two ${"word ".repeat(Math.floor(random() * 200))}`,
      () => "z".repeat(Math.floor(random() * 2000)),
    ];
    for (let doc = 0; doc < 40; doc++) {
      const md = Array.from(
        { length: 1 + Math.floor(random() * 12) },
        () => pieces[Math.floor(random() * pieces.length)]?.() ?? "",
      ).join("\n\n");
      const chunks = small.chunk(md, { title: "P" });
      for (const chunk of chunks) expect(chunk.tokens).toBeLessThanOrEqual(128);
      const seen = new Set(chunks.flatMap((c) => wordsOf(c.text)));
      // A run with no boundary is cut by tokens (checked above), so only ordinary words must arrive whole.
      expect(wordsOf(md).filter((w) => w.length < 40 && !seen.has(w))).toEqual([]);
    }
  });
});
