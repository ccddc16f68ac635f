// Splits one block that is over the token budget into pieces that each fit.
import { type Block, blocks, blockText } from "./blocks.js";
import { LINK_AT } from "./embed-text.js";
import { splitHtmlRow, splitTableRow } from "./table-row.js";

export type CountTokens = (text: string) => number;

/** A piece of a block and its token count, measured once. */
export interface Piece {
  readonly text: string;
  readonly tokens: number;
}

const SENTENCE_END = /(?<=[.!?…。！？])\s+(?=\S)/;
const SENTENCE_ENDS = new RegExp(SENTENCE_END.source, "g");
const LINKS = new RegExp(LINK_AT.source, "g");
/** Longest run without whitespace handed to the tokenizer at once: BPE is quadratic in the length of one word. */
const LONGEST_RUN = 100;

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13 || code === 160 || code === 12288;
}

/**
 * Whether `text` has more than {@link LONGEST_RUN} characters in a row without whitespace. Such a run covers one of
 * the sample points `k * (LONGEST_RUN + 1)`, so only the runs through those points are measured.
 */
export function hasLongRun(text: string): boolean {
  const stride = LONGEST_RUN + 1;
  for (let at = 0; at < text.length; at += stride) {
    if (isSpace(text.charCodeAt(at))) continue;
    let start = at;
    while (start > 0 && !isSpace(text.charCodeAt(start - 1))) start--;
    let end = at + 1;
    while (end < text.length && !isSpace(text.charCodeAt(end))) end++;
    if (end - start > LONGEST_RUN) return true;
  }
  return false;
}

/**
 * Wraps a token counter so that no run of more than {@link LONGEST_RUN} characters without whitespace reaches it in
 * one call: such a run is counted in slices and the counts added (an upper bound). Linear in the input.
 */
export function boundedCounter(count: CountTokens): CountTokens {
  return (text) => {
    // Most texts have no such run: then the text is counted whole, and only the runs near sample points are read.
    if (!hasLongRun(text)) return count(text);
    let total = 0;
    let from = 0;
    let runStart = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (isSpace(code)) runStart = i + 1;
      else if (i - runStart >= LONGEST_RUN && !(code >= 0xdc00 && code <= 0xdfff)) {
        total += count(text.slice(from, i));
        from = i;
        runStart = i;
      }
    }
    return from === 0 ? count(text) : total + count(text.slice(from));
  };
}

/** Cuts text by characters into pieces of at most `budget` tokens; each count sees a bounded window. */
function cutByCharacters(text: string, budget: number, count: CountTokens): Piece[] {
  const pieces: Piece[] = [];
  const cap = Math.max(64, budget * 32);
  let guess = Math.max(1, budget * 3);
  let start = 0;
  const end = (n: number) => {
    const at = Math.min(text.length, start + n);
    // Never split a surrogate pair.
    const code = text.charCodeAt(at);
    return at < text.length && code >= 0xdc00 && code <= 0xdfff && at - start > 1 ? at - 1 : at;
  };
  while (start < text.length) {
    let stop = end(Math.min(guess, cap));
    let tokens = count(text.slice(start, stop));
    // Repetitive text packs many characters into a token: widen the window (never past the cap) before narrowing it.
    while (tokens < budget * 0.6 && stop < text.length && stop - start < cap) {
      stop = end(Math.min(cap, (stop - start) * 2));
      tokens = count(text.slice(start, stop));
    }
    while (tokens > budget && stop - start > 1) {
      const n = stop - start;
      stop = end(Math.max(1, Math.min(n - 1, Math.floor((n * budget * 0.9) / tokens))));
      tokens = count(text.slice(start, stop));
    }
    pieces.push({ text: text.slice(start, stop), tokens });
    guess = stop - start;
    start = stop;
  }
  return pieces;
}

/** Words of a text, each with the whitespace before it; a Markdown link or image is one word. */
function words(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const start = i;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (i >= text.length) {
      if (out.length > 0) out[out.length - 1] += text.slice(start);
      else out.push(text.slice(start));
      break;
    }
    const c = text[i];
    if (c === "[" || c === "!" || c === "<") {
      LINK_AT.lastIndex = i;
      if (LINK_AT.test(text)) i = LINK_AT.lastIndex;
    }
    while (i < text.length && !isSpace(text.charCodeAt(i))) i++;
    out.push(text.slice(start, i));
  }
  return out;
}

/**
 * Cuts text with no usable boundary into pieces of at most `budget` tokens: between words, never inside a Markdown
 * link; a single word over the budget is cut by characters. Each word is counted once, so this is linear.
 */
export function hardSplit(text: string, budget: number, count: CountTokens): Piece[] {
  const pieces: Piece[] = [];
  let current = "";
  let used = 0;
  const flush = () => {
    const trimmed = current.trim();
    if (trimmed !== "") pieces.push({ text: trimmed, tokens: used });
    current = "";
    used = 0;
  };
  for (const word of words(text)) {
    const tokens = count(word);
    if (tokens > budget) {
      flush();
      const cut = cutByCharacters(word.trimStart(), budget, count);
      const last = cut.pop();
      pieces.push(...cut);
      if (last !== undefined) {
        current = last.text;
        used = last.tokens;
      }
      continue;
    }
    if (used + tokens > budget) {
      flush();
      current = word.trimStart();
    } else current += word;
    used += tokens;
  }
  flush();
  return pieces;
}

/**
 * Packs items into pieces of at most `budget` tokens, each wrapped in `prefix` and `suffix` lines (a re-opened code
 * fence, a repeated table header). An item over the budget on its own is cut by `cut` (by default
 * {@link hardSplit}). Every item is counted once; a piece's count is the sum of its parts.
 */
