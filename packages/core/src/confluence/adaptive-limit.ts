import { abortError } from "./retry-policy.js";

/** A change of the in-flight request limit, as {@link AdaptiveLimit} reports it. */
export interface LimitChange {
  /** The new limit. */
  readonly limit: number;
  readonly previous: number;
  /** `rate-limited`: halved after a 429; `recovered`: raised by one after a run of successes. */
  readonly reason: "rate-limited" | "recovered";
}

/** A permit for one request; `sentAt` tells a 429 of a request sent before the last decrease from a new one. */
export interface Permit {
  readonly sentAt: number;
  release(): void;
}

/**
 * Bounds the requests in flight with additive-increase / multiplicative-decrease: a 429 halves the limit (once per
 * generation: answers to requests sent before the last decrease do not halve it again), and every `limit`
 * successes in a row raise it by one, up to `max`. With `adaptive: false` the limit stays at `max`.
 */
export class AdaptiveLimit {
  readonly #max: number;
  readonly #adaptive: boolean;
  #limit: number;
  #successes = 0;
  #inFlight = 0;
  #generation = 0;
  #decreasedAt = -1;
  #lowest: number;
  readonly #waiting: Array<() => void> = [];

  constructor(max: number, adaptive = true) {
    this.#max = max;
    this.#limit = max;
    this.#lowest = max;
    this.#adaptive = adaptive;
  }

  /** Requests allowed in flight now. */
  get limit(): number {
    return this.#limit;
  }

  /** The lowest the limit has been. */
  get lowest(): number {
    return this.#lowest;
  }

  /** Waits for a free slot; rejects with `SYNC_ABORTED` when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const grant = (): Permit => {
      this.#inFlight += 1;
      let released = false;
      return {
        sentAt: this.#generation,
        release: () => {
          if (released) return;
          released = true;
          this.#inFlight -= 1;
          this.#wake();
        },
      };
    };
    if (this.#inFlight < this.#limit && this.#waiting.length === 0) return Promise.resolve(grant());
    return new Promise((resolve, reject) => {
      const ready = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(grant());
      };
      const onAbort = () => {
        const at = this.#waiting.indexOf(ready);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(abortError(signal!));
      };
      this.#waiting.push(ready);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** A request sent with `permit` was answered 429; returns the change, if the limit moved. */
  rateLimited(permit: Permit): LimitChange | undefined {
    this.#successes = 0;
    if (!this.#adaptive || permit.sentAt <= this.#decreasedAt || this.#limit === 1) return undefined;
    const previous = this.#limit;
    this.#limit = Math.max(1, Math.floor(previous / 2));
    this.#lowest = Math.min(this.#lowest, this.#limit);
    this.#decreasedAt = this.#generation;
    this.#generation += 1;
    return { limit: this.#limit, previous, reason: "rate-limited" };
  }

  /** A request was answered without a 429; returns the change, if the limit moved. */
  succeeded(): LimitChange | undefined {
    if (!this.#adaptive || this.#limit >= this.#max) return undefined;
    this.#successes += 1;
    if (this.#successes < this.#limit) return undefined;
    this.#successes = 0;
    const previous = this.#limit;
    this.#limit += 1;
    this.#generation += 1;
    this.#wake();
    return { limit: this.#limit, previous, reason: "recovered" };
  }

  #wake(): void {
    while (this.#inFlight < this.#limit && this.#waiting.length > 0) this.#waiting.shift()!();
  }
}
