import { AsyncLocalStorage } from "node:async_hooks";
import { ConfluenceSyncError, isConfluenceSyncError } from "../errors.js";
import type { Embedder } from "../ports/embedder.js";

/** How long partial calls may wait for company; see {@link EmbedBatcher}. */
export interface EmbedBatcherTiming {
  /** Longest a queued text waits for a call to fill while pages are still being prepared. @default 10000 */
  readonly maxWaitMs?: number;
  /** How long no page may be in preparation before a partial call goes out. @default 20 */
  readonly idleMs?: number;
}

interface Pending {
  readonly texts: readonly string[];
  /** The caller's count per text, handed on to the embedder. */
  readonly counts: readonly number[] | undefined;
  readonly tokens: number;
  readonly at: number;
  readonly resolve: (vectors: number[][]) => void;
  readonly reject: (error: unknown) => void;
}

/** One page handed to {@link EmbedBatcher.runPages}: busy until it waits for its vectors, and again once they came. */
interface Item {
  waiting: boolean;
  readonly run: Run;
}

/** One {@link EmbedBatcher.runPages} call: how many of its pages are busy. */
interface Run {
  busy: number;
}

/** Texts with no count from the caller are estimated high, so that a packed call rarely overflows the provider. */
const estimateTokens = (text: string) => Math.ceil(text.length / 3);

/**
 * Merges the texts of concurrently processed pages into shared embedding calls, with at most `maxInFlight` calls
 * running.
 *
 * Pages run through {@link runPages}: a page waiting for its vectors does not hold one of the `concurrency` slots,
 * so the next pages are converted meanwhile and a slow provider never stalls the pipeline. When the embedder names
 * a per-request token limit (`maxRequestTokens`, a remote provider), calls are packed toward it: a partial call
 * waits while pages are still being prepared, and goes out when it is full (inputs or tokens), when the pipeline
 * has been idle for `idleMs` (every page in hand is converted, e.g. waiting for the next listing request), when its
 * oldest text has waited `maxWaitMs`, or on {@link drain}. Without such a limit (an in-process embedder), queued
 * texts go out at the next turn of the event loop, as soon as a call slot is free.
 *
 * A failed shared call is retried in halves, so one text the provider rejects fails only its own page; an outage
 * (a retryable error the embedder gave up on) or a dimension mismatch fails the rest at once.
 */
export class EmbedBatcher {
  readonly #queue: Pending[] = [];
  #queuedInputs = 0;
  #queuedTokens = 0;
  #inFlight = 0;
  /** Pages of {@link runPages} in preparation or writing (not waiting for vectors), across calls. */
  #busy = 0;
  #idleSince: number | null = Date.now();
  #draining = 0;
  #timer: { handle: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate>; due: number } | null = null;
  readonly #context = new AsyncLocalStorage<Item>();
  /** Pages still running after their {@link runPages} call returned. */
  readonly #tails = new Set<Promise<void>>();
  /** Pages (by key) in progress, so that two versions of one page never overlap. */
  readonly #active = new Map<string, Promise<void>>();
  readonly #wakers = new Set<() => void>();
  #failure: { error: unknown } | null = null;
  readonly #maxTokens: number;
  readonly #hold: boolean;
  readonly #maxWaitMs: number;
  readonly #idleMs: number;
  /** Embedding calls made and tokens billed. */
  calls = 0;
  tokens = 0;
  /** Most calls ever in flight at once. */
  mostInFlight = 0;

  constructor(
    private readonly embedder: Embedder,
    private readonly batchSize: number,
    private readonly maxInFlight: number,
    private readonly signal?: AbortSignal,
    timing: EmbedBatcherTiming = {},
  ) {
    this.#maxTokens = embedder.maxRequestTokens ?? Number.POSITIVE_INFINITY;
    this.#hold = embedder.maxRequestTokens !== undefined;
    this.#maxWaitMs = timing.maxWaitMs ?? 10_000;
    this.#idleMs = timing.idleMs ?? 20;
  }

