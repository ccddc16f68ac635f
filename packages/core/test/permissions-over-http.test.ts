/**
 * Permission-aware search over real HTTP: the confluence.js source reads space permissions, read restrictions and
 * group membership from `@archon/fake-confluence`; the engine stores each page's readers; searches by principal return
 * exactly what the fake says each user may read, before and after a restriction on a parent page changes.
 */
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterEach, describe, expect, it } from "vitest";
import { createConfluenceSource } from "../src/confluence/index.js";
import { ConfluencePrincipalResolver } from "../src/permissions/index.js";
import type { ConfluenceCredentials } from "../src/ports/credential-store.js";
import type { KnowledgeStore, SourceRecord } from "../src/ports/knowledge-store.js";
import type { SearchPrincipal } from "../src/ports/permissions.js";
import { InMemoryKnowledgeStore } from "../src/store/index.js";
import { ConfluenceSync } from "../src/sync/index.js";
import { FakeEmbedder } from "../src/testing/embedder.js";

const SOURCE_ID = "space";
let fake: FakeConfluence | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(deployment: "cloud" | "datacenter") {
  fake = await startFakeConfluence({ deployment, seed: 11, spaces: [{ key: "ENG", pages: 60 }] });
  const credentials: ConfluenceCredentials =
    deployment === "cloud"
      ? { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken }
      : { type: "bearer", token: fake.credentials.bearerToken };
  const source = createConfluenceSource({
    baseUrl: fake.baseUrl,
    deployment,
    credentials,
    baseDelayMs: 2,
    timeZone: "UTC",
  });
  const store = new InMemoryKnowledgeStore();
  const now = new Date().toISOString();
  const record: SourceRecord = {
    sourceId: SOURCE_ID,
    name: "Engineering",
    deployment,
    baseUrl: fake.baseUrl,
    spaceKey: "ENG",
    deletionStrategy: "listing",
    removeArchived: true,
    createdAt: now,
    updatedAt: now,
    enforcePermissions: true,
  };
  await store.upsertSource(record);
  const embedder = new FakeEmbedder({ dimensions: 16 });
  const sync = new ConfluenceSync({ source, store, embedder, concurrency: 4 });
  const resolver = new ConfluencePrincipalResolver({ source, ttlMs: 0 });
  return { fake, source, store, embedder, sync, resolver };
}

/** Page ids a principal finds among all stored chunks (a vector search wide enough to return every chunk). */
async function visible(store: KnowledgeStore, embedder: FakeEmbedder, principal: SearchPrincipal) {
  const {
    embeddings: [embedding],
  } = await embedder.embed(["anything"]);
  const hits = await store.search({
    text: "anything",
    embedding,
    embeddingModel: embedder.modelId,
    mode: "vector",
    limit: 1000,
    principal,
  });
  return new Set(hits.map((h) => h.pageId));
}

describe.each(["cloud", "datacenter"] as const)("permission-aware search on %s", (deployment) => {
  it("hides a restricted parent's subtree after the next sync, and shows it again once the restriction goes", async () => {
    const { fake, store, embedder, sync, resolver } = await setup(deployment);
    const perms = fake.state.permissions;
    const [alice, bob] = fake.state.users();
    const idOf = (accountId: string) =>
      deployment === "cloud" ? accountId : (fake.state.user(accountId)?.userKey as string);
    perms.addGroup("security");
    perms.addMember("security", alice?.accountId as string);
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });

    const pagesWithChunks = new Set<string>();
    for (const id of (await store.getPageStates(SOURCE_ID)).keys()) {
      if ((await store.getChunks(SOURCE_ID, id)).length > 0) pagesWithChunks.add(id);
    }
    const truth = (accountId: string) =>
      new Set([...pagesWithChunks].filter((id) => perms.canRead(accountId, "ENG", id)));
    const principalOf = (accountId: string) => resolver.resolve({ userId: idOf(accountId) });
    const aliceP = await principalOf(alice?.accountId as string);
    const bobP = await principalOf(bob?.accountId as string);
    expect(aliceP.groups?.length).toBe(2);
    expect(await visible(store, embedder, bobP)).toEqual(truth(bob?.accountId as string));
    expect((await visible(store, embedder, bobP)).size).toBe(pagesWithChunks.size);

    // A parent with a subtree gets a read restriction: no version changes.
    const pages = fake.space("ENG").pages();
    const parent = pages.find((p) => pages.filter((c) => c.ancestors.includes(p.id)).length >= 3);
    expect(parent).toBeDefined();
    const subtree = pages.filter((p) => p.id === parent?.id || p.ancestors.includes(parent?.id as string));
    const versions = subtree.map((p) => p.version);
    perms.restrictRead(parent?.id as string, { groups: ["security"] });
    expect(
      fake
        .space("ENG")
        .pages()
        .filter((p) => subtree.some((s) => s.id === p.id))
        .map((p) => p.version),
    ).toEqual(versions);

    fake.resetStats();
    const metrics = await sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect(metrics.pagesIndexed).toBe(0);
    // Restrictions came with the listing: no request per page.
    const perPage = Object.entries(fake.stats().byEndpoint).filter(([endpoint]) => endpoint.includes("restriction"));
    expect(perPage).toEqual([]);

    const bobSees = await visible(store, embedder, bobP);
    for (const page of subtree) expect(bobSees.has(page.id), `page ${page.id} is hidden from bob`).toBe(false);
    expect(bobSees).toEqual(truth(bob?.accountId as string));
    const aliceSees = await visible(store, embedder, aliceP);
    expect(aliceSees).toEqual(truth(alice?.accountId as string));
    expect(subtree.some((p) => aliceSees.has(p.id))).toBe(true);

    // Without a principal, the enforcing source refuses.
    await expect(store.search({ text: "anything", mode: "keyword" })).rejects.toMatchObject({
      code: "PERMISSION_REQUIRED",
    });

    perms.restrictRead(parent?.id as string, null);
    await sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect(await visible(store, embedder, bobP)).toEqual(truth(bob?.accountId as string));
    expect((await visible(store, embedder, bobP)).size).toBe(pagesWithChunks.size);
  });

  it("follows space permissions and group membership changes on the next sync", async () => {
    const { fake, store, embedder, sync, resolver } = await setup(deployment);
    const perms = fake.state.permissions;
    const [alice, bob] = fake.state.users();
    const idOf = (accountId: string) =>
      deployment === "cloud" ? accountId : (fake.state.user(accountId)?.userKey as string);
    perms.addGroup("eng");
    perms.addMember("eng", alice?.accountId as string);
    perms.setSpaceViewers("ENG", { groups: ["eng"] });
    await sync.run({ sourceId: SOURCE_ID, mode: "full" });
    const bobId = bob?.accountId as string;
    expect((await visible(store, embedder, await resolver.resolve({ userId: idOf(bobId) }))).size).toBe(0);
    expect(
      (await visible(store, embedder, await resolver.resolve({ userId: idOf(alice?.accountId as string) }))).size,
    ).toBeGreaterThan(0);

    // Membership is read at search time (the resolver), no sync needed.
    perms.addMember("eng", bobId);
    expect((await visible(store, embedder, await resolver.resolve({ userId: idOf(bobId) }))).size).toBeGreaterThan(0);

    // Anonymous access reaches everyone after the next sync, even a principal without a user.
    perms.removeMember("eng", bobId);
    perms.setSpaceViewers("ENG", { groups: ["eng"], anonymous: true });
    await sync.run({ sourceId: SOURCE_ID, mode: "incremental" });
    expect((await visible(store, embedder, { userId: null })).size).toBeGreaterThan(0);
  });
});
