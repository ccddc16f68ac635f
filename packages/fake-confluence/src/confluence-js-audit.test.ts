import { describe, expect, it } from "vitest";

// confluence.js builds its schemas strict when AUDIT_SCHEMAS=true at import time, and then records every key it does
// not document instead of silently accepting it. Importing it only after setting the variable makes this file check
// that the fake sends nothing beyond the documented shapes, so a client validated here is not relying on extras.
process.env.AUDIT_SCHEMAS = "true";
const { createV1Client, createV2Client } = await import("confluence.js");
const { createClient } = await import("confluence.js/core");
const models = await import("confluence.js/v1");
const { startFakeConfluence } = await import("./fake-confluence.js");

interface Drift {
  readonly endpoint: string;
  readonly path: string;
  readonly keys?: readonly string[];
  readonly value?: string;
}
const driftStore = () =>
  ((globalThis as Record<symbol, Drift[] | undefined>)[Symbol.for("apis-code-gen.schemaAudit")] ??= []);

describe("response shapes under confluence.js schema audit (strict schemas)", () => {
  it.each(["cloud", "datacenter"] as const)("%s responses carry only documented fields", async (deployment) => {
    driftStore().length = 0;
    const fake = await startFakeConfluence({ deployment, spaces: [{ key: "ENG", pages: 60 }] });
    try {
      const raw = createClient({ host: fake.baseUrl, auth: { type: "bearer", token: fake.credentials.bearerToken } });
      const prefix = deployment === "cloud" ? "/wiki/rest/api" : "/rest/api";
      const page = fake
        .space("ENG")
        .pages()
        .find((p) => p.ancestors.length >= 2 && p.labels.length > 0);
      const id = Number(page?.id);
      let calls = 0;
      if (deployment === "cloud") {
        const v2 = createV2Client(raw);
        const spaceId = Number(fake.space("ENG").id);
        await v2.space.getSpaces({ keys: ["ENG"] });
        await v2.space.getSpaceById({ id: spaceId });
        await v2.page.getPagesInSpace({ id: spaceId, bodyFormat: "storage", limit: 5 });
        await v2.page.getPages({ id: [id], bodyFormat: "storage" });
        await v2.page.getPageById({ id, bodyFormat: "storage", includeLabels: true });
        await v2.ancestors.getPageAncestors({ id });
        await v2.label.getPageLabels({ id });
        const expand = ["body.storage", "version", "ancestors", "metadata.labels", "space", "history"];
        await createV1Client(raw).content.searchContentByCQL({ cql: "space = ENG", expand, limit: 5 });
        calls += 8;
      }
      // Data Center 8/9 sends spaces without `status`, which confluence.js's space model requires: its spaces are
      // checked against Atlassian's own schema in the contract tests instead.
      const cloud = deployment === "cloud";
      const expand = `body.storage,version,ancestors,metadata.labels,${cloud ? "space," : ""}history.lastUpdated`;
      const get = <T>(url: string, schema: T, searchParams?: Record<string, string | number>) =>
        raw.sendRequest({ url: `${prefix}${url}`, method: "GET", searchParams, schema: schema as never });
      await get("/content", models.ContentArraySchema, { spaceKey: "ENG", expand, limit: 5 });
      await get("/content/search", models.ContentArraySchema, { cql: "space = ENG", expand, limit: 5 });
      await get(`/content/${id}`, models.ContentSchema, { expand });
      await get(`/content/${id}/label`, models.LabelArraySchema);
      await get(`/content/${id}/child/page`, models.ContentArraySchema, { expand: "version" });
      if (cloud) {
        await get("/space/ENG", models.SpaceSchema, { expand: "homepage,description.plain,history" });
        await get("/space", models.SpaceArraySchema, { spaceKey: "ENG" });
        calls += 2;
      }
      await get("/user/current", models.UserSchema);
      calls += 6;
      expect(fake.stats().byStatus).toEqual({ "200": calls });
      expect(driftStore()).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
