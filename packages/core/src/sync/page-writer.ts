import type { KnowledgeStore, PageWrite } from "../ports/knowledge-store.js";
import { storeCall } from "./util.js";

interface Entry {
  readonly write: PageWrite;
  /** Called once the page is committed. */
  readonly written: () => void;
}

/** How many pages (and chunk rows) one store transaction takes at most, and how many run at once. */
export interface WriteGroupLimits {
  readonly pages: number;
  readonly chunks: number;
  /** Groups written at the same time (each its own transaction). @default 1 */
  readonly inFlight?: number;
}

interface Flight {
  readonly done: Promise<void>;
  readonly pageIds: ReadonlySet<string>;
}

/**
 * Hands finished pages to the store in groups, one transaction per group, when the store can write several pages
 * at once (`writePages`); otherwise one `writePage` per page. Up to `inFlight` groups are written while the next one
 * fills, so the pipeline waits on the store only when they are all busy, and a server uses as many connections. A
 * group never runs beside another that holds one of its pages, so a page's writes commit in the order they were
 * made. A page counts as written only after its group committed, so a crash loses at most uncommitted groups, which
 * the next sync writes again.
 */
export class PageWriter {
  #group: Entry[] = [];
  #groupChunks = 0;
  readonly #flights = new Set<Flight>();
  #failure: { error: unknown } | null = null;
  readonly #inFlight: number;

  constructor(
    private readonly store: KnowledgeStore,
    private readonly limits: WriteGroupLimits,
  ) {
    this.#inFlight = Math.max(1, limits.inFlight ?? 1);
  }

  /** Queues a page. Resolves once it is accepted; rejects with the error of a failed earlier group. */
  async add(write: PageWrite, written: () => void): Promise<void> {
    this.#throwIfFailed();
    if (!this.store.writePages) {
      const { page, chunks } = write;
      await storeCall(`write page ${page.pageId}`, () => this.store.writePage(page, chunks));
      written();
      return;
    }
    this.#group.push({ write, written });
    this.#groupChunks += write.chunks.length;
    if (this.#group.length >= this.limits.pages || this.#groupChunks >= this.limits.chunks) await this.#flush();
  }

  /**
   * Starts writing what is queued, without waiting for it to commit (only, when every lane is busy, for one to
   * free up). Rethrows the failure of an earlier group.
   */
  async flush(): Promise<void> {
    await this.#flush();
    this.#throwIfFailed();
  }

  /** Writes what is queued and waits for every write; rethrows the first failure. */
  async drain(): Promise<void> {
    await this.#flush();
    while (this.#flights.size > 0) await Promise.all([...this.#flights].map((flight) => flight.done));
    this.#throwIfFailed();
  }

  async #flush(): Promise<void> {
    const group = this.#group;
    if (group.length === 0) return;
    this.#group = [];
    this.#groupChunks = 0;
    const pageIds = new Set(group.map((entry) => entry.write.page.pageId));
    const overlaps = (flight: Flight) => [...pageIds].some((id) => flight.pageIds.has(id));
    for (;;) {
      const blocking = [...this.#flights].filter(overlaps);
      if (blocking.length === 0 && this.#flights.size < this.#inFlight) break;
      await Promise.race((blocking.length > 0 ? blocking : [...this.#flights]).map((flight) => flight.done));
    }
    this.#throwIfFailed();
    const flight: Flight = {
      pageIds,
      done: this.#write(group).finally(() => {
        this.#flights.delete(flight);
      }),
    };
    this.#flights.add(flight);
  }

  async #write(group: Entry[]): Promise<void> {
    const writePages = this.store.writePages?.bind(this.store);
    if (!writePages) return;
    try {
      try {
        const ids = group.map((entry) => entry.write.page.pageId);
        await storeCall(`write pages ${ids.join(", ")}`, () => writePages(group.map((entry) => entry.write)));
      } catch (error) {
        if (group.length === 1) throw error;
        // Write them one by one: the pages before the culprit are kept, and the error names the page.
        for (const entry of group) {
          const { page } = entry.write;
          await storeCall(`write page ${page.pageId}`, () => writePages([entry.write]));
          entry.written();
        }
        return;
      }
      for (const entry of group) entry.written();
    } catch (error) {
      this.#failure ??= { error };
    }
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }
}
