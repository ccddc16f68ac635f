/**
 * Text shaping for assistants: Markdown chunks become short plain-text snippets (no table pipes, link targets or
 * emphasis marks, which cost tokens and say nothing), and long pages are cut into parts at section boundaries.
 */

const FENCE = /^\s*(```|~~~)/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const TABLE_RULE = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

/** Inline Markdown to plain text: links keep their text, images and HTML tags go, emphasis marks go. */
function inlineToText(line: string): string {
  return line
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<\/?[A-Za-z][^>]*>/g, " ")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/(\*\*|__)(.+?)\1/g, "$2")
    .replace(/(^|[\s(])[*_]([^*_\s][^*_]*?)[*_](?=[\s).,;:!?]|$)/g, "$1$2")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Plain text of a Markdown fragment: headings lose their `#`, table rows become `cell; cell` lines (the rule row
 * goes), list and quote markers go, code keeps its text. One line per block.
 */
export function markdownToPlainText(markdown: string): string {
  const out: string[] = [];
  let inFence = false;
  for (const raw of markdown.split("\n")) {
    if (FENCE.test(raw)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) {
      const code = raw.trim();
      if (code) out.push(code);
      continue;
    }
    if (TABLE_RULE.test(raw) && raw.includes("-")) continue;
    let line = raw.trim();
    if (!line) continue;
    const heading = HEADING.exec(line);
    if (heading) line = heading[2] ?? "";
    else if (line.startsWith("|")) {
      line = line
        .replace(/^\|/, "")
        .replace(/\|$/, "")
        .split("|")
        .map((cell) => inlineToText(cell))
        .filter((cell) => cell !== "")
        .join("; ");
    } else {
      line = line.replace(/^(>\s*)+/, "").replace(/^([-*+]\s+(\[[ xX]\]\s+)?|\d+[.)]\s+)/, "");
    }
    const text = inlineToText(line);
    if (text) out.push(text);
  }
  return out.join("\n");
}

/** Lower-case words of a query worth matching: two letters or more. */
export function queryTerms(query: string): string[] {
  return [...new Set(query.toLowerCase().match(/[\p{L}\p{N}_]{2,}/gu) ?? [])];
}

/**
 * The window of `text` (at most `maxChars`, cut at word boundaries) holding the most query terms; its start when
 * no term occurs. Newlines become ` · ` so a snippet stays one line.
 */
export function bestSnippet(text: string, query: string, maxChars = 320): string {
  const flat = text.replace(/\s*\n+\s*/g, " · ").trim();
  if (flat.length <= maxChars) return flat;
  const terms = queryTerms(query);
  const lower = flat.toLowerCase();
  const hits: number[] = [];
  for (const term of terms) {
    for (let at = lower.indexOf(term); at !== -1; at = lower.indexOf(term, at + term.length)) hits.push(at);
  }
  hits.sort((a, b) => a - b);
  let start = 0;
  let best = -1;
  for (let i = 0; i < hits.length; i++) {
    const from = hits[i] ?? 0;
    let count = 0;
    for (let j = i; j < hits.length && (hits[j] ?? 0) < from + maxChars - 40; j++) count++;
    if (count > best) {
      best = count;
      start = from;
    }
  }
  // Start a little before the first hit, at a word boundary, so the hit reads in context.
  start = Math.max(0, start - 60);
  if (start > 0) {
    const space = flat.indexOf(" ", start);
    start = space === -1 || space > start + 30 ? start : space + 1;
  }
  let end = Math.min(flat.length, start + maxChars);
  if (end < flat.length) {
    const space = flat.lastIndexOf(" ", end);
    if (space > start + maxChars / 2) end = space;
  }
  return `${start > 0 ? "…" : ""}${flat.slice(start, end).trim()}${end < flat.length ? "…" : ""}`;
}

/** One part of a page as {@link splitIntoParts} returns it. */
export interface PagePart {
  readonly markdown: string;
  /** Headings that start in this part, in order. */
  readonly headings: readonly string[];
}

/** Splits Markdown before each heading that is outside a code fence: the first section is the text before it. */
function sections(markdown: string): { heading: string | null; text: string }[] {
  const result: { heading: string | null; lines: string[] }[] = [{ heading: null, lines: [] }];
  let inFence = false;
  for (const line of markdown.split("\n")) {
    if (FENCE.test(line)) inFence = !inFence;
    const heading = inFence ? null : HEADING.exec(line);
    if (heading) result.push({ heading: inlineToText(heading[2] ?? ""), lines: [line] });
    else result.at(-1)?.lines.push(line);
  }
  return result
    .map(({ heading, lines }) => ({ heading, text: lines.join("\n").trim() }))
    .filter((section) => section.text !== "");
}

/** Cuts text longer than `maxChars` at blank lines, else at line ends, else hard. */
function cutLong(text: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > maxChars) {
    let cut = rest.lastIndexOf("\n\n", maxChars);
    if (cut < maxChars / 2) cut = rest.lastIndexOf("\n", maxChars);
    if (cut < maxChars / 2) cut = maxChars;
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) pieces.push(rest);
  return pieces;
}

/**
 * Cuts a page's Markdown into parts of at most `maxChars` characters, on section boundaries: sections are packed
 * in order while they fit, and only a section longer than a part on its own is cut inside (at a blank line where
 * possible). A page that fits is one part.
 */
export function splitIntoParts(markdown: string, maxChars: number): PagePart[] {
  const text = markdown.trim();
  if (text.length <= maxChars) return [{ markdown: text, headings: sections(text).flatMap((s) => s.heading ?? []) }];
  const parts: { texts: string[]; headings: string[]; size: number }[] = [];
  const open = () => {
    const part = { texts: [] as string[], headings: [] as string[], size: 0 };
    parts.push(part);
    return part;
  };
  let current = open();
  for (const section of sections(text)) {
    const pieces = cutLong(section.text, maxChars);
    pieces.forEach((piece, index) => {
      if (current.size > 0 && current.size + 2 + piece.length > maxChars) current = open();
      if (index === 0 && section.heading !== null) current.headings.push(section.heading);
      current.texts.push(piece);
      current.size += piece.length + (current.size > 0 ? 2 : 0);
    });
  }
  return parts.map((part) => ({ markdown: part.texts.join("\n\n"), headings: part.headings }));
}
