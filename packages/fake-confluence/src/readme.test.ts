import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

describe("README", () => {
  it("opens with a snippet that runs as written", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const snippet = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet).toContain('from "@archon/fake-confluence"');
    // The snippet is plain JavaScript apart from its import, which is pointed at this package's source.
    const body = (snippet as string).replace(
      /import \{ (\w+) \} from "@archon\/fake-confluence";/,
      'const { $1 } = await import("./index.ts");',
    );
    const logged: unknown[][] = [];
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
      ...args: string[]
    ) => (...values: unknown[]) => Promise<void>;
    const run = new AsyncFunction(
      "console",
      "Buffer",
      "fetch",
      "__import",
      body.replace("await import(", "await __import("),
    );
    await run({ log: (...args: unknown[]) => logged.push(args) }, Buffer, fetch, (path: string) =>
      path === "./index.ts" ? import("./index.js") : Promise.reject(new Error(path)),
    );
    expect(logged).toHaveLength(1);
    expect(logged[0]?.[0]).toBe("ENG");
    expect(logged[0]?.[1]).toBeGreaterThan(400);
  });
});
