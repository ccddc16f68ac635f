// A page Data Center fails to render answers 500 in every listing that expands its body (the Onyx connector's
// maintainers met this on real sites): the source narrows the listing down to it, leaves it out with a warning naming
// it, and the sync goes on; the page is kept as stored and read again by a later sync.
import { startFakeConfluence } from "@archon/fake-confluence";
import { describe, expect, it } from "vitest";
import { HashingEmbedder } from "../embed/hashing-embedder.js";
import type { SyncEventMap } from "../ports/progress-sink.js";
import { InMemoryKnowledgeStore } from "../store/in-memory-store.js";
import { ConfluenceSync } from "../sync/engine.js";
import { createSourceRecord } from "../sync/source-record.js";
import { ConfluenceJsSource } from "./confluence-js-source.js";

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
      const source = new ConfluenceJsSource({
        baseUrl: fake.baseUrl,
        deployment: "datacenter",
        credentials: { type: "bearer", token: fake.credentials.bearerToken },
        timeZone: "UTC",
        maxAttempts: 2,
        baseDelayMs: 1,
      });
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
      const source = new ConfluenceJsSource({
        baseUrl: fake.baseUrl,
        deployment: "datacenter",
        credentials: { type: "bearer", token: fake.credentials.bearerToken },
        timeZone: "UTC",
        maxAttempts: 2,
        baseDelayMs: 1,
      });
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
