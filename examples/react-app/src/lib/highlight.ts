/** A piece of text, marked when it matches a query term. */
export interface Segment {
  readonly text: string;
  readonly match: boolean;
}

/** Words of a query worth highlighting: two characters or more, lower-cased, without duplicates. */
export function queryTerms(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}_-]*/gu) ?? [];
  return [...new Set(words.filter((word) => word.length >= 2))];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Splits `text` into plain and matching segments (case-insensitive, whole-word starts). */
export function highlight(text: string, terms: readonly string[]): Segment[] {
  if (terms.length === 0 || text === "") return text === "" ? [] : [{ text, match: false }];
  const sorted = [...terms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(${sorted.join("|")})`, "giu");
  const segments: Segment[] = [];
  let last = 0;
  for (const found of text.matchAll(pattern)) {
    const start = found.index ?? 0;
    if (start > last) segments.push({ text: text.slice(last, start), match: false });
    segments.push({ text: found[0], match: true });
    last = start + found[0].length;
  }
  if (last < text.length) segments.push({ text: text.slice(last), match: false });
  return segments;
}

/** Markdown reduced to plain text for a snippet: no HTML tags, heading marks, emphasis, link syntax or code fences. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/```[^\n]*\n/g, "")
    .replace(/^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*:?-{0,}:?\s*$/gm, " ")
    .replace(/<\/?[A-Za-z][^>]*>/g, " ")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[[ xX]\][ \t]?|\[![A-Z]+\][ \t]?/g, "")
    .replace(/\[\[([^\]]+)\]\]/g, "$1")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/^[ \t]{0,3}(#{1,6}|>|[-*+]|\d+\.)(?:[ \t]+|$)/gm, "")
    .replace(/[*_`~|]+/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * About `length` characters of the text around the first term that occurs in it (the start when none does), cut at
 * word boundaries, with an ellipsis where text was left out.
 */
export function snippet(text: string, terms: readonly string[], length = 260): string {
  if (text.length <= length) return text;
  const lower = text.toLowerCase();
  const hits = terms.map((term) => lower.indexOf(term)).filter((index) => index >= 0);
  const first = hits.length > 0 ? Math.min(...hits) : 0;
  let start = Math.max(0, first - Math.floor(length / 3));
  let end = Math.min(text.length, start + length);
  start = Math.max(0, end - length);
  if (start > 0) start = text.indexOf(" ", start) + 1 || start;
  if (end < text.length) end = text.lastIndexOf(" ", end) > start ? text.lastIndexOf(" ", end) : end;
  return `${start > 0 ? "… " : ""}${text.slice(start, end).trim()}${end < text.length ? " …" : ""}`;
}
