/** A GET answer kept for revalidation. */
export interface CachedResponse {
  readonly etag: string;
  readonly body: unknown;
}

/** Least-recently-used map from URL to its last ETag and body, bounded so long sessions do not grow it forever. */
export class EtagCache {
  readonly #entries = new Map<string, CachedResponse>();
  readonly #max: number;

  constructor(maxEntries: number) {
    this.#max = Math.max(0, Math.floor(maxEntries));
  }

  get(url: string): CachedResponse | undefined {
    const entry = this.#entries.get(url);
    if (entry) {
      this.#entries.delete(url);
      this.#entries.set(url, entry);
    }
    return entry;
  }

  set(url: string, entry: CachedResponse): void {
    if (this.#max === 0) return;
    this.#entries.delete(url);
    this.#entries.set(url, entry);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
