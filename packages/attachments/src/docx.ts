import type { AttachmentExtraction } from "@archon/confluence-core";
import { htmlToMarkdown } from "./html.js";

/** A Word document through mammoth (semantic HTML: headings, lists, tables), then turndown to Markdown. */
export async function extractDocx(bytes: Uint8Array): Promise<AttachmentExtraction> {
  const { default: mammoth } = await import("mammoth");
  try {
    // Images would come back as base64 data URIs; their bytes say nothing a search can use.
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes) },
      { convertImage: mammoth.images.imgElement(async () => ({ src: "" })) },
    );
    return { kind: "text", markdown: htmlToMarkdown(result.value) };
  } catch (error) {
    return {
      kind: "skipped",
      reason: "corrupt",
      message: `The Word document cannot be read: ${(error as Error).message}`,
    };
  }
}