  /**
   * Vectors for `texts`, in order. `tokens` (one count per text, an upper bound is best) lets calls be packed
   * close to the provider's limit; without it the batcher estimates.
   */
  embed(texts: readonly string[], tokens?: readonly number[]): Promise<number[][]> {
    if (texts.length === 0) return Promise.resolve([]);
    let total = 0;
    for (let i = 0; i < texts.length; i++) total += tokens?.[i] ?? estimateTokens(texts[i]!);
    const item = this.#context.getStore();
    return new Promise((resolve, reject) => {
      const wake = () => {
        if (item?.waiting) {
          item.waiting = false;
          item.run.busy++;
          this.#setBusy(+1);
        }
      };
      this.#queue.push({
        texts,
        counts: tokens?.length === texts.length ? tokens : undefined,
        tokens: total,
        at: Date.now(),
        resolve: (vectors) => {
          wake();
          resolve(vectors);
        },
        reject: (error) => {
          wake();
          reject(error);
        },
      });
      this.#queuedInputs += texts.length;
      this.#queuedTokens += total;
      if (item && !item.waiting) {
        item.waiting = true;
        item.run.busy--;
        this.#setBusy(-1);
      }
      this.#pump(false);
    });
  }

  /**
   * Runs `worker` over `items` with at most `concurrency` of them busy; a page waiting in {@link embed} is not
   * busy. Returns once every item has started and none is busy: pages still waiting for vectors finish later, and
   * {@link drain} waits for them. No item starts while another with the same `key` is in progress, nor while a
   * full set of calls is already queued. The first error stops new work and is rethrown (here, or by a later call
   * or {@link drain} when a page failed after this call returned).
   */
  runPages<T>(
    items: readonly T[],
    concurrency: number,
    worker: (item: T) => Promise<void>,
    key?: (item: T) => string,
  ): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure.error);
    let next = 0;
    let failure: { error: unknown } | null = null;
    const run: Run = { busy: 0 };
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        while (failure === null && next < items.length && this.#busy < concurrency && this.#hasRoom()) {
          const value = items[next]!;
          const id = key?.(value);
          if (id !== undefined && this.#active.has(id)) break;
          next++;
          const item: Item = { waiting: false, run };
          run.busy++;
          this.#setBusy(+1);
          const settled = this.#context
            .run(item, () => worker(value))
            .catch((error: unknown) => {
              failure ??= { error };
              this.#failure ??= { error };
            })
            .finally(() => {
              item.run.busy--;
              this.#tails.delete(settled);
              if (id !== undefined && this.#active.get(id) === settled) this.#active.delete(id);
              this.#setBusy(-1);
            });
          this.#tails.add(settled);
          if (id !== undefined) this.#active.set(id, settled);
        }
        if ((failure !== null || next >= items.length) && run.busy === 0) {
          this.#wakers.delete(check);
          if (failure !== null) reject(failure.error);
          else resolve();
        }
      };
      this.#wakers.add(check);
      check();
    });
  }

  /** Sends everything queued, whatever its size, and waits for every page of {@link runPages} to finish. */
  async drain(): Promise<void> {
    this.#draining++;
    try {
      this.#pump(true);
      while (this.#tails.size > 0 || this.#queue.length > 0 || this.#inFlight > 0) {
        if (this.#tails.size > 0) await Promise.all([...this.#tails]);
        else await new Promise<void>((resolve) => this.#wakers.add(once(this.#wakers, resolve)));
      }
    } finally {
      this.#draining--;
    }
    this.#throwIfFailed();
  }

  /** Settles once every page of {@link runPages} running now has finished, whatever the outcome; sends nothing. */
  async running(): Promise<void> {
    await Promise.allSettled([...this.#tails]);
  }

  /** Like {@link drain}, without rethrowing: a failed sync ends this way. */
  async settle(): Promise<void> {
    await this.drain().catch(() => {});
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }

  #hasRoom(): boolean {
    return (
      this.#queuedInputs < this.batchSize * this.maxInFlight && this.#queuedTokens < this.#maxTokens * this.maxInFlight
    );
  }

  #setBusy(delta: number): void {
    this.#busy += delta;
    if (this.#busy > 0) this.#idleSince = null;
    else if (this.#idleSince === null) {
      this.#idleSince = Date.now();
      this.#pump(false);
    }
    if (delta < 0) this.#notify();
  }

  #notify(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  /** Whether a call that is not full may go out now. */
  #partialDue(now: number): boolean {
    if (this.#draining > 0 || this.signal?.aborted) return true;
    if (this.#idleSince !== null && now - this.#idleSince >= this.#idleMs) return true;
    const oldest = this.#queue[0];
    return oldest !== undefined && now - oldest.at >= this.#maxWaitMs;
  }

  /** Sends what may go: full calls always, partial ones when `partial` allows (or the policy says they are due). */
  #pump(partial: boolean): void {
    const now = Date.now();
    while (this.#queue.length > 0 && this.#inFlight < this.maxInFlight) {
      const full = this.#queuedInputs >= this.batchSize || this.#queuedTokens >= this.#maxTokens;
      if (!full && !partial && !(this.#hold && this.#partialDue(now))) break;
      this.#send(this.#take());
    }
    this.#arm(now);
  }

  /** Schedules the next look at a partial call: next turn (no hold), after the idle delay, or at the oldest's age. */
  #arm(now: number): void {
    if (this.#queue.length === 0 || this.#inFlight >= this.maxInFlight) {
      this.#clearTimer();
      return;
    }
    let due: number;
    if (!this.#hold || this.#draining > 0) due = now;
    else {
      const byAge = this.#queue[0]!.at + this.#maxWaitMs;
      due = this.#idleSince === null ? byAge : Math.min(byAge, this.#idleSince + this.#idleMs);
    }
    if (this.#timer && this.#timer.due <= due) return;
    this.#clearTimer();
    const fire = () => {
      this.#timer = null;
      this.#pump(!this.#hold || this.#partialDue(Date.now()));
    };
    const handle = this.#hold ? setTimeout(fire, Math.max(0, due - now)) : setImmediate(fire);
    this.#timer = { handle, due };
  }

  #clearTimer(): void {
    if (!this.#timer) return;
    const { handle } = this.#timer;
    if (this.#hold) clearTimeout(handle as ReturnType<typeof setTimeout>);
    else clearImmediate(handle as ReturnType<typeof setImmediate>);
    this.#timer = null;
  }

  /** The queue's head, as many texts as fit one call (at least one page's). */
  #take(): Pending[] {
    const group: Pending[] = [];
    let inputs = 0;
    let tokens = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      const fits = inputs + next.texts.length <= this.batchSize && tokens + next.tokens <= this.#maxTokens;
      if (group.length > 0 && !fits) break;
      this.#queue.shift();
      group.push(next);
      inputs += next.texts.length;
      tokens += next.tokens;
    }
    this.#queuedInputs -= inputs;
    this.#queuedTokens -= tokens;
    return group;
  }

  #send(group: Pending[]): void {
    this.#inFlight += 1;
    this.mostInFlight = Math.max(this.mostInFlight, this.#inFlight);
    void this.#run(group).finally(() => {
      this.#inFlight -= 1;
      this.#pump(false);
      this.#notify();
    });
  }

  async #run(group: Pending[], first = true): Promise<void> {
    try {
      const counts = group.every((p) => p.counts) ? group.flatMap((p) => p.counts!) : undefined;
      const vectors = await this.#call(
        group.flatMap((p) => p.texts),
        counts,
      );
      let offset = 0;
      for (const pending of group) {
        pending.resolve(vectors.slice(offset, offset + pending.texts.length));
        offset += pending.texts.length;
      }
    } catch (error) {
      // A retryable error the embedder gave up on is an outage: the halves get one try, not a search.
      const outage = isConfluenceSyncError(error) && error.retryable && !first;
      if (group.length === 1 || outage || this.#fatal(error)) {
        for (const pending of group) pending.reject(error);
        return;
      }
      // Halves, one after the other (the slot stays taken): a rejected text is found in a few calls.
      const half = Math.ceil(group.length / 2);
      await this.#run(group.slice(0, half), false);
      await this.#run(group.slice(half), false);
    }
  }

  /** Errors no smaller call would avoid. */
  #fatal(error: unknown): boolean {
    if (this.signal?.aborted || isConfluenceSyncError(error, "SYNC_ABORTED")) return true;
    return isConfluenceSyncError(error, "EMBED_DIMENSION_MISMATCH");
  }

  async #call(texts: readonly string[], counts: readonly number[] | undefined): Promise<number[][]> {
    const out: number[][] = [];
    // A single page can have more chunks than one call takes.
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const slice = texts.slice(i, i + this.batchSize);
      this.calls += 1;
      const tokens = counts?.slice(i, i + this.batchSize);
      const result = await this.embedder.embed(slice, { signal: this.signal, ...(tokens ? { tokens } : {}) });
      this.tokens += result.tokens;
      checkVectors(this.embedder, slice.length, result.embeddings);
      out.push(...result.embeddings);
    }
    return out;
  }
}

/** A waker that removes itself after its first call. */
function once(set: Set<() => void>, resolve: () => void): () => void {
  const wake = () => {
    set.delete(wake);
    resolve();
  };
  return wake;
}

/** The engine trusts no embedder blindly: a wrong count, length or a non-finite value would corrupt the store. */
function checkVectors(embedder: Embedder, expected: number, vectors: readonly number[][]): void {
  if (vectors.length !== expected) {
    throw new ConfluenceSyncError(
      "EMBED_BAD_RESPONSE",
      `Embedder ${embedder.modelId} returned ${vectors.length} vectors for ${expected} inputs.`,
    );
  }
  for (const vector of vectors) {
    if (vector.length !== embedder.dimensions) {
      throw new ConfluenceSyncError(
        "EMBED_DIMENSION_MISMATCH",
        `Embedder ${embedder.modelId} returned a vector of length ${vector.length}; it declares ${embedder.dimensions} dimensions.`,
      );
    }
    for (const value of vector) {
      if (!Number.isFinite(value)) {
        throw new ConfluenceSyncError(
          "EMBED_BAD_RESPONSE",
          `Embedder ${embedder.modelId} returned a non-finite number.`,
        );
      }
    }
  }
}
