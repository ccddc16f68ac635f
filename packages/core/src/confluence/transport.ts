import {
  ApiError,
  AuthError,
  ForbiddenError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  SchemaMismatchError,
  ServerError,
} from "confluence.js";
import type { Client, SendRequestOptions } from "confluence.js/core";
import type { z } from "zod";
import { ConfluenceSyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { SourceCallOptions, SourceWait } from "../ports/confluence-source.js";
import type { ConfluenceCredentials } from "../ports/credential-store.js";
import { AdaptiveLimit } from "./adaptive-limit.js";
import type { ConfluenceDeployment } from "./config.js";
import { abortError, backoffDelay, createRedactor, parseRetryAfter, sleep } from "./retry-policy.js";

/**
 * The part of `fetch` the transport uses, for API requests and file downloads alike. Replace it to control how
 * connections are made (a proxy, an address pinned after a URL-policy check); it must not follow redirects when asked
 * for `redirect: "manual"`.
 */
export type ConfluenceFetch = (
  url: string,
  init: {
    readonly method: string;
    readonly headers: Record<string, string>;
    readonly redirect: "manual";
    readonly signal: AbortSignal;
  },
) => Promise<{
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  /** The body as a stream; file downloads read it (and stop reading past their size limit). */
  readonly body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
}>;

/** What the transport needs; a subset of the resolved source config. */
export interface TransportOptions {
  readonly baseUrl: string;
  readonly deployment: ConfluenceDeployment;
  readonly credentials: ConfluenceCredentials;
  readonly maxAttempts: number;
  readonly maxRetryAfterMs: number;
  readonly baseDelayMs: number;
  readonly timeoutMs: number;
  readonly logger: Logger;
  /**
   * How long one request keeps retrying 429s once `maxAttempts` are spent, in milliseconds since its first 429: sites
   * that rate-limit for minutes without `Retry-After` are waited out rather than failed. @default 0
   */
  readonly rateLimitBudgetMs?: number;
  /** @default the global `fetch` */
  readonly fetch?: ConfluenceFetch;
  /** Most requests in flight at once. @default 8 */
  readonly maxConcurrentRequests?: number;
  /** Halve the in-flight limit on 429s and raise it back after successes (AIMD). @default true */
  readonly adaptiveConcurrency?: boolean;
  /** Source of jitter, replaceable for tests. @default Math.random */
  readonly random?: () => number;
}

/** One failed attempt that may be retried. */
interface Transient {
  readonly kind: SourceWait["kind"];
  readonly reason: string;
  readonly retryAfterMs?: number;
  readonly error: Error;
}

type Outcome = { ok: true; value: unknown } | { ok: false; failure: Transient };

/** Network failures that another attempt would not mend: certificates, bad URLs, addresses a URL policy refused. */
export const PERMANENT_NETWORK_CODE =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_INVALID_URL|ERR_TLS_CERT|ERR_ADDRESS_NOT_ALLOWED/;

/** The first error in a `cause` chain that has a `code` (`fetch` hides it a level or two down). */
export function codedCause(error: unknown): { code: string; message: string } | undefined {
  let cursor: unknown = error;
  for (let depth = 0; depth < 6 && cursor instanceof Error; depth += 1) {
    const code = (cursor as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return { code, message: cursor.message };
    cursor = cursor.cause;
  }
  return undefined;
}

/** Query string with repeated values comma-joined, which every Confluence endpoint accepts. */
function buildQuery(params: Record<string, unknown> | undefined): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) query.set(key, value.map(String).join(","));
    } else {
      query.set(key, String(value));
    }
  }
  const text = query.toString();
  return text === "" ? "" : `?${text}`;
}

/** The first few zod issues as `path: message`, which names what was wrong without dumping the body. */
function describeIssues(error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
  return issues.join("; ") + (error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : "");
}

/**
 * The HTTP layer under confluence.js: it implements confluence.js's `Client` (`sendRequest`), so the library's endpoint
 * functions and zod response schemas are used unchanged while this class owns what its built-in transport lacks:
 * per-request timeouts, cancellation, `Retry-After` for 429s (clamped), backoff with jitter on 5xx, resets, timeouts and
 * malformed JSON, request/wait observers, Data Center's `/rest/api` base path, and secret-free errors.
 */
