/**
 * Chaos suite: while a sync runs, the fake injects 429s (Retry-After in seconds, as an HTTP date, absurd, missing),
 * 5xx bursts, connection resets, slow and timed-out responses, malformed JSON and Data Center's pagination bugs.
 * After every sync the store must hold exactly the current pages at their current versions and bodies; at the end
 * of each scenario its chunks must equal a clean sync's. The metrics must count exactly what was injected. Every
 * fault is bounded by `times` or a generous retry budget, so no run can flake into a failure.
 *
 * CI size: 300 pages. Full size: E2E_PAGES=4000 (about 5 minutes).
 */
import {
  ConfluenceSync,
  createConfluenceSource,
  createSourceRecord,
  HashingEmbedder,
  InMemoryKnowledgeStore,
  type SyncMetrics,
} from "@archon/confluence-core";
import { type FakeConfluence, type FaultConfigInput, startFakeConfluence } from "@archon/fake-confluence";
import { afterEach, describe, expect, it } from "vitest";
import { checkKnowledgeStore, fakeCredentials, leafPages, referenceSnapshot } from "./support/store-check.js";

const PAGES = Number(process.env.E2E_PAGES ?? 300);
const SPACE = "CHAOS";
const SOURCE_ID = "chaos";
// Buckets below hold one token and refill 4-10 per second: back-to-back requests always meet a 429 (a retry after
// a malformed answer comes within milliseconds), and with waits capped at 100 ms and 20 attempts per request, no
// request can starve.
const MAX_RETRY_AFTER_MS = 100;
// Generous: the full-size run (4,000 pages, 25 per listing request, rate-limited resyncs) takes minutes.
const TEST_TIMEOUT_MS = Math.max(300_000, PAGES * 500);

let fake: FakeConfluence | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(deployment: "cloud" | "datacenter") {
  const started = await startFakeConfluence({ deployment, seed: 11, spaces: [{ key: SPACE, pages: PAGES }] });
  fake = started;
  const store = new InMemoryKnowledgeStore();
  await store.upsertSource(
    createSourceRecord({ sourceId: SOURCE_ID, baseUrl: started.baseUrl, deployment, spaceKey: SPACE }),
  );
  /** A sync of the same store whose requests time out after `timeoutMs`. */
  const syncWithTimeout = (timeoutMs: number) =>
    new ConfluenceSync({
      source: createConfluenceSource({
        baseUrl: started.baseUrl,
        deployment,
        credentials: fakeCredentials(started),
        timeZone: "UTC",
        // Small listing pages make many requests, so every fault finds requests to hit.
        pageSize: 25,
        baseDelayMs: 5,
        maxRetryAfterMs: MAX_RETRY_AFTER_MS,
        maxAttempts: 20,
        timeoutMs,
      }),
      store,
      embedder: new HashingEmbedder({ dimensions: 64 }),
    });
  return { fake: started, store, sync: syncWithTimeout(60_000), syncWithTimeout };
}

type Env = Awaited<ReturnType<typeof setup>>;
type Injected = ReturnType<FakeConfluence["stats"]>["faults"];

/** Runs a sync under the faults, then (faults off) checks pages, versions and bodies against the ground truth. */
async function syncUnder(
  env: Env,
  faults: FaultConfigInput,
  mode: "full" | "incremental",
): Promise<{ metrics: SyncMetrics; faults: Injected }> {
  env.fake.setFaults(faults);
  env.fake.resetStats();
  const metrics = await env.sync.run({ sourceId: SOURCE_ID, mode });
  const injected = env.fake.stats().faults;
  env.fake.clearFaults();
  const report = await checkKnowledgeStore(env.store, SOURCE_ID, env.fake, SPACE);
  expect(report.problems).toEqual([]);
  expect(metrics.pagesFailed).toBe(0);
  return { metrics, faults: injected };
}

/** Edits a few pages so an incremental sync has bodies to fetch while the faults strike. */
function editSome(env: Env, round: number, count = 5): void {
  const space = env.fake.space(SPACE);
  const pages = space.pages();
  for (let i = 0; i < count; i++) {
    const page = pages[(round * 37 + i * 11) % pages.length];
    if (page) space.editPage(page.id, { body: `<h2>Round ${round}</h2><p>edit ${i} of ${page.id}</p>` });
  }
}

/** The store's chunks equal a clean sync's of the current space. */
async function expectCleanChunks(env: Env): Promise<void> {
  const report = await checkKnowledgeStore(
    env.store,
    SOURCE_ID,
    env.fake,
    SPACE,
    await referenceSnapshot(env.fake, SPACE),
  );
  expect(report.problems).toEqual([]);
}

const retriesOf = (f: Injected) => f.serverError + f.reset + f.malformedJson;

