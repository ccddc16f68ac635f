// Contract tests: every response the Confluence source reads, as the fake serves it, validated against Atlassian's
// published OpenAPI response schemas (fragments committed under test/contract/, with their source). Data Center is
// checked twice: against Atlassian's Data Center document (which names field types but requires none) and against
// Cloud v1's stricter schemas, from which Data Center differs only by sending spaces without `status`.
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeConfluence, startFakeConfluence } from "./fake-confluence.js";

interface SchemaFixture {
  readonly source: string;
  readonly responses: Record<string, unknown>;
  readonly components: { readonly schemas: Record<string, unknown> };
}

function load(name: string): SchemaFixture {
  return JSON.parse(readFileSync(new URL(`../test/contract/${name}.schemas.json`, import.meta.url), "utf8"));
}

/** A validator per documented response, `$ref`s resolved against the fixture's components. */
function validators(fixture: SchemaFixture, omitRequired: Record<string, string[]> = {}) {
  const schemas = structuredClone(fixture.components.schemas) as Record<string, { required?: string[] }>;
  for (const [name, fields] of Object.entries(omitRequired)) {
    const schema = schemas[name];
    if (schema?.required) schema.required = schema.required.filter((field) => !fields.includes(field));
  }
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: "spec", components: { schemas } });
  const out = new Map<string, ValidateFunction>();
  for (const [path, schema] of Object.entries(fixture.responses)) {
    const text = JSON.stringify(schema).replaceAll('"#/components/', '"spec#/components/');
    out.set(path, ajv.compile(JSON.parse(text)));
  }
  return out;
}

const REF_EXPAND = "version,ancestors,metadata.labels";
const PAGE_EXPAND = "body.storage,version,ancestors,metadata.labels,history";

