import { DomUtils, parseDocument } from "htmlparser2";
import { sha256 } from "../hash.js";
import type { Chunker } from "../ports/chunker.js";
import type { Converter } from "../ports/converter.js";
import { describe, expect, it } from "./test-api.js";

/** A storage-format page touching most elements, for conformance checks and benchmarks. */
export const SAMPLE_STORAGE = `<h1>Runbook</h1>
<p>Deploys go out on <time datetime="2024-05-02" /> with <ac:link><ri:user ri:account-id="acc-1" /></ac:link>, see OPS-12.</p>
<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">ts</ac:parameter><ac:plain-text-body><![CDATA[if (a > b && c < d) { return "]]]]><![CDATA[>"; }]]></ac:plain-text-body></ac:structured-macro>
<ac:structured-macro ac:name="info"><ac:parameter ac:name="title">Heads up</ac:parameter><ac:rich-text-body><table><tbody><tr><th>Step</th><th>Owner</th></tr><tr><td>Build</td><td><ac:link><ri:user ri:account-id="acc-2" /></ac:link></td></tr></tbody></table></ac:rich-text-body></ac:structured-macro>
<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>Tag the release</ac:task-body></ac:task></ac:task-list>
<h2>Rollback</h2><p>Use <ac:link><ri:page ri:content-title="Rollback Guide" /></ac:link>.</p>`;

/** The code body inside {@link SAMPLE_STORAGE}, byte for byte. */
export const SAMPLE_CODE = 'if (a > b && c < d) { return "]]>"; }';

/** Words of a text, lower-cased, for "nothing was lost" checks. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Checks what every {@link Converter} must do: keep code bodies byte for byte, never throw on malformed input, and
 * give the same output for the same input.
 */
export function describeConverter(name: string, create: () => Converter): void {
  describe(`${name} converter conformance`, () => {
    it("has a stable id", () => {
      expect(create().id).toMatch(/\S@\S/);
      expect(create().id).toBe(create().id);
    });

    it("keeps a code body byte for byte, even with ]]> split across CDATA sections", () => {
      expect(create().convert(SAMPLE_STORAGE).markdown).toContain(SAMPLE_CODE);
    });

    it("keeps headings, task states and mentions", () => {
      const { markdown, metadata } = create().convert(SAMPLE_STORAGE, { resolveUser: (id) => `User ${id}` });
      expect(metadata.headings).toEqual([
        { level: 1, text: "Runbook" },
        { level: 2, text: "Rollback" },
      ]);
      expect(markdown).toMatch(/^- \[x\] Tag the release$/m);
      expect(markdown).toContain("User acc-2");
      expect(metadata.mentions).toEqual(["acc-1", "acc-2"]);
      expect(metadata.jiraKeys).toContain("OPS-12");
    });

    it("is deterministic", () => {
      const context = { pageId: "1", baseUrl: "https://wiki.example.com" };
      expect(create().convert(SAMPLE_STORAGE, context)).toEqual(create().convert(SAMPLE_STORAGE, context));
    });

    it("never throws on truncated input and still returns the text before the cut", () => {
      const converter = create();
      for (let cut = 0; cut <= SAMPLE_STORAGE.length; cut += 7) {
        const result = converter.convert(SAMPLE_STORAGE.slice(0, cut));
        expect(typeof result.markdown).toBe("string");
        expect(Array.isArray(result.warnings)).toBe(true);
      }
      const half = converter.convert(SAMPLE_STORAGE.slice(0, SAMPLE_STORAGE.indexOf("Tag the")));
      expect(half.markdown).toContain("Heads up");
    });
  });
}

/** Checks what every {@link Chunker} must do with any Markdown page. */
export function describeChunker(name: string, create: () => Chunker, markdown: string): void {
  describe(`${name} chunker conformance`, () => {
    it("numbers chunks in order and hashes each embedded text with sha-256", () => {
      const chunks = create().chunk(markdown, { title: "Page" });
      expect(chunks.length).toBeGreaterThan(0);
      chunks.forEach((chunk, i) => {
        expect(chunk.index).toBe(i);
        expect(chunk.hash).toBe(sha256(chunk.embedText ?? chunk.text));
        expect(chunk.breadcrumb[0]).toBe("Page");
        expect(chunk.tokens).toBeGreaterThan(0);
      });
    });

    it("loses no word of the page", () => {
      const chunks = create().chunk(markdown, { title: "Page" });
      const seen = new Set(chunks.flatMap((chunk) => wordsOf(chunk.text)));
      const missing = wordsOf(markdown).filter((word) => !seen.has(word));
      expect(missing).toEqual([]);
    });

    it("is deterministic and returns nothing for an empty page", () => {
      expect(create().chunk(markdown, { title: "Page" })).toEqual(create().chunk(markdown, { title: "Page" }));
      expect(create().chunk("", { title: "Page" })).toEqual([]);
    });
  });
}

