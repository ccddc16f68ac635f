import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ConvertResult } from "../ports/converter.js";
import { createStorageConverter } from "./index.js";
import { mulberry32 } from "./seeded-random.js";

// Seeded and bounded: every run tries the same inputs, so a failure reproduces; sizes are capped, not timed.
const SEED = 0x5eed;
const FIXTURES = fileURLToPath(new URL("../../test/fixtures/storage-format/", import.meta.url));
const converter = createStorageConverter();

class Gen {
  private readonly random: () => number;
  private marker = 0;
  readonly markers: string[] = [];
  constructor(seed: number) {
    this.random = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  /** A word that must reach the output. */
  word(): string {
    const word = `zq${(this.marker++).toString(36)}x`;
    this.markers.push(word);
    return word;
  }
  text(): string {
    return `${this.word()}${this.pick([" ", "&nbsp;", " &amp; ", " &mdash; ", " a_b ", " *x* ", " 1. "])}${this.word()}`;
  }
  inline(depth: number): string {
    if (depth > 4) return this.text();
    switch (this.int(9)) {
      case 0:
        return `<strong>${this.inline(depth + 1)}</strong>`;
      case 1:
        return `<em>${this.text()}</em>`;
      case 2:
        return `<a href="https://example.com/${this.int(99)}">${this.text()}</a>`;
      case 3:
        return `<ac:link><ri:page ri:content-title="T${this.int(9)}" /><ac:plain-text-link-body><![CDATA[${this.text()}]]></ac:plain-text-link-body></ac:link>`;
      case 4:
        return `<ac:emoticon ac:name="smile" />${this.text()}`;
      case 5:
        return `<ac:structured-macro ac:name="status"><ac:parameter ac:name="title">${this.word()}</ac:parameter></ac:structured-macro>`;
      case 6:
        return `<code>${this.text()}</code>`;
      case 7:
        return `${this.text()}<br />${this.text()}`;
      default:
        return this.text();
    }
  }
  block(depth: number): string {
    if (depth > 5) return `<p>${this.inline(depth)}</p>`;
    const body = () => Array.from({ length: 1 + this.int(3) }, () => this.block(depth + 1)).join("");
    switch (this.int(10)) {
      case 0: {
        const level = 1 + this.int(6);
        return `<h${level}>${this.inline(depth)}</h${level}>`;
      }
      case 1:
        return `<ul><li>${this.inline(depth)}</li><li><p>${this.text()}</p>${this.int(2) ? `<ol><li>${this.text()}</li></ol>` : ""}</li></ul>`;
      case 2: {
        const code = `${this.word()} ]]]]><![CDATA[> if (a < b) ${this.word()}`;
        return `<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">js</ac:parameter><ac:plain-text-body><![CDATA[${code}]]></ac:plain-text-body></ac:structured-macro>`;
      }
      case 3:
        return `<ac:structured-macro ac:name="${this.pick(["info", "note", "warning", "tip", "panel", "expand", "excerpt", "vendor-x", "constructor", "__proto__"])}"><ac:rich-text-body>${body()}</ac:rich-text-body></ac:structured-macro>`;
      case 4: {
        const cell = () => (this.int(4) === 0 ? `<td>${body()}</td>` : `<td>${this.inline(depth)}</td>`);
        return `<table><tbody><tr><th>${this.text()}</th><th>${this.text()}</th></tr><tr>${cell()}<td colspan="${1 + this.int(2)}">${this.text()}</td></tr></tbody></table>`;
      }
      case 5:
        return `<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>${this.pick(["complete", "incomplete"])}</ac:task-status><ac:task-body>${this.inline(depth)}</ac:task-body></ac:task></ac:task-list>`;
      case 6:
        return `<ac:layout><ac:layout-section ac:type="two_equal"><ac:layout-cell>${body()}</ac:layout-cell><ac:layout-cell>${body()}</ac:layout-cell></ac:layout-section></ac:layout>`;
      case 7:
        return `<blockquote>${body()}</blockquote>`;
      default:
        return `<p local-id="${this.int(999)}">${this.inline(depth)}</p>`;
    }
  }
  /** Random damage: cut, drop or insert markup fragments. */
  mutate(source: string): string {
    let out = source;
    for (let i = 0, n = 1 + this.int(6); i < n; i++) {
      const at = this.int(out.length + 1);
      switch (this.int(4)) {
        case 0:
          out = out.slice(0, at);
          break;
        case 1:
          out = out.slice(0, at) + out.slice(at + this.int(40));
          break;
        default:
          out =
            out.slice(0, at) +
            this.pick([
              "<",
              ">",
              "</p>",
              "<![CDATA[",
              "]]>",
              "&",
              "&#x;",
              "<ac:link>",
              '"',
              "<td>",
              "<!--",
              "<ri:page",
            ]) +
            out.slice(at);
      }
    }
    return out;
  }
}

function expectWellFormedResult(result: ConvertResult): void {
  expect(typeof result.markdown).toBe("string");
  expect(Array.isArray(result.warnings)).toBe(true);
  expect(Array.isArray(result.metadata.headings)).toBe(true);
  expect(Number.isInteger(result.metadata.wordCount)).toBe(true);
  // The renderer itself never threw (the converter's plain-text fallback was not needed).
  expect(result.warnings.filter((w) => w.startsWith("conversion fell back"))).toEqual([]);
}

describe("StorageConverter fuzz", () => {
  it("loses no text of 200 random well-formed documents", () => {
    for (let i = 0; i < 200; i++) {
      const gen = new Gen(SEED + i);
      const doc = Array.from({ length: 1 + gen.int(8) }, () => gen.block(0)).join("\n");
      const result = converter.convert(doc);
      expectWellFormedResult(result);
      const missing = gen.markers.filter((marker) => !result.markdown.includes(marker));
      expect({ doc: i, missing }).toEqual({ doc: i, missing: [] });
      if (doc.includes("<![CDATA[>")) expect(result.markdown).toContain(" ]]> if (a < b) ");
    }
  });

  it("never throws on 400 randomly damaged documents and fixtures", () => {
    const fixtures = readdirSync(FIXTURES)
      .filter((file) => file.endsWith(".xml"))
      .map((file) => readFileSync(join(FIXTURES, file), "utf8"));
    for (let i = 0; i < 400; i++) {
      const gen = new Gen(SEED * 7 + i);
      const source = i % 2 === 0 ? gen.pick(fixtures) : Array.from({ length: 3 }, () => gen.block(0)).join("");
      const damaged = gen.mutate(source);
      const first = converter.convert(damaged, { pageId: "1", baseUrl: "https://wiki.example.com" });
      expectWellFormedResult(first);
      expect(converter.convert(damaged, { pageId: "1", baseUrl: "https://wiki.example.com" })).toEqual(first);
    }
  });

  it("never throws on random character soup", () => {
    const alphabet = [
      "<",
      ">",
      "/",
      "ac:",
      "ri:",
      "![CDATA[",
      "]]>",
      "&",
      ";",
      "=",
      '"',
      "a",
      " ",
      "\n",
      "é",
      "😀",
      "p",
      "table",
    ];
    for (let i = 0; i < 300; i++) {
      const gen = new Gen(SEED * 13 + i);
      const soup = Array.from({ length: gen.int(400) }, () => gen.pick(alphabet)).join("");
      expectWellFormedResult(converter.convert(soup));
    }
  });
});
