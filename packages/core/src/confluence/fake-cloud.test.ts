// The source against @archon/fake-confluence over real HTTP, Cloud flavour.
import { inspect } from "node:util";
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfluencePage, ConfluenceSpace, PageRef, SourceWait } from "../ports/confluence-source.js";
import { describeConfluenceSource } from "../testing/source-conformance.js";
import type { ConfluenceSourceConfig } from "./config.js";
import { ConfluenceJsSource } from "./confluence-js-source.js";

const PAGES = 1000;
/** Most results per request: v2 listings allow 250; the fake caps v1 (CQL) listings at 200. */
const V2_MAX = 250;
const V1_MAX = 200;
const ZONE = "America/New_York";

async function collect<T>(iterable: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const batch of iterable) all.push(...batch);
  return all;
}

function sourceFor(fake: FakeConfluence, config: Partial<ConfluenceSourceConfig> = {}) {
  return new ConfluenceJsSource({
    baseUrl: fake.baseUrl,
    deployment: "cloud",
    credentials: { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken },
    timeZone: ZONE,
    baseDelayMs: 1,
    maxRetryAfterMs: 20,
    ...config,
  });
}

/** The fields a sync depends on, in a comparable form. */
const essentials = (page: ConfluencePage) => ({
  id: page.id,
  title: page.title,
  version: page.version,
  parentId: page.parentId,
  labels: [...page.labels].sort(),
  body: page.body,
  authorId: page.authorId,
  webUrl: page.webUrl,
  status: page.status,
});
const byId = <T extends { id: string }>(items: T[]) => items.sort((a, b) => Number(a.id) - Number(b.id));

