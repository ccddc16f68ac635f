import { describe, expect, it } from "vitest";
import { startFakeConfluence } from "./fake-confluence.js";

describe("startFakeConfluence", () => {
  it("listens on 127.0.0.1 with a free port and closes cleanly", async () => {
    const fake = await startFakeConfluence({ spaces: [{ key: "A", pages: 3 }] });
    expect(fake.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fake.siteBase).toBe(`${fake.baseUrl}/wiki`);
    await fake.close();
    await expect(fetch(`${fake.origin}/wiki/api/v2/spaces`)).rejects.toThrow();
    await fake.close();
  });

  it("rejects bad options with CONFIG_INVALID naming the field", async () => {
    await expect(startFakeConfluence({ port: -1 })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("port"),
    });
    await expect(startFakeConfluence({ timeZone: "Mars/Olympus" })).rejects.toThrow(/timeZone: an IANA time zone/);
    await expect(startFakeConfluence({ spaces: [{ key: "bad key", pages: 1 }] })).rejects.toThrow(/spaces\.0/);
    await expect(
      startFakeConfluence({
        spaces: [
          { key: "A", pages: 1 },
          { key: "A", pages: 1 },
        ],
      }),
    ).rejects.toThrow(/already loaded/);
  });

  it("gives every space its own page ids and is reproducible by seed", async () => {
    const options = {
      seed: 3,
      spaces: [
        { key: "A", pages: 30 },
        { key: "B", pages: 30 },
        { preset: "demo" as const, pages: 20 },
      ],
    };
    const one = await startFakeConfluence(options);
    const two = await startFakeConfluence(options);
    try {
      const ids = one.groundTruth(undefined, { statuses: ["current", "archived", "trashed"] }).map((p) => p.id);
      expect(new Set(ids).size).toBe(80);
      const strip = (fake: typeof one) => fake.groundTruth().map(({ webUrl: _, ...page }) => page);
      expect(strip(two)).toEqual(strip(one));
      expect(one.spaces().map((s) => s.key)).toEqual(["A", "B", "DEMO"]);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it("reads CQL dates in the configured user time zone", async () => {
    const fake = await startFakeConfluence({
      timeZone: "Asia/Kolkata",
      spaces: [{ key: "A", pages: 5 }],
      now: () => new Date("2026-01-01T00:00:00Z"),
    });
    try {
      const page = fake.space("A").pages()[1];
      fake.space("A").editPage(page?.id as string, { body: "<p>x</p>" }); // 2026-01-01 00:00 UTC = 05:30 in Kolkata
      const search = async (when: string) => {
        const cql = encodeURIComponent(`space = A and lastmodified >= "${when}"`);
        const res = await fetch(`${fake.origin}/wiki/rest/api/content/search?cql=${cql}`, {
          headers: { authorization: `Bearer ${fake.credentials.bearerToken}` },
        });
        return ((await res.json()).results as Array<{ id: string }>).map((r) => r.id);
      };
      expect(await search("2026-01-01 05:30")).toEqual([page?.id]);
      expect(await search("2026-01-01 05:31")).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
