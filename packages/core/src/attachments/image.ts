import type { ConfluenceAttachment } from "../ports/attachments.js";

/**
 * Alt texts and captions the page shows for an attached image, read from the page's Markdown, where the converter
 * writes `![alt](…/file.png)` with the caption in italics on the next line.
 */
export function imageTextsOnPage(markdown: string, fileName: string): string[] {
  const names = new Set([fileName, encodeURIComponent(fileName)]);
  const out: string[] = [];
  for (const match of markdown.matchAll(/!\[((?:\\.|[^\]\\])*)\]\(<?([^)>\s]*)>?\)(?:\n\*((?:\\.|[^*\\])+)\*)?/g)) {
    const target = match[2] ?? "";
    const last = target.split("?")[0]?.split("/").at(-1) ?? "";
    if (!names.has(last)) continue;
    for (const text of [match[1], match[3]]) {
      const plain = (text ?? "").replace(/\\(.)/g, "$1").trim();
      if (plain !== "" && plain !== fileName && !out.includes(plain)) out.push(plain);
    }
  }
  return out;
}

/** What an image is indexed by: its file name, its caption, and the alt texts and captions its page gives it. */
export function imageMarkdown(file: ConfluenceAttachment, pageTexts: readonly string[]): string {
  const lines = [`Image: ${file.fileName}`];
  if (file.comment.trim() !== "") lines.push("", file.comment.trim());
  const extra = pageTexts.filter((text) => text !== file.comment.trim());
  if (extra.length > 0) lines.push("", ...extra);
  return lines.join("\n");
}
