import { describe, expect, it } from "vitest";
import { ConfluenceSyncError } from "../errors.js";
import { ConfluencePrincipalResolver } from "./principal-resolver.js";

/** A source that knows a few users' groups and records every lookup. */
class GroupDirectory {
  readonly calls: string[] = [];
  constructor(readonly groups: Record<string, string[]>) {}
  async getUserGroups(userId: string): Promise<string[]> {
    this.calls.push(userId);
    await new Promise((resolve) => setTimeout(resolve, 1));
    const groups = this.groups[userId];
    if (!groups) throw new ConfluenceSyncError("SOURCE_NOT_FOUND", `no user ${userId}`);
    return [...groups];
  }
}

describe("ConfluencePrincipalResolver", () => {
  it("asks Confluence once per user within the TTL, and again after it", async () => {
    let now = 1_000;
    const source = new GroupDirectory({ alice: ["g1", "g2"] });
    const resolver = new ConfluencePrincipalResolver({ source, ttlMs: 60_000, now: () => now });
    expect(await resolver.resolve({ userId: "alice" })).toEqual({ userId: "alice", groups: ["g1", "g2"] });
    source.groups.alice = ["g3"];
    now += 59_999;
    expect((await resolver.resolve({ userId: "alice" })).groups).toEqual(["g1", "g2"]);
    now += 2;
    expect((await resolver.resolve({ userId: "alice" })).groups).toEqual(["g3"]);
    expect(source.calls).toEqual(["alice", "alice"]);
    resolver.invalidate("alice");
    await resolver.resolve({ userId: "alice" });
    expect(source.calls).toHaveLength(3);
  });

  it("shares one request between concurrent resolutions and uses groups an app passes as given", async () => {
    const source = new GroupDirectory({ bob: ["ops"] });
    const resolver = new ConfluencePrincipalResolver({ source });
    const both = await Promise.all([resolver.resolve({ userId: "bob" }), resolver.resolve({ userId: "bob" })]);
    expect(both.map((p) => p.groups)).toEqual([["ops"], ["ops"]]);
    expect(await resolver.resolve({ userId: "carol", groups: ["x"] })).toEqual({ userId: "carol", groups: ["x"] });
    expect(source.calls).toEqual(["bob"]);
  });

  it("evicts the least recently resolved user beyond maxEntries, and does not cache failures", async () => {
    const source = new GroupDirectory({ a: ["1"], b: ["2"], c: ["3"] });
    const resolver = new ConfluencePrincipalResolver({ source, maxEntries: 2 });
    for (const id of ["a", "b", "a", "c", "a", "b"]) await resolver.resolve({ userId: id });
    expect(source.calls).toEqual(["a", "b", "c", "b"]);
    await expect(resolver.resolve({ userId: "ghost" })).rejects.toMatchObject({ code: "SOURCE_NOT_FOUND" });
    await expect(resolver.resolve({ userId: "ghost" })).rejects.toMatchObject({ code: "SOURCE_NOT_FOUND" });
    expect(source.calls.filter((id) => id === "ghost")).toHaveLength(2);
  });

  it("rejects bad options and users with CONFIG_INVALID", async () => {
    expect(() => new ConfluencePrincipalResolver({ source: {} })).toThrow(/getUserGroups/);
    expect(() => new ConfluencePrincipalResolver({ source: new GroupDirectory({}), ttlMs: -1 })).toThrow(/ttlMs/);
    const resolver = new ConfluencePrincipalResolver({ source: new GroupDirectory({}) });
    await expect(resolver.resolve({ userId: "" })).rejects.toMatchObject({ code: "CONFIG_INVALID" });
  });
});
