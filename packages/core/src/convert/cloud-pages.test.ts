import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createMarkdownChunker } from "../chunk/index.js";
import type { ConvertContext } from "../ports/converter.js";
import { createStorageConverter } from "./index.js";

// Pages as the current Cloud editor stores them (Korean and English), with the shapes that used to lose structure.
const FIXTURES = fileURLToPath(new URL("../../test/fixtures/storage-format/", import.meta.url));
const CONTEXT: ConvertContext = {
  pageId: "77",
  spaceKey: "QCP",
  baseUrl: "https://acme.atlassian.net/wiki",
  resolveUser: (id) => (id.includes("security") ? "Security Team" : undefined),
  resolvePageUrl: (title, space) =>
    `https://acme.atlassian.net/wiki/spaces/${space}/pages/${encodeURIComponent(title).replace(/%20/g, "+")}`,
};
const converter = createStorageConverter({ jiraBaseUrl: "https://acme.atlassian.net" });
const convert = (name: string) => converter.convert(readFileSync(join(FIXTURES, `${name}.xml`), "utf8"), CONTEXT);
/** Cells of a GFM row (pipes escaped as `\|` stay inside their cell). */
const cellsOf = (row: string) =>
  row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());

describe("Cloud pages: tables", () => {
  const { markdown } = convert("cloud-report-table-ko");
  const rows = markdown.split("\n").filter((line) => line.startsWith("| "));

  it("takes a first row of <td><strong> cells as the header", () => {
    expect(rows[0]).toBe("| 보고서 | 분류 | 항목 | 담당자 | 상태 | 관련 문서 |");
  });

  it("repeats rowspan values in every row they cover", () => {
    const body = rows.slice(2);
    expect(body).toHaveLength(40);
    for (const row of body) {
      const [report = "", category = ""] = cellsOf(row);
      expect(report).toMatch(/보고서$/);
      expect(category).not.toBe("");
    }
    expect(cellsOf(body[19] as string).slice(0, 3)).toEqual(["월간 보안 보고서", "접근 권한", "외부 협력사 8차 점검"]);
    expect(cellsOf(body[39] as string).slice(0, 2)).toEqual(["연간 감사 보고서", "감사"]);
  });

  it("repeats colspan values across the columns they cover", () => {
    expect(convert("cloud-access-panels-en").markdown).toContain(
      "| Wiki | Self service: everyone has it. | Self service: everyone has it. |",
    );
  });

  it("chunks the second half of a spanned table with its report and category on every row", () => {
    const chunks = createMarkdownChunker({ maxTokens: 256, overlapTokens: 0 }).chunk(markdown, { title: "보고서" });
    const tableChunks = chunks.filter((c) => c.text.includes("| --- |"));
    expect(tableChunks.length).toBeGreaterThan(2);
    for (const chunk of tableChunks) {
      const lines = chunk.text.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| --- "));
      expect(lines[0]).toBe("| 보고서 | 분류 | 항목 | 담당자 | 상태 | 관련 문서 |");
      for (const line of lines.slice(1)) expect(cellsOf(line)[0]).toMatch(/보고서$/);
    }
  });
});

describe("Cloud pages: editor panels, emoji and small things", () => {
  const { markdown } = convert("cloud-access-panels-en");

  it("keeps editor panels as callouts of their kind, once", () => {
    expect(markdown).toContain("> [!NOTE]\n> As of November 2024, every request goes through the service desk.");
    expect(markdown).toContain("> [!CAUTION]\n> Never share an account.");
    expect(markdown).toContain("> [!WARNING]\n> Requests filed after Thursday noon");
    expect(markdown).toContain("> [!TIP]\n> Renewals are automatic");
    expect(markdown).toContain("> 🚀\n> New joiners get VPN and GitHub on day one.");
    expect(markdown.match(/As of November 2024/g)).toHaveLength(1);
  });

  it("writes a custom emoji as its shortname, not as the editor's generic blue star", () => {
    expect(markdown).toContain(
      "change the toggle to :toggle-off: and to resume it to :toggle-on:. Done looks like ✅.",
    );
  });

  it("nests a marker-less list item's list under the item before it", () => {
    expect(markdown).toContain("1. Open the request.\n   1. Pick the system.\n   2. Pick the role.\n2. Submit.");
  });

  it("drops an emptied code block, writes headings without escapes and captions as visible text", () => {
    expect(markdown).not.toMatch(/```bash\n\s*\n?```/);
    expect(markdown).not.toContain("\t\t");
    expect(markdown).toContain("## 1. Scope\n");
    expect(markdown).toContain(
      "![request-form.png](https://acme.atlassian.net/wiki/download/attachments/77/request-form.png)  \n*The request form with the system picker open*",
    );
  });

  it("links a space by its link text instead of appending the key to the sentence", () => {
    const korean = convert("cloud-report-table-ko").markdown;
    expect(korean).toContain(
      "담당자는 [품질 센터](https://acme.atlassian.net/wiki/spaces/QCP) 공간의 절차를 따릅니다.",
    );
    expect(korean).not.toContain("(space");
  });
});

