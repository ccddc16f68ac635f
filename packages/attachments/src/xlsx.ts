import type { AttachmentExtraction } from "@archon/confluence-core";
import { markdownTable } from "./table.js";

/** Most rows of one sheet turned into a table; the rest are counted, not shown. */
export const MAX_SHEET_ROWS = 5000;

/** An Excel workbook through exceljs: one `## Sheet name` section with a Markdown table per sheet. */
export async function extractXlsx(bytes: Uint8Array): Promise<AttachmentExtraction> {
  const { default: ExcelJS } = await import("exceljs");
  const book = new ExcelJS.Workbook();
  try {
    await book.xlsx.load(Buffer.from(bytes) as never);
  } catch (error) {
    return { kind: "skipped", reason: "corrupt", message: `The workbook cannot be read: ${(error as Error).message}` };
  }
  const sections: string[] = [];
  for (const sheet of book.worksheets) {
    const rows: string[][] = [];
    let more = 0;
    sheet.eachRow({ includeEmpty: false }, (row) => {
      if (rows.length >= MAX_SHEET_ROWS) {
        more += 1;
        return;
      }
      const cells: string[] = [];
      row.eachCell({ includeEmpty: true }, (cell, column) => {
        cells[column - 1] = cell.text ?? "";
      });
      rows.push(Array.from(cells, (value) => value ?? ""));
    });
    if (rows.length === 0) continue;
    const table = markdownTable(rows);
    sections.push(`## ${sheet.name}\n\n${table}${more > 0 ? `\n\n(${more} more rows not shown)` : ""}`);
  }
  return { kind: "text", markdown: sections.join("\n\n") };
}
