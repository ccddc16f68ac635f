export { csvToMarkdown, parseCsv, rowsToMarkdownTable } from "./csv.js";
export { createTextAttachmentExtractor, decodeText, extractText, textKind } from "./text-extractor.js";
