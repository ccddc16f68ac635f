/**
 * "Content kept": how many code-macro bodies and table cells of the source pages can still be found in the stored
 * chunks. Both sides are normalized the same way (lower case, letters and digits only, single spaces), so Markdown
 * escaping, fences or plain-text rendering neither help nor hurt; a code body counts as kept when every line of it
 * with 4+ such characters is found, a cell when its text (8+ characters) is.
 */

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

export function normalize(text: string): string {
  return ` ${text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim()} `;
}

function decode(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(Number.parseInt(code, 16)))
    .replace(/&([a-z]+);/gi, (whole, name: string) => ENTITIES[name.toLowerCase()] ?? whole);
}

/** Code-macro bodies (CDATA sections joined, as Confluence splits them around `]]>`). */
export function codeBodies(storage: string): string[] {
  const bodies: string[] = [];
  const macro = /<ac:structured-macro\b[^>]*ac:name="code"[^>]*>([\s\S]*?)<\/ac:structured-macro>/g;
  for (const match of storage.matchAll(macro)) {
    const body = /<ac:plain-text-body>([\s\S]*?)<\/ac:plain-text-body>/.exec(match[1] ?? "");
    if (!body?.[1]) continue;
    const text = [...body[1].matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>/g)].map((m) => m[1]).join("");
    if (text.trim() !== "") bodies.push(text);
  }
  return bodies;
}

/** Text of every table cell, tags stripped and entities decoded. */
export function tableCells(storage: string): string[] {
  const cells: string[] = [];
  for (const match of storage.matchAll(/<(td|th)\b[^>]*>([\s\S]*?)<\/\1>/g)) {
    const text = decode((match[2] ?? "").replace(/<[^>]+>/g, " "));
    if (text.trim() !== "") cells.push(text);
  }
  return cells;
}

export interface KeptCounts {
  codeBodies: number;
  codeKept: number;
  cells: number;
  cellsKept: number;
}

/** Counts what of one page's storage body is present in its stored chunk texts. */
export function countKept(storage: string, chunkTexts: readonly string[], into: KeptCounts): void {
  const haystack = chunkTexts.map(normalize);
  const found = (needle: string) => haystack.some((text) => text.includes(needle));
  for (const body of codeBodies(storage)) {
    const lines = body
      .split("\n")
      .map(normalize)
      .filter((line) => line.length >= 6);
    if (lines.length === 0) continue;
    into.codeBodies += 1;
    if (lines.every(found)) into.codeKept += 1;
  }
  for (const cell of tableCells(storage)) {
    const needle = normalize(cell);
    if (needle.length < 10) continue;
    into.cells += 1;
    if (found(needle)) into.cellsKept += 1;
  }
}
