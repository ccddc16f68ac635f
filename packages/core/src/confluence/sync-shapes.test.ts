// Whole syncs against shapes where the search index and the page store disagree: a page missing from the index, and
// archived pages a source asks to keep.
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterEach, describe, expect, it } from "vitest";
import { HashingEmbedder } from "../embed/hashing-embedder.js";
import { InMemoryKnowledgeStore } from "../store/in-memory-store.js";
import { ConfluenceSync } from "../sync/engine.js";
import { createSourceRecord } from "../sync/source-record.js";
import { ConfluenceJsSource } from "./confluence-js-source.js";

let fake: FakeConfluence | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(
  deployment: "cloud" | "datacenter",
  options: { removeArchived?: boolean; archivedRatio?: number },
) {
  fake = await startFakeConfluence({
    deployment,
    spaces: [{ key: "IDX", pages: 40, seed: 21, archivedRatio: options.archivedRatio ?? 0, trashedRatio: 0 }],
  });
  const store = new InMemoryKnowledgeStore();
  const { removeArchived } = options;
  await store.upsertSource(
    createSourceRecord({ sourceId: "idx", baseUrl: fake.baseUrl, deployment, spaceKey: "IDX", removeArchived }),
  );
  const credentials =
    deployment === "cloud"
      ? { type: "basic" as const, email: fake.credentials.email, apiToken: fake.credentials.apiToken }
      : { type: "bearer" as const, token: fake.credentials.bearerToken };
  const source = new ConfluenceJsSource({ baseUrl: fake.baseUrl, deployment, credentials, timeZone: "UTC" });
  const sync = new ConfluenceSync({ source, store, embedder: new HashingEmbedder({ dimensions: 16 }) });
  return { fake, store, sync };
}

const leaves = <T extends { id: string; parentId: string | null }>(pages: readonly T[]) => {
  const parents = new Set(pages.map((page) => page.parentId));
  return pages.filter((page) => !parents.has(page.id));
};

describe.each(["cloud", "datacenter"] as const)("syncs on %s", (deployment) => {
  it("keeps a page the search index does not return, and deletes only the page that is gone", async () => {
    const env = await setup(deployment, {});
    await env.sync.run({ sourceId: "idx", mode: "full" });
    const [lagging, gone] = leaves(env.fake.space("IDX").pages());
    env.fake.space("IDX").deletePage(gone!.id);
    env.fake.setFaults({ indexLag: { pageIds: [lagging!.id] } });
    for (const mode of ["incremental", "full"] as const) {
      const metrics = await env.sync.run({ sourceId: "idx", mode });
      expect(metrics.pagesDeleted, mode).toBe(mode === "incremental" ? 1 : 0);
      const stored = await env.store.getPageStates("idx");
      expect(stored.has(lagging!.id), mode).toBe(true);
      expect(stored.has(gone!.id), mode).toBe(false);
    }
  });

  it("indexes archived pages when the source keeps them (removeArchived: false)", async () => {
    const env = await setup(deployment, { removeArchived: false, archivedRatio: 0.2 });
    const truth = env.fake.space("IDX").pages(["current", "archived"]);
    const archived = truth.filter((page) => page.status === "archived");
    expect(archived.length).toBeGreaterThan(0);
    await env.sync.run({ sourceId: "idx", mode: "full" });
    const stored = await env.store.getPageStates("idx");
    expect([...stored.keys()].sort()).toEqual(truth.map((page) => page.id).sort());
    for (const page of archived)
      expect(stored.get(page.id)).toMatchObject({ status: "archived", version: page.version });
    const again = await env.sync.run({ sourceId: "idx", mode: "incremental" });
    expect(again).toMatchObject({ pagesIndexed: 0, pagesDeleted: 0 });
  });
});