export class ConfluenceTransport {
  readonly #options: TransportOptions;
  readonly #authorization: string;
  readonly #redact: (text: string) => string;
  /** Until when every request waits before it is sent: set by a 429, shared by all requests of this source. */
  #coolUntil = 0;
  /** Requests in flight, lowered while the site answers 429. */
  readonly #slots: AdaptiveLimit;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#slots = new AdaptiveLimit(options.maxConcurrentRequests ?? 8, options.adaptiveConcurrency ?? true);
    const { credentials } = options;
    if (credentials.type === "basic") {
      const encoded = Buffer.from(`${credentials.email}:${credentials.apiToken}`, "utf8").toString("base64");
      this.#authorization = `Basic ${encoded}`;
      this.#redact = createRedactor([credentials.apiToken, encoded]);
    } else {
      this.#authorization = `Bearer ${credentials.token}`;
      this.#redact = createRedactor([credentials.token]);
    }
  }

  /** Retry and timeout settings, for requests sent outside confluence.js (file downloads). */
  get settings(): Readonly<TransportOptions> {
    return this.#options;
  }

  /**
   * Headers that authenticate a request to `url`: the credentials go only to the site itself, never to another host a
   * download redirects to (Cloud's media store takes a signed URL instead).
   */
  authHeadersFor(url: string): Record<string, string> {
    return new URL(url).origin === new URL(this.#options.baseUrl).origin ? { Authorization: this.#authorization } : {};
  }

  /** Removes every credential from a text that is about to leave the source. */
  redact(text: string): string {
    return this.#redact(text);
  }

  /** A confluence.js client whose every request reports to, and is cancelled by, the given call options. */
  client(call: SourceCallOptions = {}): Client {
    return { sendRequest: <T>(request: SendRequestOptions<T>) => this.send(request, call) };
  }

  /** Sends one logical request, retrying transient failures, and returns the schema-validated body. */
  async send<T>(request: SendRequestOptions<T>, call: SourceCallOptions = {}): Promise<T> {
    const method = request.method ?? "GET";
    const path = this.#apiPath(request.url);
    const label = `${method} ${path}`;
    const url = `${this.#options.baseUrl}${path}${buildQuery(request.searchParams)}`;
    const { maxAttempts, maxRetryAfterMs, baseDelayMs, logger } = this.#options;

    const budgetMs = this.#options.rateLimitBudgetMs ?? 0;
    let firstLimitedAt: number | undefined;
    let limited = 0;
    for (let attempt = 1; ; attempt += 1) {
      if (call.signal?.aborted) throw abortError(call.signal);
      // At most the in-flight limit of requests go out, and they go once the shared pause is over.
      const permit = await this.#slots.acquire(call.signal);
      let outcome: Outcome;
      try {
        // Another request was told to back off: this one waits too instead of adding to the storm.
        for (let cooling = this.#coolUntil - Date.now(); cooling > 0; cooling = this.#coolUntil - Date.now()) {
          await sleep(cooling, call.signal);
        }
        outcome = await this.#attempt(url, method, label, request.schema, call, attempt);
      } finally {
        permit.release();
      }
      const rateLimited = !outcome.ok && outcome.failure.kind === "rate-limited";
      const change = outcome.ok ? this.#slots.succeeded() : rateLimited ? this.#slots.rateLimited(permit) : undefined;
      if (change) {
        logger.info({ ...change }, `Confluence requests in flight: ${change.previous} -> ${change.limit}`);
        call.onConcurrency?.(change);
      }
      if (outcome.ok) return outcome.value as T;
      const failure = outcome.failure;
      if (rateLimited) {
        limited += 1;
        firstLimitedAt ??= Date.now();
      }
      // 429s come in storms on Cloud; past `maxAttempts` they are waited out for as long as the budget allows.
      const backoffStep = rateLimited ? limited : attempt - limited;
      const delayMs =
        failure.retryAfterMs ?? backoffDelay(backoffStep, baseDelayMs, maxRetryAfterMs, this.#options.random);
      // 429s past maxAttempts are waited out while the budget lasts; any other failure gets maxAttempts tries of its
      // own, however many 429s the request met before (a 503 after a storm is not its twentieth failure).
      if ((rateLimited ? attempt : attempt - limited) >= maxAttempts) {
        const withinBudget = rateLimited && Date.now() - (firstLimitedAt ?? 0) + delayMs <= budgetMs;
        if (!withinBudget) throw this.#exhausted(failure, label, attempt, firstLimitedAt);
      }
      // A 429, or any answer with Retry-After, pauses every request of the source, not only this one.
      if (rateLimited || failure.retryAfterMs !== undefined) {
        this.#coolUntil = Math.max(this.#coolUntil, Date.now() + delayMs);
      }
      const wait: SourceWait = { kind: failure.kind, attempt, delayMs, reason: failure.reason, request: label };
      logger.warn({ ...wait }, `Confluence request failed (${failure.reason}); retrying in ${delayMs} ms`);
      call.onWait?.(wait);
      await sleep(delayMs, call.signal);
    }
  }

  /** Maps the confluence.js v1 path prefix to Data Center's, which has no `/wiki`. */
  #apiPath(url: string): string {
    const path = url.startsWith("/") ? url : `/${url}`;
    if (this.#options.deployment === "cloud") return path;
    if (path.startsWith("/wiki/rest/api/")) return path.slice("/wiki".length);
    throw new ConfluenceSyncError("CONFIG_INVALID", `${path} is a Confluence Cloud API; this source is Data Center.`);
  }

  async #attempt(
    url: string,
    method: string,
    label: string,
    schema: z.ZodType | undefined,
    call: SourceCallOptions,
    attempt: number,
  ): Promise<Outcome> {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const started = Date.now();
    let status: number;
    let statusText: string;
    let text: string;
    let headers: { get(name: string): string | null };
    call.onRequest?.();
    try {
      const send: ConfluenceFetch = this.#options.fetch ?? fetch;
      const response = await send(url, {
        method,
        headers: { Accept: "application/json", Authorization: this.#authorization },
        // A redirect could lead anywhere, past the checks the base URL passed, with the credentials: never follow.
        redirect: "manual",
        signal,
      });
      status = response.status;
      statusText = response.statusText;
      headers = response.headers;
      text = await response.text();
    } catch (error) {
      if (call.signal?.aborted) throw abortError(call.signal);
      const coded = codedCause(error);
      const code = timeout.aborted ? "ETIMEDOUT" : (coded?.code ?? "ENETWORK");
      // A refused address says why; anything else keeps fetch's own words.
      const reason =
        code === "ERR_ADDRESS_NOT_ALLOWED" && coded
          ? coded.message
          : error instanceof Error
            ? error.message
            : String(error);
      const message = this.#redact(`${label} failed: ${reason} (${code})`);
      const cause = new NetworkError(message, { cause: undefined, code, transient: true });
      this.#options.logger.debug(
        { request: label, attempt, error: code, ms: Date.now() - started },
        "Confluence request failed",
      );
      if (PERMANENT_NETWORK_CODE.test(code)) {
        throw new ConfluenceSyncError(
          "SOURCE_UNAVAILABLE",
          `Could not connect to Confluence at ${this.#options.baseUrl}: ${message}`,
          { cause },
        );
      }
      return { ok: false, failure: { kind: "retry", reason: code, error: cause } };
    }
    this.#options.logger.debug({ request: label, attempt, status, ms: Date.now() - started }, "Confluence request");

    if (status >= 200 && status < 300) return this.#parse(status, text, label, schema);
    if (status >= 300 && status < 400) throw this.#redirected(status, headers.get("location"), label);
    const body = this.#redact(text.slice(0, 2000));
    const message = `${label} failed: ${status} ${statusText}`;
    if (status === 429) {
      if (headers.get("x-ratelimit-fillrate")?.trim() === "0") {
        // Data Center's rate limiting set to block this user: its tokens never come back, so waiting cannot help.
        throw new ConfluenceSyncError(
          "SOURCE_RATE_LIMITED",
          `Confluence at ${this.#options.baseUrl} blocks the REST requests of this user (${label} answered 429 with ` +
            "X-RateLimit-FillRate: 0). Ask an administrator to add a rate-limiting exemption for the user.",
          { cause: new RateLimitError(message, statusText, body, {}) },
        );
      }
      const retryAfterMs = parseRetryAfter(headers.get("retry-after"), this.#options.maxRetryAfterMs);
      const error = new RateLimitError(message, statusText, body, retryAfterMs === undefined ? {} : { retryAfterMs });
      return { ok: false, failure: { kind: "rate-limited", reason: "429", retryAfterMs, error } };
    }
    if (status >= 500) {
      // Cloud sends Retry-After with some 503s ("a resource limit has been reached"): it is honoured like a 429's.
      const retryAfterMs = parseRetryAfter(headers.get("retry-after"), this.#options.maxRetryAfterMs);
      const error = new ServerError(message, status, statusText, body);
      return { ok: false, failure: { kind: "retry", reason: String(status), retryAfterMs, error } };
    }
    throw this.#clientError(status, statusText, body, label);
  }

  #parse(
    status: number,
    text: string,
    label: string,
    schema: z.ZodType | undefined,
  ): { ok: true; value: unknown } | { ok: false; failure: Transient } {
    if (status === 204 || text.trim() === "") return { ok: true, value: undefined };
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      const error = new SchemaMismatchError(
        `${label} returned a body that is not JSON`,
        this.#redact(text.slice(0, 500)),
      );
      return { ok: false, failure: { kind: "retry", reason: "malformed JSON", error } };
    }
    if (schema === undefined) return { ok: true, value: data };
    const parsed = schema.safeParse(data);
    if (parsed.success) return { ok: true, value: parsed.data };
    const detail = describeIssues(parsed.error);
    throw new ConfluenceSyncError(
      "SOURCE_BAD_RESPONSE",
      `Confluence at ${this.#options.baseUrl} sent an unexpected response to ${label}: ${detail}`,
      {
        cause: new SchemaMismatchError(`${label}: ${detail}`, this.#redact(text.slice(0, 2000)), {
          cause: parsed.error,
        }),
      },
    );
  }

  #clientError(status: number, statusText: string, body: string, label: string): ConfluenceSyncError {
    const { baseUrl, credentials, deployment } = this.#options;
    const message = `${label} failed: ${status} ${statusText}`;
    if (status === 401 || status === 403) {
      const what =
        credentials.type === "basic"
          ? "email and API token"
          : deployment === "cloud"
            ? "OAuth access token"
            : "personal access token";
      const verb = status === 401 ? "rejected the credentials" : "denied access";
      const cause =
        status === 401 ? new AuthError(message, statusText, body) : new ForbiddenError(message, statusText, body);
      if (/scope does not match/i.test(body)) {
        // Cloud's answer to an OAuth or scoped API token that lacks a scope this request needs: the token is valid.
        return new ConfluenceSyncError(
          "SOURCE_AUTH",
          `Confluence at ${baseUrl} refused ${label} (${status}: scope does not match): the ${what} lacks a scope ` +
            "this request needs. Grant the scopes the README lists for your token type.",
          { cause },
        );
      }
      return new ConfluenceSyncError(
        "SOURCE_AUTH",
        `Confluence at ${baseUrl} ${verb} (${status}) for ${label}. Check the ${what} and that the user may read the space.`,
        { cause },
      );
    }
    if (status === 404) {
      return new ConfluenceSyncError("SOURCE_NOT_FOUND", `Confluence at ${baseUrl} found nothing at ${label} (404).`, {
        cause: new NotFoundError(message, statusText, body),
      });
    }
    const detail = body.replace(/\s+/g, " ").slice(0, 300);
    return new ConfluenceSyncError(
      "SOURCE_BAD_RESPONSE",
      `Confluence at ${baseUrl} refused ${label} (${status}${detail ? `: ${detail}` : ""}).`,
      { cause: new ApiError(message, status, statusText, body) },
    );
  }

  /** A redirect is reported, never followed; its body (someone else's page, perhaps) is never echoed. */
  #redirected(status: number, location: string | null, label: string): ConfluenceSyncError {
    const { baseUrl } = this.#options;
    let target = "";
    try {
      if (location) target = ` to ${new URL(location, baseUrl).origin}`;
    } catch {
      target = "";
    }
    return new ConfluenceSyncError(
      "SOURCE_BAD_RESPONSE",
      `Confluence at ${baseUrl} redirected ${label} (${status})${target}; redirects are not followed. ` +
        "Set the base URL to the address Confluence answers on.",
    );
  }

  #exhausted(failure: Transient, label: string, attempts: number, firstLimitedAt?: number): ConfluenceSyncError {
    const { baseUrl } = this.#options;
    const options = { cause: failure.error, retryable: true };
    if (failure.kind === "rate-limited") {
      const minutes = firstLimitedAt === undefined ? 0 : (Date.now() - firstLimitedAt) / 60_000;
      const spent = minutes >= 0.1 ? ` over ${minutes.toFixed(1)} minutes` : "";
      return new ConfluenceSyncError(
        "SOURCE_RATE_LIMITED",
        `Confluence at ${baseUrl} kept rate-limiting ${label} after ${attempts} attempts${spent}; try again later, lower the concurrency or raise rateLimitBudgetMinutes.`,
        options,
      );
    }
    if (failure.reason === "malformed JSON") {
      return new ConfluenceSyncError(
        "SOURCE_BAD_RESPONSE",
        `Confluence at ${baseUrl} answered ${label} with malformed JSON ${attempts} times.`,
        options,
      );
    }
    return new ConfluenceSyncError(
      "SOURCE_UNAVAILABLE",
      `Confluence at ${baseUrl} did not answer ${label} after ${attempts} attempts (last: ${failure.reason}); try again later.`,
      options,
    );
  }
}
