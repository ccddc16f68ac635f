import type { AttachmentExtraction } from "@archon/confluence-core";
import { readZipEntries, xmlText } from "./zip.js";

const SLIDE = /^ppt\/slides\/slide(\d+)\.xml$/;
const NOTES = /^ppt\/notesSlides\/notesSlide(\d+)\.xml$/;

/** Paragraphs of a DrawingML part: the `<a:t>` runs of each `<a:p>`, joined. */
function paragraphs(xml: string): string[] {
  const out: string[] = [];
  for (const paragraph of xml.matchAll(/<a:p\b[^>]*>([\s\S]*?)<\/a:p>/g)) {
    const runs = [...(paragraph[1] ?? "").matchAll(/<a:t(?:\s[^>]*)?>([\s\S]*?)<\/a:t>/g)].map((m) =>
      xmlText(m[1] ?? ""),
    );
    const text = runs.join("").trim();
    if (text !== "") out.push(text);
  }
  return out;
}

/**
 * A PowerPoint deck as one `## Slide N` section per slide (in slide order), with the speaker notes after it. Slides
 * are DrawingML parts in the ZIP (ECMA-376 part 1), read directly: no maintained npm reader extracts slide text alone.
 */
export function extractPptx(bytes: Uint8Array): AttachmentExtraction {
  let parts: Map<string, string>;
  try {
    parts = readZipEntries(bytes, (name) => SLIDE.test(name) || NOTES.test(name));
  } catch (error) {
    return {
      kind: "skipped",
      reason: "corrupt",
      message: `The presentation cannot be read: ${(error as Error).message}`,
    };
  }
  const slides = [...parts.keys()]
    .map((name) => Number(SLIDE.exec(name)?.[1] ?? Number.NaN))
    .filter((n) => Number.isFinite(n))
    .sort((a, b) => a - b);
  if (slides.length === 0) {
    return {
      kind: "skipped",
      reason: "corrupt",
      message: "The file has no slides: it is not a PowerPoint presentation.",
    };
  }
  const sections = slides.map((n) => {
    const text = paragraphs(parts.get(`ppt/slides/slide${n}.xml`) ?? "");
    const notes = paragraphs(parts.get(`ppt/notesSlides/notesSlide${n}.xml`) ?? "").filter(
      (line) => !/^\d+$/.test(line),
    );
    const body = [...text, ...(notes.length > 0 ? ["", `Notes: ${notes.join(" ")}`] : [])].join("\n\n");
    return `## Slide ${n}\n\n${body}`.trim();
  });
  return { kind: "text", markdown: sections.join("\n\n") };
}
