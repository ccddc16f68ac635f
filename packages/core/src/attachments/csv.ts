/** Splits CSV text (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes) into rows of fields. */
export function parseCsv(text: string, delimiter = ","): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
      continue;
    }
    if (c === '"' && field === "") quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((cell) => cell.trim() !== ""));
}

/** A cell's text made safe inside a Markdown table row: pipes escaped, line breaks as `<br>`. */
function cell(value: string): string {
  return value.trim().replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

/** Rows as a GitHub-flavoured Markdown table, the first row as header; ragged rows are padded. */
export function rowsToMarkdownTable(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "";
  const width = Math.max(...rows.map((r) => r.length));
  const line = (r: readonly string[]) => `| ${Array.from({ length: width }, (_, i) => cell(r[i] ?? "")).join(" | ")} |`;
  const [head, ...body] = rows;
  return [
    line(head as string[]),
    `| ${Array.from({ length: width }, () => "---").join(" | ")} |`,
    ...body.map(line),
  ].join("\n");
}

/** CSV (or, with a tab delimiter, TSV) as one Markdown table. */
export function csvToMarkdown(text: string, delimiter = ","): string {
  return rowsToMarkdownTable(parseCsv(text, delimiter));
}
