import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isConfluenceSyncError } from "../errors.js";
import type { ConvertContext, ConvertResult } from "../ports/converter.js";
import { describeConverter } from "../testing/text.js";
import { createStorageConverter, StorageConverter } from "./index.js";

const FIXTURES = fileURLToPath(new URL("../../test/fixtures/storage-format/", import.meta.url));
const USERS: Record<string, string> = {
  "5b10ac8d82e05b22cc7d4ef5": "Ann Lee",
  "u-ann": "Ann Lee",
  "70121:4b5c": "Bo Chen",
};
const CONTEXT: ConvertContext = {
  pageId: "1001",
  title: "Fixture",
  spaceKey: "ENG",
  baseUrl: "https://wiki.example.com",
  resolveUser: (id) => USERS[id],
  resolvePageUrl: (title, space) =>
    title === "Deploy Guide" && space === "ENG"
      ? "https://wiki.example.com/spaces/ENG/pages/2002/Deploy+Guide"
      : undefined,
};
const converter = createStorageConverter({ jiraBaseUrl: "https://acme.atlassian.net/" });
const fixture = (name: string): ConvertResult =>
  converter.convert(readFileSync(join(FIXTURES, `${name}.xml`), "utf8"), CONTEXT);

describeConverter("StorageConverter", () => new StorageConverter());

describe("StorageConverter fixtures", () => {
  const names = readdirSync(FIXTURES)
    .filter((file) => file.endsWith(".xml"))
    .map((file) => file.slice(0, -4));

  it("has a fixture for every element group", () => {
    expect(names.length).toBeGreaterThanOrEqual(14);
  });

  // Each fixture's Markdown was reviewed by hand; UPDATE_FIXTURES=1 rewrites them after an intended change.
  it.each(names)("converts %s.xml to its reviewed Markdown", (name) => {
    const { markdown } = fixture(name);
    const expectedPath = join(FIXTURES, `${name}.md`);
    if (process.env.UPDATE_FIXTURES === "1") writeFileSync(expectedPath, markdown);
    expect(markdown).toBe(readFileSync(expectedPath, "utf8"));
  });

  it.each(names.filter((name) => !["malformed", "unknown-macro", "cloud-macros-en"].includes(name)))(
    "reads %s.xml without warnings",
    (name) => {
      expect(fixture(name).warnings).toEqual([]);
    },
  );
});

