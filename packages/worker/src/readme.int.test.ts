// Runs the README's opening snippet, as written, in a child process against real PostgreSQL; only the worker's
// schema is set, so the run stays apart from other suites.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createArea, probeDatabase, type TestArea } from "../test/support.js";

const skip = await probeDatabase();
if (skip) console.warn(`[worker] skipping the README snippet test: ${skip}`);

describe.skipIf(skip !== undefined)(`README${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let area: TestArea | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await area?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("opens with a snippet that runs as written", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const snippet = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    expect(snippet).toContain('from "@archon/confluence-worker"');
    area = await createArea("readme");
    const isolated = snippet.replace("startSyncWorker({ ", `startSyncWorker({ schema: "${area.schema}", `);
    expect(isolated).not.toBe(snippet);
    dir = await mkdtemp(join(tmpdir(), "archon-worker-readme-"));
    const file = join(dir, "snippet.mts");
    await writeFile(file, isolated);
    const child = spawn(process.execPath, ["--import", "tsx", file], {
      env: {
        ...process.env,
        DATABASE_URL: area.url,
        TSX_TSCONFIG_PATH: fileURLToPath(new URL("../../../tsconfig.json", import.meta.url)),
      },
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => {
      out += String(chunk);
    });
    child.stderr.on("data", (chunk) => {
      err += String(chunk);
    });
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(code, err).toBe(0);
    const [same, state, indexed] = out.trim().split(" ");
    expect([same, state]).toEqual(["true", "succeeded"]);
    expect(Number(indexed)).toBeGreaterThan(10);
  });
});
