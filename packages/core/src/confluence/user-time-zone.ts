import { AuthError, ForbiddenError } from "confluence.js";
import { getCurrentUser } from "confluence.js/v1";
import { ConfluenceSyncError, isConfluenceSyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { SourceCallOptions } from "../ports/confluence-source.js";
import type { ConfluenceDeployment } from "./config.js";
import { abortError } from "./retry-policy.js";
import type { ConfluenceTransport } from "./transport.js";

/** Confluence's time zones span UTC-12 to UTC+14; writing UTC and going back 12 hours covers any user's zone. */
const UNKNOWN_ZONE_WIDENING_MS = 12 * 60 * 60 * 1000;

/** The zone CQL dates are written in, and how far to widen the window because the zone is a guess. */
export interface ZoneChoice {
  readonly zone: string;
  readonly widenMs: number;
}

/**
 * The time zone Confluence reads CQL dates in: the configured one, else the credentials' user's profile zone (read
 * once, from `user/current`, on Cloud: Data Center's profile has no time zone), else UTC with the window widened by
 * 12 hours so no change is missed.
 */
export class UserTimeZone {
  readonly #configured: string | undefined;
  readonly #transport: ConfluenceTransport;
  readonly #logger: Logger;
  readonly #baseUrl: string;
  readonly #deployment: ConfluenceDeployment;
  #detected: Promise<ZoneChoice> | undefined;

  constructor(options: {
    configured: string | undefined;
    transport: ConfluenceTransport;
    logger: Logger;
    baseUrl: string;
    deployment: ConfluenceDeployment;
  }) {
    this.#configured = options.configured;
    this.#deployment = options.deployment;
    this.#transport = options.transport;
    this.#logger = options.logger;
    this.#baseUrl = options.baseUrl;
  }

  resolve(options: SourceCallOptions): Promise<ZoneChoice> {
    if (this.#configured !== undefined) return Promise.resolve({ zone: this.#configured, widenMs: 0 });
    // Shared by concurrent callers, so it runs without any one caller's signal; each caller can still stop waiting.
    const { onRequest, onWait, onWarning, signal } = options;
    this.#detected ??= this.#detect({
      ...(onRequest && { onRequest }),
      ...(onWait && { onWait }),
      ...(onWarning && { onWarning }),
    }).catch((error: unknown) => {
      this.#detected = undefined; // a failed detection is retried by the next call
      throw error;
    });
    const detected = this.#detected;
    if (signal === undefined) return detected;
    if (signal.aborted) return Promise.reject(abortError(signal));
    return new Promise<ZoneChoice>((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      signal.addEventListener("abort", onAbort, { once: true });
      detected.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  async #detect(options: SourceCallOptions): Promise<ZoneChoice> {
    if (this.#deployment === "datacenter") {
      // No Data Center version puts a time zone in the user's profile, so nothing is asked.
      return this.#unknown(
        options,
        "Data Center does not report a user's time zone; set timeZone to the zone of the user's Confluence profile, " +
          "by default the server's",
      );
    }
    let reason = "the profile has no time zone";
    try {
      const user = await getCurrentUser(this.#transport.client(options));
      const zone = user.timeZone ?? undefined;
      if (zone !== undefined && zone !== "") {
        new Intl.DateTimeFormat("en-US", { timeZone: zone }); // throws RangeError for a zone this runtime lacks
        return { zone, widenMs: 0 };
      }
    } catch (error) {
      // OAuth and scoped API tokens without `read:confluence-user` may read pages but not the profile: 403, or 401
      // "scope does not match" through the OAuth gateway.
      const cause = error instanceof ConfluenceSyncError ? error.cause : undefined;
      const forbidden =
        cause instanceof ForbiddenError ||
        (cause instanceof AuthError && /scope does not match/i.test(String(cause.body)));
      const unreadable = isConfluenceSyncError(error)
        ? error.code === "SOURCE_NOT_FOUND" || error.code === "SOURCE_BAD_RESPONSE" || forbidden
        : error instanceof RangeError;
      if (!unreadable) throw error;
      if (forbidden) reason = "the credentials may not read the user's profile: scope read:confluence-user";
    }
    return this.#unknown(options, `${reason}. Set timeZone to avoid it`);
  }

  #unknown(options: SourceCallOptions, reason: string): ZoneChoice {
    const message = `Confluence did not report the user's time zone at ${this.#baseUrl}, so change queries are widened by 12 hours: ${reason}.`;
    this.#logger.warn({ baseUrl: this.#baseUrl }, message);
    options.onWarning?.({ code: "TIME_ZONE_UNKNOWN", message });
    return { zone: "UTC", widenMs: UNKNOWN_ZONE_WIDENING_MS };
  }
}
