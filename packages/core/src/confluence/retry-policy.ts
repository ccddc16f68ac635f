import { ConfluenceSyncError } from "../errors.js";

/**
 * Milliseconds a `Retry-After` header asks for: delta-seconds or an HTTP date. Returns `undefined` when the header is
 * absent or unreadable, so the caller falls back to its backoff. Never negative, never above `maxMs`: sites have sent
 * `Retry-After: 9223372036854775807`, and obeying that would stall a sync for ever.
 */
export function parseRetryAfter(
  header: string | null | undefined,
  maxMs: number,
  now = Date.now(),
): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === "") return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(value)) {
    ms = Number(value) * 1000;
  } else {
    // An HTTP date always names a weekday or month; this keeps `-5` and friends from parsing as odd years.
    const date = /[A-Za-z]/.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  }
  if (!Number.isFinite(ms)) return maxMs;
  return Math.min(maxMs, Math.max(0, Math.ceil(ms)));
}

/**
 * Exponential backoff with "equal jitter": attempt 1 waits between half and all of `baseMs`, attempt 2 of `2 * baseMs`,
 * and so on, capped at `maxMs`. Jitter keeps concurrent clients from retrying in lockstep.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** The coded error every cancelled call rejects with. */
export function abortError(signal: AbortSignal): ConfluenceSyncError {
  return new ConfluenceSyncError("SYNC_ABORTED", "The Confluence request was aborted.", { cause: signal.reason });
}

/** Waits `ms`, or rejects with `SYNC_ABORTED` as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Replaces every known secret (and its Basic-auth encoding) in a text with `[REDACTED]`. Used on anything that leaves
 * the source as a message or a log line, as a second line of defence behind never putting credentials there.
 */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  const needles = secrets.filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => {
    let result = text;
    for (const needle of needles) result = result.split(needle).join("[REDACTED]");
    return result;
  };
}
