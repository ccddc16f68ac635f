import { z } from "zod";
import { Random } from "./random.js";
import { parseOrThrow } from "./validate.js";

const rule = {
  /** Probability per eligible request, drawn from the seeded generator. @default 1 */
  rate: z.number().min(0).max(1).default(1),
  /** Stop once this many requests were hit since the settings were set (each request of a burst counts). @default unlimited */
  times: z.number().int().min(0).optional(),
  /** Only requests whose path contains this text (or matches this expression) are eligible. @default every request */
  match: z.union([z.string(), z.instanceof(RegExp)]).optional(),
};

/** Fault settings; every field is optional and absent means "off". Validated with zod. */
export const faultConfigSchema = z
  .object({
    /** Seed of the generator behind every `rate`. @default the server's `seed` */
    seed: z.number().int().optional(),
    /** Fixed delay before every response, in milliseconds. @default 0 */
    latencyMs: z.number().int().min(0).default(0),
    /** Extra delay for some requests. */
    slow: z
      .object({ ...rule, delayMs: z.number().int().min(0) })
      .strict()
      .optional(),
    /** Token bucket: `capacity` requests at once, refilled at `refillPerSecond`; empty bucket answers 429. */
    rateLimit: z
      .object({
        capacity: z.number().int().min(1).default(10),
        refillPerSecond: z.number().positive().default(5),
        /** How `Retry-After` is sent. `absurd` sends `9223372036854775807`. @default "seconds" */
        retryAfter: z.enum(["seconds", "http-date", "absurd", "missing"]).default("seconds"),
        /** Fixed `Retry-After` seconds instead of the bucket's own estimate. */
        retryAfterSeconds: z.number().int().min(0).optional(),
        /**
         * Data Center's "Block all requests" (or a user's limit of 0): every matching request answers 429 with
         * `X-RateLimit-Limit: 0` and `X-RateLimit-FillRate: 0`, tokens that never come back. @default false
         */
        blocked: z.boolean().default(false),
        match: rule.match,
      })
      .strict()
      .optional(),
    /** 5xx answers; once triggered, `burst` consecutive eligible requests fail. */
    serverError: z
      .object({
        ...rule,
        status: z.number().int().min(500).max(599).default(503),
        burst: z.number().int().min(1).default(1),
        /** Sent as `Retry-After`, as Cloud does on some 503s ("a resource limit has been reached"). */
        retryAfterSeconds: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    /**
     * Answers 403 to matching requests, as a site does for a token without a scope (`/user/current` without
     * `read:confluence-user`) or an administrator blocking an endpoint (`/rest/api/content` listings).
     */
    forbidden: z.object(rule).strict().optional(),
    /** Pages CQL search does not return yet, as a lagging search index; every other endpoint still serves them. */
    indexLag: z
      .object({ pageIds: z.array(z.string()) })
      .strict()
      .optional(),
    /**
     * Pages whose body the server fails to render, every time: a response that would carry one of them with its body
     * expanded answers 500 instead, as Data Center does for a page that breaks its renderer. Listings without bodies
     * still list them.
     */
    unreadable: z
      .object({ pageIds: z.array(z.string()).min(1) })
      .strict()
      .optional(),
    /** Destroys the socket without answering. */
    reset: z.object(rule).strict().optional(),
    /** Answers 200 with a truncated JSON body. */
    malformedJson: z.object(rule).strict().optional(),
    /** Silently clamps `limit` on every listing to this maximum, as Data Center does. */
    clampLimit: z.number().int().min(1).optional(),
    /** The last page of a listing still carries a `next` link, which then returns an empty page. */
    phantomNext: z.object(rule).strict().optional(),
    /** A listing page comes back empty with a `next` link to the same request, which then succeeds. */
    emptyPage: z.object(rule).strict().optional(),
    /**
     * Data Center's CONFSERVER-95396: past the end of an offset listing, the server answers with the last page again,
     * and a `next` link further on, for ever. Each such answer counts once.
     */
    repeatLastPage: z.object(rule).strict().optional(),
  })
  .strict();

/** Fault settings as callers write them. */
export type FaultConfigInput = z.input<typeof faultConfigSchema>;
type FaultConfig = z.output<typeof faultConfigSchema>;
type Rule = { rate: number; times?: number | undefined; match?: string | RegExp | undefined };

/** How many faults of each kind were injected. */
export interface FaultCounters {
  rateLimited: number;
  serverError: number;
  reset: number;
  malformedJson: number;
  slow: number;
  clampedLimit: number;
  phantomNext: number;
  emptyPage: number;
  repeatedLastPage: number;
  forbidden: number;
  unreadable: number;
}

/** The `Retry-After` header a `serverError` rule asks for, if any. */
function retryAfterOf(rule: { retryAfterSeconds?: number | undefined } | undefined): Record<string, string> {
  return rule?.retryAfterSeconds === undefined ? {} : { "Retry-After": String(rule.retryAfterSeconds) };
}

/** What the server must do to a request before handling it. */
export type PreFault =
  | { kind: "none" }
  | { kind: "reset" }
  | { kind: "rate-limited"; headers: Record<string, string> }
  | { kind: "server-error"; status: number; headers: Record<string, string> }
  | { kind: "forbidden" };

const zeroCounters = (): FaultCounters => ({
  rateLimited: 0,
  serverError: 0,
  reset: 0,
  malformedJson: 0,
  slow: 0,
  clampedLimit: 0,
  phantomNext: 0,
  emptyPage: 0,
  repeatedLastPage: 0,
  unreadable: 0,
  forbidden: 0,
});

/** Decides, deterministically by seed, which faults hit which request, and counts them. */
export class FaultInjector {
  #config: FaultConfig;
  #rng: Random;
  #counters = zeroCounters();
  /** Injections since the settings were last replaced; `times` limits count these. */
  #sinceSet = zeroCounters();
  #tokens = 0;
  #lastRefill = 0;
  #burstLeft = 0;
  readonly #emptied = new Set<string>();

  readonly #defaultSeed: number;

  /** @param defaultSeed seed used when the settings name none (the server passes its own seed). */
  constructor(config: FaultConfigInput = {}, defaultSeed = 1) {
    this.#defaultSeed = defaultSeed;
    this.#config = parseOrThrow(faultConfigSchema, config, "faults");
    this.#rng = new Random(this.#config.seed ?? defaultSeed);
    this.#resetBucket();
  }

  /** Current settings. */
  get config(): FaultConfigInput {
    return this.#config;
  }

  /** Replaces every setting (validated); counters and the seeded sequence restart. */
  set(config: FaultConfigInput): void {
    this.#config = parseOrThrow(faultConfigSchema, config, "faults");
    this.#rng = new Random(this.#config.seed ?? this.#defaultSeed);
    this.#sinceSet = zeroCounters();
    this.#burstLeft = 0;
    this.#emptied.clear();
    this.#resetBucket();
  }

  counters(): FaultCounters {
    return { ...this.#counters };
  }

  resetCounters(): void {
    this.#counters = zeroCounters();
  }

  #resetBucket(): void {
    this.#tokens = this.#config.rateLimit?.capacity ?? 0;
    this.#lastRefill = performance.now();
  }

  #fires(r: Rule | undefined, path: string, counter: keyof FaultCounters): boolean {
    if (!r) return false;
    if (r.match !== undefined && !(typeof r.match === "string" ? path.includes(r.match) : r.match.test(path)))
      return false;
    if (r.times !== undefined && this.#sinceSet[counter] >= r.times) return false;
    if (r.rate < 1 && this.#rng.next() >= r.rate) return false;
    this.#counters[counter]++;
    this.#sinceSet[counter]++;
    return true;
  }

  /** Delay to apply before answering, in milliseconds. */
  delayFor(path: string): number {
    const slow = this.#config.slow;
    return this.#config.latencyMs + (this.#fires(slow, path, "slow") ? (slow?.delayMs ?? 0) : 0);
  }

  /** Faults decided before the handler runs: reset, 403, rate limit, 5xx. */
  before(path: string): PreFault {
    if (this.#fires(this.#config.reset, path, "reset")) return { kind: "reset" };
    if (this.#fires(this.#config.forbidden, path, "forbidden")) return { kind: "forbidden" };
    const limit = this.#config.rateLimit;
    if (limit && (limit.match === undefined || matches(limit.match, path))) {
      const now = performance.now();
      this.#tokens = Math.min(limit.capacity, this.#tokens + ((now - this.#lastRefill) / 1000) * limit.refillPerSecond);
      this.#lastRefill = now;
      if (limit.blocked) {
        this.#counters.rateLimited++;
        this.#sinceSet.rateLimited++;
        const headers = {
          "X-RateLimit-Limit": "0",
          "X-RateLimit-Remaining": "0",
          "X-RateLimit-FillRate": "0",
          "X-RateLimit-Interval-Seconds": "1",
          "Retry-After": "9223372036854775807",
        };
        return { kind: "rate-limited", headers };
      }
      if (this.#tokens < 1) {
        this.#counters.rateLimited++;
        this.#sinceSet.rateLimited++;
        const wait = limit.retryAfterSeconds ?? Math.max(1, Math.ceil((1 - this.#tokens) / limit.refillPerSecond));
        const headers: Record<string, string> = {
          "X-RateLimit-Limit": String(limit.capacity),
          "X-RateLimit-Remaining": "0",
        };
        if (limit.retryAfter === "seconds") headers["Retry-After"] = String(wait);
        else if (limit.retryAfter === "http-date")
          headers["Retry-After"] = new Date(Date.now() + wait * 1000).toUTCString();
        else if (limit.retryAfter === "absurd") headers["Retry-After"] = "9223372036854775807";
        return { kind: "rate-limited", headers };
      }
      this.#tokens -= 1;
    }
    const serverError = this.#config.serverError;
    if (serverError && this.#burstLeft > 0 && (serverError.match === undefined || matches(serverError.match, path))) {
      this.#burstLeft--;
      this.#counters.serverError++;
      this.#sinceSet.serverError++;
      return { kind: "server-error", status: serverError.status, headers: retryAfterOf(serverError) };
    }
    if (this.#fires(serverError, path, "serverError")) {
      this.#burstLeft = (serverError?.burst ?? 1) - 1;
      return { kind: "server-error", status: serverError?.status ?? 503, headers: retryAfterOf(serverError) };
    }
    return { kind: "none" };
  }

  /** Whether a 200 response is to fail because it would carry the body of an unreadable page. */
  unreadable(url: URL, body: unknown): boolean {
    const ids = this.#config.unreadable?.pageIds;
    if (!ids || !(url.searchParams.get("expand") ?? "").includes("body.")) return false;
    const items = (body as { results?: unknown } | null)?.results;
    const listed = Array.isArray(items) ? items : [body];
    const hit = listed.some((item) => ids.includes(String((item as { id?: unknown } | null)?.id)));
    if (hit) {
      this.#counters.unreadable++;
      this.#sinceSet.unreadable++;
    }
    return hit;
  }

  /** Whether this successful JSON answer should be truncated. */
  malformed(path: string): boolean {
    return this.#fires(this.#config.malformedJson, path, "malformedJson");
  }

  /** Listing decisions for one request. */
  listing(path: string): {
    clampLimit(requested: number): number;
    phantomNext(): boolean;
    emptyPage(requestKey: string): boolean;
    repeatLastPage(): boolean;
    indexed(pageId: string): boolean;
  } {
    return {
      clampLimit: (requested) => {
        const max = this.#config.clampLimit;
        if (max === undefined || requested <= max) return requested;
        this.#counters.clampedLimit++;
        this.#sinceSet.clampedLimit++;
        return max;
      },
      phantomNext: () => this.#fires(this.#config.phantomNext, path, "phantomNext"),
      indexed: (pageId) => !this.#config.indexLag?.pageIds.includes(pageId),
      repeatLastPage: () => this.#fires(this.#config.repeatLastPage, path, "repeatedLastPage"),
      emptyPage: (requestKey) => {
        // The follow-up request for an emptied page is always served, so a client that follows `next` progresses.
        if (this.#emptied.delete(requestKey)) return false;
        if (!this.#fires(this.#config.emptyPage, path, "emptyPage")) return false;
        this.#emptied.add(requestKey);
        return true;
      },
    };
  }
}

function matches(match: string | RegExp, path: string): boolean {
  return typeof match === "string" ? path.includes(match) : match.test(path);
}
