import type { z } from "zod";
import { FakeConfluenceError } from "./errors.js";

/** Parses public input with a schema; failures become `CONFIG_INVALID` errors naming each field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
  throw new FakeConfluenceError("CONFIG_INVALID", `fake-confluence: invalid ${what}: ${problems}`, {
    cause: result.error,
  });
}
