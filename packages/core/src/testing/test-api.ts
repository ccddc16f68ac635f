/**
 * The test functions the conformance suites use, loaded from Vitest when it is installed. The fakes never need it:
 * `@archon/confluence-core/testing` imports and runs without Vitest, and only calling a `describe*` suite asks for it.
 */
import { ConfluenceSyncError } from "../errors.js";

type Vitest = typeof import("vitest");

let api: Vitest | undefined;
try {
  api = await import("vitest");
} catch {
  api = undefined;
}

function load(): Vitest {
  if (api) return api;
  throw new ConfluenceSyncError(
    "CONFIG_INVALID",
    "The conformance suites of @archon/confluence-core/testing run under Vitest: install it (npm install -D vitest) " +
      "and call them from a test file. The fakes work without it.",
  );
}

/** A stand-in that forwards calls and properties (`it.each`, `expect.objectContaining`) to Vitest on first use. */
function lazy<K extends "describe" | "it" | "expect" | "beforeAll" | "afterAll" | "beforeEach" | "afterEach">(
  name: K,
): Vitest[K] {
  const target = (() => {}) as unknown as Vitest[K];
  return new Proxy(target, {
    apply: (_target, thisArg, args) => Reflect.apply(load()[name] as (...a: unknown[]) => unknown, thisArg, args),
    get: (_target, property) => Reflect.get(load()[name] as object, property),
  });
}

export const describe = lazy("describe");
export const it = lazy("it");
export const expect = lazy("expect");
export const beforeAll = lazy("beforeAll");
export const afterAll = lazy("afterAll");
export const beforeEach = lazy("beforeEach");
export const afterEach = lazy("afterEach");
