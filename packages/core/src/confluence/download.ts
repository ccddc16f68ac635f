import { ConfluenceSyncError } from "../errors.js";
import type { DownloadAttachmentOptions } from "../ports/attachments.js";
import { backoffDelay, parseRetryAfter, sleep } from "./retry-policy.js";
import { type ConfluenceFetch, type ConfluenceTransport, codedCause, PERMANENT_NETWORK_CODE } from "./transport.js";

const MAX_REDIRECTS = 5;

/** A failed attempt worth another try: a 429, a 5xx, a reset or a timeout. */
class Transient extends Error {
  constructor(
    message: string,
    readonly kind: "rate-limited" | "retry",
    readonly reason: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * Downloads a file from the site with the transport's `fetch`, retries and timeout, following redirects (Cloud sends
 * downloads to its media store) with credentials only for the site's own origin, and reading at most `maxBytes`:
 * a larger body fails with `ATTACHMENT_TOO_LARGE` as soon as it passes the cap. Every hop goes through the transport's
 * `fetch`, so a URL policy it enforces applies to where a redirect leads too.
 */
export async function downloadFile(
  transport: ConfluenceTransport,
  url: string,
  options: DownloadAttachmentOptions,
): Promise<Uint8Array> {
  const { maxAttempts, baseDelayMs, maxRetryAfterMs, random } = transport.settings;
  const label = `GET ${new URL(url).pathname}`;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await attemptDownload(transport, url, label, options);
    } catch (error) {
      if (!(error instanceof Transient) || attempt >= maxAttempts) {
        if (error instanceof Transient) {
          throw new ConfluenceSyncError(
            "SOURCE_UNAVAILABLE",
            `${label} failed after ${attempt} attempts: ${error.message}`,
            {
              retryable: true,
            },
          );
        }
        throw error;
      }
      const delayMs = error.retryAfterMs ?? backoffDelay(attempt, baseDelayMs, maxRetryAfterMs, random);
      options.onWait?.({ kind: error.kind, attempt, delayMs, reason: error.reason, request: label });
      await sleep(delayMs, options.signal);
    }
  }
}

async function attemptDownload(
  transport: ConfluenceTransport,
  first: string,
  label: string,
  options: DownloadAttachmentOptions,
): Promise<Uint8Array> {
  const { timeoutMs, maxRetryAfterMs } = transport.settings;
  const send: ConfluenceFetch = transport.settings.fetch ?? fetch;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let url = first;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    options.onRequest?.();
    let response: Awaited<ReturnType<ConfluenceFetch>>;
    try {
      response = await send(url, { method: "GET", headers: transport.authHeadersFor(url), redirect: "manual", signal });
    } catch (error) {
      if (options.signal?.aborted) throw new ConfluenceSyncError("SYNC_ABORTED", "The download was aborted.");
      const coded = codedCause(error);
      if (coded && PERMANENT_NETWORK_CODE.test(coded.code)) {
        // A refused address or a bad certificate stays so: say where, and do not try again.
        throw new ConfluenceSyncError(
          "SOURCE_UNAVAILABLE",
          transport.redact(`${label} could not reach ${new URL(url).host}: ${coded.message} (${coded.code})`),
        );
      }
      const reason = timeout.aborted ? "ETIMEDOUT" : "ENETWORK";
      throw new Transient(transport.redact(`${label}: ${(error as Error).message}`), "retry", reason);
    }
    const { status } = response;
    if (status >= 300 && status < 400) {
      const location = response.headers.get("location");
      await response.body?.cancel();
      if (!location) break;
      url = new URL(location, url).toString();
      continue;
    }
    if (status === 429 || status >= 500) {
      await response.body?.cancel();
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), maxRetryAfterMs);
      throw new Transient(`${status}`, status === 429 ? "rate-limited" : "retry", String(status), retryAfterMs);
    }
    if (status === 404 || status === 410) {
      await response.body?.cancel();
      throw new ConfluenceSyncError("SOURCE_NOT_FOUND", `${label} answered ${status}: the file is gone.`);
    }
    if (status === 401 || status === 403) {
      await response.body?.cancel();
      throw new ConfluenceSyncError(
        "SOURCE_AUTH",
        `${label} answered ${status}: these credentials cannot read the file.`,
      );
    }
    if (status < 200 || status >= 300) {
      await response.body?.cancel();
      throw new ConfluenceSyncError("SOURCE_BAD_RESPONSE", `${label} answered ${status}.`);
    }
    return readCapped(response, options.maxBytes, label);
  }
  throw new ConfluenceSyncError("SOURCE_BAD_RESPONSE", `${label} redirected too often, or without a location.`);
}

async function readCapped(
  response: Awaited<ReturnType<ConfluenceFetch>>,
  maxBytes: number,
  label: string,
): Promise<Uint8Array> {
  const tooLarge = () =>
    new ConfluenceSyncError("ATTACHMENT_TOO_LARGE", `${label} is larger than the ${maxBytes}-byte limit.`);
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array();
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