describe.each(["cloud", "datacenter"] as const)(
  "fake %s responses against Atlassian's OpenAPI schemas",
  (deployment) => {
    let fake: FakeConfluence;
    let auth: string;
    beforeAll(async () => {
      fake = await startFakeConfluence({ deployment, spaces: [{ key: "ENG", pages: 40, archivedRatio: 0.1 }] });
      const folder = deployment === "cloud" ? fake.space("ENG").addFolder("Folder") : undefined;
      if (folder) fake.space("ENG").addPage({ title: "In a folder", parentId: folder.id, labels: ["x"] });
      auth =
        deployment === "cloud"
          ? `Basic ${Buffer.from(`${fake.credentials.email}:${fake.credentials.apiToken}`).toString("base64")}`
          : `Bearer ${fake.credentials.bearerToken}`;
    });
    afterAll(async () => fake?.close());

    const get = async (path: string) => {
      const response = await fetch(`${fake.baseUrl}${path}`, { headers: { Authorization: auth } });
      expect(response.status, path).toBe(200);
      return response.json();
    };
    const check = (validate: ValidateFunction | undefined, body: unknown, what: string) => {
      expect(validate, what).toBeDefined();
      const ok = validate?.(body);
      expect(validate?.errors?.slice(0, 5) ?? [], what).toEqual([]);
      expect(ok, what).toBe(true);
    };

    it("v1: content listings, search, content by id, users", async () => {
      const v1 = validators(load("cloud-v1"));
      const prefix = deployment === "cloud" ? "/wiki/rest/api" : "/rest/api";
      const page = fake.space("ENG").pages().at(-1);
      const search = v1.get("/wiki/rest/api/content/search");
      for (const expand of [REF_EXPAND, PAGE_EXPAND]) {
        check(
          search,
          await get(
            `${prefix}/content/search?cql=${encodeURIComponent('space = "ENG" and type = page')}&expand=${expand}&limit=25`,
          ),
          `search ${expand}`,
        );
        check(
          v1.get("/wiki/rest/api/content"),
          await get(`${prefix}/content?spaceKey=ENG&type=page&status=current&expand=${expand}&limit=25`),
          `content ${expand}`,
        );
      }
      check(
        v1.get("/wiki/rest/api/content/{id}"),
        await get(`${prefix}/content/${page?.id}?status=any&expand=${PAGE_EXPAND}`),
        "by id",
      );
      check(v1.get("/wiki/rest/api/user/current"), await get(`${prefix}/user/current`), "user/current");
      const user = fake.state.users()[0];
      if (deployment === "cloud") {
        check(
          v1.get("/wiki/rest/api/user/bulk"),
          await get(`${prefix}/user/bulk?accountId=${user?.accountId}`),
          "user/bulk",
        );
      }
    });

    it("v1: spaces (Data Center without status, as it sends them)", async () => {
      const prefix = deployment === "cloud" ? "/wiki/rest/api" : "/rest/api";
      const v1 = validators(load("cloud-v1"), deployment === "cloud" ? {} : { Space: ["status"] });
      const space = await get(`${prefix}/space/ENG?expand=homepage`);
      check(v1.get("/wiki/rest/api/space/{spaceKey}"), space, "space");
      check(v1.get("/wiki/rest/api/space"), await get(`${prefix}/space?limit=1`), "spaces");
      if (deployment === "datacenter") {
        expect(space).not.toHaveProperty("status");
        // The unmodified Cloud schema rejects it: that is the difference clients must allow for.
        expect(validators(load("cloud-v1")).get("/wiki/rest/api/space/{spaceKey}")?.(space)).toBe(false);
      }
    });

    it.runIf(deployment === "datacenter")(
      "Data Center: content listings, search, content by id, spaces and users against the Data Center document (skipped on Cloud)",
      async () => {
        const dc = validators(load("datacenter"));
        const page = fake.space("ENG").pages().at(-1);
        const cql = encodeURIComponent('space = "ENG" and type = page');
        for (const expand of [REF_EXPAND, PAGE_EXPAND]) {
          check(
            dc.get("/rest/api/content/search"),
            await get(`/rest/api/content/search?cql=${cql}&expand=${expand}&limit=25`),
            `search ${expand}`,
          );
          check(
            dc.get("/rest/api/content"),
            await get(`/rest/api/content?spaceKey=ENG&type=page&status=current&expand=${expand}&limit=25`),
            `content ${expand}`,
          );
        }
        check(
          dc.get("/rest/api/content/{id}"),
          await get(`/rest/api/content/${page?.id}?status=any&expand=${PAGE_EXPAND}`),
          "by id",
        );
        check(dc.get("/rest/api/space/{spaceKey}"), await get("/rest/api/space/ENG?expand=homepage"), "space");
        check(dc.get("/rest/api/space"), await get("/rest/api/space?limit=1"), "spaces");
        check(dc.get("/rest/api/user/current"), await get("/rest/api/user/current"), "user/current");
        const user = fake.state.users()[0];
        check(dc.get("/rest/api/user"), await get(`/rest/api/user?key=${user?.userKey}`), "user by key");
        // The document types what it names: a space id that is not an integer, or a version number sent as text, fails.
        expect(dc.get("/rest/api/space/{spaceKey}")?.({ id: "98305", key: "ENG" })).toBe(false);
        expect(dc.get("/rest/api/content/{id}")?.({ id: "1", version: { number: "2" } })).toBe(false);
      },
    );

    it.runIf(deployment === "cloud")(
      "v2: spaces, space pages with bodies in every status, labels, a page (skipped on Data Center, which has no v2 API)",
      async () => {
        const v2 = validators(load("cloud-v2"));
        const spaces = await get("/wiki/api/v2/spaces?keys=ENG&limit=1");
        check(v2.get("/spaces"), spaces, "spaces");
        const id = (spaces as { results: { id: string }[] }).results[0]?.id;
        for (const status of ["current", "archived,trashed"]) {
          check(
            v2.get("/spaces/{id}/pages"),
            await get(`/wiki/api/v2/spaces/${id}/pages?status=${status}&body-format=storage&limit=50`),
            status,
          );
        }
        const page = fake
          .space("ENG")
          .pages()
          .find((p) => p.labels.length > 0);
        check(v2.get("/pages/{id}/labels"), await get(`/wiki/api/v2/pages/${page?.id}/labels?limit=250`), "labels");
        check(v2.get("/pages/{id}"), await get(`/wiki/api/v2/pages/${page?.id}?body-format=storage`), "page");
      },
    );

    it("names where each schema came from", () => {
      for (const name of ["cloud-v1", "cloud-v2", "datacenter"])
        expect(load(name).source).toMatch(/^https:\/\/github\.com\/.+atlassian/);
    });
  },
);
