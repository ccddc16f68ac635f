import {
  ConfluenceSync,
  createConfluenceSource,
  createSourceRecord,
  HashingEmbedder,
  InMemoryKnowledgeStore,
} from "@archon/confluence-core";
import { startFakeConfluence } from "@archon/fake-confluence";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { PgTokenBucket, RateLimitedSource, siteKey } from "./rate-limit.js";

/** A bucket that records every token taken instead of asking PostgreSQL. */
class RecordingBucket extends PgTokenBucket {
  readonly taken: string[] = [];
  constructor() {
    super(null as unknown as pg.Pool, "unused", 10, 20);
  }
  override async reserve(site: string): Promise<number> {
    this.taken.push(site);
    return 0;
  }
}

describe("RateLimitedSource", () => {
  it("takes a token from the site's bucket for every request a sync sends", async () => {
    const fake = await startFakeConfluence({ spaces: [{ key: "ENG", pages: 60 }] });
    try {
      const bucket = new RecordingBucket();
      const inner = createConfluenceSource({
        baseUrl: fake.baseUrl,
        deployment: "cloud",
        credentials: { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken },
        timeZone: "UTC",
        pageSize: 10,
      });
      const store = new InMemoryKnowledgeStore();
      await store.upsertSource(
        createSourceRecord({ sourceId: "eng", baseUrl: fake.baseUrl, spaceKey: "ENG", deployment: "cloud" }),
      );
      const sync = new ConfluenceSync({
        source: new RateLimitedSource(inner, bucket),
        store,
        embedder: new HashingEmbedder({ dimensions: 64 }),
      });
      const before = fake.stats().requests;
      await sync.run({ sourceId: "eng", mode: "full" });
      const requests = fake.stats().requests - before;
      expect(requests).toBeGreaterThan(5);
      // Never fewer tokens than requests; a listing's final, empty step may cost one spare token.
      expect(bucket.taken.length).toBeGreaterThanOrEqual(requests);
      expect(bucket.taken.length).toBeLessThanOrEqual(requests + 3);
      expect(new Set(bucket.taken)).toEqual(new Set([siteKey(fake.baseUrl)]));
    } finally {
      await fake.close();
    }
  });

  it("keys buckets by host, so every space of one site shares one", () => {
    expect(siteKey("https://Acme.atlassian.net/wiki")).toBe("acme.atlassian.net");
    expect(siteKey("https://confluence.example.com:8443/confluence")).toBe("confluence.example.com:8443");
  });
});
