/**
 * A small full-text matcher for the in-memory store, shaped like PostgreSQL's `websearch_to_tsquery('english', ...)`:
 * words are ANDed, `or` between words makes alternatives, a leading `-` excludes a word, quotes group words, and
 * English stop words are ignored. It does not stem, so `deploy` does not find `deployments`.
 */

const STOP_WORDS = new Set(
  (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself " +
    "it its itself they them their theirs themselves what which who whom this that these those am is are was were be " +
    "been being have has had having do does did doing a an the and but if or because as until while of at by for with " +
    "about against between into through during before after above below to from up down in out on off over under again " +
    "further then once here there when where why how all any both each few more most other some such no nor not only " +
    "own same so than too very s t can will just don should now"
  ).split(" "),
);

/** Lower-cased word tokens of `text`, stop words included. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Parsed query: a document matches when it contains every word of at least one alternative of each group. */
export interface KeywordQuery {
  /** AND of groups; each group is an OR of words. */
  readonly groups: string[][];
  readonly excluded: string[];
}

export function parseKeywordQuery(text: string): KeywordQuery | null {
  const groups: string[][] = [];
  const excluded: string[] = [];
  let orPending = false;
  for (const raw of text.split(/\s+/)) {
    if (raw === "") continue;
    if (raw.toLowerCase() === "or") {
      orPending = groups.length > 0;
      continue;
    }
    const negated = raw.startsWith("-");
    const words = tokenize(raw).filter((word) => !STOP_WORDS.has(word));
    if (words.length === 0) continue;
    if (negated) {
      excluded.push(...words);
    } else if (orPending && words.length === 1) {
      groups[groups.length - 1]?.push(words[0] as string);
    } else {
      for (const word of words) groups.push([word]);
    }
    orPending = false;
  }
  return groups.length === 0 ? null : { groups, excluded };
}

/** Occurrences of matched query words in `text`, or 0 when the text does not match. */
export function keywordScore(query: KeywordQuery, text: string): number {
  const counts = new Map<string, number>();
  for (const token of tokenize(text)) counts.set(token, (counts.get(token) ?? 0) + 1);
  if (query.excluded.some((word) => counts.has(word))) return 0;
  let score = 0;
  for (const group of query.groups) {
    const hits = group.reduce((sum, word) => sum + (counts.get(word) ?? 0), 0);
    if (hits === 0) return 0;
    score += hits;
  }
  return score;
}

/** Cosine similarity of two equal-length vectors; 0 when either is all zeros. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
