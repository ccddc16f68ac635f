// The v1 spec gives a restriction's group list no `_links` (its `GroupArray` has results, start, limit and size), so
// the fake sends none, and a page of groups as full as its limit is the only sign that more follow.
import { startFakeConfluence } from "@archon/fake-confluence";
import { describe, expect, it } from "vitest";
import type { PageRef } from "../ports/confluence-source.js";
import { ConfluenceJsSource } from "./confluence-js-source.js";

describe.each(["cloud", "datacenter"] as const)("a read restriction with many groups on %s", (deployment) => {
  it("reads every group, though group lists carry no next link", async () => {
    const fake = await startFakeConfluence({ deployment, spaces: [{ key: "GRP", pages: 6, seed: 5 }] });
    try {
      const names = Array.from({ length: 250 }, (_, i) => `team-${i}`);
      for (const name of names) fake.state.permissions.addGroup(name);
      const target = fake.space("GRP").pages()[3]!;
      fake.state.permissions.restrictRead(target.id, { groups: names });
      const source = new ConfluenceJsSource({
        baseUrl: fake.baseUrl,
        deployment,
        credentials: { type: "bearer", token: fake.credentials.bearerToken },
        timeZone: "UTC",
      });
      const space = await source.getSpace("GRP");
      const refs: PageRef[] = [];
      for await (const batch of source.listPageRefs(space, { restrictions: true })) refs.push(...batch);
      const groups = refs.find((ref) => ref.id === target.id)?.readRestriction?.groups ?? [];
      expect(groups).toHaveLength(names.length);
      expect(new Set(groups).size).toBe(names.length);
    } finally {
      await fake.close();
    }
  });
});
