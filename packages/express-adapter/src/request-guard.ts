import type { RequestHandler } from "express";
import { HttpError } from "./http-error.js";

/** What {@link requestGuard} lets in. */
export interface RequestGuardOptions {
  /**
   * Host names (without port) the API answers to, e.g. `["127.0.0.1", "localhost"]`. A request whose `Host` header
   * names any other host is refused, so a DNS-rebinding page cannot reach the API under its own name.
   * @default any host
   */
  readonly allowedHosts?: readonly string[];
  /**
   * Other origins allowed to change things, e.g. `["https://app.acme.com"]` for a UI served from another host.
   * @default only the API's own origin
   */
  readonly allowedOrigins?: readonly string[];
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** The host name of a `Host` header or origin, lower-cased, without port or IPv6 brackets. */
export function hostName(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end < 0 ? host.slice(1) : host.slice(1, end);
  }
  return host.replace(/:\d*$/, "");
}

/**
 * Refuses what a browser page on another site could send: requests for a host the API does not serve
 * (`421 HOST_NOT_ALLOWED`), state-changing requests from another origin (`403 ORIGIN_NOT_ALLOWED`), and bodies that
 * are not `application/json` (`415`), including bodyless `POST`s: a cross-site form or `no-cors` fetch can send
 * neither without a CORS preflight.
 */
export function requestGuard(options: RequestGuardOptions = {}): RequestHandler {
  const allowed = options.allowedHosts?.map((host) => hostName(host));
  const origins = new Set(options.allowedOrigins?.map((origin) => origin.toLowerCase().replace(/\/+$/, "")));
  return (req, _res, next) => {
    const host = req.get("host") ?? "";
    if (allowed && !allowed.includes(hostName(host))) {
      throw new HttpError(421, "HOST_NOT_ALLOWED", "This API does not answer to the host named in the request.");
    }
    if (!SAFE_METHODS.has(req.method)) {
      const origin = req.get("origin");
      const listed = origin !== undefined && origins.has(origin.toLowerCase());
      if (origin !== undefined && origin !== "null" && !listed && !sameHost(origin, host)) {
        throw new HttpError(403, "ORIGIN_NOT_ALLOWED", "Cross-origin requests may not change anything.");
      }
      if (origin === "null" || (!listed && req.get("sec-fetch-site") === "cross-site")) {
        throw new HttpError(403, "ORIGIN_NOT_ALLOWED", "Cross-origin requests may not change anything.");
      }
      if (BODY_METHODS.has(req.method) && !req.is("application/json")) {
        throw new HttpError(
          415,
          "UNSUPPORTED_MEDIA_TYPE",
          "Requests that change something must send a JSON body (Content-Type: application/json), even an empty {}.",
        );
      }
    }
    next();
  };
}

function sameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host.toLowerCase() === host.trim().toLowerCase();
  } catch {
    return false;
  }
}

/** Deepest nesting a JSON body may have; metadata is the only nested free-form field. */
export const MAX_BODY_DEPTH = 32;
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Checks a parsed JSON body without recursion (a hostile body cannot exhaust the stack): nesting at most
 * {@link MAX_BODY_DEPTH} deep, no NUL character in any key or string (PostgreSQL cannot store it), and no
 * `__proto__`, `constructor` or `prototype` key (they would be dropped, or worse, on the way). Throws a
 * `400 VALIDATION_FAILED` naming the field.
 */
export function checkJsonBody(body: unknown): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: "body", depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof value === "string") {
      if (value.includes("\u0000")) invalid(path, "must not contain NUL characters");
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (depth >= MAX_BODY_DEPTH) invalid(path, `is nested deeper than ${MAX_BODY_DEPTH} levels`);
    const entries = Array.isArray(value) ? value.map((item, i) => [String(i), item] as const) : Object.entries(value);
    for (const [key, item] of entries) {
      const at = `${path}.${key.replaceAll("\u0000", "\\u0000")}`;
      if (FORBIDDEN_KEYS.has(key)) invalid(at, `"${key}" is not allowed as a key`);
      if (key.includes("\u0000")) invalid(at, "keys must not contain NUL characters");
      stack.push({ value: item, path: at, depth: depth + 1 });
    }
  }
}

function invalid(path: string, message: string): never {
  throw new HttpError(400, "VALIDATION_FAILED", `${path} ${message}.`, { fields: [{ path, message }] });
}
