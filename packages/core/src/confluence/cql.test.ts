import { describe, expect, it } from "vitest";
import { assertSpaceKey, changedSinceCql, cqlString, formatCqlDate, pageIdsCql, spacePagesCql } from "./cql.js";

/** Splits a CQL text into its double-quoted literals, honouring backslash escapes, the way a CQL lexer does. */
function literals(cql: string): string[] {
  const found: string[] = [];
  for (let i = 0; i < cql.length; i++) {
    if (cql[i] !== '"') continue;
    let value = "";
    for (i++; i < cql.length && cql[i] !== '"'; i++) {
      if (cql[i] === "\\") i++;
      value += cql[i];
    }
    found.push(value);
  }
  return found;
}

describe("cqlString", () => {
  it("escapes quotes and backslashes so a value stays one literal", () => {
    expect(cqlString('a"b\\c')).toBe('"a\\"b\\\\c"');
    const hostile = 'X" or space = "Y';
    const cql = `label = ${cqlString(hostile)}`;
    expect(literals(cql)).toEqual([hostile]);
    expect(literals(`x = ${cqlString('\\" or 1=1 or "\\')}`)).toEqual(['\\" or 1=1 or "\\']);
  });
});

describe("space keys", () => {
  it("accepts team and personal keys", () => {
    for (const key of [
      "DEMO",
      "ds",
      "TEAM_1",
      "~jdoe",
      "~557058:f58131cb-b67d-43c7-b30d-6b58d40bd077",
      "~john.doe@x.org",
    ]) {
      expect(() => assertSpaceKey(key)).not.toThrow();
    }
  });

  it("rejects an injection attempt with CONFIG_INVALID naming the key", () => {
    expect(() => spacePagesCql('X" or space = "Y')).toThrow(expect.objectContaining({ code: "CONFIG_INVALID" }));
    expect(() => assertSpaceKey("")).toThrow(/spaceKey/);
    expect(() => assertSpaceKey("A B")).toThrow(/spaceKey/);
  });

  it("quotes the key in the space clause", () => {
    expect(spacePagesCql("DEMO")).toBe('space = "DEMO" and type = page');
  });
});

describe("formatCqlDate", () => {
  it("writes the wall clock of the user's time zone, minute-granular", () => {
    const instant = new Date("2026-07-01T12:34:56.789Z");
    expect(formatCqlDate(instant, "UTC")).toBe("2026-07-01 12:34");
    expect(formatCqlDate(instant, "Europe/Berlin")).toBe("2026-07-01 14:34");
    expect(formatCqlDate(instant, "America/New_York")).toBe("2026-07-01 08:34");
    expect(formatCqlDate(instant, "Asia/Kolkata")).toBe("2026-07-01 18:04");
    expect(formatCqlDate(new Date("2026-01-01T00:05:00Z"), "America/Los_Angeles")).toBe("2025-12-31 16:05");
  });

  it("follows daylight saving changes", () => {
    expect(formatCqlDate(new Date("2026-03-29T00:30:00Z"), "Europe/Berlin")).toBe("2026-03-29 01:30");
    expect(formatCqlDate(new Date("2026-03-29T01:30:00Z"), "Europe/Berlin")).toBe("2026-03-29 03:30");
  });

  it("uses 00 for midnight, not 24", () => {
    expect(formatCqlDate(new Date("2026-05-05T22:00:00Z"), "Europe/Berlin")).toBe("2026-05-06 00:00");
  });
});

describe("queries", () => {
  it("builds the changed-since query with a quoted date", () => {
    expect(changedSinceCql("DEMO", new Date("2026-07-01T12:34:00Z"), "Europe/Berlin")).toBe(
      'space = "DEMO" and type = page and lastmodified >= "2026-07-01 14:34"',
    );
  });

  it("accepts only numeric page ids", () => {
    expect(pageIdsCql("DEMO", ["1", "22"])).toBe('space = "DEMO" and type = page and id in (1,22)');
    expect(() => pageIdsCql("DEMO", ["1) or (1=1"])).toThrow(expect.objectContaining({ code: "CONFIG_INVALID" }));
  });
});
