import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

describe("README", () => {
  it("opens with a snippet that runs as written", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const snippet = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    expect(snippet).toContain('from "@archon/confluence-attachments"');
    const body = snippet.replace(
      /import \{ (\w+) \} from "@archon\/confluence-attachments";/,
      'const { $1 } = await __import("./index.ts");',
    );
    const logged: unknown[][] = [];
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
      ...args: string[]
    ) => (...values: unknown[]) => Promise<void>;
    await new AsyncFunction("console", "TextEncoder", "__import", body)(
      { log: (...args: unknown[]) => logged.push(args) },
      TextEncoder,
      () => import("./index.js"),
    );
    expect(logged).toEqual([["text", "| host | region |\n| --- | --- |\n| edge-1 | eu-west |"]]);
  });
});
