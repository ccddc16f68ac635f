import { describe, expect, it } from "vitest";
import { generateSpace } from "../generator/generate-space.js";
import type { FakePage } from "../model.js";
import { FakeConfluenceState } from "../state.js";
import { compileCql } from "./compile.js";
import { parseCqlDate } from "./dates.js";
import { CqlError, tokenize } from "./tokenize.js";

function makeState(): FakeConfluenceState {
  const state = new FakeConfluenceState();
  state.addSpace(generateSpace({ key: "ENG", pages: 120, seed: 4, archivedRatio: 0, trashedRatio: 0 }));
  state.addSpace(generateSpace({ key: "OPS", pages: 30, seed: 5, firstPageId: state.nextPageId }));
  state.addSpace(generateSpace({ key: 'Q"X', pages: 5, seed: 6, firstPageId: state.nextPageId }));
  return state;
}

const state = makeState();
const run = (cql: string, timeZone = "UTC"): FakePage[] => {
  const q = compileCql(cql, state, timeZone);
  return state
    .allPages()
    .filter((p) => q.matches(p))
    .sort(q.compare);
};
const ids = (pages: FakePage[]) => pages.map((p) => p.id);

describe("CQL tokenizer", () => {
  it("unescapes quoted strings and keeps operators apart", () => {
    expect(tokenize('title = "a \\"quoted\\" word" and space in (\'A\',B)').map((t) => t.value)).toEqual([
      "title",
      "=",
      'a "quoted" word',
      "and",
      "space",
      "in",
      "(",
      "A",
      ",",
      "B",
      ")",
    ]);
    expect(() => tokenize('space = "ENG')).toThrow(CqlError);
    expect(() => tokenize("space = ENG; drop")).toThrow(CqlError);
  });
});

describe("CQL subset", () => {
  it("filters by space, space in (...) and type", () => {
    expect(ids(run('space = "ENG"'))).toEqual(ids(state.pagesOf("ENG")));
    expect(run("space in (ENG, OPS) and type = page")).toHaveLength(150);
    expect(run('space = "ENG" and type = blogpost')).toEqual([]);
    expect(run("space != ENG")).toHaveLength(35);
    expect(run('space = "Q\\"X"')).toHaveLength(5);
  });

  it("filters by label, ancestor, parent and id", () => {
    const labelled = state.pagesOf("ENG").filter((p) => p.labels.includes("runbook"));
    expect(labelled.length).toBeGreaterThan(0);
    expect(ids(run('space = ENG and label = "runbook"'))).toEqual(ids(labelled));
    const root = state.pagesOf("ENG")[1] as FakePage;
    const descendants = state.pagesOf("ENG").filter((p) => state.ancestorsOf(p.id).includes(root.id));
    expect(descendants.length).toBeGreaterThan(3);
    expect(ids(run(`ancestor = ${root.id}`))).toEqual(ids(descendants));
    expect(ids(run(`parent = ${root.id}`))).toEqual(ids(descendants.filter((p) => p.parentId === root.id)));
    expect(ids(run("id in (100003, 100001,100002)"))).toEqual(["100001", "100002", "100003"]);
    expect(ids(run('id = "100004"'))).toEqual(["100004"]);
  });

  it("compares lastmodified at minute precision in the user's time zone", () => {
    const page = state.page("100010") as FakePage;
    page.version = { ...page.version, when: "2024-03-10T14:30:45.000Z" };
    const at = (cql: string, tz?: string) => ids(run(`id = 100010 and ${cql}`, tz)).length === 1;
    expect(at('lastmodified >= "2024-03-10 14:30"')).toBe(true);
    expect(at('lastmodified <= "2024-03-10 14:30"')).toBe(true);
    expect(at('lastmodified > "2024-03-10 14:30"')).toBe(false);
    expect(at('lastmodified >= "2024-03-10 14:31"')).toBe(false);
    expect(at('lastmodified < "2024-03-10 14:30"')).toBe(false);
    expect(at('lastModified = "2024/03/10 14:30"')).toBe(true);
    expect(at('lastmodified >= "2024-03-10"')).toBe(true);
    // 14:30 UTC is 15:30 in Berlin (CET, before the March change) and 23:30 in Tokyo.
    expect(at('lastmodified >= "2024-03-10 15:30"', "Europe/Berlin")).toBe(true);
    expect(at('lastmodified >= "2024-03-10 15:31"', "Europe/Berlin")).toBe(false);
    expect(at('lastmodified <= "2024-03-10 23:30"', "Asia/Tokyo")).toBe(true);
    expect(at('lastmodified <= "2024-03-10 23:29"', "Asia/Tokyo")).toBe(false);
  });

  it("reads dates across a daylight-saving change", () => {
    // New York moved to UTC-4 on 2024-03-10 at 02:00 local.
    expect(new Date(parseCqlDate("2024-03-09 12:00", "America/New_York").startMs).toISOString()).toBe(
      "2024-03-09T17:00:00.000Z",
    );
    expect(new Date(parseCqlDate("2024-03-11 12:00", "America/New_York").startMs).toISOString()).toBe(
      "2024-03-11T16:00:00.000Z",
    );
    expect(() => parseCqlDate("2024-13-01", "UTC")).toThrow(CqlError);
    expect(() => parseCqlDate("yesterday", "UTC")).toThrow(CqlError);
  });

  it("orders by lastmodified, title or id", () => {
    const desc = run("space = ENG order by lastmodified desc").map((p) => p.version.when);
    expect(desc).toEqual([...desc].sort().reverse());
    const titles = run("space = OPS ORDER BY title ASC").map((p) => p.title.toLowerCase());
    expect(titles).toEqual([...titles].sort());
  });

  it("supports parentheses around AND groups", () => {
    expect(ids(run("(space = OPS and type = page) and id in (100121, 100122)"))).toEqual(["100121", "100122"]);
  });

  it.each([
    ["OR", "space = ENG or space = OPS"],
    ["NOT", "not space = ENG"],
    ["an unknown field", "text ~ secret"],
    ["a function", "lastmodified >= now('-1d')"],
    ["a bad date", 'lastmodified >= "soon"'],
    ["a dangling AND", "space = ENG and"],
    ["trailing junk", "space = ENG ENG"],
    ["an unknown type", "type = spaceship"],
    ["an unbalanced parenthesis", "(space = ENG"],
    ["an empty query", "   "],
  ])("rejects %s", (_, cql) => {
    expect(() => compileCql(cql, state, "UTC")).toThrow(CqlError);
  });

  it("keeps injection attempts inert: quoted text stays one literal value", () => {
    expect(run('space = "ENG\\" or space = \\"OPS"')).toEqual([]);
    expect(run('space = "ENG\\") or (space = \\"OPS"')).toEqual([]);
    expect(run("title = 'x\\' or title != \\'y'")).toEqual([]);
    expect(run('label = "runbook\\" and id in (1)"')).toEqual([]);
  });
});
