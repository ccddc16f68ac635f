/** Every error the SDK throws on purpose carries one of these codes. */
export type SyncErrorCode =
  | "CONFIG_INVALID"
  | "SOURCE_AUTH"
  | "SOURCE_NOT_FOUND"
  | "SOURCE_RATE_LIMITED"
  | "SOURCE_UNAVAILABLE"
  | "SOURCE_BAD_RESPONSE"
  | "CONVERT_FAILED"
  | "PAGE_TOO_COMPLEX"
  | "ATTACHMENT_TOO_LARGE"
  | "EMBED_FAILED"
  | "EMBED_BAD_RESPONSE"
  | "EMBED_DIMENSION_MISMATCH"
  | "STORE_FAILED"
  | "SYNC_ABORTED"
  | "SYNC_ALREADY_RUNNING"
  | "PERMISSION_REQUIRED";

/** An error with a code, a message that says what to do, and whether retrying can help. */
export class ConfluenceSyncError extends Error {
  readonly code: SyncErrorCode;
  readonly retryable: boolean;
  constructor(code: SyncErrorCode, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ConfluenceSyncError";
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
}

export function isConfluenceSyncError(error: unknown, code?: SyncErrorCode): error is ConfluenceSyncError {
  return error instanceof ConfluenceSyncError && (code === undefined || error.code === code);
}

/** A short, secret-free description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : "unknown error";
}
