// What a reader needs from a storage-format page, read straight from its XHTML, and a check of how much of it a
// Markdown rendering kept. Used by bench/convert.ts to compare converters on the same pages.
import { type ChildNode, type Element, isCDATA, isTag, isText } from "domhandler";
import { parseDocument } from "htmlparser2";

export type FactKind =
  | "heading"
  | "paragraph"
  | "table cell in its row"
  | "code body"
  | "link text"
  | "image caption"
  | "callout kind"
  | "emoji"
  | "jira query or key"
  | "macro parameter";

/** One thing the output must contain; `with` must appear on the same line (a table row's first cell). */
export interface Fact {
  readonly kind: FactKind;
  readonly text: string;
  readonly with?: string;
}

const CALLOUTS: Readonly<Record<string, string>> = {
  info: "NOTE",
  tip: "TIP",
  note: "WARNING",
  warning: "CAUTION",
  success: "TIP",
  error: "CAUTION",
};

function text(node: ChildNode | readonly ChildNode[]): string {
  const nodes = Array.isArray(node) ? node : [node as ChildNode];
  let out = "";
  for (const n of nodes) {
    if (isText(n)) out += n.data;
    else if (isCDATA(n)) out += text(n.children);
    else if (isTag(n) && n.name !== "ac:parameter" && n.name !== "ac:adf-attribute" && n.name !== "ac:adf-fallback") {
      out += text(n.children);
      if (n.name === "p" || n.name === "li" || n.name === "br") out += " ";
    }
  }
  return out;
}
const squash = (s: string) => s.replace(/\s+/g, " ").trim();

function* elements(nodes: readonly ChildNode[]): Generator<Element> {
  for (const node of nodes) {
    if (!isTag(node)) continue;
    yield node;
    yield* elements(node.children);
  }
}

function param(macro: Element, name: string): string {
  for (const child of macro.children) {
    if (isTag(child) && child.name === "ac:parameter" && child.attribs["ac:name"] === name)
      return squash(text(child.children));
  }
  return "";
}

/** Text pieces of a node: each text node (or CDATA line) of three characters or more, whitespace squashed. */
function pieces(nodes: readonly ChildNode[]): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    if (isText(n)) {
      const value = squash(n.data);
      if (value.length >= 3) out.push(value);
    } else if (isCDATA(n)) {
      for (const line of text(n.children).split("\n")) if (line.trim().length >= 3) out.push(line.trim());
    } else if (isTag(n) && !IGNORED.has(n.name)) out.push(...pieces(n.children));
  }
  return out;
}
const IGNORED = new Set(["ac:parameter", "ac:adf-attribute", "ac:adf-fallback", "ac:placeholder"]);

/** Rows of a table with spans expanded: each cell's first text and all its text pieces. */
function tableRows(table: Element): { key: string; cells: string[][] }[] {
  const trs = [...elements(table.children)].filter(
    (e) => e.name === "tr" && e.parent !== null && nearestTable(e) === table,
  );
  const grid: string[][][] = trs.map(() => []);
  trs.forEach((tr, y) => {
    const line = grid[y] as string[][];
    let x = 0;
    for (const td of tr.children) {
      if (!isTag(td) || (td.name !== "td" && td.name !== "th")) continue;
      while (line[x] !== undefined) x++;
      const value = pieces(td.children);
      const rows = Math.min(Number(td.attribs.rowspan ?? 1) || 1, trs.length - y);
      const cols = Number(td.attribs.colspan ?? 1) || 1;
      for (let dy = 0; dy < rows; dy++) for (let dx = 0; dx < cols; dx++) (grid[y + dy] as string[][])[x + dx] = value;
      x += cols;
    }
  });
  return grid.map((cells) => ({ key: cells[0]?.[0] ?? "", cells: cells.slice(1).map((cell) => cell ?? []) }));
}
function nearestTable(node: Element): Element | undefined {
  let current = node.parent;
  while (current !== null && !(isTag(current as ChildNode) && (current as Element).name === "table")) {
    current = current.parent;
  }
  return (current as Element | null) ?? undefined;
}

