import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeConfluence, startFakeConfluence } from "./fake-confluence.js";
import type { SpaceHandle } from "./space-handle.js";

let fake: FakeConfluence;
let eng: SpaceHandle;
let clock = Date.parse("2025-07-01T10:00:00.000Z");

async function v2(path: string) {
  const res = await fetch(`${fake.origin}/wiki/api/v2${path}`, {
    headers: { authorization: `Bearer ${fake.credentials.bearerToken}` },
  });
  return { status: res.status, json: await res.json() };
}

async function search(cql: string): Promise<string[]> {
  const res = await fetch(`${fake.origin}/wiki/rest/api/content/search?limit=200&cql=${encodeURIComponent(cql)}`, {
    headers: { authorization: `Bearer ${fake.credentials.bearerToken}` },
  });
  return ((await res.json()).results as Array<{ id: string }>).map((r) => r.id);
}

beforeAll(async () => {
  fake = await startFakeConfluence({
    spaces: [
      { key: "ENG", pages: 80, archivedRatio: 0, trashedRatio: 0 },
      { key: "OPS", pages: 10 },
    ],
    now: () => new Date(clock),
  });
  eng = fake.space("ENG");
});
afterAll(() => fake.close());

describe("mutations", () => {
  it("adds a page at version 1 under the home page", async () => {
    const added = eng.addPage({ title: "Brand new", body: "<p>hello</p>", labels: ["fresh"] });
    expect(added).toMatchObject({ version: 1, parentId: eng.info.homepageId, status: "current", labels: ["fresh"] });
    const res = await v2(`/pages/${added.id}?body-format=storage`);
    expect(res.json).toMatchObject({ title: "Brand new", body: { storage: { value: "<p>hello</p>" } } });
    expect(await search('label = "fresh"')).toEqual([added.id]);
  });

  it("edits bump the version and its timestamp; lastmodified CQL sees them", async () => {
    const page = eng.pages()[10];
    clock = Date.parse("2025-07-02T08:15:30.000Z");
    const edited = eng.editPage(page?.id as string, { body: "<p>changed</p>" });
    expect(edited.version).toBe((page?.version ?? 0) + 1);
    expect(edited.updatedAt).toBe("2025-07-02T08:15:30.000Z");
    const res = await v2(`/pages/${page?.id}?body-format=storage`);
    expect(res.json.version).toMatchObject({ number: edited.version, createdAt: "2025-07-02T08:15:30.000Z" });
    expect(await search('space = ENG and lastmodified >= "2025-07-02 08:15"')).toEqual([page?.id]);
  });

  it("renames with a new version; label changes and moves keep the version", async () => {
    const page = eng.pages()[20];
    const renamed = eng.renamePage(page?.id as string, "Renamed page");
    expect(renamed).toMatchObject({ title: "Renamed page", version: (page?.version ?? 0) + 1 });
    const relabelled = eng.setLabels(page?.id as string, ["x", "y"]);
    expect(relabelled.version).toBe(renamed.version);
    const target = eng.pages()[3]?.id as string;
    const moved = eng.movePage(page?.id as string, target);
    expect(moved).toMatchObject({ parentId: target, version: renamed.version });
    expect(moved.ancestors.at(-1)).toBe(target);
    expect((await v2(`/pages/${page?.id}/ancestors`)).json.results.map((a: { id: string }) => a.id)).toEqual(
      moved.ancestors,
    );
    expect(() => eng.movePage(target, page?.id as string)).toThrow(/under itself/);
  });

  it("trashes a page (children move up), archives and restores", async () => {
    const parent = eng.pages().find((p) => eng.pages().filter((c) => c.parentId === p.id).length >= 2 && p.parentId);
    const children = eng.pages().filter((c) => c.parentId === parent?.id);
    const trashed = eng.trashPage(parent?.id as string);
    expect(trashed.status).toBe("trashed");
    for (const child of children) expect(eng.page(child.id)?.parentId).toBe(parent?.parentId);
    expect((await v2(`/pages/${parent?.id}`)).json.status).toBe("trashed");
    const currentIds = (await v2(`/spaces/${eng.id}/pages?status=current&limit=250`)).json.results.map(
      (p: { id: string }) => p.id,
    );
    expect(currentIds).not.toContain(parent?.id);
    expect(await search(`id = ${parent?.id}`)).toEqual([]);
    expect(eng.restorePage(parent?.id as string).status).toBe("current");
    const leaf = eng.pages().at(-1)?.id as string;
    expect(eng.archivePage(leaf).status).toBe("archived");
    expect((await v2(`/spaces/${eng.id}/pages?status=archived`)).json.results.map((p: { id: string }) => p.id)).toEqual(
      [leaf],
    );
    expect(eng.restorePage(leaf).status).toBe("current");
  });

  it("deletes a page for good: 404 everywhere, gone from the ground truth", async () => {
    const victim = eng.pages()[30]?.id as string;
    eng.deletePage(victim);
    expect((await v2(`/pages/${victim}`)).status).toBe(404);
    const v1 = await fetch(`${fake.origin}/wiki/rest/api/content/${victim}?status=any`, {
      headers: { authorization: `Bearer ${fake.credentials.bearerToken}` },
    });
    expect(v1.status).toBe(404);
    expect(eng.page(victim)).toBeUndefined();
    expect(eng.pages(["current", "archived", "trashed"]).map((p) => p.id)).not.toContain(victim);
    expect(() => eng.deletePage(victim)).toThrow(/is not in space/);
  });

  it("keeps titles unique within a space, as Confluence does", () => {
    const [first, second] = eng.pages();
    expect(() => eng.addPage({ title: first?.title.toUpperCase() as string })).toThrow(/already exists in space "ENG"/);
    expect(() => eng.renamePage(second?.id as string, first?.title as string)).toThrow(/already exists/);
    expect(eng.page(second?.id as string)?.title).toBe(second?.title);
    const opsTitles = new Set(
      fake
        .space("OPS")
        .pages(["current", "archived"])
        .map((p) => p.title.toLowerCase()),
    );
    const engOnly = eng.pages().find((p) => !opsTitles.has(p.title.toLowerCase()))?.title as string;
    expect(fake.space("OPS").addPage({ title: engOnly }).title).toBe(engOnly);
  });

  it("keeps spaces apart", () => {
    const opsPage = fake.space("OPS").pages()[0]?.id as string;
    expect(() => eng.editPage(opsPage, { body: "x" })).toThrow(/not in space "ENG"/);
    expect(() => fake.space("NOPE")).toThrow(/not loaded/);
    expect(fake.groundTruth().length).toBe(eng.pages().length + fake.space("OPS").pages().length);
  });
});