export function pack(
  items: readonly string[],
  joiner: string,
  budget: number,
  count: CountTokens,
  prefix: readonly string[] = [],
  suffix: readonly string[] = [],
  cut: (item: string, budget: number, count: CountTokens) => Piece[] = hardSplit,
): Piece[] {
  const frame = prefix.length + suffix.length === 0 ? 0 : count([...prefix, ...suffix].join("\n")) + 2;
  const room = Math.max(8, budget - frame);
  const pieces: Piece[] = [];
  let current: string[] = [];
  let used = 0;
  const wrap = (text: string, tokens: number): Piece => ({ text: [...prefix, text, ...suffix].join("\n"), tokens });
  const flush = () => {
    if (current.length === 0) return;
    pieces.push(wrap(current.join(joiner), used + frame));
    current = [];
    used = 0;
  };
  for (const item of items) {
    const tokens = count(item) + 1;
    if (tokens > room) {
      flush();
      for (const part of cut(item, room - 1, count)) pieces.push(wrap(part.text, part.tokens + 1 + frame));
      continue;
    }
    if (used + tokens > room) flush();
    current.push(item);
    used += tokens;
  }
  flush();
  return pieces;
}

/** Joins counted pieces greedily while they fit `budget`. */
function join(items: readonly Piece[], joiner: string, budget: number): Piece[] {
  const pieces: Piece[] = [];
  let current: Piece | undefined;
  for (const item of items) {
    if (current !== undefined && current.tokens + item.tokens + 1 > budget) {
      pieces.push(current);
      current = undefined;
    }
    current =
      current === undefined
        ? item
        : { text: `${current.text}${joiner}${item.text}`, tokens: current.tokens + item.tokens + 1 };
  }
  if (current !== undefined) pieces.push(current);
  return pieces;
}

/** Sentences of a paragraph; a sentence end inside a Markdown link (`[Step 1. Build](...)`) is no end. */
export function sentences(text: string): string[] {
  if (text.indexOf("](") < 0) return text.split(SENTENCE_END);
  const links: [number, number][] = [];
  for (const match of text.matchAll(LINKS)) links.push([match.index, match.index + match[0].length]);
  const out: string[] = [];
  let start = 0;
  let link = 0;
  for (const end of text.matchAll(SENTENCE_ENDS)) {
    while (link < links.length && (links[link] as [number, number])[1] <= end.index) link++;
    const inside = link < links.length && (links[link] as [number, number])[0] < end.index;
    if (inside) continue;
    out.push(text.slice(start, end.index));
    start = end.index + end[0].length;
  }
  out.push(text.slice(start));
  return out;
}

/** Pieces of a block that is over `budget` tokens: at line boundaries for code and tables, else lines then sentences. */
export function splitBlock(block: Block, budget: number, count: CountTokens): Piece[] {
  switch (block.kind) {
    case "heading":
      return hardSplit(block.text, budget, count);
    case "code":
      return pack(block.lines, "\n", budget, count, [block.open], [block.close]);
    case "table": {
      const html = block.footer.length > 0;
      // The header is repeated only while it leaves room for rows (a tiny budget may not); `<table>` always is.
      const repeat = count(block.header.join("\n")) <= budget / 3;
      const kept = html ? 1 : 0;
      const header = repeat ? block.header : block.header.slice(0, kept);
      const rows = repeat ? block.rows : [...block.header.slice(kept), ...block.rows];
      return pack(rows, "\n", budget, count, header, block.footer, html ? splitHtmlRow : splitTableRow);
    }
    case "text": {
      if (block.lines.length > 1 && block.lines.every((line) => line.startsWith(">"))) {
        return splitQuote(block.lines, budget, count);
      }
      const items: Piece[] = [];
      for (const line of block.lines) {
        const tokens = count(line);
        if (tokens + 1 <= budget) items.push({ text: line, tokens });
        else items.push(...pack(sentences(line), " ", budget - 2, count));
      }
      return block.lines.length === 1 ? items : join(items, "\n", budget);
    }
  }
}

const quote = (text: string) =>
  text
    .split("\n")
    .map((line) => (line === "" ? ">" : `> ${line}`))
    .join("\n");

/**
 * A quote (a callout) over the budget: its content is split like a page of its own, so a code block inside is cut
 * at lines with its fence re-opened, then every piece is quoted again and keeps the callout's `[!NOTE]` marker.
 * Sizes are measured on the quoted text.
 */
function splitQuote(lines: readonly string[], budget: number, count: CountTokens): Piece[] {
  const inner = lines.map((line) => line.replace(/^> ?/, ""));
  const marker = /^\[!\w+\]$/.test(inner[0] ?? "") ? (inner.shift() as string) : undefined;
  const framed = (text: string) => quote(marker === undefined ? text : `${marker}\n${text}`);
  const measure: CountTokens = (text) => count(quote(text));
  const markerTokens = marker === undefined ? 0 : count(quote(marker)) + 1;
  const room = budget - markerTokens;
  const parts: Piece[] = [];
  for (const inside of blocks(inner.join("\n"))) {
    const text = blockText(inside);
    const tokens = measure(text);
    if (tokens <= room) parts.push({ text, tokens });
    else parts.push(...splitBlock(inside, room, measure));
  }
  const pieces: Piece[] = [];
  let current: Piece | undefined;
  for (const part of parts) {
    if (current !== undefined && current.tokens + part.tokens + 2 > room) {
      pieces.push({ text: framed(current.text), tokens: current.tokens + markerTokens });
      current = undefined;
    }
    current =
      current === undefined
        ? part
        : { text: `${current.text}\n\n${part.text}`, tokens: current.tokens + part.tokens + 2 };
  }
  if (current !== undefined) pieces.push({ text: framed(current.text), tokens: current.tokens + markerTokens });
  return pieces;
}
