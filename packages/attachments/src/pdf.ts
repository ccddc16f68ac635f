import type { AttachmentExtraction } from "@archon/confluence-core";

/** Text of every page of a PDF, one `## Page N` section each, through unpdf (PDF.js made for servers). */
export async function extractPdf(bytes: Uint8Array): Promise<AttachmentExtraction> {
  const { extractText, getDocumentProxy } = await import("unpdf");
  let document: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    document = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, stopAtErrors: true });
  } catch (error) {
    const name = (error as { name?: string }).name ?? "";
    if (name === "PasswordException") {
      return { kind: "skipped", reason: "encrypted", message: "The PDF is protected with a password." };
    }
    return { kind: "skipped", reason: "corrupt", message: `The PDF cannot be read: ${(error as Error).message}` };
  }
  try {
    const { text } = await extractText(document, { mergePages: false });
    const pages = text.map((page) => page.replace(/[ \t]+\n/g, "\n").trim());
    if (pages.length === 1) return { kind: "text", markdown: pages[0] ?? "" };
    return {
      kind: "text",
      markdown: pages
        .map((page, i) => (page === "" ? "" : `## Page ${i + 1}\n\n${page}`))
        .filter(Boolean)
        .join("\n\n"),
    };
  } catch (error) {
    return { kind: "skipped", reason: "corrupt", message: `The PDF cannot be read: ${(error as Error).message}` };
  } finally {
    await document.destroy();
  }
}
