import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createPgliteStore } from "./create.js";

describe("createPgliteStore", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("creates the data directory's missing parents, and finds the data there on reopening", async () => {
    const root = await mkdtemp(join(tmpdir(), "pglite-parents-"));
    dirs.push(root);
    const dataDir = join(root, "not", "yet", "there", "archon");
    const now = new Date().toISOString();
    const first = await createPgliteStore({ dataDir });
    await first.upsertSource({
      sourceId: "eng",
      name: "Engineering",
      deployment: "cloud",
      baseUrl: "https://acme.atlassian.net",
      spaceKey: "ENG",
      deletionStrategy: "listing",
      removeArchived: true,
      createdAt: now,
      updatedAt: now,
    });
    await first.close();
    const second = await createPgliteStore({ dataDir });
    try {
      expect((await second.listSources()).map((source) => source.sourceId)).toEqual(["eng"]);
    } finally {
      await second.close();
    }
  }, 120_000);
});
