import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeConfluence, startFakeConfluence } from "../fake-confluence.js";

// biome-ignore lint/suspicious/noExplicitAny: untyped JSON under test
type Json = Record<string, any>;

async function get(fake: FakeConfluence, path: string) {
  const res = await fetch(`${fake.origin}${path}`, {
    headers: { authorization: `Bearer ${fake.credentials.bearerToken}` },
  });
  return { status: res.status, json: (await res.json()) as Json };
}

/** Follows v1 `_links.next` (relative to `_links.base`) to the end. */
async function collect(
  fake: FakeConfluence,
  path: string,
): Promise<{ items: Json[]; requests: number; limits: number[] }> {
  const items: Json[] = [];
  const limits: number[] = [];
  let url: string | undefined = `${fake.origin}${path}`;
  let requests = 0;
  while (url) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${fake.credentials.bearerToken}` } });
    expect(res.status).toBe(200);
    const json = (await res.json()) as Json;
    requests++;
    items.push(...json.results);
    limits.push(json.limit);
    expect(json.size).toBe(json.results.length);
    url = json._links.next ? `${json._links.base}${json._links.next}` : undefined;
  }
  return { items, requests, limits };
}

describe.each([
  { deployment: "cloud" as const, prefix: "/wiki/rest/api", contextPath: "" },
  { deployment: "datacenter" as const, prefix: "/rest/api", contextPath: "" },
  { deployment: "datacenter" as const, prefix: "/confluence/rest/api", contextPath: "/confluence" },
])("v1 REST API on $deployment under $prefix", ({ deployment, prefix, contextPath }) => {
  let fake: FakeConfluence;
  beforeAll(async () => {
    fake = await startFakeConfluence({
      deployment,
      contextPath,
      spaces: [
        { key: "ENG", pages: 260 },
        { key: "OPS", pages: 30 },
      ],
    });
  });
  afterAll(() => fake.close());

  it("serves spaces by key and lists them with spaceKey=", async () => {
    const one = await get(fake, `${prefix}/space/ENG?expand=homepage,description.plain`);
    expect(one.json).toMatchObject({ key: "ENG", type: "global", id: Number(fake.space("ENG").id) });
    // Cloud sends the space's status; Data Center 8/9 does not.
    expect(one.json.status).toBe(deployment === "cloud" ? "current" : undefined);
    expect(one.json.homepage.id).toBe(fake.space("ENG").info.homepageId);
    const missing = await get(fake, `${prefix}/space/NOPE`);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ statusCode: 404, reason: "Not Found" });
    const list = await get(fake, `${prefix}/space?spaceKey=OPS&spaceKey=ENG`);
    expect(list.json.results.map((s: Json) => s.key)).toEqual(["ENG", "OPS"]);
    expect((await get(fake, `${prefix}/space?spaceKey=OPS`)).json.size).toBe(1);
  });

  it("lists a space's pages with start/limit offsets and next links relative to the context", async () => {
    const { items, requests } = await collect(fake, `${prefix}/content?spaceKey=ENG&type=page&limit=50&expand=version`);
    expect(items.map((i) => i.id)).toEqual(
      fake
        .space("ENG")
        .pages()
        .map((p) => p.id),
    );
    expect(requests).toBe(Math.ceil(items.length / 50));
    const first = await get(fake, `${prefix}/content?spaceKey=ENG&limit=10&start=10`);
    expect(first.json.start).toBe(10);
    expect(first.json._links.base).toBe(`${fake.origin}${deployment === "cloud" ? "/wiki" : contextPath}`);
    expect(first.json._links.next).toMatch(/^\/rest\/api\/content\?.*start=20/);
    expect(first.json._links.prev).toMatch(/start=0/);
  });

  it("expands body.storage, version, ancestors, metadata.labels, space and history", async () => {
    const truth = fake
      .space("ENG")
      .pages()
      .find((p) => p.ancestors.length >= 4 && p.labels.length > 0);
    const expand = "body.storage,version,ancestors,metadata.labels,space,history";
    const res = await get(fake, `${prefix}/content/${truth?.id}?expand=${expand}`);
    const page = res.json;
    expect(page.body.storage).toMatchObject({ value: truth?.body, representation: "storage" });
    expect(page.version.number).toBe(truth?.version);
    expect(Date.parse(page.version.when)).toBe(Date.parse(truth?.updatedAt ?? ""));
    expect(page.ancestors.map((a: Json) => a.id)).toEqual(truth?.ancestors);
    expect(page.metadata.labels.results.map((l: Json) => l.name)).toEqual(truth?.labels);
    expect(page.space.key).toBe("ENG");
    expect(page.history.createdDate).toBe(truth?.createdAt);
    expect(`${fake.siteBase}${page._links.webui}`).toBe(truth?.webUrl);
    expect(`${page._links.base}${page._links.webui}`).toBe(truth?.webUrl);
    if (deployment === "cloud") {
      expect(page.version.by.accountId).toBe(truth?.authorId);
      expect(page.version.by.userKey).toBeUndefined();
    } else {
      expect(page.version.by.userKey).toBe(truth?.authorId);
      expect(page.version.by.username).toEqual(expect.any(String));
      expect(page.version.by.accountId).toBeUndefined();
    }
    const plain = await get(fake, `${prefix}/content/${truth?.id}`);
    expect(plain.json.body).toBeUndefined();
    expect(plain.json._expandable.body).toBe("");
  });

  it("hides trashed pages unless asked and 404s unknown ids", async () => {
    const trashed = fake.space("ENG").pages(["trashed"])[0];
    expect((await get(fake, `${prefix}/content/${trashed?.id}`)).status).toBe(404);
    expect((await get(fake, `${prefix}/content/${trashed?.id}?status=trashed`)).json.status).toBe("trashed");
    const missing = await get(fake, `${prefix}/content/42`);
    expect(missing.status).toBe(404);
    expect(missing.json.statusCode).toBe(404);
    const listed = await collect(fake, `${prefix}/content?spaceKey=ENG&status=trashed&limit=100`);
    expect(listed.items.map((i) => i.id)).toEqual(
      fake
        .space("ENG")
        .pages(["trashed"])
        .map((p) => p.id),
    );
  });

  it("lists child pages and labels", async () => {
    const home = fake.space("ENG").info.homepageId as string;
    const children = await collect(fake, `${prefix}/content/${home}/child/page?limit=3`);
    const expected = fake
      .space("ENG")
      .pages()
      .filter((p) => p.parentId === home)
      .map((p) => p.id);
    expect(children.items.map((c) => c.id).sort()).toEqual(expected.sort());
    const labelled = fake
      .space("ENG")
      .pages()
      .find((p) => p.labels.length > 1);
    const labels = await get(fake, `${prefix}/content/${labelled?.id}/label`);
    expect(labels.json.results.map((l: Json) => l.name)).toEqual(labelled?.labels);
  });

  it("pages through CQL search with start/limit and _links.next", async () => {
    const cql = encodeURIComponent('space = "ENG" and type = page');
    const { items, requests } = await collect(fake, `${prefix}/content/search?cql=${cql}&limit=40&expand=version`);
    expect(items.map((i) => i.id)).toEqual(
      fake
        .space("ENG")
        .pages()
        .map((p) => p.id),
    );
    expect(requests).toBe(Math.ceil(items.length / 40));
    const offset = await get(fake, `${prefix}/content/search?cql=${cql}&limit=40&start=40`);
    expect(offset.json.results.map((i: Json) => i.id)).toEqual(items.slice(40, 80).map((i) => i.id));
    const next = offset.json._links.next as string;
    expect(next).toContain("start=80");
    if (deployment === "cloud") expect(next).toContain("cursor=");
    else expect(next).not.toContain("cursor=");
  });

  it("answers 400 with a Confluence error for unsupported CQL", async () => {
    const res = await get(fake, `${prefix}/content/search?cql=${encodeURIComponent("text ~ foo")}`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ statusCode: 400, reason: "Bad Request" });
    expect(res.json.message).toContain("Could not parse cql");
  });

  it("serves the current user (with the profile time zone on Cloud) and users by id", async () => {
    const me = await get(fake, `${prefix}/user/current`);
    expect(me.status).toBe(200);
    expect(me.json.type).toBe("known");
    if (deployment === "cloud") {
      expect(me.json).toMatchObject({ accountId: expect.stringMatching(/^557058:/), timeZone: "UTC" });
      expect(
        (await get(fake, `${prefix}/user?accountId=${encodeURIComponent(me.json.accountId)}`)).json.displayName,
      ).toBe(me.json.displayName);
    } else {
      expect(me.json).toMatchObject({ userKey: expect.stringMatching(/^[0-9a-f]{32}$/), username: expect.any(String) });
      expect((await get(fake, `${prefix}/user?key=${me.json.userKey}`)).json.username).toBe(me.json.username);
    }
    expect((await get(fake, `${prefix}/user?accountId=nobody&key=nobody`)).status).toBe(404);
  });

  it("does not serve the Cloud v2 API on Data Center", async () => {
    const res = await get(fake, "/wiki/api/v2/spaces");
    expect(res.status).toBe(deployment === "cloud" ? 200 : 404);
  });
});
