/**
 * Docs that run as written: every package README opens with a snippet that this test runs in a child process with
 * tsx (which resolves the workspace packages through the root tsconfig paths, as a reader inside this repository
 * would), and snippets that need real services are at least type-checked against the current API.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);

/** Snippets that run against local fakes; each must print what `expect` matches. */
const runnable: { file: string; expect: RegExp }[] = [
  { file: "packages/core/README.md", expect: /indexed \d+ pages into \d+ chunks/ },
  {
    file: "packages/mcp-server/README.md",
    expect: /\[1\] .+ \(page demo\/\d+, score [\d.]+\)\n[\s\S]*http:\/\/127\.0\.0\.1/,
  },
];

/** Snippets that need real services: they must type-check. Picked by a string they contain. */
const typechecked: { file: string; containing: string }[] = [
  { file: "README.md", containing: "@archon/confluence-pg-store" },
  { file: "examples/express-server/README.md", containing: "StreamableHTTPClientTransport" },
  { file: "packages/core/README.md", containing: "embedText" },
];

async function snippets(file: string): Promise<string[]> {
  const text = await readFile(join(root, file), "utf8");
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
}

async function inScratchDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(root, "test", ".snippet-"));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("README snippets", () => {
  for (const readme of runnable) {
    it(`${readme.file} opens with a snippet that runs as written`, async () => {
      const [first] = await snippets(readme.file);
      expect(first, `${readme.file} has no ts snippet`).toBeTruthy();
      const stdout = await inScratchDir(async (dir) => {
        const script = join(dir, "snippet.ts");
        await writeFile(script, first as string);
        const result = await exec(bin("tsx"), ["--tsconfig", join(root, "tsconfig.json"), script], {
          cwd: root,
          timeout: 120_000,
        });
        return result.stdout;
      });
      expect(stdout).toMatch(readme.expect);
    });
  }

  for (const readme of typechecked) {
    it(`${readme.file}: the snippet using ${readme.containing} type-checks`, async () => {
      const snippet = (await snippets(readme.file)).find((code) => code.includes(readme.containing));
      expect(snippet, `no snippet in ${readme.file} contains ${readme.containing}`).toBeTruthy();
      await inScratchDir(async (dir) => {
        await writeFile(join(dir, "snippet.ts"), `${snippet}\nexport {};\n`);
        await writeFile(
          join(dir, "tsconfig.json"),
          JSON.stringify({
            extends: "../../tsconfig.json",
            include: ["snippet.ts"],
            compilerOptions: { noEmit: true },
          }),
        );
        const result = await exec(bin("tsc"), ["-p", join(dir, "tsconfig.json")], { cwd: root, timeout: 180_000 }).then(
          () => "",
          (error: { stdout?: string }) => error.stdout ?? String(error),
        );
        expect(result).toBe("");
      });
    });
  }
});
