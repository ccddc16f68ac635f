// Splits one block that is over the token budget into pieces that each fit.
import { type Block, blocks, blockText } from "./blocks.js";

export type CountTokens = (text: string) => number;

const SENTENCE_END = /(?<=[.!?…。！？])\s+(?=\S)/;

/** Cuts text with no usable boundary into pieces of at most `budget` tokens, preferring to cut at a space. */
export function hardSplit(text: string, budget: number, count: CountTokens): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest !== "") {
    let n = Math.min(rest.length, budget * 4);
    let tokens = count(rest.slice(0, n));
    // Repetitive text packs many characters into a token: widen the window before narrowing it.
    while (tokens < budget * 0.6 && n < rest.length) {
      n = Math.min(rest.length, n * 2);
      tokens = count(rest.slice(0, n));
    }
    while (tokens > budget && n > 1) {
      n = Math.max(1, Math.min(n - 1, Math.floor((n * budget * 0.9) / tokens)));
      tokens = count(rest.slice(0, n));
    }
    if (n < rest.length) {
      const space = rest.lastIndexOf(" ", n);
      if (space > n * 0.8) n = space + 1;
    }
    const piece = rest.slice(0, n).trim();
    if (piece !== "") pieces.push(piece);
    rest = rest.slice(n);
  }
  return pieces;
}

/**
 * Packs items into pieces of at most `budget` tokens, each wrapped in `prefix` and `suffix` lines (a re-opened code
 * fence, a repeated table header). An item over the budget on its own is cut with {@link hardSplit}.
 */
export function pack(
  items: readonly string[],
  joiner: string,
  budget: number,
  count: CountTokens,
  prefix: readonly string[] = [],
  suffix: readonly string[] = [],
): string[] {
  const frame = prefix.length + suffix.length === 0 ? 0 : count([...prefix, ...suffix].join("\n")) + 2;
  const room = Math.max(8, budget - frame);
  const pieces: string[] = [];
  let current: string[] = [];
  let used = 0;
  const flush = () => {
    if (current.length === 0) return;
    pieces.push([...prefix, current.join(joiner), ...suffix].join("\n"));
    current = [];
    used = 0;
  };
  for (const item of items) {
    const tokens = count(item) + 1;
    if (tokens > room) {
      flush();
      for (const part of hardSplit(item, room - 1, count)) pieces.push([...prefix, part, ...suffix].join("\n"));
      continue;
    }
    if (used + tokens > room) flush();
    current.push(item);
    used += tokens;
  }
  flush();
  return pieces;
}

/** Sentences of a paragraph. */
export function sentences(text: string): string[] {
  return text.split(SENTENCE_END);
}

/** Pieces of a block that is over `budget` tokens: at line boundaries for code and tables, else lines then sentences. */
export function splitBlock(block: Block, budget: number, count: CountTokens): string[] {
  switch (block.kind) {
    case "heading":
      return hardSplit(block.text, budget, count);
    case "code":
      return pack(block.lines, "\n", budget, count, [block.open], [block.close]);
    case "table":
      return pack(block.rows, "\n", budget, count, block.header, block.footer);
    case "text": {
      if (block.lines.length > 1 && block.lines.every((line) => line.startsWith(">"))) {
        return splitQuote(block.lines, budget, count);
      }
      const items: string[] = [];
      for (const line of block.lines) {
        if (count(line) + 1 <= budget) items.push(line);
        else items.push(...pack(sentences(line), " ", budget - 2, count));
      }
      return block.lines.length === 1 ? items : pack(items, "\n", budget, count);
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
function splitQuote(lines: readonly string[], budget: number, count: CountTokens): string[] {
  const inner = lines.map((line) => line.replace(/^> ?/, ""));
  const marker = /^\[!\w+\]$/.test(inner[0] ?? "") ? (inner.shift() as string) : undefined;
  const framed = (text: string) => quote(marker === undefined ? text : `${marker}\n${text}`);
  const measure: CountTokens = (text) => count(quote(text));
  const room = budget - (marker === undefined ? 0 : count(quote(marker)) + 1);
  const parts: string[] = [];
  for (const inside of blocks(inner.join("\n"))) {
    const text = blockText(inside);
    if (measure(text) <= room) parts.push(text);
    else parts.push(...splitBlock(inside, room, measure));
  }
  const pieces: string[] = [];
  let current = "";
  for (const part of parts) {
    const joined = current === "" ? part : `${current}\n\n${part}`;
    if (current !== "" && measure(joined) > room) {
      pieces.push(framed(current));
      current = part;
    } else current = joined;
  }
  if (current !== "") pieces.push(framed(current));
  return pieces;
}
