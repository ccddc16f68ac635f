// The source against @archon/fake-confluence over real HTTP, Data Center flavour (context path, PAT, offset paging).
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfluenceSpace } from "../ports/confluence-source.js";
import { describeConfluenceSource } from "../testing/source-conformance.js";
import type { ConfluenceSourceConfig } from "./config.js";
import { ConfluenceJsSource } from "./confluence-js-source.js";

const ZONE = "Europe/Berlin";

async function collect<T>(iterable: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const batch of iterable) all.push(...batch);
  return all;
}

function sourceFor(fake: FakeConfluence, config: Partial<ConfluenceSourceConfig> = {}) {
  return new ConfluenceJsSource({
    baseUrl: fake.baseUrl,
    deployment: "datacenter",
    credentials: { type: "bearer", token: fake.credentials.bearerToken },
    timeZone: ZONE,
    baseDelayMs: 1,
    maxRetryAfterMs: 20,
    ...config,
  });
}

const byId = <T extends { id: string }>(items: T[]) => items.sort((a, b) => Number(a.id) - Number(b.id));

describe("ConfluenceJsSource against fake Data Center", () => {
  let fake: FakeConfluence;
  let space: ConfluenceSpace;
  beforeAll(async () => {
    fake = await startFakeConfluence({
      deployment: "datacenter",
      contextPath: "/confluence",
      spaces: [{ key: "OPS", pages: 600, seed: 5, archivedRatio: 0.03, trashedRatio: 0.02 }],
      timeZone: ZONE,
    });
    space = await sourceFor(fake).getSpace("OPS");
  });
  afterAll(async () => fake?.close());

  it("resolves the space under the context path with the personal access token", () => {
    expect(fake.baseUrl).toMatch(/\/confluence$/);
    expect(space).toMatchObject({ key: "OPS" });
    expect(space.id).toMatch(/^\d+$/);
  });

  it("lists every page once, equal to the ground truth, despite a clamped limit, phantom next links and empty pages", async () => {
    const truth = fake.groundTruth("OPS");
    fake.setFaults({ seed: 9, clampLimit: 37, phantomNext: { rate: 1 }, emptyPage: { rate: 0.3 } });
    fake.resetStats();
    let requests = 0;
    try {
      const pages = byId(await collect(sourceFor(fake).listPages(space, { onRequest: () => requests++ })));
      expect(
        pages.map((p) => [p.id, p.title, p.version, p.parentId, [...p.labels].sort(), p.body, p.authorId, p.webUrl]),
      ).toEqual(truth.map((t) => [t.id, t.title, t.version, t.parentId, t.labels, t.body, t.authorId, t.webUrl]));
      expect(pages.map((p) => p.ancestors)).toEqual(truth.map((t) => t.ancestors));
      const { faults } = fake.stats();
      expect(faults.clampedLimit).toBeGreaterThan(0);
      expect(faults.phantomNext).toBeGreaterThan(0);
      expect(faults.emptyPage).toBeGreaterThan(0);
      // the minimum at the clamped size, plus one re-check per empty page, and at the end the phantom page (empty, yet
      // linking on) asked three more times before the listing believes it has ended
      expect(requests).toBe(Math.ceil(truth.length / 37) + faults.emptyPage + 4);
      expect(fake.stats().requests).toBe(requests);
      console.info(`Data Center listPages: ${requests} requests for ${truth.length} pages at limit 37`, faults);
    } finally {
      fake.clearFaults();
    }
  });

  it("lists refs in every requested status, without bodies", async () => {
    const statuses = ["current", "archived", "trashed"] as const;
    const truth = fake.groundTruth("OPS", { statuses });
    fake.resetStats();
    const refs = byId(await collect(sourceFor(fake).listPageRefs(space, { statuses })));
    expect(refs.map((r) => [r.id, r.status, r.version, r.parentId, [...(r.labels ?? [])].sort()])).toEqual(
      truth.map((t) => [t.id, t.status, t.version, t.parentId, t.labels]),
    );
    expect(new Set(refs.map((r) => r.status))).toEqual(new Set(statuses));
    expect(fake.requestLog().every((entry) => !entry.url.includes("body.storage"))).toBe(true);
  });

  it("reports changes since a point in time, read in the user's time zone", async () => {
    const [a] = fake.groundTruth("OPS").slice(5, 6);
    const since = new Date();
    fake.space("OPS").editPage(a!.id, { body: "<p>dc edit</p>" });
    const added = fake.space("OPS").addPage({ title: "DC new page", parentId: a!.id });
    const changed = await collect(sourceFor(fake).listChangedSince(space, since));
    const ids = changed.map((p) => p.id);
    expect(ids).toContain(a!.id);
    expect(ids).toContain(added.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(changed.find((p) => p.id === a!.id)).toMatchObject({ version: a!.version + 1, body: "<p>dc edit</p>" });
  });

  it("rejects a wrong personal access token as SOURCE_AUTH naming it, without the token", async () => {
    const error = await sourceFor(fake, { credentials: { type: "bearer", token: "not-the-pat-1234" } })
      .checkConnection()
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error).toMatchObject({ code: "SOURCE_AUTH", message: expect.stringContaining("personal access token") });
    expect(error?.message).not.toContain("not-the-pat-1234");
  });
});

describeConfluenceSource("ConfluenceJsSource on fake Data Center", async () => {
  const fake = await startFakeConfluence({
    deployment: "datacenter",
    spaces: [{ key: "DCC", pages: 40, seed: 12, trashedRatio: 0 }],
  });
  return {
    source: sourceFor(fake, { timeZone: "UTC" }),
    spaceKey: "DCC",
    truth: async () => fake.groundTruth("DCC"),
    edit: async (id) => void fake.space("DCC").editPage(id, { body: "<p>conformance edit</p>" }),
    trash: async (id) => void fake.space("DCC").trashPage(id),
    close: () => fake.close(),
  };
});
