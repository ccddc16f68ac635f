/** Search results are chunks; people look for pages. */
export interface PageGroup<Hit> {
  /** The page's best-ranked chunk. */
  readonly best: Hit;
  /** How many more of the page's chunks matched. */
  readonly more: number;
}

/** One entry per page (source + page id), in the rank order of each page's best chunk. */
export function groupByPage<Hit extends { sourceId: string; pageId: string }>(hits: readonly Hit[]): PageGroup<Hit>[] {
  const groups = new Map<string, { best: Hit; more: number }>();
  for (const hit of hits) {
    const key = `${hit.sourceId}\u0000${hit.pageId}`;
    const group = groups.get(key);
    if (group) group.more++;
    else groups.set(key, { best: hit, more: 0 });
  }
  return [...groups.values()];
}
