/** The packages' commands work through `npx` on a fresh checkout, before any build. */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, "..");

describe("package commands", () => {
  it.each([
    ["fake-confluence", /Usage: fake-confluence/],
    ["archon-confluence-migrate", /Usage: archon-confluence-migrate/],
    ["archon-confluence-mcp", /Usage: archon-confluence-mcp/],
    ["archon-confluence", /Usage: archon-confluence <command>/],
  ])("%s --help", async (command, usage) => {
    const { stdout, stderr } = await exec(resolve(root, "node_modules/.bin", command), ["--help"], {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, PATH: `${resolve(root, "node_modules/.bin")}:${process.env.PATH}` },
    });
    expect(`${stdout}${stderr}`).toMatch(usage);
  });
});
