/**
 * Crash suite: a child process syncing into PostgreSQL is SIGKILLed at seeded random points (after a random number
 * of indexed pages, so mid-write for the pages in flight), with pages edited, added, moved and deleted between the
 * kills. After one more, uninterrupted sync the tables must equal the fake's ground truth and a clean sync's chunks.
 *
 * Every child records progress through a PgProgressSink: no operation may be left `running` by a killed one.
 *
 * CI size: 300 pages, 4 kills. Full size: E2E_PAGES=4000 E2E_KILLS=6 (E2E_SEED replays a run).
 */
import { createSourceRecord } from "@archon/confluence-core";
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildSyncConfig } from "./support/child-protocol.js";
import {
  createMigratedSchema,
  databaseUrl,
  dropSchema,
  openSchemaStore,
  probePostgres,
  uniqueSchema,
} from "./support/pg.js";
import { seededRandom } from "./support/random.js";
import { runSyncChild } from "./support/run-child.js";
import { checkPgStore, fakeCredentials, leafPages, referenceSnapshot } from "./support/store-check.js";

const PAGES = Number(process.env.E2E_PAGES ?? 300);
const KILLS = Number(process.env.E2E_KILLS ?? 4);
const SEED = Number(process.env.E2E_SEED ?? 20_261_126);
const SPACE = "CRASH";
const SOURCE_ID = "crash";

const skip = await probePostgres();
if (skip) console.warn(`[e2e] skipping the crash suite: it needs PostgreSQL with pgvector (${skip})`);

describe.skipIf(skip !== undefined)(
  `crash suite: SIGKILL mid-sync into PostgreSQL${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    const schema = uniqueSchema("archon_crash");
    const url = databaseUrl as string;
    let fake: FakeConfluence;

    beforeAll(async () => {
      // The fake lives in this process, so it outlives every child that is killed.
      fake = await startFakeConfluence({
        seed: SEED,
        spaces: [{ key: SPACE, pages: PAGES }],
        faults: { latencyMs: 5 },
      });
      await createMigratedSchema(url, schema);
      const { store, close } = await openSchemaStore(url, schema, 1);
      await store.upsertSource(
        createSourceRecord({ sourceId: SOURCE_ID, baseUrl: fake.baseUrl, deployment: "cloud", spaceKey: SPACE }),
      );
      await close();
    });

    afterAll(async () => {
      await fake?.close();
      await dropSchema(url, schema);
    });

    it(`converges to the ground truth after ${KILLS} kills (seed ${SEED})`, async () => {
      const random = seededRandom(SEED);
      const space = fake.space(SPACE);
      const config = (mode: "full" | "incremental"): ChildSyncConfig => ({
        baseUrl: fake.baseUrl,
        deployment: "cloud",
        credentials: fakeCredentials(fake),
        sourceId: SOURCE_ID,
        mode,
        store: { kind: "pg", url, schema },
        progress: true,
        progressSink: true,
        sourceOptions: { baseDelayMs: 5, maxRetryAfterMs: 50 },
      });
      const kills: string[] = [];
      let edited = 0;
      for (let round = 0; round < KILLS; round++) {
        let work = PAGES;
        if (round > 0) {
          // Changes between kills: pages already indexed (or half-written) must end up re-indexed or removed.
          const pages = space.pages();
          const leaves = leafPages(pages).filter((p) => p.id !== space.info.homepageId);
          const edits = Math.max(5, Math.round(PAGES * 0.05));
          const doomed = leaves[random.int(0, leaves.length - 1)];
          // Distinct pages, none of them the one deleted below, so the sync has at least `edits` pages to index.
          const targets = new Set<string>();
          while (targets.size < edits) {
            const page = pages[random.int(1, pages.length - 1)];
            if (page && page.id !== doomed?.id) targets.add(page.id);
          }
          for (const id of targets) {
            space.editPage(id, {
              body: `<h1>Round ${round}</h1><p>Edit of ${id}: ${"lorem ipsum ".repeat(random.int(5, 400))}</p>`,
            });
            edited += 1;
          }
          if (doomed) space.deletePage(doomed.id);
          space.addPage({
            title: `Added in round ${round}`,
            parentId: space.info.homepageId,
            body: `<p>round ${round}</p>`,
          });
          const moved = pages[random.int(1, pages.length - 1)];
          if (moved && moved.id !== doomed?.id) space.movePage(moved.id, space.info.homepageId);
          work = edits;
        }
        const killAfter = random.int(1, Math.max(1, work - 1));
        const outcome = await runSyncChild(config(round === 0 ? "full" : "incremental"), {
          killAfterIndexed: killAfter,
        });
        expect(outcome.signal, `round ${round} should have been killed; stderr: ${outcome.stderr}`).toBe("SIGKILL");
        kills.push(`round ${round}: killed after ${outcome.indexed} pages (target ${killAfter})`);
      }
      console.info(`[e2e] crash suite, seed ${SEED}, ${edited} edits:\n  ${kills.join("\n  ")}`);

      const final = await runSyncChild({ ...config("incremental"), progress: false });
      expect(final.code, final.stderr).toBe(0);
      expect(final.result?.metrics.pagesFailed).toBe(0);

      const reference = await referenceSnapshot(fake, SPACE);
      const { store, pool, close } = await openSchemaStore(url, schema, 1);
      try {
        const report = await checkPgStore(pool, SOURCE_ID, fake, SPACE, reference);
        expect(report.problems).toEqual([]);
        expect(report.pages).toBe(space.pages().length);
        expect((await store.getSyncState(SOURCE_ID))?.checkpoint ?? null).toBeNull();
        // Every killed child left its operation running; the final sync's sink marked them interrupted on start.
        const states = await pool.query<{ state: string; n: number; reasons: string[] }>(
          "SELECT state, count(*)::int AS n, array_agg(DISTINCT left(message, 60)) AS reasons FROM archon_progress GROUP BY state",
        );
        const byState = Object.fromEntries(states.rows.map((row) => [row.state, row]));
        expect(byState.running, JSON.stringify(states.rows)).toBeUndefined();
        expect(byState.interrupted?.n).toBe(KILLS);
        expect(byState.interrupted?.reasons.every((reason) => /^Interrupted: process .* is gone/.test(reason))).toBe(
          true,
        );
        expect(byState.completed?.n).toBe(1);
      } finally {
        await close();
      }
    }, 600_000);
  },
);
