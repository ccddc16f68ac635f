import { ConfluenceSyncError } from "../errors.js";

export interface BackoffPolicy {
  /** First delay when the server names none; doubles per attempt. */
  readonly initialDelayMs: number;
  /** Upper bound for every delay, including one the server asks for. */
  readonly maxDelayMs: number;
}

/**
 * How long to wait before retry number `attempt + 1`: what the server asked for in `retry-after-ms` (milliseconds)
 * or `retry-after` (seconds or an HTTP date), clamped to `maxDelayMs`; otherwise exponential backoff with jitter.
 */
export function retryDelay(
  headers: Headers | undefined,
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
  now: number = Date.now(),
): { delayMs: number; fromServer: boolean } {
  const clamp = (ms: number) => Math.min(Math.max(0, Math.ceil(ms)), policy.maxDelayMs);
  const ms = headers?.get("retry-after-ms");
  if (ms != null && ms.trim() !== "" && Number.isFinite(Number(ms))) {
    return { delayMs: clamp(Number(ms)), fromServer: true };
  }
  const after = headers?.get("retry-after")?.trim();
  if (after) {
    if (/^\d+(\.\d+)?$/.test(after)) return { delayMs: clamp(Number(after) * 1000), fromServer: true };
    const date = Date.parse(after);
    if (!Number.isNaN(date)) return { delayMs: clamp(date - now), fromServer: true };
  }
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** attempt);
  // Jitter in [50%, 100%] spreads out concurrent batches that failed together.
  return { delayMs: Math.round(exponential * (0.5 + random() * 0.5)), fromServer: false };
}

export function abortError(signal: AbortSignal): ConfluenceSyncError {
  return new ConfluenceSyncError("SYNC_ABORTED", "Embedding was aborted.", { cause: signal.reason });
}

/** Resolves after `ms`, or rejects with `SYNC_ABORTED` as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Limits how many requests one embedder has in flight, across all its concurrent calls. */
export class Semaphore {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(permits: number) {
    this.#free = permits;
  }

  /** Resolves with a release function once a permit is free; rejects with `SYNC_ABORTED` if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(release);
      };
      const onAbort = () => {
        const at = this.#waiting.indexOf(grant);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(abortError(signal!));
      };
      this.#waiting.push(grant);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** Runs `tasks` with at most `concurrency` at a time; the first failure rejects (the caller cancels the rest). */
export async function runPool(tasks: ReadonlyArray<() => Promise<void>>, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
}

/**
 * Limits requests in flight like {@link Semaphore}, and adapts the limit to the provider: a 429 halves it (down to
 * one) and holds every new request until the wait the server asked for has passed, since a rate limit applies to
 * the whole account, not to one request; each run of `limit` successes in a row raises it by one, up to `max`.
 */
export class AdaptiveLimiter {
  #limit: number;
  #active = 0;
  #successes = 0;
  #notBefore = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly max: number) {
    this.#limit = max;
  }

  /** Requests that may be in flight now. */
  get limit(): number {
    return this.#limit;
  }

  /** Resolves with a release function once a request may go; rejects with `SYNC_ABORTED` if `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        this.#active++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.#active--;
          this.#wake();
        });
      };
      const onAbort = () => {
        const at = this.#waiting.indexOf(grant);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(abortError(signal!));
      };
      this.#waiting.push(grant);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#wake();
    });
  }

  /** A request succeeded. */
  succeeded(): void {
    if (this.#limit >= this.max) return;
    this.#successes++;
    if (this.#successes >= this.#limit) {
      this.#successes = 0;
      this.#limit++;
      this.#wake();
    }
  }

  /** A request got a 429; nothing new goes out for `delayMs`. */
  rateLimited(delayMs: number): void {
    this.#limit = Math.max(1, Math.floor(this.#limit / 2));
    this.#successes = 0;
    this.#notBefore = Math.max(this.#notBefore, Date.now() + delayMs);
  }

  #wake(): void {
    const wait = this.#notBefore - Date.now();
    if (wait > 0) {
      if (this.#waiting.length > 0 && !this.#timer) {
        this.#timer = setTimeout(() => {
          this.#timer = null;
          this.#wake();
        }, wait);
      }
      return;
    }
    while (this.#active < this.#limit && this.#waiting.length > 0) this.#waiting.shift()!();
  }
}