describe("Cloud pages: macros", () => {
  const { markdown, metadata } = convert("cloud-macros-en");

  it("renders a jira macro's JQL with a link to the issue search and keeps the keys it names", () => {
    expect(markdown).toContain(
      '*Jira issues:* `project = QCP AND fixVersion = "4.2" AND key not in (QCP-101, QCP-188) ORDER BY priority DESC` ([search](https://acme.atlassian.net/issues/?jql=project%20%3D%20QCP',
    );
    expect(metadata.jiraKeys).toEqual(["QCP-101", "QCP-188"]);
  });

  it("reads the legacy default parameter as the included page", () => {
    expect(markdown).toContain(
      "*Excerpt included from:* [배포 체크리스트](https://acme.atlassian.net/wiki/spaces/QCP/pages/%EB%B0%B0%ED%8F%AC+%EC%B2%B4%ED%81%AC%EB%A6%AC%EC%8A%A4%ED%8A%B8)",
    );
    expect(metadata.pageLinks.map((link) => [link.spaceKey, link.title])).toContainEqual(["QCP", "배포 체크리스트"]);
  });

  it("reads the key of a legacy jira macro and the language of a legacy code macro from their default parameter", () => {
    const legacy =
      '<p>Fixed in <ac:macro ac:name="jira"><ac:default-parameter>QCP-77</ac:default-parameter></ac:macro>.</p><ac:macro ac:name="code"><ac:default-parameter>java</ac:default-parameter><ac:plain-text-body><![CDATA[int x = 1;]]></ac:plain-text-body></ac:macro>';
    const result = converter.convert(legacy, CONTEXT);
    expect(result.markdown).toContain("Fixed in [QCP-77](https://acme.atlassian.net/browse/QCP-77).");
    expect(result.markdown).toContain("```java\nint x = 1;\n```");
    expect(result.metadata.jiraKeys).toEqual(["QCP-77"]);
  });

  it("keeps an unknown macro's meaningful parameters beside its body, and every body of details", () => {
    expect(markdown).toContain("*[localtab macro]* title: Windows\n\nRun the installer as administrator.");
    expect(markdown).toContain("*[localtab macro]* title: macOS");
    expect(markdown).not.toContain("macro-id");
    expect(markdown).toContain("| Owner | 릴리스 관리자 |");
    expect(markdown).toContain("| Due | 2024-12-06 |");
  });

  it("maps callout macros by colour: info note, tip tip, yellow note warning, red warning caution", () => {
    expect(markdown).toContain("> [!NOTE]\n> Builds are signed.");
    expect(markdown).toContain("> [!TIP]\n> Use the dry run first.");
    expect(markdown).toContain("> [!WARNING]\n> Freeze starts Monday.");
    expect(markdown).toContain("> [!CAUTION]\n> Rollback drops the new tables.");
  });
});

describe("Chunks of every fixture", () => {
  const names = readdirSync(FIXTURES).filter((file) => file.endsWith(".xml"));
  const link = /!?\[(?:\\.|[^\]\\\n])*\]\((?:<[^>\n]*>|[^)\s]*)(?:\s+"(?:\\.|[^"\\\n])*")?\)/g;

  it.each([64, 128, 512])("never start or end inside a table row, a link or a code fence (maxTokens %i)", (max) => {
    const chunker = createMarkdownChunker({ maxTokens: max, overlapTokens: Math.floor(max / 8) });
    for (const name of names) {
      const { markdown } = converter.convert(readFileSync(join(FIXTURES, name), "utf8"), CONTEXT);
      for (const chunk of chunker.chunk(markdown, { title: name })) {
        const lines = chunk.text.split("\n").map((line) => line.replace(/^(?:> ?)+/, ""));
        // Every GFM row is whole; every HTML row is closed.
        for (const line of lines) if (line.startsWith("| ")) expect(line.endsWith(" |"), `${name}: ${line}`).toBe(true);
        expect(chunk.text.match(/<tr>/g)?.length ?? 0).toBe(chunk.text.match(/<\/tr>/g)?.length ?? 0);
        // Fences come in pairs.
        expect(lines.filter((line) => /^\s*(`{3,}|~{3,})/.test(line)).length % 2, `${name}: ${chunk.text}`).toBe(0);
        // Every `](` belongs to a whole link.
        const outside = chunk.text.replace(link, "");
        expect(outside.includes("]("), `${name}: ${chunk.text}`).toBe(false);
      }
    }
  });
});
