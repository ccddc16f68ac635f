import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeConfluence, startFakeConfluence } from "../fake-confluence.js";

// biome-ignore lint/suspicious/noExplicitAny: untyped JSON under test
type Json = Record<string, any>;

let fake: FakeConfluence;
let spaceId: string;

async function get(path: string) {
  const res = await fetch(`${fake.origin}${path}`, {
    headers: { authorization: `Bearer ${fake.credentials.bearerToken}` },
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Json };
}

/** Follows `_links.next` (or the Link header) to the end, checking both agree on every page. */
async function collect(path: string): Promise<{ ids: string[]; requests: number; items: Json[] }> {
  const items: Json[] = [];
  let next: string | undefined = path;
  let requests = 0;
  while (next) {
    const res = await get(next);
    expect(res.status).toBe(200);
    requests++;
    items.push(...res.json.results);
    const link = res.headers.get("link");
    next = res.json._links.next;
    if (next) {
      expect(link).toBe(`<${next}>; rel="next", <${fake.origin}/wiki>; rel="base"`);
      expect(next.startsWith("/wiki/api/v2/")).toBe(true);
    } else expect(link).toBeNull();
    expect(res.json._links.base).toBe(`${fake.origin}/wiki`);
  }
  return { ids: items.map((i) => i.id), requests, items };
}

beforeAll(async () => {
  fake = await startFakeConfluence({
    spaces: [
      { key: "ENG", pages: 600, seed: 5 },
      { key: "OPS", pages: 40 },
    ],
  });
  spaceId = fake.space("ENG").id;
});
afterAll(() => fake.close());

describe("Cloud v2 spaces", () => {
  it("lists all spaces, or those named by keys= (repeated or comma-separated)", async () => {
    expect((await get("/wiki/api/v2/spaces")).json.results.map((s: Json) => s.key)).toEqual(["ENG", "OPS"]);
    expect((await get("/wiki/api/v2/spaces?keys=OPS")).json.results.map((s: Json) => s.key)).toEqual(["OPS"]);
    expect((await get("/wiki/api/v2/spaces?keys=OPS,ENG")).json.results).toHaveLength(2);
    expect((await get("/wiki/api/v2/spaces?keys=OPS&keys=ENG")).json.results).toHaveLength(2);
    expect((await get("/wiki/api/v2/spaces?keys=NOPE")).json.results).toEqual([]);
  });

  it("returns one space by id and 404 for an unknown one", async () => {
    const res = await get(`/wiki/api/v2/spaces/${spaceId}`);
    expect(res.json).toMatchObject({ id: spaceId, key: "ENG", homepageId: fake.space("ENG").info.homepageId });
    const missing = await get("/wiki/api/v2/spaces/999");
    expect(missing.status).toBe(404);
    expect(missing.json.errors[0]).toMatchObject({ status: 404, code: "NOT_FOUND" });
  });

  it("types a ~user space personal and the others global, as v2's SpaceType does", async () => {
    const own = await startFakeConfluence({
      spaces: [
        { key: "~jane", pages: 2 },
        { key: "DOC", pages: 2 },
      ],
    });
    try {
      const res = await fetch(`${own.origin}/wiki/api/v2/spaces`, {
        headers: { authorization: `Bearer ${own.credentials.bearerToken}` },
      });
      const body = (await res.json()) as Json;
      expect(body.results.map((s: Json) => [s.key, s.type])).toEqual([
        ["~jane", "personal"],
        ["DOC", "global"],
      ]);
    } finally {
      await own.close();
    }
  });
});

describe("Cloud v2 pages in a space", () => {
  it("pages through every current page with cursors, Link header and _links.next agreeing", async () => {
    const { ids, requests } = await collect(`/wiki/api/v2/spaces/${spaceId}/pages?status=current&limit=37`);
    const truth = fake
      .space("ENG")
      .pages(["current"])
      .map((p) => p.id);
    expect(ids).toEqual(truth);
    expect(requests).toBe(Math.ceil(truth.length / 37));
  });

  it("filters by status and defaults to current + archived", async () => {
    const all = fake.space("ENG").pages(["current", "archived", "trashed"]);
    const byStatus = async (query: string) =>
      (await collect(`/wiki/api/v2/spaces/${spaceId}/pages?limit=250${query}`)).items.map((i) => i.status);
    const trashed = await byStatus("&status=trashed");
    expect(trashed.length).toBe(all.filter((p) => p.status === "trashed").length);
    expect(trashed.length).toBeGreaterThan(0);
    expect(new Set(trashed)).toEqual(new Set(["trashed"]));
    const defaults = await byStatus("");
    expect(defaults.length).toBe(all.filter((p) => p.status !== "trashed").length);
    expect(new Set(defaults)).toEqual(new Set(["current", "archived"]));
    expect((await byStatus("&status=archived,trashed")).length).toBe(all.length - fake.space("ENG").pages().length);
    expect((await get(`/wiki/api/v2/spaces/${spaceId}/pages?status=bogus`)).status).toBe(400);
  });

  it("caps limit at 250 and defaults to 25", async () => {
    expect((await get(`/wiki/api/v2/spaces/${spaceId}/pages?limit=1000`)).json.results).toHaveLength(250);
    expect((await get(`/wiki/api/v2/spaces/${spaceId}/pages`)).json.results).toHaveLength(25);
  });

  it("includes storage bodies only with body-format=storage", async () => {
    const without = (await get(`/wiki/api/v2/spaces/${spaceId}/pages?limit=3`)).json.results[0];
    expect(without.body).toEqual({});
    const withBody = (await get(`/wiki/api/v2/spaces/${spaceId}/pages?limit=3&body-format=storage`)).json.results[0];
    const truth = fake.space("ENG").page(withBody.id);
    expect(withBody.body.storage).toEqual({ representation: "storage", value: truth?.body });
    expect(withBody.version).toMatchObject({ number: truth?.version, createdAt: truth?.updatedAt });
    expect(withBody).toMatchObject({ title: truth?.title, spaceId, status: "current" });
    // a top-level page has no parentId at all, as the published schema has it
    expect(withBody.parentId).toBe(truth?.parentId ?? undefined);
  });

  it("sorts by modified date descending across pages of results", async () => {
    const { items } = await collect(
      `/wiki/api/v2/spaces/${spaceId}/pages?status=current&sort=-modified-date&limit=100`,
    );
    const whens = items.map((i) => i.version.createdAt);
    expect(whens).toEqual([...whens].sort().reverse());
    expect(items).toHaveLength(fake.space("ENG").pages().length);
  });

  it("rejects a garbage cursor with 400", async () => {
    expect((await get(`/wiki/api/v2/spaces/${spaceId}/pages?cursor=%%%`)).status).toBe(400);
  });
});

describe("Cloud v2 single pages", () => {
  it("fetches several pages by id= across spaces", async () => {
    const ids = fake
      .space("ENG")
      .pages()
      .slice(3, 6)
      .map((p) => p.id);
    const opsId = fake.space("OPS").pages()[0]?.id as string;
    const res = await get(`/wiki/api/v2/pages?id=${ids.join(",")}&id=${opsId}&body-format=storage`);
    expect(res.json.results.map((p: Json) => p.id)).toEqual([...ids, opsId]);
  });

  it("returns a page with its body, labels on request, and web links", async () => {
    const truth = fake
      .space("ENG")
      .pages()
      .find((p) => p.labels.length > 1);
    const res = await get(`/wiki/api/v2/pages/${truth?.id}?body-format=storage&include-labels=true`);
    expect(res.json.body.storage.value).toBe(truth?.body);
    expect(res.json.labels.results.map((l: Json) => l.name)).toEqual(truth?.labels);
    expect(`${res.json._links.base}${res.json._links.webui}`).toBe(truth?.webUrl);
    expect((await get("/wiki/api/v2/pages/1")).status).toBe(404);
  });

  it("lists ancestors top-down, nearest ones when limited", async () => {
    const deep = fake
      .space("ENG")
      .pages()
      .find((p) => p.ancestors.length >= 7);
    expect(deep).toBeDefined();
    const res = await get(`/wiki/api/v2/pages/${deep?.id}/ancestors`);
    expect(res.json.results).toEqual(deep?.ancestors.map((id) => ({ id, type: "page" })));
    const limited = await get(`/wiki/api/v2/pages/${deep?.id}/ancestors?limit=2`);
    expect(limited.json.results.map((a: Json) => a.id)).toEqual(deep?.ancestors.slice(-2));
  });

  it("lists labels with pagination", async () => {
    const truth = fake
      .space("ENG")
      .pages()
      .find((p) => p.labels.length >= 3);
    const { items } = await collect(`/wiki/api/v2/pages/${truth?.id}/labels?limit=1`);
    expect(items.map((l) => l.name).sort()).toEqual(truth?.labels);
    expect(items[0]).toMatchObject({ prefix: "global", id: expect.stringMatching(/^\d+$/) });
  });
});
