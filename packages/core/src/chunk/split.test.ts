import { describe, expect, it } from "vitest";
import { sha256 } from "../hash.js";
import { CL100K, createMarkdownChunker, embedText } from "./index.js";

/** A tokenizer that records what it was asked to count. */
function recordingTokenizer() {
  const seen = { calls: 0, characters: 0, longestRun: 0 };
  return {
    seen,
    tokenizer: {
      id: "cl100k",
      count: (text: string) => {
        seen.calls++;
        seen.characters += text.length;
        for (const run of text.match(/\S+/g) ?? []) seen.longestRun = Math.max(seen.longestRun, run.length);
        return CL100K.count(text);
      },
    },
  };
}

/** Cells of a GFM row (pipes escaped as `\|` stay inside their cell). */
const cellsOf = (row: string) => row.slice(1, -1).split(/(?<!\\)\|/);

describe("MarkdownChunker splitting", () => {
  it("cuts a 100 KB word by characters, handing the tokenizer only bounded windows and a linear total", () => {
    for (const word of ["가나다라마바사아자차카타파하".repeat(7_200), "x".repeat(100_000)]) {
      const { seen, tokenizer } = recordingTokenizer();
      const chunks = createMarkdownChunker({ maxTokens: 256, overlapTokens: 0, tokenizer }).chunk(word, { title: "P" });
      expect(chunks.map((c) => c.text).join("")).toBe(word);
      for (const chunk of chunks) expect(CL100K.count(chunk.text)).toBeLessThanOrEqual(256);
      expect(seen.longestRun).toBeLessThanOrEqual(100);
      expect(seen.characters).toBeLessThan(word.length * 6);
    }
  });

  it("counts each text of an ordinary page about once", () => {
    const section = (i: number) =>
      `## Section ${i}\n\nThe deploy of build ${i} goes to staging first. Then it goes to production.\n\n- step ${i}\n- check ${i}\n\n| name | value |\n| --- | --- |\n| a${i} | b${i} |`;
    const page = Array.from({ length: 200 }, (_, i) => section(i)).join("\n\n");
    const { seen, tokenizer } = recordingTokenizer();
    const chunks = createMarkdownChunker({ tokenizer }).chunk(page, { title: "P" });
    expect(chunks.length).toBeGreaterThan(5);
    expect(seen.characters).toBeLessThan(page.length * 1.2);
    // The reported counts bound the real ones from above.
    for (const chunk of chunks) expect(chunk.tokens).toBeGreaterThanOrEqual(CL100K.count(chunk.embedText ?? ""));
  });

  it("splits a table row over the budget at its cells, under the header, never inside a link", () => {
    const link = (i: number) => `[Access Request ${i}](https://wiki.example.com/display/OPS/Access+Request+${i})`;
    const long = Array.from({ length: 60 }, (_, i) => `Ask for ${link(i)} before the change window.`).join("<br>");
    const row = `| VPN | ${long} | Security team | ${"Approved by the owner. ".repeat(40)} |`;
    const md = `| System | How to request | Owner | Notes |\n| --- | --- | --- | --- |\n| Wiki | Self service | IT | none |\n${row}`;
    const chunks = createMarkdownChunker({ maxTokens: 128, overlapTokens: 0 }).chunk(md, { title: "P" });
    expect(chunks.length).toBeGreaterThan(4);
    const linksSeen: string[] = [];
    for (const chunk of chunks) {
      const [head, rule, ...rows] = chunk.text.split("\n");
      expect([head, rule]).toEqual(["| System | How to request | Owner | Notes |", "| --- | --- | --- | --- |"]);
      for (const line of rows) {
        expect(line.startsWith("| ") && line.endsWith(" |")).toBe(true);
        expect(cellsOf(line)).toHaveLength(4);
      }
      expect(chunk.tokens).toBeLessThanOrEqual(128);
      // Every `[` opens a whole link: no piece starts or ends inside one.
      expect(chunk.text.match(/\[/g)?.length ?? 0).toBe(chunk.text.match(/\]\(https:[^)]+\)/g)?.length ?? 0);
      linksSeen.push(...(chunk.text.match(/\[Access Request \d+\]/g) ?? []));
      if (chunk.text.includes("Access Request"))
        expect(rows.every((line) => cellsOf(line)[0]?.trim() === "VPN")).toBe(true);
    }
    expect(new Set(linksSeen).size).toBe(60);
  });

  it("never cuts a long paragraph at a sentence end inside a link's text", () => {
    const link = (i: number) => `[Step ${i}. Open the form. Then submit it](https://wiki.example.com/x/${i})`;
    const paragraph = Array.from({ length: 40 }, (_, i) => `Do this first. Then follow ${link(i)} now.`).join(" ");
    const chunks = createMarkdownChunker({ maxTokens: 64, overlapTokens: 8 }).chunk(paragraph, { title: "P" });
    expect(chunks.length).toBeGreaterThan(5);
    const whole = /\[Step \d+\. Open the form\. Then submit it\]\(https:\/\/wiki\.example\.com\/x\/\d+\)/g;
    const seen = new Set<string>();
    for (const chunk of chunks) {
      const rest = chunk.text.replace(whole, (match) => {
        seen.add(match);
        return "";
      });
      expect(rest, chunk.text).not.toMatch(/\[Step|\]\(/);
    }
    expect(seen.size).toBe(40);
  });

  it("splits a multi-line HTML table row at its cells and re-opens a code block cut inside a cell", () => {
    const code = Array.from({ length: 80 }, (_, i) => `kubectl rollout status deploy/api-${i}`).join("\n");
    const md = `<table>\n<tr><th>Step</th><th>Command</th></tr>\n<tr><td>Deploy</td><td>\n\n\`\`\`bash\n${code}\n\`\`\`\n\n</td></tr>\n</table>`;
    const chunks = createMarkdownChunker({ maxTokens: 128, overlapTokens: 0 }).chunk(md, { title: "P" });
    expect(chunks.length).toBeGreaterThan(3);
    const lines: string[] = [];
    for (const chunk of chunks) {
      expect(chunk.text.startsWith("<table>\n<tr><th>Step</th><th>Command</th></tr>\n<tr><td>Deploy</td><td>")).toBe(
        true,
      );
      expect(chunk.text.endsWith("</td></tr>\n</table>")).toBe(true);
      expect((chunk.text.match(/^```/gm) ?? []).length % 2).toBe(0);
      lines.push(...chunk.text.split("\n").filter((line) => line.startsWith("kubectl")));
    }
    expect(lines).toEqual(code.split("\n"));
  });
});

describe("embedText", () => {
  it("drops link targets, keeps link text, reduces images and bare URLs, leaves code alone", () => {
    const md = [
      "See [배포 가이드](https://acme.atlassian.net/wiki/spaces/OPS/pages/123/%EB%B0%B0%ED%8F%AC+%EA%B0%80%EC%9D%B4%EB%93%9C) and <https://status.example.com/incidents?id=4>.",
      '![Login screen](https://acme.atlassian.net/wiki/download/attachments/1/login.png "The login form") ![](https://x.test/a/diagram%201.png)',
      "Run `curl https://api.example.com/v1` first, then read [[Old Notes]].",
      "```sh\ncurl [x](https://keep.example.com)\n```",
    ].join("\n");
    expect(embedText(md)).toBe(
      [
        "See 배포 가이드 and status.example.com/incidents.",
        "Login screen The login form diagram 1.png",
        "Run `curl https://api.example.com/v1` first, then read Old Notes.",
        "```sh\ncurl [x](https://keep.example.com)\n```",
      ].join("\n"),
    );
  });

  it("keeps links inside a code block whose fence holds shorter or labelled fences", () => {
    const md = "````md\n```js\n[x](https://a.example.com)\n```\n````\n[after](https://b.example.com)";
    expect(embedText(md)).toBe("````md\n```js\n[x](https://a.example.com)\n```\n````\nafter");
  });

  it("is what chunks are hashed and counted on, while the chunk text keeps the URL", () => {
    const url = "https://acme.atlassian.net/wiki/spaces/OPS/pages/123/%EB%B0%B0%ED%8F%AC";
    const [chunk] = createMarkdownChunker().chunk(`Read [the guide](${url}) first.`, { title: "P" });
    expect(chunk?.text).toContain(url);
    expect(chunk?.embedText).toBe("Read the guide first.");
    expect(chunk?.hash).toBe(sha256("Read the guide first."));
    expect(chunk?.tokens).toBe(CL100K.count("Read the guide first."));
  });
});
