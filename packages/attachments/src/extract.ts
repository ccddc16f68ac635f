import type { AttachmentExtraction, AttachmentFile } from "@archon/confluence-core";
import { extractDocx } from "./docx.js";
import { type FileKind, fileKind, isCompoundFile, isZip } from "./formats.js";
import { htmlToMarkdown } from "./html.js";
import { extractPdf } from "./pdf.js";
import { extractPptx } from "./pptx.js";
import { extractXlsx } from "./xlsx.js";

const OFFICE: ReadonlySet<FileKind> = new Set(["docx", "pptx", "xlsx"]);

/**
 * Reads one binary or HTML file with the reader made for its format. Runs on a worker thread; never throws for a bad
 * file. Text, Markdown and CSV are read by core's extractor on the calling thread and do not come here.
 */
export async function extractBinary(file: AttachmentFile): Promise<AttachmentExtraction> {
  const kind = fileKind(file.mediaType, file.fileName);
  if (kind !== undefined && OFFICE.has(kind)) {
    if (isCompoundFile(file.bytes)) {
      return {
        kind: "skipped",
        reason: "encrypted",
        message: `${file.fileName} is protected with a password (an encrypted Office file).`,
      };
    }
    if (!isZip(file.bytes)) {
      return { kind: "skipped", reason: "corrupt", message: `${file.fileName} is not an Office Open XML (ZIP) file.` };
    }
  }
  switch (kind) {
    case "pdf":
      return extractPdf(file.bytes);
    case "docx":
      return extractDocx(file.bytes);
    case "pptx":
      return extractPptx(file.bytes);
    case "xlsx":
      return extractXlsx(file.bytes);
    case "html":
      return { kind: "text", markdown: htmlToMarkdown(new TextDecoder().decode(file.bytes)) };
    default:
      return { kind: "skipped", reason: "unsupported", message: `No extractor reads ${file.mediaType} files.` };
  }
}
