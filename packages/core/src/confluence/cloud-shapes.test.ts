// Cloud shapes the source must read as real sites send them.
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfluenceSourceConfig } from "./config.js";
import { ConfluenceJsSource } from "./confluence-js-source.js";

function sourceFor(fake: FakeConfluence, config: Partial<ConfluenceSourceConfig> = {}) {
  return new ConfluenceJsSource({
    baseUrl: fake.baseUrl,
    deployment: "cloud",
    credentials: { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken },
    timeZone: "UTC",
    baseDelayMs: 1,
    maxRetryAfterMs: 20,
    ...config,
  });
}

describe("ConfluenceJsSource on Cloud shapes", () => {
  let fake: FakeConfluence;
  beforeAll(async () => {
    fake = await startFakeConfluence({ spaces: [{ key: "CLD", pages: 30, seed: 4 }] });
  });
  afterAll(async () => fake?.close());

  it("follows an empty space lookup that still links on, instead of calling the space missing", async () => {
    fake.setFaults({ emptyPage: { match: "/api/v2/spaces", times: 1 } });
    try {
      const space = await sourceFor(fake).getSpace("CLD");
      expect(space).toMatchObject({ key: "CLD", id: fake.space("CLD").id });
      expect(fake.stats().faults.emptyPage).toBe(1);
    } finally {
      fake.clearFaults();
    }
  });

  it("still reports a space that does not exist as SOURCE_NOT_FOUND", async () => {
    await expect(sourceFor(fake).getSpace("NOPE")).rejects.toMatchObject({ code: "SOURCE_NOT_FOUND" });
  });
});
