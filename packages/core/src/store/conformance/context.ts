import { ConfluenceSyncError, type SyncErrorCode } from "../../errors.js";
import type { KnowledgeStore } from "../../ports/knowledge-store.js";
import { expect } from "../../testing/test-api.js";

/** What each group of the knowledge store conformance suite gets. */
export interface SuiteContext {
  /** The store under test, fresh for each test. */
  store(): KnowledgeStore;
  /** Vector length used by the suite. */
  readonly dims: number;
  /** A second vector length the store accepts, for dimension-mismatch tests. */
  readonly altDims: number;
}

/** Asserts that `promise` rejects with a `ConfluenceSyncError` of `code` whose message matches `message`. */
export async function expectCoded(promise: Promise<unknown>, code: SyncErrorCode, message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected a ${code} error`).toBeInstanceOf(ConfluenceSyncError);
  expect((error as ConfluenceSyncError).code).toBe(code);
  if (message) expect((error as ConfluenceSyncError).message).toMatch(message);
}
