// Runs `npm run worker -- --once` (the demo: a fake Confluence in-process) against real PostgreSQL in a schema of
// its own, and checks that every demo space was synced into the store.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createArea, probeDatabase, type TestArea } from "../../../packages/worker/test/support.js";

const skip = await probeDatabase();
if (skip) console.warn(`[example-worker] skipping the worker command test: ${skip}`);

describe.skipIf(skip !== undefined)(`npm run worker${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let area: TestArea | undefined;
  afterAll(async () => {
    await area?.drop();
  });

  it("syncs the demo spaces once and exits 0", { timeout: 120_000 }, async () => {
    area = await createArea("example");
    const cwd = fileURLToPath(new URL("..", import.meta.url));
    const child = spawn("npm", ["run", "--silent", "worker", "--", "--once"], {
      cwd,
      env: { ...process.env, DATABASE_URL: area.url, WORKER_SCHEMA: area.schema },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += String(chunk);
    });
    child.stderr.on("data", (chunk) => {
      out += String(chunk);
    });
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(code, out).toBe(0);
    for (const sourceId of ["demo-eng", "demo-ops", "demo-demo"]) {
      expect(out).toMatch(new RegExp(`${sourceId}: full sync succeeded`));
      const pages = await area.store.getPageStates(sourceId);
      expect(pages.size).toBeGreaterThan(0);
    }
  });
});
