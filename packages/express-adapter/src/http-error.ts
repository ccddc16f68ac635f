import { ConfluenceSyncError, type Logger } from "@archon/confluence-core";
import type { ErrorRequestHandler, Response } from "express";
import type { z } from "zod";
import type { ErrorResponse, FieldError } from "./schemas.js";

/**
 * An error with an HTTP status and a client-safe message. Throw it from an `authorize` hook to answer, e.g.,
 * `401 UNAUTHORIZED`; every other thrown value becomes a generic `500 INTERNAL`.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields?: FieldError[];
  readonly operationId?: string;
  constructor(
    status: number,
    code: string,
    message: string,
    extra?: { fields?: FieldError[]; operationId?: string; cause?: unknown },
  ) {
    super(message, extra?.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    if (extra?.fields) this.fields = extra.fields;
    if (extra?.operationId) this.operationId = extra.operationId;
  }
}

/** Turns a zod failure into a `400 VALIDATION_FAILED` naming every bad field, e.g. `body.spaceKey`. */
export function validationError(where: "body" | "query" | "params", error: z.ZodError): HttpError {
  const fields = error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  const summary = fields.map((field) => `${field.path}: ${field.message}`).join("; ");
  return new HttpError(400, "VALIDATION_FAILED", `Invalid request: ${summary}`, { fields });
}

/** HTTP status for each SDK error code. */
const statusBySyncCode: Record<string, number> = {
  CONFIG_INVALID: 400,
  SOURCE_AUTH: 422,
  SOURCE_NOT_FOUND: 422,
  SOURCE_RATE_LIMITED: 503,
  SOURCE_UNAVAILABLE: 502,
  SOURCE_BAD_RESPONSE: 502,
  EMBED_FAILED: 502,
  EMBED_BAD_RESPONSE: 502,
  EMBED_DIMENSION_MISMATCH: 500,
  STORE_FAILED: 500,
  SYNC_ABORTED: 409,
  SYNC_ALREADY_RUNNING: 409,
  PERMISSION_REQUIRED: 403,
};

/** Writes the one error shape. */
export function sendError(res: Response, error: HttpError): void {
  const body: ErrorResponse = { error: { code: error.code, message: error.message } };
  if (error.fields) body.error.fields = error.fields;
  if (error.operationId) body.error.operationId = error.operationId;
  res.status(error.status).json(body);
}

/** Maps anything thrown to an {@link HttpError}; unknown errors lose their message (it may hold internals). */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ConfluenceSyncError) {
    return new HttpError(statusBySyncCode[error.code] ?? 500, error.code, error.message);
  }
  const parserError = error as { type?: unknown; status?: unknown; limit?: unknown };
  if (parserError && typeof parserError === "object" && typeof parserError.type === "string") {
    // Errors raised by express.json() (body-parser) before any route runs.
    if (parserError.type === "entity.too.large") {
      return new HttpError(413, "PAYLOAD_TOO_LARGE", `Request body exceeds the limit of ${parserError.limit} bytes.`);
    }
    if (parserError.type === "entity.parse.failed") {
      return new HttpError(400, "INVALID_JSON", "Request body is not valid JSON.");
    }
    if (typeof parserError.status === "number" && parserError.status >= 400 && parserError.status < 500) {
      return new HttpError(parserError.status, "BAD_REQUEST", "The request body could not be read.");
    }
  }
  return new HttpError(500, "INTERNAL", "Internal error; the server log has details.");
}

/** Express error middleware: one JSON shape, no stack traces; 5xx are logged with their cause. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const httpError = toHttpError(error);
    if (httpError.status >= 500) {
      logger.error(
        { err: describeForLog(error), method: req.method, path: req.originalUrl.split("?")[0] },
        "confluence router request failed",
      );
    }
    sendError(res, httpError);
  };
}

function describeForLog(error: unknown): { name: string; message: string; code?: string } {
  if (error instanceof ConfluenceSyncError) return { name: error.name, message: error.message, code: error.code };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "unknown", message: String(error) };
}