/** The facts of one storage-format page. */
export function factsOf(storage: string): Fact[] {
  const doc = parseDocument(storage, {
    recognizeCDATA: true,
    recognizeSelfClosing: true,
    lowerCaseAttributeNames: true,
  });
  const facts: Fact[] = [];
  for (const e of elements(doc.children)) {
    const name = e.name;
    if (/^h[1-6]$/.test(name)) facts.push({ kind: "heading", text: squash(text(e.children)) });
    else if (name === "p" && nearestTable(e) === undefined) {
      for (const piece of pieces(e.children.filter((c) => !isTag(c) || c.name !== "ac:structured-macro"))) {
        facts.push({ kind: "paragraph", text: piece });
      }
    } else if (name === "table") {
      for (const row of tableRows(e).slice(1)) {
        if (row.key === "") continue;
        for (const piece of row.cells.flat()) facts.push({ kind: "table cell in its row", text: piece, with: row.key });
      }
    } else if (name === "ac:plain-text-body") {
      const body = text(e.children).replace(/\n$/, "");
      if (body.trim() !== "") facts.push({ kind: "code body", text: body.trim().split("\n")[0] as string });
    } else if (name === "ac:link-body" || name === "ac:plain-text-link-body" || name === "a") {
      const value = squash(text(e.children));
      if (value !== "" && !/^https?:/.test(value)) facts.push({ kind: "link text", text: value });
    } else if (name === "ac:caption") facts.push({ kind: "image caption", text: squash(text(e.children)) });
    else if (name === "ac:emoticon") {
      const shortname = e.attribs["ac:emoji-shortname"];
      if (
        shortname !== undefined &&
        e.attribs["ac:name"] === "blue-star" &&
        e.attribs["ac:emoji-fallback"]?.startsWith(":")
      ) {
        facts.push({ kind: "emoji", text: shortname });
      }
    } else if (name === "ac:adf-node" && e.attribs.type === "panel") {
      const type = [...e.children].find((c) => isTag(c) && c.attribs.key === "panel-type");
      const kind = CALLOUTS[squash(type === undefined ? "" : text((type as Element).children))];
      if (kind !== undefined) facts.push({ kind: "callout kind", text: `[!${kind}]` });
    } else if (name === "ac:structured-macro" || name === "ac:macro") {
      const macro = e.attribs["ac:name"] ?? "";
      if (Object.hasOwn(CALLOUTS, macro)) facts.push({ kind: "callout kind", text: `[!${CALLOUTS[macro]}]` });
      if (macro === "jira") {
        const value = param(e, "jql") || param(e, "jqlQuery") || param(e, "key");
        if (value !== "") facts.push({ kind: "jira query or key", text: value });
      }
      const title = param(e, "title");
      if (title !== "" && !["code", "status"].includes(macro)) facts.push({ kind: "macro parameter", text: title });
      for (const child of e.children) {
        if (isTag(child) && child.name === "ac:default-parameter") {
          facts.push({ kind: "macro parameter", text: squash(text(child.children)).replace(/^[A-Z0-9]+:/, "") });
        }
      }
    }
  }
  return facts.filter((fact) => fact.text !== "");
}

/** Output as records: one per line, except that an HTML table row over several lines is one record. */
function records(markdown: string): string {
  const out: string[] = [];
  let open: string[] | undefined;
  // Raw HTML tables (kept by a converter that cannot write them as GFM) may sit on one line: one record per row.
  for (const line of markdown.replace(/<\/tr>(?!\n)/g, "</tr>\n").split("\n")) {
    if (open !== undefined) {
      open.push(line);
      if (line.endsWith("</tr>")) {
        out.push(open.join(" "));
        open = undefined;
      }
    } else if (line.startsWith("<tr>") && !line.endsWith("</tr>")) open = [line];
    else out.push(line);
  }
  if (open !== undefined) out.push(open.join(" "));
  return out.join("\n");
}

/** Output reduced to its words: Markdown escapes, emphasis and link targets do not hide a fact. */
function normalise(markdown: string): string[] {
  return markdown
    .replace(/\]\([^)\s]*\)/g, "]")
    .replace(/\\([\\`*_{}[\]()#+\-.!<>|~])/g, "$1")
    .replace(/\*\*|__|<br>/g, " ")
    .split("\n")
    .map((line) => line.replace(/[*_`[\]]/g, "").replace(/\s+/g, " "));
}

/** Facts found in a rendering, by kind: `[kept, total]`. */
export function keptFacts(facts: readonly Fact[], markdown: string): Map<FactKind, [number, number]> {
  const lines = normalise(records(markdown));
  const whole = lines.join(" ");
  const rawLines = markdown.split("\n");
  const result = new Map<FactKind, [number, number]>();
  for (const fact of facts) {
    const target =
      fact.kind === "callout kind" || fact.kind === "code body"
        ? fact.text
        : squash(fact.text.replace(/[*_`[\]]/g, ""));
    let found: boolean;
    if (fact.kind === "callout kind" || fact.kind === "code body")
      found = rawLines.some((line) => line.includes(target));
    else if (fact.with !== undefined) {
      const key = squash(fact.with.replace(/[*_`[\]]/g, ""));
      found = lines.some((line) => line.includes(target) && line.includes(key));
    } else found = whole.includes(target);
    const entry = result.get(fact.kind) ?? [0, 0];
    result.set(fact.kind, [entry[0] + (found ? 1 : 0), entry[1] + 1]);
  }
  return result;
}
