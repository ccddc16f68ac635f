/** Codes of {@link FakeConfluenceError}; the names match the SDK's `SyncErrorCode` values for the same situations. */
export type FakeConfluenceErrorCode = "CONFIG_INVALID" | "SOURCE_NOT_FOUND";

/**
 * Thrown for bad options, a bad `pages.json` or a mutation of something that does not exist. The package keeps its
 * own error class (rather than the SDK's `ConfluenceSyncError`) so it has no runtime dependency on the SDK: users can
 * test any Confluence integration with it, and the SDK's own tests can depend on it without a cycle.
 */
export class FakeConfluenceError extends Error {
  readonly code: FakeConfluenceErrorCode;
  constructor(code: FakeConfluenceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FakeConfluenceError";
    this.code = code;
  }
}
