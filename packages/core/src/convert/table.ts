import { type Element, isTag } from "domhandler";
import { escapeInline } from "./markdown.js";
import type { Renderer } from "./render.js";

interface Cell {
  readonly markdown: string;
  readonly header: boolean;
  readonly colspan: number;
  readonly rowspan: number;
}
interface Row {
  readonly cells: Cell[];
  readonly head: boolean;
}

/** A span is capped so that a hostile `colspan="100000"` cannot blow up the output. */
const MAX_SPAN = 64;
/** Block constructs a GFM cell cannot hold. */
const NOT_GFM = /^(?:`{3,}|~{3,}|\||<table|<details|> )/m;

function span(value: string | undefined): number {
  const n = Number.parseInt(value ?? "1", 10);
  return Number.isFinite(n) && n > 1 ? Math.min(n, MAX_SPAN) : 1;
}

function collectRows(r: Renderer, table: Element, depth: number): { rows: Row[]; caption: string } {
  const rows: Row[] = [];
  let caption = "";
  const addRow = (tr: Element, head: boolean) => {
    const cells: Cell[] = [];
    for (const td of tr.children) {
      if (!isTag(td) || (td.name !== "td" && td.name !== "th")) continue;
      cells.push({
        markdown: r.blocks(td.children, depth + 1),
        header: td.name === "th",
        colspan: span(td.attribs.colspan),
        rowspan: span(td.attribs.rowspan),
      });
    }
    rows.push({ cells, head });
  };
  for (const child of table.children) {
    if (!isTag(child)) continue;
    if (child.name === "tr") addRow(child, false);
    else if (child.name === "thead" || child.name === "tbody" || child.name === "tfoot") {
      for (const tr of child.children) if (isTag(tr) && tr.name === "tr") addRow(tr, child.name === "thead");
    } else if (child.name === "caption") caption = r.plain(child.children);
  }
  return { rows, caption };
}

function gfmCell(markdown: string): string {
  const lines = markdown.indexOf("\n") < 0 ? markdown : markdown.replace(/ {2}\n|\n+/g, "<br>");
  return lines.indexOf("|") < 0 ? lines : lines.replace(/\|/g, "\\|");
}

/**
 * Places spanning cells on a grid. GFM has no spans, so a spanned value is repeated in every slot it covers: a row
 * cut from the middle of a report table still says which report and category it belongs to.
 */
function toGrid(rows: readonly Row[]): string[][] {
  const grid: string[][] = rows.map(() => []);
  rows.forEach((row, y) => {
    const line = grid[y] as string[];
    let x = 0;
    for (const cell of row.cells) {
      while (line[x] !== undefined) x++;
      const rowspan = Math.min(cell.rowspan, rows.length - y);
      const value = gfmCell(cell.markdown);
      for (let dy = 0; dy < rowspan; dy++) {
        const target = grid[y + dy] as string[];
        for (let dx = 0; dx < cell.colspan; dx++) target[x + dx] = value;
      }
      x += cell.colspan;
    }
  });
  return grid;
}

/** Markdown of a cell that is nothing but bold text, without the bold; else undefined. */
function boldOnly(markdown: string): string | undefined {
  const match = /^\*\*([^*]+(?:\*(?!\*)[^*]*)*)\*\*$/.exec(markdown.trim());
  return match?.[1];
}

/**
 * A first row of `<td><strong>` cells, as pages pasted from the old editor have, is a header row: every non-empty
 * cell is bold and nothing else, and a row follows.
 */
function boldHeader(rows: readonly Row[]): Row | undefined {
  const first = rows[0];
  if (first === undefined || rows.length < 2) return undefined;
  const filled = first.cells.filter((cell) => cell.markdown.trim() !== "");
  if (filled.length === 0 || !filled.every((cell) => boldOnly(cell.markdown) !== undefined)) return undefined;
  return {
    head: true,
    cells: first.cells.map((cell) => ({ ...cell, header: true, markdown: boldOnly(cell.markdown) ?? cell.markdown })),
  };
}

function htmlTable(rows: readonly Row[]): string {
  const lines = ["<table>"];
  for (const row of rows) {
    let line = "<tr>";
    for (const cell of row.cells) {
      const tag = cell.header || row.head ? "th" : "td";
      const attrs = `${cell.colspan > 1 ? ` colspan="${cell.colspan}"` : ""}${cell.rowspan > 1 ? ` rowspan="${cell.rowspan}"` : ""}`;
      const inner = cell.markdown.includes("\n") ? `\n\n${cell.markdown}\n\n` : cell.markdown;
      line += `<${tag}${attrs}>${inner}</${tag}>`;
    }
    lines.push(`${line}</tr>`);
  }
  lines.push("</table>");
  return lines.join("\n");
}

/**
 * A table as GFM when every cell fits on one line (lists and paragraphs become `<br>`-separated lines, a spanned
 * value is repeated in each cell it covers); otherwise, when a cell holds a code block or another table, as an HTML table with Markdown cells.
 */
export function renderTable(r: Renderer, table: Element, depth: number): string {
  const { rows, caption } = collectRows(r, table, depth);
  const title = caption === "" ? "" : `*${escapeInline(caption)}*\n\n`;
  if (caption !== "") r.meta.text(caption);
  const nonEmpty = rows.filter((row) => row.cells.length > 0);
  if (nonEmpty.length === 0) return title.trim();
  if (nonEmpty.some((row) => row.cells.some((cell) => NOT_GFM.test(cell.markdown)))) {
    return title + htmlTable(nonEmpty);
  }
  const first = nonEmpty[0] as Row;
  const hasHeader = first.head || first.cells.every((cell) => cell.header);
  const bold = hasHeader ? undefined : boldHeader(nonEmpty);
  if (bold !== undefined) nonEmpty[0] = bold;
  const grid = toGrid(nonEmpty);
  const width = grid.reduce((max, line) => Math.max(max, line.length), 1);
  const format = (line: readonly string[]) => {
    const cells: string[] = [];
    for (let x = 0; x < width; x++) cells.push(line[x] ?? "");
    return `| ${cells.join(" | ")} |`;
  };
  const headed = hasHeader || bold !== undefined;
  const header = headed ? format(grid[0] as string[]) : format([]);
  const body = (headed ? grid.slice(1) : grid).map(format);
  const rule = `|${" --- |".repeat(width)}`;
  return title + [header, rule, ...body].join("\n");
}
