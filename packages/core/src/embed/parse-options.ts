import type { z } from "zod";
import { ConfluenceSyncError } from "../errors.js";

/**
 * Validates embedder options once, at construction. The message names every offending field, e.g.
 * `OpenAIEmbedder options are invalid: dimensions: must be an integer from 1 to 16384`.
 */
export function parseEmbedderOptions<S extends z.ZodType>(schema: S, input: unknown, owner: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join(".");
    return field === "" ? issue.message : `${field}: ${issue.message}`;
  });
  throw new ConfluenceSyncError("CONFIG_INVALID", `${owner} options are invalid: ${problems.join("; ")}`);
}
