import type { AttachmentExtraction, AttachmentExtractor, AttachmentFile } from "../ports/attachments.js";
import { csvToMarkdown } from "./csv.js";

/** Share of NUL or undecodable characters above which a "text" file is taken for binary. */
const BINARY_SHARE = 0.02;

const TEXT_TYPES: Record<string, "text" | "markdown" | "csv" | "tsv"> = {
  "text/plain": "text",
  "text/markdown": "markdown",
  "text/x-markdown": "markdown",
  "text/csv": "csv",
  "application/csv": "csv",
  "text/tab-separated-values": "tsv",
};

const EXTENSIONS: Record<string, "text" | "markdown" | "csv" | "tsv"> = {
  txt: "text",
  log: "text",
  md: "markdown",
  markdown: "markdown",
  csv: "csv",
  tsv: "tsv",
};

/** The text kind of a file by its media type, or by its extension when the type says nothing (octet-stream). */
export function textKind(mediaType: string, fileName: string): "text" | "markdown" | "csv" | "tsv" | undefined {
  const byType = TEXT_TYPES[mediaType.toLowerCase()];
  if (byType) return byType;
  if (mediaType !== "application/octet-stream" && mediaType !== "binary/octet-stream") return undefined;
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : EXTENSIONS[extension];
}

/** UTF-8 text of a file, or `undefined` when it does not look like text (NULs, many undecodable bytes). */
export function decodeText(bytes: Uint8Array): string | undefined {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes).replace(/^\uFEFF/, "");
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 || c === 0xfffd) bad++;
  }
  return text.length > 0 && bad / text.length > BINARY_SHARE ? undefined : text;
}

/** Markdown of a text, Markdown, CSV or TSV file. */
export function extractText(file: AttachmentFile): AttachmentExtraction {
  const kind = textKind(file.mediaType, file.fileName);
  if (kind === undefined) {
    return { kind: "skipped", reason: "unsupported", message: `No extractor reads ${file.mediaType} files.` };
  }
  const text = decodeText(file.bytes);
  if (text === undefined) {
    return {
      kind: "skipped",
      reason: "corrupt",
      message: `${file.fileName} is labelled ${file.mediaType} but holds binary data.`,
    };
  }
  if (kind === "csv" || kind === "tsv")
    return { kind: "text", markdown: csvToMarkdown(text, kind === "tsv" ? "\t" : ",") };
  // Plain text is Markdown already, give or take; fenced blocks would hide it from keyword search.
  return { kind: "text", markdown: text.replace(/\r\n?/g, "\n").trim() };
}

/**
 * The extractor core ships: text, Markdown, CSV and TSV, on the calling thread (these are cheap to read). For PDF,
 * Word, PowerPoint, Excel and HTML, pass `createAttachmentExtractor()` from `@archon/confluence-attachments`.
 */
export function createTextAttachmentExtractor(): AttachmentExtractor {
  return {
    id: "text@1",
    supports: (mediaType, fileName) => textKind(mediaType, fileName) !== undefined,
    extract: async (file) => extractText(file),
  };
}
