import type { ErrorResponse, FieldError } from "./types.js";

/**
 * A failed request to the Confluence router: the server's error code, message and field-level problems, or
 * `NETWORK_ERROR` / `BAD_RESPONSE` when no usable answer came back.
 */
export class ConfluenceApiError extends Error {
  /** HTTP status; `0` when the request never got an answer. */
  readonly status: number;
  /** The server's code (e.g. `VALIDATION_FAILED`, `SYNC_ALREADY_RUNNING`), `NETWORK_ERROR` or `BAD_RESPONSE`. */
  readonly code: string;
  /** Field-level problems, for `VALIDATION_FAILED`. Paths are dotted, e.g. `body.credentials.apiToken`. */
  readonly fields: readonly FieldError[];
  /** The running operation, for `SYNC_ALREADY_RUNNING`. */
  readonly operationId: string | undefined;
  /** Method and path of the failed request, e.g. `POST /sources`. */
  readonly request: string;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { fields?: readonly FieldError[]; operationId?: string; request: string; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ConfluenceApiError";
    this.status = status;
    this.code = code;
    this.fields = options.fields ?? [];
    this.operationId = options.operationId;
    this.request = options.request;
  }

  /**
   * The server's message for one field, matched on its full path (`body.spaceKey`) or its last segments
   * (`spaceKey`, `credentials.apiToken`).
   */
  fieldMessage(path: string): string | undefined {
    return this.fields.find((field) => field.path === path || field.path.endsWith(`.${path}`))?.message;
  }
}

/** `true` for a {@link ConfluenceApiError}, optionally with the given code. */
export function isConfluenceApiError(error: unknown, code?: string): error is ConfluenceApiError {
  return error instanceof ConfluenceApiError && (code === undefined || error.code === code);
}

function isErrorResponse(body: unknown): body is ErrorResponse {
  const error = (body as { error?: unknown } | null)?.error as Record<string, unknown> | undefined;
  return typeof error === "object" && error !== null && typeof error.code === "string";
}

/** Builds the error for a non-2xx answer from its (possibly non-JSON) body. */
export function errorFromResponse(status: number, body: unknown, request: string): ConfluenceApiError {
  if (isErrorResponse(body)) {
    const { code, message, fields, operationId } = body.error;
    return new ConfluenceApiError(status, code, typeof message === "string" ? message : `Request failed (${status}).`, {
      request,
      ...(Array.isArray(fields) ? { fields } : {}),
      ...(typeof operationId === "string" ? { operationId } : {}),
    });
  }
  return new ConfluenceApiError(status, `HTTP_${status}`, `${request} failed with HTTP ${status}.`, { request });
}
