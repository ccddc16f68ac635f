/** The sync and search commands as child processes on a temporary embedded database and the fake Confluence. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectExit, start } from "./helpers.js";

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
    const sync = start("src/cli-sync.ts", ["--space", "bad key!"], env);
    await expectExit(sync, 2);
    expect(sync.stderr).toContain("Usage: npm run sync -- --space KEY [--full] [--reindex]");
    const unknown = start("src/cli-sync.ts", ["--bogus"], env);
    await expectExit(unknown, 2);
    const search = start("src/cli-search.ts", ["--limit", "0", "x"], env);
    await expectExit(search, 2);
    expect(search.stderr).toContain("--limit must be an integer from 1 to 100");
  }, 120_000);

  it("exits 3 when Confluence does not know the space", async () => {
    const sync = start("src/cli-sync.ts", ["--space", "NOSUCH"], env);
    await expectExit(sync, 3);
    expect(sync.stderr).toContain("SOURCE_NOT_FOUND");
  }, 120_000);

  it("syncs the demo space with progress and a metrics table, then finds its pages; a resync skips them", async () => {
    const sync = start("src/cli-sync.ts", ["--space", "DEMO", "--full"], env);
    await expectExit(sync, 0);
    expect(sync.stderr).toMatch(/\[#+\] 100% (\d+)\/\1 pages \| done/);
    const indexed = Number(/\| pages indexed\s+\|\s+(\d+) \|/.exec(sync.stdout)?.[1]);
    expect(indexed).toBeGreaterThan(30);
    expect(sync.stdout).toMatch(/\| pages failed\s+\|\s+0 \|/);

    const again = start("src/cli-sync.ts", ["--space", "DEMO"], env);
    await expectExit(again, 0);
    expect(again.stdout).toMatch(/\| mode\s+\|\s+incremental \|/);
    expect(again.stdout).toMatch(/\| pages indexed\s+\|\s+0 \|/);

    const reindexed = start("src/cli-sync.ts", ["--space", "DEMO", "--reindex"], env);
    await expectExit(reindexed, 0);
    expect(reindexed.stdout).toMatch(/\| mode\s+\|\s+full \|/);
    expect(Number(/\| pages indexed\s+\|\s+(\d+) \|/.exec(reindexed.stdout)?.[1])).toBe(indexed);

    const search = start("src/cli-search.ts", ["--mode", "keyword", "--json", "deploy"], env);
    await expectExit(search, 0);
    const hits = JSON.parse(search.stdout) as { title: string; url: string; breadcrumb: string[] }[];
    expect(hits.length).toBeGreaterThan(0);

    const pretty = start("src/cli-search.ts", [hits[0]?.title ?? "deploy", "--limit", "3"], env);
    await expectExit(pretty, 0);
    expect(pretty.stdout).toMatch(/^1\. .+ \(score \d\.\d{4}\)$/m);
    expect(pretty.stdout).toContain("/wiki/spaces/DEMO/pages/");
    expect(pretty.stdout).toContain(" > ");

    const none = start("src/cli-search.ts", ["--mode", "keyword", "xylophonezebraquux"], env);
    await expectExit(none, 1);
    expect(none.stdout, none.stderr).toContain('No results for "xylophonezebraquux"');
  }, 300_000);
});
