// Data Center shapes that differ from Cloud, served by the fake by default or as a fault: a space without `status`,
// the body-expansion cap of 50, a listing that repeats its last page for ever past the end (CONFSERVER-95396), no
// time zone in the profile, a rate limit that blocks the user, and a page the server cannot render.
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashingEmbedder } from "../embed/hashing-embedder.js";
import type { ConfluenceSpace } from "../ports/confluence-source.js";
import type { SyncEventMap } from "../ports/progress-sink.js";
import { InMemoryKnowledgeStore } from "../store/in-memory-store.js";
import { ConfluenceSync } from "../sync/engine.js";
import { createSourceRecord } from "../sync/source-record.js";
import type { ConfluenceSourceConfig } from "./config.js";
import { ConfluenceJsSource } from "./confluence-js-source.js";

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
    timeZone: "UTC",
    baseDelayMs: 1,
    maxRetryAfterMs: 20,
    ...config,
  });
}

const ids = (items: readonly { id: string }[]) => items.map((item) => item.id).sort((a, b) => Number(a) - Number(b));

describe("ConfluenceJsSource on Data Center shapes", () => {
  let fake: FakeConfluence;
  let space: ConfluenceSpace;
  beforeAll(async () => {
    fake = await startFakeConfluence({ deployment: "datacenter", spaces: [{ key: "DCS", pages: 230, seed: 3 }] });
    space = await sourceFor(fake).getSpace("DCS");
  });
  afterAll(async () => fake?.close());

  it("reads a space that has no status field, as Data Center 8/9 sends it", async () => {
    const raw = await fetch(`${fake.baseUrl}/rest/api/space/DCS`, {
      headers: { Authorization: `Bearer ${fake.credentials.bearerToken}` },
    }).then((response) => response.json() as Promise<Record<string, unknown>>);
    expect(raw).not.toHaveProperty("status");
    expect(space).toMatchObject({ key: "DCS", id: String(raw.id) });
    await expect(sourceFor(fake).checkConnection()).resolves.toBeUndefined();
  });

  it("lists bodies 50 at a time whatever was asked, and every page arrives", async () => {
    fake.resetStats();
    const pages = await collect(sourceFor(fake, { pageSize: 250 }).listPages(space));
    expect(ids(pages)).toEqual(ids(fake.groundTruth("DCS")));
    const listings = fake.requestLog().filter((entry) => entry.endpoint === "GET /rest/api/content");
    expect(listings).toHaveLength(Math.ceil(230 / 50));
    expect(listings.every((entry) => entry.url.includes("limit=250"))).toBe(true);
  });

  it("ends a listing that repeats its last page past the end, with every page and no error", async () => {
    fake.setFaults({ repeatLastPage: {} });
    try {
      const refs = await collect(sourceFor(fake, { pageSize: 100 }).listPageRefs(space));
      expect(ids(refs)).toEqual(ids(fake.groundTruth("DCS")));
      expect(fake.stats().faults.repeatedLastPage).toBeGreaterThan(0);
      const pages = await collect(sourceFor(fake).getPages(space, ids(refs).slice(0, 120)));
      expect(ids(pages)).toEqual(ids(refs).slice(0, 120));
    } finally {
      fake.clearFaults();
    }
  });

  it("follows empty pages that still link on instead of ending the listing early", async () => {
    fake.setFaults({ emptyPage: { times: 3 } });
    try {
      const refs = await collect(sourceFor(fake, { pageSize: 100 }).listPageRefs(space));
      expect(ids(refs)).toEqual(ids(fake.groundTruth("DCS")));
      expect(fake.stats().faults.emptyPage).toBe(3);
    } finally {
      fake.clearFaults();
    }
  });
});

