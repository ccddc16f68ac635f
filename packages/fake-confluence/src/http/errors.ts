import type { ApiResponse } from "./types.js";

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** HTTP reason phrase for a status. */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "Error";
}

/** The error body of the v1 REST API (Cloud and Data Center). */
export function v1Error(status: number, message: string, headers?: Record<string, string>): ApiResponse {
  return {
    status,
    headers,
    body: {
      statusCode: status,
      data: { authorized: status !== 401, valid: status !== 400, errors: [], successful: false },
      message,
      reason: reasonPhrase(status),
    },
  };
}

/** The error body of the Cloud v2 API. */
export function v2Error(status: number, detail: string | null, headers?: Record<string, string>): ApiResponse {
  const code = reasonPhrase(status).toUpperCase().replace(/ /g, "_");
  return { status, headers, body: { errors: [{ status, code, title: reasonPhrase(status), detail }] } };
}

/** A request the server refuses, carried as an exception from deep inside a handler. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
