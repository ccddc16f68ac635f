/**
 * `@archon/confluence-core/testing` outside any test runner, with Vitest not installed: a child Node process whose
 * module resolution refuses `vitest` imports the entry, uses a fake, and gets a coded error from a suite.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "core-testing-"));
  await writeFile(
    join(dir, "hooks.mjs"),
    `export async function resolve(specifier, context, next) {
  if (specifier === "vitest") {
    throw Object.assign(new Error("Cannot find package 'vitest'"), { code: "ERR_MODULE_NOT_FOUND" });
  }
  return next(specifier, context);
}\n`,
  );
  await writeFile(
    join(dir, "register.mjs"),
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n`,
  );
  const entry = pathToFileURL(fileURLToPath(new URL("./index.ts", import.meta.url))).href;
  await writeFile(
    join(dir, "script.mjs"),
    `const testing = await import(${JSON.stringify(entry)});
const embedder = new testing.FakeEmbedder({ dimensions: 8 });
const { embeddings } = await embedder.embed(["hello"]);
let error;
try { testing.describeEmbedder("x", () => embedder); } catch (e) { error = { code: e.code, message: e.message }; }
console.log(JSON.stringify({ length: embeddings[0].length, error }));\n`,
  );
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("imports and runs its fakes without Vitest; a suite says Vitest is needed", async () => {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--import", join(dir, "register.mjs"), join(dir, "script.mjs")],
    {
      cwd: fileURLToPath(new URL("../../", import.meta.url)),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  expect(code, err).toBe(0);
  const result = JSON.parse(out.trim().split("\n").pop() as string);
  expect(result.length).toBe(8);
  expect(result.error).toEqual({ code: "CONFIG_INVALID", message: expect.stringContaining("run under Vitest") });
}, 120_000);
