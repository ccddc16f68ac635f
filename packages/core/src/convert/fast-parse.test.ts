import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSpace } from "@archon/fake-confluence";
import type { ChildNode } from "domhandler";
import { describe, expect, it } from "vitest";
import { fastParse } from "./fast-parse.js";
import { parseStorage, parseWithHtmlparser2 } from "./parse.js";
import { mulberry32 } from "./seeded-random.js";

// The one-pass reader must build exactly htmlparser2's tree (and warnings) whenever it accepts an input.
const FIXTURES = fileURLToPath(new URL("../../test/fixtures/storage-format/", import.meta.url));

function shape(nodes: readonly ChildNode[]): unknown[] {
  return nodes.map((node) => {
    if (node.type === "text") return `text:${node.data}`;
    if (node.type === "cdata") return { cdata: shape(node.children) };
    if (node.type === "tag" || node.type === "script" || node.type === "style")
      return { [node.name]: Object.entries(node.attribs), type: node.type, children: shape(node.children) };
    return { other: node.type };
  });
}

/** Asserts that the one-pass reader, when it accepts `source`, agrees with htmlparser2; returns whether it accepted. */
function agrees(source: string): boolean {
  const fast = fastParse(source);
  if (fast === undefined) return false;
  const reference = parseWithHtmlparser2(source);
  expect({ source, tree: shape(fast.document.children), warnings: parseStorage(source).warnings }).toEqual({
    source,
    tree: shape(reference.document.children),
    warnings: reference.warnings,
  });
  return true;
}

describe("fastParse", () => {
  it("reads every generated page itself, into htmlparser2's tree", () => {
    const space = generateSpace({ key: "LOAD", pages: 150, seed: 42 });
    for (const page of space.pages) expect(agrees(page.body)).toBe(true);
  });

  it("reads the storage-format fixtures into htmlparser2's tree when it accepts them", () => {
    let accepted = 0;
    for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith(".xml"))) {
      if (agrees(readFileSync(join(FIXTURES, file), "utf8"))) accepted++;
    }
    expect(accepted).toBeGreaterThan(10);
  });

  it.each([
    ["a paragraph closed by a block", "<p>one<div>two</div>three</p>"],
    ["an end tag without a start", "<p>a</p></p><strong>b</em>c</strong>"],
    ["list items and cells left open", "<ul><li>a<li>b</ul><table><tr><td>1<td>2<tr><th>3</table>"],
    ["headings inside a paragraph", "<p>x<h2>y</h2></p>"],
    ["line breaks in every spelling", "a<br>b<br/>c<br />d</br>e</img>f<hr>g<hr/>"],
    ["self-closing elements", '<p/><ac:emoticon ac:name="smile"/><ri:page ri:content-title="T" />x'],
    ["entities", "&amp;&lt;&gt;&quot;&apos;&nbsp;&mdash;&hellip;&#160;&#x41;&#X1F600;&#8364;x&rsquo;"],
    ["entities in attributes", '<a href="?a=1&amp;b=2&#38;c" title=\'it&apos;s "q"\'>t</a>'],
    ["stray angle brackets", "a < b <3 <= c <<p>x</p> 1<2"],
    ["upper-case names", '<P CLASS="x" Data-A="1">a</P><STRONG>b</strong>'],
    ["duplicate attributes", '<span a="1" a="2" A="3">x</span>'],
    ["CDATA sections", "<pre><![CDATA[a<b>&amp;]]]><![CDATA[]]></pre><![CDATA[x]]>y"],
    ["text around ignored end tags", "a</x>b</y>c"],
    ["elements open at the end", "<div><p><strong>text"],
    ["elements open at an end in a slash", "<div><p>a/"],
    ["a greater-than sign in a value", "<a title=\"a>b\" href='x'>t</a>"],
    ["attributes without spaces between", '<a href="x"title="y">t</a>'],
    ["whitespace in tags", '<p\n class="x"\t>a</p><br\n/><br />'],
    [
      "nested tables and sections",
      "<table><tbody><tr><td><table><tr><td>x</td></tr></table></td></tr></tbody><tfoot><tr><td>f</td></tr></tfoot></table>",
    ],
    ["definition lists", "<dl><dt>a<dd>b<dt>c</dl>"],
  ])("agrees with htmlparser2 on %s", (_name, source) => {
    expect(agrees(source)).toBe(true);
  });

  it.each([
    ["a comment", "a<!-- c -->b"],
    ["a processing instruction", "<?xml version='1.0'?><p>a</p>"],
    ["a script element", "<script>if (a<b) x()</script>"],
    ["an unknown entity", "a &bogus; b"],
    ["an entity without its semicolon", "a &amp b"],
    ["an unquoted attribute", "<td colspan=2>x</td>"],
    ["an attribute without a value", "<td nowrap>x</td>"],
    ["an unterminated CDATA section", "<pre><![CDATA[code"],
    ["input ending inside a tag", "<p>a</p><strong"],
  ])("leaves %s to htmlparser2", (_name, source) => {
    expect(fastParse(source)).toBeUndefined();
    expect(parseStorage(source)).toEqual(parseWithHtmlparser2(source));
  });

  it("agrees with htmlparser2 on random markup soup", () => {
    const random = mulberry32(0xfa57);
    const pieces = [
      "<p>",
      "</p>",
      "<div>",
      "</div>",
      "<ul>",
      "</ul>",
      "<li>",
      "</li>",
      "<table>",
      "</table>",
      "<tr>",
      "<td>",
      "</td>",
      "<th>",
      "<thead>",
      "<tbody>",
      "<h3>",
      "</h3>",
      "<strong>",
      "</strong>",
      "<STRONG>",
      "<br>",
      "<br/>",
      "</br>",
      "<img src='a.png'>",
      "</img>",
      "<p/>",
      '<ac:structured-macro ac:name="info">',
      "</ac:structured-macro>",
      '<ri:page ri:content-title="A &amp; B"/>',
      "<![CDATA[x < y]]>",
      "<![CDATA[",
      "]]>",
      "&amp;",
      "&nbsp;",
      "&#160;",
      "&#x41;",
      "&",
      "<",
      ">",
      "/",
      "a",
      "word ",
      " ",
      "\n",
      "<dt>",
      "<dd>",
      "<option>",
      "<select>",
      "<input>",
    ];
    let accepted = 0;
    for (let n = 0; n < 3000; n++) {
      let source = "";
      const count = 1 + Math.floor(random() * 30);
      for (let i = 0; i < count; i++) source += pieces[Math.floor(random() * pieces.length)];
      if (agrees(source)) accepted++;
    }
    // Most soups hold a lone `&` or `<![CDATA[` somewhere; enough are accepted to make the comparison count.
    expect(accepted).toBeGreaterThan(500);
  });
});
