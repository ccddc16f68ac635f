import { describe, expect, it } from "vitest";
import { v1Page, v1Ref } from "./mapping.js";
import { v1PageListSchema } from "./schemas.js";

const context = { baseUrl: "https://acme.atlassian.net", deployment: "cloud" as const, request: "GET /search" };

/** A v1 search result as Cloud sends it for `expand=body.storage,version,ancestors,metadata.labels,history`. */
function content(overrides: Record<string, unknown> = {}) {
  return {
    id: "42",
    type: "page",
    status: "current",
    title: "Runbook",
    space: { key: "ENG", name: "Engineering", _expandable: {} },
    history: { latest: true, createdDate: "2024-01-02T03:04:05.000Z" },
    version: { number: 7, when: "2024-05-06T07:08:09.000Z", minorEdit: false, by: { accountId: "u-1" } },
    ancestors: [{ id: "1", type: "page", title: "Home", status: "current", extensions: { position: 3 } }],
    metadata: { labels: { results: [{ prefix: "global", name: "ops", id: "9" }], size: 1 } },
    body: { storage: { value: "<p>Hi</p>", representation: "storage" } },
    extensions: { position: 12 },
    _links: { webui: "/spaces/ENG/pages/42/Runbook" },
    ...overrides,
  };
}

describe("v1PageListSchema", () => {
  it("reads a page listing as the mapping needs it, dates as sent and unknown keys kept", () => {
    const parsed = v1PageListSchema.parse({ results: [content()], size: 1, limit: 25, _links: { next: "/next" } });
    const item = parsed.results[0]!;
    expect(item.extensions).toEqual({ position: 12 });
    expect(parsed._links.next).toBe("/next");
    expect(v1Page(item, "ENG", context)).toMatchObject({
      id: "42",
      title: "Runbook",
      version: 7,
      parentId: "1",
      ancestors: ["1"],
      labels: ["ops"],
      body: "<p>Hi</p>",
      authorId: "u-1",
      createdAt: "2024-01-02T03:04:05.000Z",
      updatedAt: "2024-05-06T07:08:09.000Z",
      webUrl: "https://acme.atlassian.net/wiki/spaces/ENG/pages/42/Runbook",
    });
    expect(v1Ref(item, context).labels).toEqual(["ops"]);
  });

  it.each([
    ["a version number that is not a number", { version: { number: "7" } }, "results.0.version.number"],
    ["a body that is not a string", { body: { storage: { value: 1 } } }, "results.0.body.storage.value"],
    ["an ancestor id that is not a string", { ancestors: [{ id: 1 }] }, "results.0.ancestors.0.id"],
    ["labels without names", { metadata: { labels: [{ id: "9" }] } }, "results.0.metadata.labels"],
  ])("rejects %s, naming the field", (_what, override, path) => {
    const parsed = v1PageListSchema.safeParse({ results: [content(override)], _links: {} });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join("."))).toContain(path);
  });

  it("rejects a listing without its links", () => {
    expect(v1PageListSchema.safeParse({ results: [] }).success).toBe(false);
  });
});