describe("a personal space on Data Center", () => {
  it("resolves and lists a ~user.name space through the REST paths and CQL", async () => {
    const fake = await startFakeConfluence({ deployment: "datacenter", spaces: [{ key: "~john.doe", pages: 12 }] });
    try {
      const source = sourceFor(fake);
      const space = await source.getSpace("~john.doe");
      expect(space.key).toBe("~john.doe");
      const refs = await collect(source.listPageRefs(space));
      expect(ids(refs)).toEqual(ids(fake.groundTruth("~john.doe")));
      const pages = await collect(source.getPages(space, ids(refs).slice(0, 3)));
      expect(ids(pages)).toEqual(ids(refs).slice(0, 3));
    } finally {
      await fake.close();
    }
  });
});

describe("a Data Center site that blocks /rest/api/content listings", () => {
  it("lists through CQL search instead and says so once", async () => {
    const fake = await startFakeConfluence({ deployment: "datacenter", spaces: [{ key: "BLK", pages: 70, seed: 6 }] });
    fake.setFaults({ forbidden: { match: /\/rest\/api\/content$/ } });
    try {
      const source = sourceFor(fake);
      const space = await source.getSpace("BLK");
      const warnings: string[] = [];
      const onWarning = (warning: { code: string }) => warnings.push(warning.code);
      const refs = await collect(source.listPageRefs(space, { onWarning }));
      const pages = await collect(source.listPages(space, { onWarning }));
      const truth = fake.groundTruth("BLK");
      expect(ids(refs)).toEqual(ids(truth));
      expect(ids(pages)).toEqual(ids(truth));
      expect(pages.find((page) => page.id === truth[5]?.id)?.body).toBe(truth[5]?.body);
      expect(warnings).toEqual(["LISTING_REFUSED"]);
      expect(fake.stats().faults.forbidden).toBe(1);
    } finally {
      await fake.close();
    }
  });

  it("still fails with SOURCE_AUTH when the credentials are refused everywhere", async () => {
    const fake = await startFakeConfluence({ deployment: "datacenter", spaces: [{ key: "BLK", pages: 5 }] });
    try {
      const source = sourceFor(fake);
      const space = await source.getSpace("BLK");
      fake.setFaults({ forbidden: {} });
      await expect(collect(source.listPageRefs(space))).rejects.toMatchObject({ code: "SOURCE_AUTH" });
    } finally {
      await fake.close();
    }
  });
});

