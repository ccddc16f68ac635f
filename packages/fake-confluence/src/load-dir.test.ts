import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeConfluence } from "./fake-confluence.js";
import { loadSpaceFromDirectory } from "./load-dir.js";

const dirs: string[] = [];
async function makeDir(pages: unknown, files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fake-confluence-"));
  dirs.push(dir);
  await writeFile(join(dir, "pages.json"), typeof pages === "string" ? pages : JSON.stringify(pages));
  for (const [name, body] of Object.entries(files)) await writeFile(join(dir, name), body);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("loadSpaceFromDirectory", () => {
  it("loads pages.json and the body files, and serves them", async () => {
    const dir = await makeDir(
      [
        { id: "10", title: "Home", file: "home.xml", labels: ["start"] },
        { id: 11, title: "Child", parentId: "10", file: "child.xml", version: 3, createdAt: "2024-02-01T10:00:00Z" },
      ],
      { "home.xml": "<p>home</p>", "child.xml": "<h1>child</h1>" },
    );
    const seed = await loadSpaceFromDirectory(dir, { key: "DOCS" });
    expect(seed.pages.map((p) => [p.id, p.parentId, p.version])).toEqual([
      ["10", null, 1],
      ["11", "10", 3],
    ]);
    expect(seed.homepageId).toBe("10");
    const fake = await startFakeConfluence({ spaces: [{ fromDir: dir, key: "DOCS", name: "Docs" }] });
    try {
      const truth = fake.space("DOCS").pages();
      expect(truth.map((p) => [p.title, p.body, p.path.join(" / ")])).toEqual([
        ["Home", "<p>home</p>", "Home"],
        ["Child", "<h1>child</h1>", "Home / Child"],
      ]);
      expect(truth[0]?.labels).toEqual(["start"]);
      expect(truth[1]?.createdAt).toBe("2024-02-01T10:00:00.000Z");
    } finally {
      await fake.close();
    }
  });

  it.each([
    ["a missing title", [{ id: "1", file: "a.xml" }], /entry 0 \(id 1\), field "title"/],
    ["a non-numeric id", [{ id: "abc", title: "A", file: "a.xml" }], /entry 0 \(id abc\), field "id": digits only/],
    ["a bad version", [{ id: "1", title: "A", file: "a.xml", version: 0 }], /field "version"/],
    ["an unknown field", [{ id: "1", title: "A", file: "a.xml", colour: "red" }], /entry 0 \(id 1\)/],
    ["a bad date", [{ id: "1", title: "A", file: "a.xml", createdAt: "yesterday" }], /field "createdAt"/],
    [
      "a duplicate id",
      [
        { id: "1", title: "A", file: "a.xml" },
        { id: "1", title: "B", file: "a.xml" },
      ],
      /entry 1: field "id": 1 repeats entry 0/,
    ],
    [
      "a missing parent",
      [{ id: "1", title: "A", file: "a.xml", parentId: "9" }],
      /field "parentId": no entry has id 9/,
    ],
    [
      "a parent cycle",
      [
        { id: "1", title: "A", file: "a.xml", parentId: "2" },
        { id: "2", title: "B", file: "a.xml", parentId: "1" },
      ],
      /cycle/,
    ],
    ["a missing body file", [{ id: "1", title: "A", file: "nope.xml" }], /field "file": cannot read nope.xml/],
    ["a file outside the directory", [{ id: "1", title: "A", file: "../a.xml" }], /must be a path inside/],
    ["an object instead of an array", { pages: [] }, /top level/],
    ["broken JSON", "[{", /not valid JSON/],
  ])("rejects %s with a CONFIG_INVALID error naming it", async (_, pages, message) => {
    const dir = await makeDir(pages, { "a.xml": "<p>a</p>" });
    const error = await loadSpaceFromDirectory(dir, { key: "X" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "FakeConfluenceError", code: "CONFIG_INVALID" });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain("pages.json");
  });

  it("reports a missing pages.json", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fake-confluence-"));
    dirs.push(dir);
    await expect(loadSpaceFromDirectory(dir)).rejects.toMatchObject({ code: "CONFIG_INVALID" });
  });
});
