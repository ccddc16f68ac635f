import type { ConfluencePage, ConfluenceSource, SourceCallOptions } from "../ports/confluence-source.js";

/** Ids of the users a storage-format body mentions (`ri:user` with an account id, user key or user name). */
export function mentionedUserIds(body: string): string[] {
  const ids = new Set<string>();
  for (const match of body.matchAll(/<ri:user\b[^>]*?\bri:(?:account-id|userkey|username)="([^"]+)"/g)) {
    if (match[1]) ids.add(match[1]);
  }
  return [...ids];
}

/**
 * Display names for mentions during one sync: looked up through the source a batch of pages at a time, each user once
 * per sync. A caller-given `resolveUser` answers first; ids nobody can resolve keep rendering as ids.
 */
export class UserNames {
  readonly #names = new Map<string, string | null>();

  constructor(
    private readonly source: ConfluenceSource,
    private readonly fallback: ((id: string) => string | undefined) | undefined,
  ) {}

  /** Looks up every user the pages mention that is not known yet, in one call to the source. */
  async prefetch(pages: readonly ConfluencePage[], call: SourceCallOptions): Promise<void> {
    if (this.source.resolveUsers === undefined) return;
    const wanted = new Set<string>();
    for (const page of pages) {
      for (const id of mentionedUserIds(page.body)) {
        if (!this.#names.has(id) && this.fallback?.(id) === undefined) wanted.add(id);
      }
    }
    if (wanted.size === 0) return;
    const found = await this.source.resolveUsers([...wanted], call);
    for (const id of wanted) this.#names.set(id, found.get(id) ?? null);
  }

  /** Looks up the given users (comment authors, say) that are not known yet, in one call to the source. */
  async prefetchIds(ids: readonly string[], call: SourceCallOptions): Promise<void> {
    if (this.source.resolveUsers === undefined) return;
    const wanted = ids.filter((id) => !this.#names.has(id) && this.fallback?.(id) === undefined);
    if (wanted.length === 0) return;
    const found = await this.source.resolveUsers(wanted, call);
    for (const id of wanted) this.#names.set(id, found.get(id) ?? null);
  }

  /** The converter's `resolveUser`. */
  readonly resolve = (id: string): string | undefined => this.fallback?.(id) ?? this.#names.get(id) ?? undefined;
}
