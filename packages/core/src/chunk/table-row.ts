// Splits one table row that is over the token budget into rows that each fit, at cell boundaries.
import { blocks, blockText } from "./blocks.js";
import { type CountTokens, hardSplit, type Piece, splitBlock } from "./split.js";

/** Cells of a GFM row: split at unescaped pipes (the converter escapes pipes inside cells as `\|`). */
function gfmCells(row: string): string[] | undefined {
  const line = row.trim();
  if (!line.startsWith("|") || !line.endsWith("|") || line.length < 2) return undefined;
  const cells: string[] = [];
  let start = 1;
  for (let i = 1; i < line.length; i++) {
    const c = line[i];
    if (c === "\\") i++;
    else if (c === "|") {
      cells.push(line.slice(start, i).trim());
      start = i + 1;
    }
  }
  return cells.length > 0 ? cells : undefined;
}

interface RowShape {
  readonly cells: readonly string[];
  readonly render: (parts: ReadonlyMap<number, string>) => string;
  /** Splits one cell's content into parts of at most `budget` tokens. */
  readonly cutCell: (cell: string, budget: number, count: CountTokens) => Piece[];
}

/**
 * Rows cut at cell boundaries, each a full row of the same columns: the first cell (what the row is about) is
 * repeated in every piece when it is short, the other cells go to the first piece they fit; a cell over the budget
 * on its own is cut between words, never inside a link.
 */
function splitRow(shape: RowShape, budget: number, count: CountTokens): Piece[] {
  const { cells } = shape;
  // Tokens of the row without its cell contents, plus a margin for tokens that merge differently around content.
  const frame = count(shape.render(new Map())) + 1 + cells.length;
  // A budget too small for even an empty row (a tiny maxTokens): cut the row as text.
  if (frame * 2 > budget) return hardSplit(shape.render(new Map(cells.map((cell, j) => [j, cell]))), budget, count);
  const tokens = cells.map((cell) => count(cell));
  const keyTokens = tokens[0] ?? 0;
  const repeatKey = cells.length > 1 && keyTokens <= budget / 4;
  const base = frame + (repeatKey ? keyTokens : 0);
  const pieces: Piece[] = [];
  let parts = new Map<number, string>();
  let used = base;
  const start = () => {
    parts = new Map(repeatKey ? [[0, cells[0] as string]] : []);
    used = base;
  };
  const flush = () => {
    if (parts.size > (repeatKey ? 1 : 0)) pieces.push({ text: shape.render(parts), tokens: used });
    start();
  };
  start();
  for (let j = repeatKey ? 1 : 0; j < cells.length; j++) {
    const cell = cells[j] as string;
    const cellTokens = tokens[j] as number;
    if (cell === "") continue;
    if (used + cellTokens <= budget) {
      parts.set(j, cell);
      used += cellTokens;
      continue;
    }
    flush();
    if (used + cellTokens <= budget) {
      parts.set(j, cell);
      used += cellTokens;
      continue;
    }
    for (const part of shape.cutCell(cell, Math.max(8, budget - base), count)) {
      parts.set(j, part.text);
      used += part.tokens;
      flush();
    }
  }
  flush();
  return pieces;
}

/** An oversized GFM table row as rows that each fit `budget`; text that is no row is cut by words. */
export function splitTableRow(row: string, budget: number, count: CountTokens): Piece[] {
  const cells = gfmCells(row);
  if (cells === undefined) return hardSplit(row, budget, count);
  return splitRow(
    {
      cells,
      render: (parts) => `| ${cells.map((_, j) => parts.get(j) ?? "").join(" | ")} |`,
      // `<br>` separates the lines of a cell: a natural place to cut.
      cutCell: (cell, room, measure) => hardSplit(cell.replace(/<br>/g, "<br> "), room, measure),
    },
    budget,
    count,
  );
}

const HTML_CELL = /<(td|th)((?:\s[^>]*)?)>([\s\S]*?)<\/\1>/gy;

/** An oversized row of an HTML table (`<tr><td>…</td></tr>`, possibly over several lines), split at cells. */
export function splitHtmlRow(row: string, budget: number, count: CountTokens): Piece[] {
  const inner = row.trim();
  if (!inner.startsWith("<tr>") || !inner.endsWith("</tr>")) return hardSplit(row, budget, count);
  const body = inner.slice(4, -5);
  const cells: { tag: string; attrs: string; content: string }[] = [];
  HTML_CELL.lastIndex = 0;
  let end = 0;
  for (let match = HTML_CELL.exec(body); match !== null; match = HTML_CELL.exec(body)) {
    cells.push({ tag: match[1] as string, attrs: match[2] ?? "", content: match[3] ?? "" });
    end = HTML_CELL.lastIndex;
  }
  // A nested table confuses the cell pattern: cut by words rather than guess.
  if (cells.length === 0 || end !== body.length || cells.some((c) => c.content.includes("<table"))) {
    return hardSplit(row, budget, count);
  }
  const render = (parts: ReadonlyMap<number, string>) => {
    let out = "<tr>";
    cells.forEach((cell, j) => {
      const content = parts.get(j) ?? "";
      out += `<${cell.tag}${cell.attrs}>${content}</${cell.tag}>`;
    });
    return `${out}</tr>`;
  };
  return splitRow(
    {
      cells: cells.map((cell) => cell.content),
      render,
      cutCell: (cell, room, measure) => {
        // A cell holds Markdown blocks: cut them as blocks, so a code block is re-opened, never cut open.
        const pieces: Piece[] = [];
        for (const block of blocks(cell)) {
          const text = blockText(block);
          const tokens = measure(text);
          if (tokens <= room) pieces.push({ text, tokens });
          else pieces.push(...splitBlock(block, room, measure));
        }
        return pieces.map((piece) => ({ text: `\n\n${piece.text}\n\n`, tokens: piece.tokens + 2 }));
      },
    },
    budget,
    count,
  );
}