describe("a Data Center source without timeZone", () => {
  it("asks nothing of the profile, which has no zone there, and widens change queries by 12 hours with a warning", async () => {
    // CQL reads dates in the user's zone; Tokyo is 9 hours ahead of the UTC the source falls back to.
    const fake = await startFakeConfluence({
      deployment: "datacenter",
      spaces: [{ key: "TZ", pages: 5, seed: 4 }],
      timeZone: "Asia/Tokyo",
    });
    try {
      const source = sourceFor(fake, { timeZone: undefined });
      const space = await source.getSpace("TZ");
      const since = new Date(Date.now() - 60_000);
      const target = fake.space("TZ").pages()[2]!;
      fake.space("TZ").editPage(target.id, { body: "<p>edited</p>" });
      const warnings: { code: string; message: string }[] = [];
      const changed = await collect(source.listChangedSince(space, since, { onWarning: (w) => warnings.push(w) }));
      expect(changed.map((page) => page.id)).toContain(target.id);
      expect(warnings).toEqual([
        {
          code: "TIME_ZONE_UNKNOWN",
          message: expect.stringContaining("Data Center does not report a user's time zone"),
        },
      ]);
      expect(Object.keys(fake.stats().byEndpoint).filter((endpoint) => endpoint.includes("/user/current"))).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});

describe("a Data Center site whose rate limiting blocks the user", () => {
  it("fails at once with SOURCE_RATE_LIMITED, not retryable, asking for an exemption instead of waiting", async () => {
    const fake = await startFakeConfluence({ deployment: "datacenter", spaces: [{ key: "BLK", pages: 3, seed: 2 }] });
    try {
      fake.setFaults({ rateLimit: { blocked: true } });
      const failure = await sourceFor(fake, { maxAttempts: 5, rateLimitBudgetMinutes: 10 })
        .getSpace("BLK")
        .catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: "SOURCE_RATE_LIMITED", retryable: false });
      expect((failure as Error).message).toContain("rate-limiting exemption");
      expect(fake.stats().faults.rateLimited).toBe(1);
    } finally {
      await fake.close();
    }
  });
});

// A page Data Center fails to render answers 500 in every listing that expands its body (the Onyx connector's
// maintainers met this on real sites): the source narrows the listing down to it, leaves it out with a warning naming
// it, and the sync goes on; the page is kept as stored and read again by a later sync.
describe("a page Data Center cannot render", () => {
  it("is left out with a warning naming it, keeps its stored version, and is indexed once it renders again", async () => {
    const fake = await startFakeConfluence({
      deployment: "datacenter",
      spaces: [{ key: "BAD", pages: 60, seed: 9, archivedRatio: 0, trashedRatio: 0 }],
    });
    try {
      const store = new InMemoryKnowledgeStore();
      await store.upsertSource(
        createSourceRecord({ sourceId: "bad", baseUrl: fake.baseUrl, deployment: "datacenter", spaceKey: "BAD" }),
      );
      const source = sourceFor(fake, { maxAttempts: 2 });
      const sync = new ConfluenceSync({ source, store, embedder: new HashingEmbedder({ dimensions: 16 }) });
      const warnings: SyncEventMap["source-warning"][] = [];
      sync.on("source-warning", (event) => warnings.push(event));
      const pages = fake.space("BAD").pages();
      const [broken, edited] = [pages[17]!, pages[41]!];

      // A first sync: the broken page is not stored, every other page is.
      fake.setFaults({ unreadable: { pageIds: [broken.id] } });
      const first = await sync.run({ sourceId: "bad", mode: "full" });
      const stored = await store.getPageStates("bad");
      expect(stored.has(broken.id)).toBe(false);
      expect(stored.size).toBe(pages.length - 1);
      expect(first.pagesFailed).toBe(0);
      expect(warnings.length).toBeGreaterThan(0);
      for (const warning of warnings) {
        expect(warning.code).toBe("CONTENT_UNREADABLE");
        expect(warning.message).toContain(`page ${broken.id} "${broken.title}"`);
      }

      // An indexed page that breaks after an edit keeps its stored version; nothing is deleted.
      fake.space("BAD").editPage(edited.id, { body: "<p>edited, then broken</p>" });
      fake.setFaults({ unreadable: { pageIds: [broken.id, edited.id] } });
      const second = await sync.run({ sourceId: "bad", mode: "full" });
      expect(second.pagesDeleted).toBe(0);
      expect((await store.getPage("bad", edited.id))?.version).toBe(edited.version);

      // Once they render again, an incremental sync indexes both.
      fake.clearFaults();
      await sync.run({ sourceId: "bad", mode: "incremental" });
      const after = await store.getPageStates("bad");
      expect(after.has(broken.id)).toBe(true);
      expect((await store.getPage("bad", edited.id))?.version).toBe(edited.version + 1);
    } finally {
      await fake.close();
    }
  }, 60_000);

  it("still fails a listing at once when the site fails without bodies too: an outage, not a page", async () => {
    const fake = await startFakeConfluence({ deployment: "datacenter", spaces: [{ key: "OUT", pages: 30, seed: 3 }] });
    try {
      const source = sourceFor(fake, { maxAttempts: 2 });
      const space = await source.getSpace("OUT");
      fake.setFaults({ serverError: { status: 500, match: "/rest/api/content" } });
      const warnings: string[] = [];
      const listing = (async () => {
        for await (const _ of source.listPages(space, { onWarning: (w) => warnings.push(w.code) })) {
          // nothing arrives
        }
      })();
      await expect(listing).rejects.toMatchObject({ code: "SOURCE_UNAVAILABLE" });
      // The listing's attempts, then the same listing without bodies once: no narrowing, no skipping.
      expect(fake.stats().faults.serverError).toBe(4);
      expect(warnings).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
