import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

describe("wire types", () => {
  it("match the router's zod schemas in both directions", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wire-types-"));
    try {
      const config = join(dir, "tsconfig.json");
      await writeFile(
        config,
        JSON.stringify({
          extends: here("../../../tsconfig.base.json"),
          compilerOptions: {
            noEmit: true,
            module: "Preserve",
            moduleResolution: "Bundler",
            types: ["node"],
            typeRoots: [here("../../../node_modules/@types")],
            // The router's schemas import core (its space-key rule); resolve it to source, as the workspace does.
            paths: { "@archon/confluence-core": [here("../../core/src/index.ts")] },
          },
          files: [here("./wire-types.check.ts")],
        }),
      );
      const result = await run(process.execPath, [tsc, "-p", config, "--pretty", "false"]).then(
        () => ({ code: 0, output: "" }),
        (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, output: error.stdout ?? "" }),
      );
      expect(result.output).toBe("");
      expect(result.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
