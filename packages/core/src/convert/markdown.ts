// Small, linear-time helpers for writing Markdown text.

const INLINE_SPECIALS = /[\\`*[\]]|<(?=[A-Za-z/!?])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g;

/** Escapes text so Markdown does not read it as syntax; keeps `snake_case` readable. */
export function escapeInline(text: string): string {
  return text.replace(INLINE_SPECIALS, (m) => `\\${m}`);
}

/** Whether `c` is a character of JavaScript's `\s`. */
function isJsSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** `text.replace(/\s+/g, " ")`, without building a new string when every run of whitespace is already one space. */
export function collapseSpace(text: string): string {
  let space = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) {
      if (space) return text.replace(/\s+/g, " ");
      space = true;
    } else if (isJsSpace(c)) return text.replace(/\s+/g, " ");
    else space = false;
  }
  return text;
}

/**
 * One pass over text that `collapseSpace` has nothing to do on: `-1` when it does (the caller collapses first), else
 * `words * 4`, plus 1 when `escapeInline` has something to escape, plus 2 when the text holds a `-` (a possible issue
 * key). Words are counted as {@link countWords} counts them.
 */
export function scanText(text: string): number {
  let words = 0;
  let flags = 0;
  let space = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) {
      if (space && i > 0) return -1;
      space = true;
      continue;
    }
    if (c < 128) {
      if (c < 32 && c >= 9 && c <= 13) return -1;
      // \ ` * [ ] < _ may need escaping; - may start an issue key.
      if (c === 92 || c === 96 || c === 42 || c === 91 || c === 93 || c === 60 || c === 95) flags |= 1;
      else if (c === 45) flags |= 2;
    } else if (isJsSpace(c)) return -1;
    if (space) words++;
    space = false;
  }
  return words * 4 + flags;
}

const LINE_START = /^(\s*)(#{1,6}(?=\s|$)|>|[-+](?=\s)|(\d+)([.)])(?=\s)|={3,}|-{3,}|~{3,})/;

/** Escapes what would start a block (`# `, `> `, `- `, `1. `, `---`) at the start of a line of text. */
export function escapeLineStart(line: string): string {
  const c = line.charCodeAt(0);
  // Only whitespace, `#`, `>`, `-`, `+`, a digit, `=` or `~` can start a block.
  const maybe = c === 35 || c === 62 || c === 45 || c === 43 || (c >= 48 && c <= 57) || c === 61 || c === 126;
  if (!maybe && !isJsSpace(c)) return line;
  return line.replace(LINE_START, (_m, space: string, token: string, digits?: string, dot?: string) =>
    digits !== undefined && dot !== undefined ? `${space}${digits}\\${dot}` : `${space}\\${token}`,
  );
}

/** A code fence longer than any run of the fence character inside `body`. */
export function fenceFor(body: string, char = "`"): string {
  let longest = 0;
  let run = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === char) {
      run++;
      if (run > longest) longest = run;
    } else {
      run = 0;
    }
  }
  return char.repeat(Math.max(3, longest + 1));
}

/** A fenced code block; the body is kept byte for byte. */
export function fencedBlock(body: string, language: string): string {
  const fence = fenceFor(body);
  const trimmed = body.endsWith("\n") ? body.slice(0, -1) : body;
  return trimmed === "" ? `${fence}${language}\n${fence}` : `${fence}${language}\n${trimmed}\n${fence}`;
}

/** An inline code span that survives backticks inside. */
export function codeSpan(text: string): string {
  if (text === "") return "";
  let longest = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "`") {
      run++;
      if (run > longest) longest = run;
    } else {
      run = 0;
    }
  }
  const ticks = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

/** Wraps inline Markdown in a delimiter, keeping surrounding spaces outside so the emphasis still parses. */
export function wrapInline(content: string, delimiter: string): string {
  const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(content);
  if (match === null) return content;
  const [, lead = "", core = "", trail = ""] = match;
  if (core === "") return content;
  return `${lead}${delimiter}${core}${delimiter}${trail}`;
}

/** Prefixes every line after the first with `indent` (the first gets `first`). */
export function indentBlock(text: string, first: string, indent: string): string {
  return first + text.replace(/\n(?!\n)/g, `\n${indent}`);
}

/** Prefixes every line with `> ` (an empty line gets `>`). */
export function quoteBlock(text: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? ">" : `> ${line}`))
    .join("\n");
}

/** Link destination: angle brackets when it contains spaces or parentheses. */
export function linkTarget(url: string): string {
  return /[\s()<>]/.test(url) ? `<${url.replace(/[<>]/g, encodeURIComponent)}>` : url;
}

/** Counts whitespace-separated words. */
export function countWords(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const space = code === 32 || code === 10 || code === 9 || code === 13 || code === 160;
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

/**
 * Turns collected inline Markdown into a paragraph: trimmed lines, hard breaks, no accidental block syntax (unless
 * `escapeStarts` is false, for text after a heading marker).
 */
export function finishParagraph(inline: string, escapeStarts = true): string {
  if (inline.indexOf("\n") < 0) {
    const line = (inline.indexOf("  ") < 0 ? inline : inline.replace(/ {2,}/g, " ")).trim();
    return line === "" || !escapeStarts ? line : escapeLineStart(line);
  }
  const lines: string[] = [];
  for (const raw of inline.split("\n")) {
    const line = raw.replace(/ {2,}/g, " ").trim();
    if (line !== "") lines.push(escapeStarts ? escapeLineStart(line) : line);
  }
  return lines.join("  \n");
}
