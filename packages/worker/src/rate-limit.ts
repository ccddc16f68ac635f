import type {
  ConfluencePage,
  ConfluenceSource,
  ConfluenceSpace,
  PageRef,
  SourceCallOptions,
} from "@archon/confluence-core";
import type pg from "pg";

/**
 * A token bucket per Confluence site, kept in one PostgreSQL row, so every worker on every machine draws from the
 * same budget. Taking a token is one statement: the row lock orders concurrent takers, the balance may go negative,
 * and a taker that drove it below zero waits until its token has been earned back. That keeps the long-run rate at
 * `requestsPerSecond` however many workers share the site, without a polling loop.
 */
export class PgTokenBucket {
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    readonly requestsPerSecond: number,
    readonly burst: number,
  ) {}

  /** Takes a token for `site` and returns how long the caller must wait before sending, in milliseconds. */
  async reserve(site: string): Promise<number> {
    const { rows } = await this.pool.query<{ tokens: number }>(
      `INSERT INTO "${this.schema}".rate_buckets AS b (site, tokens, refilled_at)
       VALUES ($1, $2::float8 - 1, clock_timestamp())
       ON CONFLICT (site) DO UPDATE SET
         tokens = LEAST($2::float8,
           b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.refilled_at)::float8 * $3::float8) - 1,
         refilled_at = clock_timestamp()
       RETURNING tokens`,
      [site, this.burst, this.requestsPerSecond],
    );
    const tokens = rows[0]?.tokens ?? 0;
    return tokens >= 0 ? 0 : Math.ceil((-tokens / this.requestsPerSecond) * 1000);
  }

  /** Waits for a token for `site`; rejects when `signal` aborts. */
  async take(site: string, signal?: AbortSignal): Promise<void> {
    const delay = await this.reserve(site);
    if (delay > 0) await sleep(delay, signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The rate-limit key of a site: its host, so every source on one Confluence shares a bucket. */
export function siteKey(baseUrl: string): string {
  return new URL(baseUrl).host.toLowerCase();
}

/**
 * A {@link ConfluenceSource} that takes a token from the site's bucket (when given one) before every call and
 * before every batch a listing yields. One listing batch is one HTTP request; a `getPages` batch is one request
 * per batch of ids; the step that ends a listing may cost one spare token. Retries inside the source are not metered
 * here; they follow the site's `Retry-After`.
 *
 * It also marks every batch promise as observed as soon as it exists: the engine fetches the next batch while it
 * processes the current one, and a sync aborted in between must not surface that batch's abort error as an
 * unhandled rejection (the engine still receives it when it awaits the batch).
 */
export class RateLimitedSource implements ConfluenceSource {
  readonly deployment: "cloud" | "datacenter";
  readonly baseUrl: string;
  readonly #site: string;

  constructor(
    private readonly inner: ConfluenceSource,
    private readonly bucket: PgTokenBucket | null,
  ) {
    this.deployment = inner.deployment;
    this.baseUrl = inner.baseUrl;
    this.#site = siteKey(inner.baseUrl);
  }

  async checkConnection(options?: SourceCallOptions): Promise<void> {
    await this.bucket?.take(this.#site, options?.signal);
    return this.inner.checkConnection(options);
  }

  async getSpace(spaceKey: string, options?: SourceCallOptions): Promise<ConfluenceSpace> {
    await this.bucket?.take(this.#site, options?.signal);
    return this.inner.getSpace(spaceKey, options);
  }

  listPageRefs(...args: Parameters<ConfluenceSource["listPageRefs"]>): AsyncIterable<PageRef[]> {
    return this.#metered(() => this.inner.listPageRefs(...args), args[1]?.signal);
  }

  listPages(...args: Parameters<ConfluenceSource["listPages"]>): AsyncIterable<ConfluencePage[]> {
    return this.#metered(() => this.inner.listPages(...args), args[1]?.signal);
  }

  listChangedSince(...args: Parameters<ConfluenceSource["listChangedSince"]>): AsyncIterable<ConfluencePage[]> {
    return this.#metered(() => this.inner.listChangedSince(...args), args[2]?.signal);
  }

  getPages(...args: Parameters<ConfluenceSource["getPages"]>): AsyncIterable<ConfluencePage[]> {
    return this.#metered(() => this.inner.getPages(...args), args[2]?.signal);
  }

  #metered<T>(open: () => AsyncIterable<T>, signal: AbortSignal | undefined): AsyncIterable<T> {
    const { bucket } = this;
    const site = this.#site;
    return {
      [Symbol.asyncIterator]() {
        const iterator = open()[Symbol.asyncIterator]();
        return {
          next() {
            const batch = (async () => {
              await bucket?.take(site, signal);
              return iterator.next();
            })();
            batch.catch(() => {});
            return batch;
          },
          async return(value?: unknown) {
            return iterator.return ? iterator.return(value) : { done: true as const, value: undefined };
          },
        };
      },
    };
  }
}
