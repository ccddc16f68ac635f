/** A cell's text made safe inside a Markdown table row: pipes escaped, line breaks as `<br>`. */
function cell(value: string): string {
  return value.trim().replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

/** Rows as a GitHub-flavoured Markdown table, the first row as header; ragged rows are padded. */
export function markdownTable(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "";
  const width = Math.max(1, ...rows.map((r) => r.length));
  const line = (r: readonly string[]) => `| ${Array.from({ length: width }, (_, i) => cell(r[i] ?? "")).join(" | ")} |`;
  const [head, ...body] = rows;
  const rule = `| ${Array.from({ length: width }, () => "---").join(" | ")} |`;
  return [line(head ?? []), rule, ...body.map(line)].join("\n");
}