describe(`chaos suite: a ${PAGES}-page space synced under injected faults equals the ground truth`, () => {
  it(
    "Cloud: 429s with every kind of Retry-After, 5xx bursts, resets, malformed JSON, slow and timed-out responses",
    async () => {
      const env = await setup("cloud");
      // A full sync under a mix. Each kind aims at its own endpoint, so no single request meets them all and runs
      // out of attempts; each retry in the metrics is one injected failure.
      const full = await syncUnder(
        env,
        {
          rateLimit: { capacity: 1, refillPerSecond: 10, retryAfter: "absurd", match: "/content/search" },
          serverError: { status: 500, burst: 3, times: 6, match: "/pages" },
          reset: { times: 4, match: /\/spaces$/ },
          malformedJson: { times: 4, match: "/content/search" },
        },
        "full",
      );
      expect(full.faults).toMatchObject({ serverError: 6, reset: 4, malformedJson: 4 });
      expect(full.faults.rateLimited).toBeGreaterThan(0);
      expect(full.metrics.retries).toBe(14);
      expect(full.metrics.rateLimitWaits).toBe(full.faults.rateLimited);
      // An absurd Retry-After (9223372036854775807 s) is clamped, never obeyed.
      expect(full.metrics.rateLimitWaitMs).toBeLessThanOrEqual(full.metrics.rateLimitWaits * MAX_RETRY_AFTER_MS);

      let round = 0;
      for (const retryAfter of ["seconds", "http-date", "missing"] as const) {
        editSome(env, ++round);
        const { metrics, faults } = await syncUnder(
          env,
          { rateLimit: { capacity: 1, refillPerSecond: 4, retryAfter } },
          "incremental",
        );
        expect(faults.rateLimited, `Retry-After ${retryAfter}`).toBeGreaterThan(0);
        expect(metrics.rateLimitWaits).toBe(faults.rateLimited);
        expect(metrics.rateLimitWaitMs).toBeLessThanOrEqual(metrics.rateLimitWaits * MAX_RETRY_AFTER_MS);
        expect(metrics.retries).toBe(0);
        expect(metrics.pagesIndexed).toBe(5);
      }

      for (const status of [502, 503]) {
        editSome(env, ++round);
        const { metrics, faults } = await syncUnder(
          env,
          { serverError: { status, burst: 2, times: 4 } },
          "incremental",
        );
        expect(faults.serverError).toBe(4);
        expect(metrics.retries).toBe(4);
      }

      // The space lookup answers empty while still linking on: the sync follows it instead of calling the space gone.
      editSome(env, ++round);
      const emptyLookup = await syncUnder(env, { emptyPage: { times: 1, match: /\/spaces$/ } }, "incremental");
      expect(emptyLookup.faults.emptyPage).toBe(1);
      expect(emptyLookup.metrics.pagesIndexed).toBe(5);

      // Slow answers cost time, not retries.
      editSome(env, ++round);
      const slow = await syncUnder(env, { slow: { delayMs: 300, times: 6 } }, "incremental");
      expect(slow.faults.slow).toBe(6);
      expect(slow.metrics.retries).toBe(0);
      // The space lookup is a tiny answer: only the injected 15 s delay can push it past a 5 s timeout.
      editSome(env, ++round);
      const timedOut = await syncUnder(
        { ...env, sync: env.syncWithTimeout(5_000) },
        { slow: { delayMs: 15_000, times: 2, match: /\/spaces$/ } },
        "incremental",
      );
      expect(timedOut.faults.slow).toBe(2);
      expect(timedOut.metrics.retries).toBe(2);

      await expectCleanChunks(env);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "Data Center: clamped limits, phantom next links and empty pages, then everything at once through edits and deletions",
    async () => {
      const env = await setup("datacenter");
      const pagination = await syncUnder(
        env,
        { clampLimit: 10, phantomNext: { rate: 1 }, emptyPage: { times: 3 }, repeatLastPage: { times: 4 } },
        "full",
      );
      expect(pagination.faults.repeatedLastPage).toBeGreaterThan(0);
      expect(pagination.faults.clampedLimit).toBeGreaterThan(0);
      expect(pagination.faults.phantomNext).toBeGreaterThan(0);
      expect(pagination.faults.emptyPage).toBe(3);
      expect(pagination.metrics.pagesIndexed).toBe(env.fake.space(SPACE).pages().length);

      const everything: FaultConfigInput = {
        seed: 5,
        rateLimit: { capacity: 1, refillPerSecond: 10, retryAfter: "absurd" },
        serverError: { status: 503, burst: 2, times: 4, match: /\/content$/ },
        reset: { times: 3, match: "/space/" },
        malformedJson: { times: 3, match: "/search" },
        slow: { delayMs: 100, times: 5 },
        clampLimit: 20,
        phantomNext: { rate: 1 },
        emptyPage: { times: 2 },
      };
      const space = env.fake.space(SPACE);
      const pages = space.pages();
      const edited = pages.slice(10, 20);
      for (const page of edited) space.editPage(page.id, { body: `<p>chaos edit of ${page.id}</p>` });
      const leaves = leafPages(pages).filter((p) => !edited.includes(p));
      for (const leaf of leaves.slice(0, 3)) space.deletePage(leaf.id);
      const resync = await syncUnder(env, everything, "incremental");
      expect(resync.faults.serverError + resync.faults.reset + resync.faults.malformedJson).toBeGreaterThan(0);
      expect(resync.metrics.retries).toBe(retriesOf(resync.faults));
      expect(resync.metrics.rateLimitWaits).toBe(resync.faults.rateLimited);
      expect(resync.metrics.pagesIndexed).toBe(10);
      expect(resync.metrics.pagesDeleted).toBe(3);

      // A full sync under everything re-checks every page and changes nothing.
      const again = await syncUnder(env, everything, "full");
      expect(again.metrics.retries).toBe(retriesOf(again.faults));
      expect(again.metrics.pagesIndexed).toBe(0);

      await expectCleanChunks(env);
    },
    TEST_TIMEOUT_MS,
  );
});