describe("ConfluenceJsSource against fake Cloud", () => {
  let fake: FakeConfluence;
  let space: ConfluenceSpace;
  beforeAll(async () => {
    fake = await startFakeConfluence({ spaces: [{ key: "ENG", pages: PAGES, seed: 7 }], timeZone: ZONE });
    space = await sourceFor(fake).getSpace("ENG");
  });
  afterAll(async () => fake?.close());

  it("lists the whole space equal to the ground truth, in the fewest requests v2 allows plus the label listing", async () => {
    const truth = fake.groundTruth("ENG");
    fake.resetStats();
    let requests = 0;
    const pages = byId(await collect(sourceFor(fake).listPages(space, { onRequest: () => requests++ })));
    expect(pages.map(essentials)).toEqual(
      truth
        .map((t) => ({ ...t, labels: [...t.labels] }))
        .map(({ id, title, version, parentId, labels, body, authorId, webUrl, status }) => ({
          id,
          title,
          version,
          parentId,
          labels,
          body,
          authorId,
          webUrl,
          status,
        })),
    );
    expect(pages.filter((p) => p.ancestors !== undefined).map((p) => [p.id, p.ancestors])).toEqual(
      truth.filter((t) => pages.find((p) => p.id === t.id)?.ancestors !== undefined).map((t) => [t.id, t.ancestors]),
    );
    const bodies = Math.ceil(truth.length / V2_MAX);
    const labels = Math.ceil(truth.length / V1_MAX);
    expect(fake.stats().requests).toBe(requests);
    expect(requests).toBe(bodies + labels);
    console.info(
      `Cloud listPages: ${requests} requests for ${truth.length} pages (v2 bodies ${bodies} + CQL labels ${labels})`,
    );
  });

  it("lists refs (ids, versions, parents, labels) without any body", async () => {
    const truth = fake.groundTruth("ENG");
    fake.resetStats();
    const refs: PageRef[] = byId(await collect(sourceFor(fake).listPageRefs(space)));
    expect(refs.map((r) => [r.id, r.version, r.parentId, r.title, [...(r.labels ?? [])].sort()])).toEqual(
      truth.map((t) => [t.id, t.version, t.parentId, t.title, t.labels]),
    );
    expect(fake.stats().requests).toBe(Math.ceil(truth.length / V1_MAX));
  });

  it("fetches pages by id in batches equal to the truth", async () => {
    const truth = fake.groundTruth("ENG").slice(0, 300);
    fake.resetStats();
    const source = sourceFor(fake);
    const ids = truth.map((t) => t.id);
    const pages = byId(await collect(source.getPages(space, ids)));
    expect(pages.map((p) => [p.id, p.version, p.body, [...p.labels].sort(), p.ancestors])).toEqual(
      truth.map((t) => [t.id, t.version, t.body, t.labels, t.ancestors]),
    );
    // 300 ids: the first search asks for 250 and learns the server's cap of 200 (a second request for the rest),
    // the remaining 50 ids then fit one request; the next call sends 200 ids per search from the start
    expect(fake.stats().requests).toBe(3);
    fake.resetStats();
    expect(await collect(source.getPages(space, ids))).toHaveLength(300);
    expect(fake.stats().requests).toBe(2);
  });

  it("survives 429s with absurd Retry-After, 5xx bursts, resets and malformed JSON: nothing lost or duplicated", async () => {
    const truth = fake.groundTruth("ENG");
    fake.resetStats();
    fake.setFaults({
      seed: 3,
      rateLimit: { capacity: 2, refillPerSecond: 20, retryAfter: "absurd" },
      serverError: { rate: 0.1, burst: 2, status: 503 },
      reset: { rate: 0.1 },
      malformedJson: { rate: 0.1 },
    });
    const waits: SourceWait[] = [];
    let requests = 0;
    try {
      const source = sourceFor(fake, { maxAttempts: 12, pageSize: 25, maxRetryAfterMs: 50 });
      const pages = await collect(
        source.listPages(space, { onWait: (w) => waits.push(w), onRequest: () => requests++ }),
      );
      expect(pages.map((p) => `${p.id}@${p.version}`).sort()).toEqual(truth.map((t) => `${t.id}@${t.version}`).sort());
      const faults = fake.stats().faults;
      console.info(`Cloud listPages under faults: ${requests} requests, ${waits.length} waits`, faults);
      expect(faults.rateLimited + faults.serverError + faults.reset + faults.malformedJson).toBe(waits.length);
      for (const kind of ["rateLimited", "serverError", "reset", "malformedJson"] as const) {
        expect(faults[kind], kind).toBeGreaterThan(0);
      }
      expect(waits.filter((w) => w.kind === "rate-limited").every((w) => w.delayMs === 50)).toBe(true);
      expect(new Set(waits.map((w) => w.kind))).toEqual(new Set(["rate-limited", "retry"]));
      expect(requests).toBe(fake.stats().requests);
    } finally {
      fake.clearFaults();
    }
  });

  it("reports edits, renames and new pages after a point in time, each once per version", async () => {
    const space2 = fake.space("ENG");
    const [a, b] = fake.groundTruth("ENG").slice(10, 12);
    const since = new Date();
    space2.editPage(a!.id, { body: "<p>edited</p>" });
    space2.renamePage(b!.id, "Renamed page");
    const added = space2.addPage({ title: "Brand new", parentId: a!.id, labels: ["fresh"] });
    const changed = await collect(sourceFor(fake).listChangedSince(space, since));
    const keys = changed.map((p) => `${p.id}@${p.version}`);
    expect(new Set(keys).size).toBe(keys.length);
    const found = new Map(changed.map((p) => [p.id, p]));
    expect(found.get(a!.id)).toMatchObject({ version: a!.version + 1, body: "<p>edited</p>" });
    expect(found.get(b!.id)).toMatchObject({ version: b!.version + 1, title: "Renamed page" });
    expect(found.get(added.id)).toMatchObject({
      parentId: a!.id,
      labels: ["fresh"],
      ancestors: [...a!.ancestors, a!.id],
    });
    const truth = new Map(fake.groundTruth("ENG").map((t) => [t.id, t.version]));
    for (const page of changed) expect(page.version).toBe(truth.get(page.id));
  });

  it("depends on the user's time zone: a zone ahead of the site's misses the change, the right one finds it", async () => {
    const target = fake.groundTruth("ENG")[30]!;
    const since = new Date();
    fake.space("ENG").editPage(target.id, { body: "<p>zone check</p>" });
    const wrong = await collect(
      sourceFor(fake, { timeZone: "Asia/Tokyo", cqlOverlapMinutes: 0 }).listChangedSince(space, since),
    );
    expect(wrong.some((p) => p.id === target.id)).toBe(false);
    const right = await collect(sourceFor(fake, { cqlOverlapMinutes: 0 }).listChangedSince(space, since));
    expect(right.find((p) => p.id === target.id)?.version).toBe(target.version + 1);
  });

  it("still finds changes when the user's time zone is unknown (widened window)", async () => {
    const since = new Date();
    const target = fake.groundTruth("ENG")[20]!;
    fake.space("ENG").editPage(target.id, { body: "<p>again</p>" });
    const changed = await collect(sourceFor(fake, { timeZone: undefined }).listChangedSince(space, since));
    expect(changed.find((p) => p.id === target.id)?.version).toBe(target.version + 1);
  });

  it("turns a wrong token into SOURCE_AUTH that names the site and not the token", async () => {
    const secret = "wrong-token-do-not-print";
    const source = sourceFor(fake, { credentials: { type: "basic", email: fake.credentials.email, apiToken: secret } });
    const error = (await source.getSpace("ENG").then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(error).toMatchObject({ code: "SOURCE_AUTH" });
    expect(error.message).toContain(fake.baseUrl);
    expect(inspect(error, { depth: 10 })).not.toContain(secret);
  });

  it("keeps a CQL injection attempt inert: rejected before any request", async () => {
    fake.resetStats();
    const hostile = 'ENG" or space = "OTHER';
    const source = sourceFor(fake);
    await expect(source.getSpace(hostile)).rejects.toMatchObject({ code: "CONFIG_INVALID" });
    await expect(collect(source.listChangedSince({ ...space, key: hostile }, new Date(0)))).rejects.toMatchObject({
      code: "CONFIG_INVALID",
    });
    expect(fake.stats().requests).toBe(0);
  });

  it("stops mid-listing when aborted", async () => {
    const controller = new AbortController();
    const batches: number[] = [];
    const listing = (async () => {
      for await (const batch of sourceFor(fake, { pageSize: 50 }).listPages(space, { signal: controller.signal })) {
        batches.push(batch.length);
        controller.abort();
      }
    })();
    await expect(listing).rejects.toMatchObject({ code: "SYNC_ABORTED" });
    expect(batches).toHaveLength(1);
  });
});

describeConfluenceSource("ConfluenceJsSource on fake Cloud", async () => {
  const fake = await startFakeConfluence({ spaces: [{ key: "CONF", pages: 40, seed: 11, trashedRatio: 0 }] });
  return {
    source: sourceFor(fake, { timeZone: "UTC" }),
    spaceKey: "CONF",
    truth: async () => fake.groundTruth("CONF"),
    edit: async (id) => void fake.space("CONF").editPage(id, { body: "<p>conformance edit</p>" }),
    trash: async (id) => void fake.space("CONF").trashPage(id),
    close: () => fake.close(),
  };
});
