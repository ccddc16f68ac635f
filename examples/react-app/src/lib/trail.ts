/** One step of a breadcrumb trail. */
export interface TrailItem {
  readonly id: string;
  readonly label: string;
  /** A Cloud folder: a node of the path that is not a page, so it cannot be opened. */
  readonly folder?: boolean;
}

/** What a breadcrumb shows: the items, with `"ellipsis"` standing for the hidden middle. */
export type TrailEntry = { kind: "item"; item: TrailItem } | { kind: "ellipsis"; hidden: TrailItem[] };

/**
 * Shortens a trail longer than `max` items to its first item, an ellipsis, and the last `max - 2` items, so a deep
 * page still shows where it starts and its nearest parents. @default max 5
 */
export function shortenTrail(items: readonly TrailItem[], max = 5): TrailEntry[] {
  const limit = Math.max(3, max);
  if (items.length <= limit) return items.map((item) => ({ kind: "item", item }));
  const [first, ...rest] = items;
  const tail = rest.slice(rest.length - (limit - 2));
  const hidden = rest.slice(0, rest.length - tail.length);
  return [
    ...(first ? [{ kind: "item" as const, item: first }] : []),
    { kind: "ellipsis", hidden },
    ...tail.map((item) => ({ kind: "item" as const, item })),
  ];
}
