import type { z } from "zod";
import { ConfluenceSyncError, describeError } from "../errors.js";

/** Parses input with a zod schema; a failure becomes `CONFIG_INVALID` naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
  throw new ConfluenceSyncError("CONFIG_INVALID", `Invalid ${what}: ${issues}`, { cause: result.error });
}

/** Runs a store call; anything it throws becomes `STORE_FAILED` (coded errors pass through). */
export async function storeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ConfluenceSyncError) throw error;
    throw new ConfluenceSyncError("STORE_FAILED", `The knowledge store failed to ${what}: ${describeError(error)}`, {
      cause: error,
      retryable: true,
    });
  }
}

/** Removes NUL characters, which PostgreSQL text columns cannot hold. */
export function stripNul(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "") : text;
}

/**
 * Confluence's by-title page URL (`<root>/display/SPACE/Title`), which Cloud and Data Center both resolve. It depends
 * on the link alone, not on which pages exist, so a page converts the same whatever else changed.
 */
export function byTitleUrl(root: string, title: string, spaceKey: string): string {
  return `${root}/display/${encodeURIComponent(spaceKey)}/${encodeURIComponent(title).replaceAll("%20", "+")}`;
}
