/** The sync and search commands as child processes on a temporary embedded database and the fake Confluence. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectExit, start } from "./helpers.js";

/** The installed command, run as users run it (node + the bin, no tsx command line in between). */
const BIN = "bin/archon-confluence.js";

describe("archon-confluence", () => {
  it("lists its commands and the environment with --help, and documents each command's exit codes", async () => {
    const help = start(BIN, ["--help"], {});
    await expectExit(help, 0);
    for (const command of ["sync", "search", "migrate", "serve"])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    expect(help.stdout).toContain("DATABASE_URL");
    const syncHelp = start(BIN, ["sync", "--help"], {});
    await expectExit(syncHelp, 0);
    expect(syncHelp.stdout).toContain("--full");
    expect(syncHelp.stdout).toMatch(/^ {2}130 {2}interrupted/m);
    const searchHelp = start(BIN, ["help", "search"], {});
    await expectExit(searchHelp, 0);
    expect(searchHelp.stdout).toMatch(/^ {2}1 {2}no results/m);
    const mcpHelp = start(BIN, ["mcp", "--help"], {});
    await expectExit(mcpHelp, 0);
    expect(mcpHelp.stdout).toContain("Usage: archon-confluence mcp [--allow-sync]");
  }, 120_000);

  it("exits 2 with the command list for no command or an unknown one", async () => {
    const none = start(BIN, [], {});
    await expectExit(none, 2);
    expect(none.stderr).toContain("Usage: archon-confluence <command>");
    const unknown = start(BIN, ["frobnicate"], {});
    await expectExit(unknown, 2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate". Commands: sync, search, migrate, serve, mcp');
  }, 120_000);
});

describe("command line", () => {
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "archon-cli-"));
    env = { DATA_DIR: dataDir, FAKE_CONFLUENCE_PAGES: "40" };
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("rejects bad arguments with exit code 2 and the usage line", async () => {
    const sync = start(BIN, ["sync", "--space", "bad key!"], env);
    await expectExit(sync, 2);
    expect(sync.stderr).toContain("Usage: archon-confluence sync [--space KEY] [--full] [--reindex]");
    const unknown = start(BIN, ["sync", "--bogus"], env);
    await expectExit(unknown, 2);
    const search = start(BIN, ["search", "--limit", "0", "x"], env);
    await expectExit(search, 2);
    expect(search.stderr).toContain("--limit must be an integer from 1 to 100");
  }, 120_000);

  it("migrates the embedded database, and again finds nothing left to apply", async () => {
    const first = start(BIN, ["migrate"], env);
    await expectExit(first, 0);
    expect(first.stdout).toMatch(/^applied 0001_/m);
    const again = start(BIN, ["migrate"], env);
    await expectExit(again, 0);
    expect(again.stdout).toMatch(/: 0 migration\(s\) applied, \d+ already there\./);
  }, 120_000);

  it("exits 3 when Confluence does not know the space", async () => {
    const sync = start(BIN, ["sync", "--space", "NOSUCH"], env);
    await expectExit(sync, 3);
    expect(sync.stderr).toContain("SOURCE_NOT_FOUND");
  }, 120_000);

  it("syncs the demo space with progress and a metrics table, then finds its pages; a resync skips them", async () => {
    const sync = start(BIN, ["sync", "--space", "DEMO"], env);
    await expectExit(sync, 0);
    expect(sync.stderr).toContain('Syncing space DEMO into source "demo" (full, the first sync of this source)');
    expect(sync.stderr).toMatch(/\[#+\] 100% (\d+)\/\1 pages \| done/);
    const indexed = Number(/\| pages indexed\s+\|\s+(\d+) \|/.exec(sync.stdout)?.[1]);
    expect(indexed).toBeGreaterThan(30);
    expect(sync.stdout).toMatch(/\| pages failed\s+\|\s+0 \|/);

    const again = start(BIN, ["sync", "--space", "DEMO"], env);
    await expectExit(again, 0);
    expect(again.stdout).toMatch(/\| mode\s+\|\s+incremental \|/);
    expect(again.stdout).toMatch(/\| pages indexed\s+\|\s+0 \|/);

    const reindexed = start(BIN, ["sync", "--space", "DEMO", "--reindex"], env);
    await expectExit(reindexed, 0);
    expect(reindexed.stdout).toMatch(/\| mode\s+\|\s+full \|/);
    expect(Number(/\| pages indexed\s+\|\s+(\d+) \|/.exec(reindexed.stdout)?.[1])).toBe(indexed);

    const search = start(BIN, ["search", "--mode", "keyword", "--json", "deploy"], env);
    await expectExit(search, 0);
    const hits = JSON.parse(search.stdout) as { title: string; url: string; breadcrumb: string[] }[];
    expect(hits.length).toBeGreaterThan(0);

    // The README's example query.
    const pretty = start(BIN, ["search", "rollback procedure", "--limit", "3"], env);
    await expectExit(pretty, 0);
    expect(pretty.stdout).toMatch(/^1\. Deploy rollback procedure {2}\(score \d\.\d{4}\)$/m);
    expect(pretty.stdout).toContain("/wiki/spaces/DEMO/pages/");
    // Each hit names where it was found: the page title, then the section headings of the chunk, if any.
    expect(pretty.stdout).toMatch(/^ {3}Deploy rollback procedure( > [^\n]+)?$/m);

    const none = start(BIN, ["search", "--mode", "keyword", "xylophonezebraquux"], env);
    await expectExit(none, 1);
    expect(none.stdout, none.stderr).toContain('No results for "xylophonezebraquux"');
  }, 300_000);

  it("stops on Ctrl-C with exit code 130, saying the next sync resumes", async () => {
    const big = await mkdtemp(join(tmpdir(), "archon-cli-sigint-"));
    try {
      const sync = start(BIN, ["sync", "--full"], { DATA_DIR: big, FAKE_CONFLUENCE_PAGES: "300" });
      while (!/\] +\d+% /.test(sync.stderr) && sync.process.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      sync.process.kill("SIGINT");
      await expectExit(sync, 130);
      expect(sync.stderr).toContain("Stopping after the pages in flight");
      expect(sync.stderr).toContain("Interrupted; the next sync resumes where this one stopped.");
    } finally {
      await rm(big, { recursive: true, force: true });
    }
  }, 300_000);
});