/** How much of a Markdown source's meaning a conversion kept; see {@link scoreMeaning}. */
export interface MeaningScore {
  /** found / present, 1 when nothing was expected. */
  readonly score: number;
  readonly present: number;
  readonly found: number;
  /** Items expected but not found, prefixed with their kind (`word:`, `code:`, ...). */
  readonly missing: string[];
}

const norm = (text: string) =>
  text
    .toLowerCase()
    .replace(/\\([^\w\s])/g, "$1")
    .replace(/[*_`~]/g, "")
    .replace(/\s+/g, " ")
    .trim();

/**
 * Scores a conversion against the Markdown a storage document was generated from: words, headings, code bodies and
 * languages, table cells, task states and link texts. Only items that the storage input itself still contains count
 * (a generator may have dropped a title or rendered a diagram), so the score measures what the converter kept.
 */
export function scoreMeaning(sourceMarkdown: string, storage: string, outputMarkdown: string): MeaningScore {
  const inputText = DomUtils.textContent(parseDocument(storage, { recognizeCDATA: true, recognizeSelfClosing: true }));
  const storageLower = storage.toLowerCase();
  const source = sourceMarkdown
    .replace(/^---\n[\s\S]*?\n---\n/, "")
    .replace(/<!--[\s\S]*?-->/g, "")
    // Raw macro settings written into the Markdown source are configuration, not meaning.
    .replace(/<ac:parameter[^>]*>[\s\S]*?<\/ac:parameter>/g, "");
  const inputNorm = norm(inputText);
  const inputWords = new Set(wordsOf(inputText));
  const outputLines = outputMarkdown.split("\n").map(norm);
  const outputNorm = outputLines.join("\n");
  const outputWords = new Set(wordsOf(outputMarkdown));
  let present = 0;
  const missing: string[] = [];
  const check = (kind: string, item: string, isPresent: boolean, isFound: boolean) => {
    if (item === "" || !isPresent) return;
    present++;
    if (!isFound) missing.push(`${kind}:${item}`);
  };
  const prose: string[] = [];
  let fence: { marks: string; lang: string; body: string[] } | undefined;
  for (const line of source.split("\n")) {
    if (fence !== undefined) {
      if (line.trim().startsWith(fence.marks) && line.trim().replace(/[`~]/g, "") === "") {
        const body = fence.body.join("\n").trim();
        check("code", body, inputText.includes(body), outputMarkdown.includes(body));
        const lang = fence.lang.toLowerCase();
        const named = storageLower.includes(`"language">${lang}<`) || storageLower.includes(`ac:name="${lang}"`);
        check(
          "lang",
          lang,
          named,
          new RegExp(`^\\s*(>\\s*)*(\`{3,}|~{3,})${lang}\\b`, "m").test(outputMarkdown.toLowerCase()),
        );
        fence = undefined;
      } else fence.body.push(line);
      continue;
    }
    const open = /^\s*(`{3,}|~{3,})\s*([\w+#.-]*)/.exec(line);
    if (open !== null) {
      fence = { marks: open[1] ?? "```", lang: open[2] ?? "", body: [] };
      continue;
    }
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const text = norm(heading.replace(/\{#[^}]*\}/g, ""));
      check(
        "heading",
        text,
        inputNorm.includes(text),
        outputLines.some((l) => l.startsWith("#") && l.includes(text)),
      );
    }
    if (/^\s*\|/.test(line) && !/^\s*\|?\s*:?-{3,}/.test(line)) {
      for (const cell of line.split(/(?<!\\)\|/).slice(1, -1)) {
        const text = norm(cell.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1"));
        check("cell", text, inputNorm.includes(text), outputNorm.includes(text));
      }
    }
    const task = /^\s*[-*+]\s+\[([ xX])\]\s+(.+)$/.exec(line);
    if (task !== null) {
      const text = norm(task[2] ?? "");
      const done = (task[1] ?? " ").toLowerCase() === "x";
      const outLine = outputLines.find((l) => l.includes(text) && /\[[ x]\]/.test(l));
      check("task", text, inputNorm.includes(text), outLine !== undefined && outLine.includes("[x]") === done);
    }
    for (const link of line.matchAll(/(?<!!)\[([^\]]+)\]\([^)]*\)/g)) {
      const text = norm(link[1] ?? "");
      check("link", text, inputNorm.includes(text), outputNorm.includes(text));
    }
    prose.push(line.replace(/\]\([^)]*\)/g, "]"));
  }
  for (const word of new Set(wordsOf(prose.join("\n"))))
    check("word", word, inputWords.has(word), outputWords.has(word));
  const found = present - missing.length;
  return { score: present === 0 ? 1 : found / present, present, found, missing };
}
