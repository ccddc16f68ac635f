// Reads Markdown into structural blocks, one line at a time.

/** One structural unit of a page: never split unless it alone is over the token budget. */
export type Block =
  | { readonly kind: "heading"; readonly level: number; readonly title: string; readonly text: string }
  | { readonly kind: "code"; readonly open: string; readonly close: string; readonly lines: string[] }
  | { readonly kind: "table"; readonly header: string[]; readonly rows: string[]; readonly footer: string[] }
  | { readonly kind: "text"; readonly lines: string[] };

const FENCE = /^(\s*)(`{3,}|~{3,})/;
const HEADING = /^(#{1,6})[ \t]+(.*?)[ \t#]*$/;
const TABLE_RULE = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

/** Lines of a string without building an array of the whole page. */
export function* lines(text: string): Generator<string> {
  let start = 0;
  while (start <= text.length) {
    const end = text.indexOf("\n", start);
    if (end < 0) {
      if (start < text.length) yield text.slice(start);
      return;
    }
    yield text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    start = end + 1;
  }
}

/** Heading text without Markdown syntax, for breadcrumbs. */
export function plainHeading(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[\[([^\]]*)\]\]/g, "$1")
    .replace(/(\*\*|__|~~|`)/g, "")
    .replace(/(^|[^\\])[*_]/g, "$1")
    .replace(/\\([\\`*_{}[\]()#+\-.!<>|~])/g, "$1")
    .trim();
}

/** Yields the blocks of a Markdown document in order. */
export function* blocks(markdown: string): Generator<Block> {
  const iterator = lines(markdown);
  let pending: string | undefined;
  const next = (): string | undefined => {
    if (pending !== undefined) {
      const line = pending;
      pending = undefined;
      return line;
    }
    const step = iterator.next();
    return step.done === true ? undefined : step.value;
  };
  let text: string[] = [];
  const flushText = function* (): Generator<Block> {
    if (text.length > 0) yield { kind: "text", lines: text };
    text = [];
  };
  for (let line = next(); line !== undefined; line = next()) {
    const fence = FENCE.exec(line);
    if (fence !== null) {
      yield* flushText();
      const [, indent = "", marks = "```"] = fence;
      const body: string[] = [];
      let close = `${indent}${marks}`;
      for (let inner = next(); inner !== undefined; inner = next()) {
        const end = FENCE.exec(inner);
        if (
          end?.[2] !== undefined &&
          end[2][0] === marks[0] &&
          end[2].length >= marks.length &&
          inner.trim() === end[2]
        ) {
          close = inner;
          break;
        }
        body.push(inner);
      }
      yield { kind: "code", open: line, close, lines: body };
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading !== null) {
      yield* flushText();
      const title = plainHeading(heading[2] ?? "");
      yield { kind: "heading", level: (heading[1] ?? "#").length, title, text: line };
      continue;
    }
    if (line.trimStart().startsWith("|")) {
      const second = next();
      if (second !== undefined && TABLE_RULE.test(second)) {
        yield* flushText();
        const rows: string[] = [];
        for (let row = next(); row !== undefined; row = next()) {
          if (!row.trimStart().startsWith("|")) {
            pending = row;
            break;
          }
          rows.push(row);
        }
        yield { kind: "table", header: [line, second], rows, footer: [] };
        continue;
      }
      pending = second;
    }
    if (line.trim() === "<table>") {
      yield* flushText();
      const rows: string[] = [];
      const header: string[] = [line];
      // A row whose cells hold several blocks spans several lines: it stays one item, so no piece starts inside it.
      let open: string[] = [];
      let nested = 0;
      for (let line = next(); line !== undefined; line = next()) {
        if (line.trim() === "</table>" && nested === 0) break;
        open.push(line);
        if (line.trim() === "<table>") nested++;
        else if (line.trim() === "</table>") nested--;
        if (open.length > 1 && (nested > 0 || !line.endsWith("</tr>"))) continue;
        if (open.length === 1 && line.startsWith("<tr>") && !line.endsWith("</tr>")) continue;
        const row = open.join("\n");
        open = [];
        // The first row of an HTML table is its header; it is repeated when the table is split.
        if (header.length === 1 && row.startsWith("<tr>") && !row.includes("\n")) header.push(row);
        else rows.push(row);
      }
      if (open.length > 0) rows.push(open.join("\n"));
      yield { kind: "table", header, rows, footer: ["</table>"] };
      continue;
    }
    if (line.trim() === "") {
      yield* flushText();
      continue;
    }
    text.push(line);
  }
  yield* flushText();
}

/** The Markdown text of a block. */
export function blockText(block: Block): string {
  switch (block.kind) {
    case "heading":
      return block.text;
    case "code":
      return [block.open, ...block.lines, block.close].join("\n");
    case "table":
      return [...block.header, ...block.rows, ...block.footer].join("\n");
    case "text":
      return block.lines.join("\n");
  }
}
