import { describe, expect, it } from "vitest";
import { ConfluenceSyncError } from "../errors.js";
import type { SourceWait } from "../ports/confluence-source.js";
import { describeConfluenceSource, FakeConfluenceSource } from "./source.js";

async function collect<T>(iterable: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const batch of iterable) all.push(...batch);
  return all;
}

function seeded(batchSize = 2) {
  const fake = new FakeConfluenceSource({ batchSize });
  const space = fake.addSpace("DEMO", "Demo");
  const root = fake.addPage("DEMO", { title: "Home", labels: ["root"] });
  for (let i = 1; i <= 5; i++)
    fake.addPage("DEMO", { title: `Child ${i}`, parentId: root.id, labels: i % 2 ? ["odd"] : [] });
  return { fake, space, root };
}

describeConfluenceSource("FakeConfluenceSource", async () => {
  const { fake } = seeded();
  return {
    source: fake,
    spaceKey: "DEMO",
    truth: async () => fake.pages("DEMO"),
    edit: async (id) => void fake.editPage(id, { body: "<p>edited</p>" }),
    trash: async (id) => fake.trashPage(id),
  };
});

describe("FakeConfluenceSource", () => {
  it("bumps the version on edits and renames, not on moves, label changes or trashing", () => {
    const { fake, root } = seeded();
    const child = fake.pages("DEMO")[1]!;
    expect(fake.editPage(child.id, { body: "<p>new</p>" }).version).toBe(2);
    expect(fake.renamePage(child.id, "Renamed").version).toBe(3);
    fake.movePage(child.id, null);
    fake.setLabels(child.id, ["x"]);
    fake.archivePage(child.id);
    expect(fake.page(child.id)).toMatchObject({ version: 3, parentId: null, labels: ["x"], status: "archived" });
    fake.restorePage(child.id);
    fake.deletePage(root.id);
    expect(fake.page(root.id)).toBeUndefined();
    expect(fake.pages("DEMO").map((p) => p.id)).toContain(child.id);
  });

  it("counts one request per batch and records every call and served body", async () => {
    const { fake, space } = seeded(4);
    let requests = 0;
    const refs = await collect(fake.listPageRefs(space, { onRequest: () => requests++ }));
    expect(refs).toHaveLength(6);
    expect(requests).toBe(2);
    expect(fake.bodiesServed).toBe(0);
    await collect(fake.getPages(space, [refs[0]!.id, "nope"]));
    expect(fake.bodiesServed).toBe(1);
    expect(fake.calls.map((c) => c.method)).toEqual(["listPageRefs", "getPages"]);
    expect(fake.calls[1]?.ids).toEqual([refs[0]!.id, "nope"]);
  });

  it("returns only pages changed at or after since", async () => {
    let now = new Date("2026-01-01T00:00:00Z");
    const fake = new FakeConfluenceSource({ now: () => now });
    const space = fake.addSpace("DEMO");
    const a = fake.addPage("DEMO", { title: "A" });
    fake.addPage("DEMO", { title: "B" });
    now = new Date("2026-01-02T00:00:00Z");
    fake.editPage(a.id, { body: "<p>A2</p>" });
    const changed = await collect(fake.listChangedSince(space, new Date("2026-01-01T12:00:00Z")));
    expect(changed.map((p) => [p.id, p.version])).toEqual([[a.id, 2]]);
  });

  it("throws scheduled faults and reports scheduled waits", async () => {
    const { fake, space } = seeded();
    const boom = new ConfluenceSyncError("SOURCE_UNAVAILABLE", "down");
    fake.failNext("listPages", boom);
    await expect(collect(fake.listPages(space))).rejects.toBe(boom);
    expect((await collect(fake.listPages(space))).length).toBe(6);

    const waits: SourceWait[] = [];
    fake.simulateWaits("getPages", [{ kind: "rate-limited", attempt: 1, delayMs: 1000, reason: "429" }]);
    await collect(fake.getPages(space, ["1000"], { onWait: (w) => waits.push(w) }));
    expect(waits).toEqual([
      { kind: "rate-limited", attempt: 1, delayMs: 1000, reason: "429", request: "GET /fake/getPages" },
    ]);
  });
});
