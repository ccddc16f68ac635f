import { describe, expect, it } from "vitest";
import { assertSpaceKey, spacePagesCql } from "./confluence/cql.js";
import { isSpaceKey, SPACE_KEY_PATTERN } from "./space-key.js";
import { createSourceRecord } from "./sync/source-record.js";

const personal = ["~john.doe", "~jane@example.com", "~557058:6f1c0a2e-91b3", "~first+tag@example.com", "~jdoe"];
const team = ["ENG", "eng", "TEAM_2", "A".repeat(255)];
const invalid = ["", "A-B", "~", "ENG KEY", 'X" or 1=1', "~john doe", "ENG~", "~a/b", "A".repeat(256), "ÄRGER"];

describe("the space key rule", () => {
  it.each([...team, ...personal])("accepts %s everywhere", (key) => {
    expect(isSpaceKey(key)).toBe(true);
    expect(() => assertSpaceKey(key)).not.toThrow();
    expect(createSourceRecord({ sourceId: "s", baseUrl: "https://acme.atlassian.net", spaceKey: key }).spaceKey).toBe(
      key,
    );
  });

  it.each(invalid)("rejects %j everywhere, naming the rule", (key) => {
    expect(isSpaceKey(key)).toBe(false);
    expect(() => assertSpaceKey(key)).toThrow(expect.objectContaining({ code: "CONFIG_INVALID" }));
    expect(() => createSourceRecord({ sourceId: "s", baseUrl: "https://acme.atlassian.net", spaceKey: key })).toThrow(
      /spaceKey: a Confluence space key/,
    );
  });

  it("quotes a personal key as one CQL literal", () => {
    expect(spacePagesCql("~jane@example.com")).toBe('space = "~jane@example.com" and type = page');
    expect(SPACE_KEY_PATTERN.test("~jane@example.com")).toBe(true);
  });
});