describe("StorageConverter elements", () => {
  it("keeps every code body byte for byte, with its language and title", () => {
    const source = readFileSync(join(FIXTURES, "code.xml"), "utf8");
    const { markdown, metadata } = fixture("code");
    // The test's own reading of the CDATA bodies: sections of one body are concatenated.
    const bodies = [...source.matchAll(/<ac:plain-text-body>(.*?)<\/ac:plain-text-body>/gs)].map((m) =>
      [...(m[1] ?? "").matchAll(/<!\[CDATA\[(.*?)\]\]>/gs)].map((c) => c[1]).join(""),
    );
    expect(bodies.length).toBeGreaterThanOrEqual(5);
    for (const body of bodies.filter((b) => b !== "")) expect(markdown).toContain(body);
    expect(markdown).toContain('String end = "]]>";');
    expect(markdown).toContain("SELECT * FROM t WHERE a < 3 AND b > 4;");
    expect(markdown).toMatch(/^````markdown\nUse ```js fences```/m);
    expect(markdown).toContain("**deploy.sh**\n\n```bash\n#!/usr/bin/env bash");
    expect(metadata.codeLanguages).toEqual(["bash", "java", "markdown", "sql", "python"]);
    expect(metadata.macros).toEqual({ code: 5, noformat: 1 });
  });

  it("writes formulas as math and maps Confluence language ids to Markdown fence languages", () => {
    const { markdown, metadata } = fixture("math-and-languages");
    expect(markdown).toContain("Energy is $E = mc^2$ in short.");
    expect(markdown).toContain("```math\n\\int_{a}^{b} f(x)\\,dx = F(b) - F(a)\n```");
    expect(markdown).toContain('```python\nprint("hi")\n```');
    expect(markdown).toContain("```\nplain text block\n```");
    expect(markdown).toContain("```csharp\nvar x = 1;\n```");
    expect(metadata.codeLanguages).toEqual(["math", "python", "csharp"]);
  });

  it("turns callouts into GitHub alerts with their titles, keeping nested tables, mentions and macros", () => {
    const { markdown, metadata } = fixture("callouts");
    expect(markdown).toContain("> [!NOTE]\n> **Before you start**\n>\n> You need VPN access.");
    // By colour: the yellow note macro is a warning, the red warning macro a caution.
    expect(markdown).toContain("> [!WARNING]\n> Maintenance window is Sunday.");
    expect(markdown).toContain("> [!CAUTION]\n> **Data loss**");
    expect(markdown).toContain("> ```sql\n> DROP TABLE users;\n> ```");
    expect(markdown).toContain("> | billing | @Ann Lee |");
    expect(markdown).toContain("> <summary>Escalation</summary>");
    expect(markdown).toContain("> > Page the on-call first.");
    expect(metadata.mentions).toEqual(["5b10ac8d82e05b22cc7d4ef5"]);
  });

  it("renders status, Jira keys and JQL tables, and finds keys in macros, links and text", () => {
    const { markdown, metadata } = fixture("status-jira");
    expect(markdown).toContain("Release state: [Done] and [In review].");
    expect(markdown).toContain("[OPS-42](https://acme.atlassian.net/browse/OPS-42)");
    expect(markdown).toContain(
      '*Jira issues:* `project = OPS AND status = "In Progress"` ([search](https://acme.atlassian.net/issues/?jql=project%20%3D%20OPS%20AND%20status%20%3D%20%22In%20Progress%22))',
    );
    expect(metadata.jiraKeys).toEqual(["OPS-42", "SEC-7", "DATA-1234"]);
  });

  it("writes task lists with their states, nested tasks indented under their parent", () => {
    const { markdown } = fixture("tasks");
    expect(markdown).toContain(
      "- [x] Write the runbook\n- [ ] @Bo Chen to review by 2024-06-30\n- [ ] Announce\n  - [x] Draft the email",
    );
  });

  it("writes tables as GFM with spanned values repeated, and as HTML when a cell holds code", () => {
    const { markdown, metadata } = fixture("tables");
    expect(markdown).toContain("| **Env** | URL | Notes |\n| --- | --- | --- |");
    expect(markdown).toContain("| First paragraph.<br>Second \\| paragraph. |");
    expect(markdown).toContain("| staging | shared with QA | shared with QA |");
    expect(markdown).toContain("| dev | - one<br>- two | @Ann Lee owns it |\n| dev | local | [Deprecated] |");
    expect(markdown).toContain("|  |  |\n| --- | --- |\n| a1 | b1 |");
    expect(markdown).toContain("<tr><td>Install</td><td>\n\n```bash\nnpm ci\nnpm run build | tee build.log\n```");
    expect(metadata.mentions).toEqual(["u-ann"]);
  });

  it("links pages by URL when known and by title otherwise; attachments, users and anchors keep their text", () => {
    const { markdown, metadata } = fixture("links");
    expect(markdown).toContain("[the deploy guide](https://wiki.example.com/spaces/ENG/pages/2002/Deploy+Guide)");
    expect(markdown).toContain("[[Old Notes]] and with text *older notes* [[Old Notes]]");
    expect(markdown).toContain("[setup section](#Setup)");
    expect(markdown).toContain("[the Q3 report](https://wiki.example.com/download/attachments/1001/Q3%20report.pdf)");
    expect(markdown).toContain("Users: @Ann Lee and @8a7f8082 and unknown @unknown-1.");
    expect(metadata.pageLinks.map((link) => link.title)).toEqual(["Deploy Guide", "Old Notes", "Q3 Kickoff"]);
    expect(metadata.pageLinks[0]?.url).toBe("https://wiki.example.com/spaces/ENG/pages/2002/Deploy+Guide");
    expect(metadata.attachments).toEqual(["Q3 report.pdf", "data.csv"]);
    expect(metadata.externalLinks).toEqual(["https://example.com/docs?a=1&b=2", "https://example.org/x_(y)"]);
  });

  it("keeps image alt text, caption and filename", () => {
    const { markdown, metadata } = fixture("images");
    expect(markdown).toContain(
      "![System diagram](https://wiki.example.com/download/attachments/1001/architecture%20v2.png)  \n*How the services talk*",
    );
    expect(metadata.attachments).toEqual(["architecture v2.png", "icon.svg", "handbook.pdf"]);
  });

  it("decodes named entities, renders emoticons and dates, keeps comment text and drops placeholders", () => {
    const { markdown } = fixture("inline");
    expect(markdown).toContain('A — B … © 2024 \\<tag> & "quoted" €5 😀.');
    expect(markdown).toContain("Emoticons: ✅ 🚀 :custom-party: done.");
    expect(markdown).toContain("Due 2024-09-15 unless moved.");
    expect(markdown).toContain("Commented sentence with a remark stays.");
    expect(markdown).not.toContain("Type your summary");
    expect(markdown).toContain("- Use PostgreSQL");
    expect(markdown).toContain("Line one  \nLine two  \nLine three");
    expect(markdown).toContain("1\\. Not a list item");
  });

  it("flattens layouts in reading order and drops navigation macros", () => {
    expect(fixture("layouts").markdown).toMatch(
      /Left column[\s\S]*Alpha[\s\S]*Right column[\s\S]*Beta[\s\S]*One[\s\S]*Two/,
    );
    const nav = fixture("navigation");
    expect(nav.markdown).toContain("The payment service settles card transactions.");
    expect(nav.markdown).toContain("*Excerpt included from:* [[Glossary]]");
    expect(nav.metadata.macros).toMatchObject({ toc: 1, children: 1, pagetree: 1 });
  });

  it("keeps unknown macros' bodies and names them, with a warning", () => {
    const { markdown, warnings } = fixture("unknown-macro");
    expect(markdown).toContain("*[custom-callout macro]*\n\nBody of a **vendor** macro.");
    expect(markdown).toContain("@startuml\nA -> B: hello\n@enduml");
    expect(warnings).toContain('unknown macro "plantuml": kept its body');
    expect(markdown).toContain("Text inside an element from a newer editor.\n\n- kept as a list");
    expect(warnings).toContain("unknown element <ac:future-element>: kept its text");
  });

  it("gives best-effort output with warnings for malformed input", () => {
    const { markdown, warnings } = fixture("malformed");
    expect(markdown).toContain("bold never closed");
    expect(markdown).toContain("> inside info");
    expect(markdown).toContain("```\ntruncated code body");
    expect(warnings.some((w) => w.includes("unterminated CDATA"))).toBe(true);
    expect(warnings.some((w) => w.includes("closed implicitly"))).toBe(true);
  });

  it("flattens hostile nesting to text instead of overflowing the stack", () => {
    const deep = `${"<div><strong>".repeat(20_000)}deep text${"</strong></div>".repeat(20_000)}`;
    const { markdown, warnings } = createStorageConverter().convert(deep);
    expect(markdown.trim()).toBe("deep text");
    expect(warnings).toContain("nesting deeper than 100 levels was flattened to text");
  });

  it("keeps the text of deeply nested spans, lists and quotes", () => {
    const spans = `<p>${"<span>".repeat(30_000)}span text${"</span>".repeat(30_000)}</p>`;
    const spanResult = createStorageConverter().convert(spans);
    expect(spanResult.markdown.trim()).toBe("span text");
    expect(spanResult.warnings.filter((w) => w.includes("fell back"))).toEqual([]);
    const lists = `${"<ul><li>item ".repeat(300)}leaf${"</li></ul>".repeat(300)}`;
    const listOut = createStorageConverter().convert(lists).markdown;
    expect(listOut.match(/item/g)?.length).toBe(300);
    expect(listOut).toContain("leaf");
    const quotes = `${"<blockquote>".repeat(500)}<p>quoted</p>${"</blockquote>".repeat(500)}`;
    expect(createStorageConverter().convert(quotes).markdown).toContain("quoted");
  });

  it("converts a 5 MB page", () => {
    const section =
      readFileSync(join(FIXTURES, "tables.xml"), "utf8") + readFileSync(join(FIXTURES, "code.xml"), "utf8");
    const copies = Math.ceil((5 * 1024 * 1024) / section.length);
    const { markdown, metadata } = converter.convert(`${section.repeat(copies)}<p>THE END</p>`, CONTEXT);
    expect(markdown.trimEnd().endsWith("THE END")).toBe(true);
    expect(metadata.macros.code).toBe(copies * 6);
  });

  it("rejects invalid options with CONFIG_INVALID naming the field", () => {
    expect(() => createStorageConverter({ jiraBaseUrl: "not a url" })).toThrow(/jiraBaseUrl/);
    try {
      createStorageConverter({ maxDepth: 2 });
    } catch (error) {
      expect(isConfluenceSyncError(error, "CONFIG_INVALID")).toBe(true);
      expect((error as Error).message).toContain("maxDepth");
    }
    expect.assertions(3);
  });

  it("counts issue keys in text only for configured projects when given", () => {
    const text = "<p>See DATA-1234 and OPS-9.</p>";
    expect(createStorageConverter({ jiraProjectKeys: ["OPS"] }).convert(text).metadata.jiraKeys).toEqual(["OPS-9"]);
  });
});
