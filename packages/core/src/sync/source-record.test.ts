import { describe, expect, it } from "vitest";
import { createSourceRecord } from "./source-record.js";

describe("createSourceRecord", () => {
  it("fills defaults and infers Cloud from an atlassian.net host", () => {
    const record = createSourceRecord(
      { sourceId: "eng", baseUrl: "https://acme.atlassian.net/", spaceKey: "ENG" },
      new Date("2026-01-02T03:04:05Z"),
    );
    expect(record).toEqual({
      sourceId: "eng",
      name: "ENG",
      deployment: "cloud",
      baseUrl: "https://acme.atlassian.net",
      spaceKey: "ENG",
      deletionStrategy: "listing",
      removeArchived: true,
      createdAt: "2026-01-02T03:04:05.000Z",
      updatedAt: "2026-01-02T03:04:05.000Z",
    });
  });

  it("names every invalid field", () => {
    expect(() => createSourceRecord({ sourceId: "a b", baseUrl: "ftp://x", spaceKey: 'X" or 1=1' })).toThrow(
      /sourceId: .*; baseUrl: .*; spaceKey: /,
    );
  });

  it("asks for the deployment of a self-hosted site", () => {
    expect(() => createSourceRecord({ sourceId: "dc", baseUrl: "https://wiki.example.com", spaceKey: "DOC" })).toThrow(
      /deployment: required for a site outside atlassian.net/,
    );
    expect(
      createSourceRecord({
        sourceId: "dc",
        baseUrl: "https://wiki.example.com",
        spaceKey: "DOC",
        deployment: "datacenter",
      }).deployment,
    ).toBe("datacenter");
  });
});
