import type { PageRef } from "../ports/confluence-source.js";

/**
 * A page listing that fills while bodies already stream: `refs` grows batch by batch, and a body batch waits only for
 * the refs of its own pages (their labels, parent and ancestors) instead of for the whole listing. When the listing
 * ends, every waiter goes on, with or without its refs (a page the listing missed is handled as one it did not know);
 * when it fails, every waiter fails with its error.
 */
export class ListingFeed {
  readonly refs = new Map<string, PageRef>();
  #done = false;
  #failure: { error: unknown } | null = null;
  #waiters: { ids: readonly string[]; resolve: () => void; reject: (error: unknown) => void }[] = [];

  /** Whether the listing has ended (successfully). */
  get done(): boolean {
    return this.#done;
  }

  /** Adds one listing batch and wakes the waiters it satisfies. */
  add(batch: readonly PageRef[]): void {
    for (const ref of batch) this.refs.set(ref.id, ref);
    this.#wake();
  }

  /** The listing ended: everyone waiting goes on. */
  finish(): void {
    this.#done = true;
    this.#wake();
  }

  /** The listing failed: everyone waiting, and every later wait, fails with its error. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  /** Throws the error the feed failed with, if any: a listing stops when the stream it feeds has stopped. */
  throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }

  /** Resolves once every id is listed or the listing has ended. */
  async waitFor(ids: readonly string[]): Promise<void> {
    if (this.#failure) throw this.#failure.error;
    if (this.#ready(ids)) return;
    await new Promise<void>((resolve, reject) => this.#waiters.push({ ids, resolve, reject }));
  }

  #ready(ids: readonly string[]): boolean {
    return this.#done || ids.every((id) => this.refs.has(id));
  }

  #wake(): void {
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (this.#ready(waiter.ids)) waiter.resolve();
      else this.#waiters.push(waiter);
    }
  }
}
