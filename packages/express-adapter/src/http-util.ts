import { createHash } from "node:crypto";
import type { Request, Response } from "express";
import type { z } from "zod";
import { validationError } from "./http-error.js";

/** Parses one part of the request with its schema; a `400 VALIDATION_FAILED` naming the fields otherwise. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  where: "body" | "query" | "params",
  value: unknown,
): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationError(where, result.error);
  return result.data;
}

/** A weak ETag over the exact JSON sent. */
export function etagOf(json: string): string {
  return `W/"${createHash("sha256").update(json).digest("base64url").slice(0, 27)}"`;
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = etag.replace(/^W\//, "");
  return ifNoneMatch
    .split(",")
    .map((candidate) => candidate.trim())
    .some((candidate) => candidate === "*" || candidate.replace(/^W\//, "") === bare);
}

/**
 * Sends a JSON body with an ETag; answers `304 Not Modified` (no body) when the client's `If-None-Match` already
 * names it. Clients revalidate every time (`Cache-Control: no-cache`), so a 304 is the cheap path for polling.
 */
export function sendJson(req: Request, res: Response, body: unknown, status = 200): void {
  const json = JSON.stringify(body);
  if (req.method === "GET" || req.method === "HEAD") {
    const etag = etagOf(json);
    res.setHeader("ETag", etag);
    res.setHeader("Cache-Control", "private, no-cache");
    if (status === 200 && matches(req.get("if-none-match"), etag)) {
      res.status(304).end();
      return;
    }
  }
  res.status(status).type("application/json").send(json);
}
