import { HttpError } from "./errors.js";

/** Every value of a multi-value parameter, accepting both `a=1&a=2` and `a=1,2`. */
export function multi(url: URL, name: string): string[] {
  return url.searchParams
    .getAll(name)
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}

/** A non-negative integer parameter. */
export function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw new HttpError(400, `Parameter '${name}' must be a non-negative integer, got '${raw}'.`);
  return Number(raw);
}

/** `limit`, clamped to [1, max]; 0 or missing gives the default. */
export function limitParam(url: URL, fallback: number, max: number): number {
  const limit = intParam(url, "limit", fallback);
  return Math.min(Math.max(limit === 0 ? fallback : limit, 1), max);
}

/** Expansions as a set; `a.b.c` also implies `a` and `a.b`. */
export function expansions(url: URL): Set<string> {
  const out = new Set<string>();
  for (const value of multi(url, "expand")) {
    const parts = value.split(".");
    for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join("."));
  }
  return out;
}

/** A path and query string with one parameter set to a value (or removed with `null`). */
export function withParams(url: URL, pathPrefixToStrip: string, changes: Record<string, string | null>): string {
  const params = new URLSearchParams(url.searchParams);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) params.delete(key);
    else params.set(key, value);
  }
  const path = url.pathname.startsWith(pathPrefixToStrip) ? url.pathname.slice(pathPrefixToStrip.length) : url.pathname;
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

/** base64url of a JSON value, the shape of the opaque cursors the fake hands out. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function decodeCursor(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new HttpError(400, `Invalid cursor '${cursor}'.`);
  }
}
