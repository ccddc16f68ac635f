import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeConfluence, startFakeConfluence } from "../fake-confluence.js";
import { DEFAULT_GROUP } from "../permissions.js";

// biome-ignore lint/suspicious/noExplicitAny: untyped JSON under test
type Json = Record<string, any>;

async function get(fake: FakeConfluence, path: string) {
  const res = await fetch(`${fake.origin}${path}`, {
    headers: { authorization: `Bearer ${fake.credentials.bearerToken}` },
  });
  return { status: res.status, json: (await res.json()) as Json };
}

describe.each([
  { deployment: "cloud" as const, v1: "/wiki/rest/api" },
  { deployment: "datacenter" as const, v1: "/rest/api" },
])("permissions on $deployment", ({ deployment, v1 }) => {
  let fake: FakeConfluence;
  let pageIds: string[];
  beforeAll(async () => {
    fake = await startFakeConfluence({ deployment, spaces: [{ key: "ENG", pages: 12 }] });
    pageIds = fake
      .space("ENG")
      .pages()
      .map((p) => p.id);
  });
  afterAll(() => fake.close());

  const perms = () => fake.state.permissions;
  const users = () => fake.state.users();
  const userRef = (accountId: string) =>
    deployment === "cloud" ? `accountId=${accountId}` : `key=${fake.state.user(accountId)?.userKey}`;

  it("serves a page's own read restriction with users and groups, and none once removed", async () => {
    const [alice, bob] = users();
    const id = pageIds[3] as string;
    perms().addGroup("hr");
    perms().restrictRead(id, { users: [alice?.accountId as string], groups: ["hr"] });
    const { status, json } = await get(fake, `${v1}/content/${id}/restriction/byOperation/read`);
    expect(status).toBe(200);
    expect(json.operation).toBe("read");
    const user = json.restrictions.user.results[0];
    if (deployment === "cloud") expect(user.accountId).toBe(alice?.accountId);
    else expect(user.userKey).toBe(alice?.userKey);
    const group = json.restrictions.group.results[0];
    expect(group.name).toBe("hr");
    if (deployment === "cloud") expect(group.id).toBe(perms().group("hr")?.id);
    else expect(group.id).toBeUndefined();
    expect(perms().canRead(bob?.accountId as string, "ENG", id)).toBe(false);

    perms().restrictRead(id, null);
    const after = await get(fake, `${v1}/content/${id}/restriction/byOperation/read`);
    expect(after.json.restrictions.user.results).toEqual([]);
    expect(after.json.restrictions.group.results).toEqual([]);
    expect(perms().canRead(bob?.accountId as string, "ENG", id)).toBe(true);
  });

  it("expands read restrictions in content listings, without changing the version", async () => {
    const [alice] = users();
    const id = pageIds[5] as string;
    const before = fake.state.page(id)?.version.number;
    perms().restrictRead(id, { users: [alice?.accountId as string] });
    const expand = "version,restrictions.read.restrictions.user,restrictions.read.restrictions.group";
    const { json } = await get(fake, `${v1}/content?spaceKey=ENG&type=page&limit=50&expand=${expand}`);
    const page = json.results.find((c: Json) => c.id === id);
    expect(page.version.number).toBe(before);
    expect(page.restrictions.read.restrictions.user.results).toHaveLength(1);
    const open = json.results.find((c: Json) => c.id === pageIds[6]);
    expect(open.restrictions.read.restrictions.user.results).toEqual([]);
    perms().restrictRead(id, null);
  });

  it("inherits a restriction from an ancestor in the ground truth", () => {
    const [alice, bob] = users();
    const child = fake
      .space("ENG")
      .pages()
      .find((p) => p.ancestors.length >= 2);
    expect(child).toBeDefined();
    const top = child?.ancestors[child.ancestors.length - 1] as string;
    perms().restrictRead(top, { users: [alice?.accountId as string] });
    expect(perms().canRead(bob?.accountId as string, "ENG", child?.id as string)).toBe(false);
    expect(perms().canRead(alice?.accountId as string, "ENG", child?.id as string)).toBe(true);
    perms().restrictRead(top, null);
  });

  it("lists group membership through user/memberof", async () => {
    const [, , carol] = users();
    perms().addGroup("finance");
    perms().addMember("finance", carol?.accountId as string);
    const { status, json } = await get(fake, `${v1}/user/memberof?${userRef(carol?.accountId as string)}`);
    expect(status).toBe(200);
    expect(json.results.map((g: Json) => g.name)).toEqual([DEFAULT_GROUP, "finance"]);
    perms().removeMember("finance", carol?.accountId as string);
    const after = await get(fake, `${v1}/user/memberof?${userRef(carol?.accountId as string)}`);
    expect(after.json.results.map((g: Json) => g.name)).toEqual([DEFAULT_GROUP]);
    expect((await get(fake, `${v1}/user/memberof?accountId=nobody&key=nobody`)).status).toBe(404);
  });

  it("serves space view permissions in the deployment's own shape", async () => {
    const [alice] = users();
    perms().addGroup("eng");
    perms().setSpaceViewers("ENG", { groups: ["eng"], users: [alice?.accountId as string], anonymous: true });
    const space = fake.space("ENG").info;
    if (deployment === "cloud") {
      const { json } = await get(fake, `/wiki/api/v2/spaces/${space.id}/permissions?limit=250`);
      const read = json.results.filter((r: Json) => r.operation.key === "read");
      expect(read.map((r: Json) => r.principal)).toEqual([
        { type: "user", id: alice?.accountId },
        { type: "group", id: perms().group("eng")?.id },
        { type: "anonymous", id: "anonymous" },
      ]);
      expect(json.results.some((r: Json) => r.operation.key === "create")).toBe(true);
    } else {
      const { json } = await get(fake, `/rest/api/space/ENG/permissions`);
      const read = (json as unknown as Json[]).filter((r) => r.operation.operationKey === "read");
      expect(read.map((r) => r.subject)).toEqual([
        { type: "user", userKey: alice?.userKey },
        { type: "group", name: "eng" },
        { type: "anonymous" },
      ]);
    }
    perms().setSpaceViewers("ENG", { groups: [DEFAULT_GROUP] });
  });

  it("rejects mutations naming what does not exist", () => {
    expect(() => perms().restrictRead("999999999", { groups: [DEFAULT_GROUP] })).toThrow(/does not exist/);
    expect(() => perms().restrictRead(pageIds[0] as string, { groups: ["nope"] })).toThrow(/group "nope"/);
    expect(() => perms().addMember(DEFAULT_GROUP, "ghost")).toThrow(/user ghost/);
    expect(() => perms().setSpaceViewers("NOPE", {})).toThrow(/space "NOPE"/);
  });
});
