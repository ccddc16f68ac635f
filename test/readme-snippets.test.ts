/**
 * Every package README opens with a snippet that runs as written. This runs each one in a child process with tsx,
 * which resolves the workspace packages through the root tsconfig paths, exactly as a reader inside this repo would.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..");

const readmes: { file: string; expect: RegExp }[] = [
  { file: "packages/core/README.md", expect: /indexed \d+ pages into \d+ chunks/ },
];

async function firstSnippet(file: string): Promise<string> {
  const text = await readFile(join(root, file), "utf8");
  const match = /```ts\n([\s\S]*?)```/.exec(text);
  if (!match?.[1]) throw new Error(`${file} has no ts snippet`);
  return match[1];
}

describe("README snippets", () => {
  for (const readme of readmes) {
    it(`${readme.file} runs as written`, async () => {
      const dir = await mkdtemp(join(root, "test", ".snippet-"));
      try {
        const script = join(dir, "snippet.ts");
        await writeFile(script, await firstSnippet(readme.file));
        const tsx = join(root, "node_modules", ".bin", "tsx");
        const { stdout } = await run(tsx, ["--tsconfig", join(root, "tsconfig.json"), script], {
          cwd: root,
          timeout: 120_000,
        });
        expect(stdout).toMatch(readme.expect);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
