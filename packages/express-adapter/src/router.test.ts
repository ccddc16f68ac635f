import {
  ConfluenceSyncError,
  HashingEmbedder,
  InMemoryCredentialStore,
  InMemoryKnowledgeStore,
  type Logger,
} from "@archon/confluence-core";
import express from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createTestApp, newSourceBody, waitForOperation } from "../test/helpers.js";
import { HttpError } from "./http-error.js";
import { createConfluenceRouter } from "./index.js";
import type { ConfluenceAction, ConfluenceResource } from "./options.js";

const API = "/api/confluence";

describe("authorization", () => {
  it("refuses every request when neither authorize nor allowUnauthenticated is set", async () => {
    const { app } = createTestApp({ allowUnauthenticated: false });
    for (const [method, path] of [
      ["get", "/sources"],
      ["post", "/sources"],
      ["get", "/openapi.json"],
      ["post", "/search"],
      ["get", "/progress/x"],
    ] as const) {
      const response = await request(app)[method](`${API}${path}`).send({});
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe("AUTHORIZATION_NOT_CONFIGURED");
      expect(response.body.error.message).toContain("allowUnauthenticated");
    }
  });

  it("asks the hook before every route, with the action and the resource ids", async () => {
    const calls: [ConfluenceAction, ConfluenceResource][] = [];
    const { app } = createTestApp({
      authorize: (_req, action, resource) => {
        calls.push([action, resource]);
        return true;
      },
    });
    await request(app).get(`${API}/openapi.json`).expect(200);
    await request(app).get(`${API}/sources`).expect(200);
    await request(app).post(`${API}/sources`).send(newSourceBody()).expect(201);
    await request(app).get(`${API}/sources/eng`).expect(200);
    await request(app).patch(`${API}/sources/eng`).send({ name: "x" }).expect(200);
    const started = await request(app).post(`${API}/eng/sync`).send({}).expect(202);
    const operationId = started.body.operationId as string;
    await waitForOperation(() => request(app).get(`${API}/progress/${operationId}`));
    await request(app).get(`${API}/progress/${operationId}/stream`).expect(200);
    await request(app).post(`${API}/eng/sync/cancel`).send({}).expect(409);
    await request(app).get(`${API}/sources/eng/pages`).expect(200);
    await request(app).get(`${API}/pages/1`).query({ sourceId: "eng" }).expect(200);
    await request(app).post(`${API}/search`).send({ query: "deploy" }).expect(200);
    await request(app).delete(`${API}/sources/eng`).expect(204);
    const distinct = new Map(calls.map(([action, resource]) => [action, resource]));
    expect(Object.fromEntries(distinct)).toEqual({
      "openapi:read": {},
      "sources:list": {},
      "source:create": {},
      "source:read": { sourceId: "eng" },
      "source:update": { sourceId: "eng" },
      "sync:start": { sourceId: "eng" },
      "progress:read": { operationId, sourceId: "eng" },
      "sync:cancel": { sourceId: "eng" },
      "pages:list": { sourceId: "eng" },
      "page:read": { sourceId: "eng", pageId: "1" },
      search: { sourceId: "eng" },
      "source:delete": { sourceId: "eng" },
    });
  });

  it("answers 403 when the hook says no, and passes through an HttpError the hook throws", async () => {
    const { app, store } = createTestApp({
      authorize: (req, action) => {
        if (!req.get("authorization")) throw new HttpError(401, "UNAUTHORIZED", "Sign in first.");
        return action !== "source:create";
      },
    });
    const anonymous = await request(app).get(`${API}/sources`).expect(401);
    expect(anonymous.body).toEqual({ error: { code: "UNAUTHORIZED", message: "Sign in first." } });
    const denied = await request(app)
      .post(`${API}/sources`)
      .set("authorization", "Bearer x")
      .send(newSourceBody())
      .expect(403);
    expect(denied.body.error).toEqual({ code: "FORBIDDEN", message: "Not allowed to source create." });
    expect(await store.listSources()).toEqual([]);
  });
});

describe("request handling", () => {
  it("limits body size with 413 and reports malformed JSON as 400", async () => {
    const { app } = createTestApp({ bodyLimit: 1024 });
    const large = await request(app)
      .post(`${API}/search`)
      .set("content-type", "application/json")
      .send(JSON.stringify({ query: "x".repeat(2000) }))
      .expect(413);
    expect(large.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    const malformed = await request(app)
      .post(`${API}/search`)
      .set("content-type", "application/json")
      .send('{"query": ')
      .expect(400);
    expect(malformed.body.error).toEqual({ code: "INVALID_JSON", message: "Request body is not valid JSON." });
  });

  it("accepts only JSON bodies, so cross-site forms cannot trigger actions", async () => {
    const { app, router, site } = createTestApp();
    // The accepted sync waits in its listing, so it is still running when checked.
    site.hold();
    await request(app).post(`${API}/sources`).send(newSourceBody()).expect(201);
    const form = await request(app).post(`${API}/eng/sync`).type("form").send("mode=full").expect(415);
    expect(form.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    await request(app).post(`${API}/eng/sync`).set("content-type", "text/plain").send("{}").expect(415);
    // A `no-cors` fetch or a form can send a POST without a body: it changes nothing either.
    const bodyless = await request(app).post(`${API}/eng/sync`).expect(415);
    expect(bodyless.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(router.operations.runningFor("eng")).toBeUndefined();
    const started = await request(app).post(`${API}/eng/sync`).send({}).expect(202);
    expect(router.operations.runningFor("eng")).toBe(started.body.operationId);
    await router.close();
  });

  it("refuses state-changing requests from another origin, and hosts it does not serve", async () => {
    const { app, router } = createTestApp({ allowedHosts: ["127.0.0.1", "localhost"] });
    const foreign = await request(app)
      .post(`${API}/sources`)
      .set("host", "127.0.0.1:3000")
      .set("origin", "https://evil.example")
      .send(newSourceBody())
      .expect(403);
    expect(foreign.body.error.code).toBe("ORIGIN_NOT_ALLOWED");
    await request(app)
      .post(`${API}/sources`)
      .set("host", "127.0.0.1:3000")
      .set("origin", "null")
      .send(newSourceBody())
      .expect(403);
    // DNS rebinding: the attacker's name now points at this server, and the browser sends it as Host.
    const rebound = await request(app).get(`${API}/sources`).set("host", "evil.example:3000").expect(421);
    expect(rebound.body.error.code).toBe("HOST_NOT_ALLOWED");
    expect((await request(app).get(`${API}/sources`).set("host", "localhost:3000").expect(200)).body).toBeDefined();
    await request(app)
      .post(`${API}/sources`)
      .set("host", "127.0.0.1:3000")
      .set("origin", "http://127.0.0.1:3000")
      .send(newSourceBody())
      .expect(201);
    await router.close();
  });

  it("answers hostile bodies with a 400 naming the field, never a 500", async () => {
    const { app, router } = createTestApp();
    let deep: unknown = "bottom";
    for (let i = 0; i < 2000; i++) deep = { next: deep };
    const nested = await request(app)
      .post(`${API}/sources`)
      .send(newSourceBody({ metadata: deep }))
      .expect(400);
    expect(nested.body.error).toMatchObject({ code: "VALIDATION_FAILED" });
    expect(nested.body.error.fields[0].path).toMatch(/^body\.metadata(\.next)+$/);
    expect(nested.body.error.message).toContain("nested deeper than 32 levels");

    const nul = await request(app)
      .post(`${API}/sources`)
      .send(newSourceBody({ name: "Eng\u0000ineering" }))
      .expect(400);
    expect(nul.body.error.fields).toEqual([{ path: "body.name", message: "must not contain NUL characters" }]);

    const proto = await request(app)
      .post(`${API}/sources`)
      .type("application/json")
      .send(JSON.stringify(newSourceBody()).replace(/}$/, ',"metadata":{"team":{"__proto__":{"admin":true}}}}'))
      .expect(400);
    expect(proto.body.error.fields[0].path).toBe("body.metadata.team.__proto__");

    const early = await request(app)
      .post(`${API}/search`)
      .send({ query: "x", filters: { updatedAfter: "0000-01-01T00:00:00Z" } })
      .expect(400);
    expect(early.body.error.code).toBe("VALIDATION_FAILED");
    expect(JSON.stringify(early.body.error.fields)).toContain("updatedAfter");
    expect((await request(app).get(`${API}/sources`).expect(200)).body.sources).toEqual([]);
    await router.close();
  });

  it("refuses a second source for a space already synced, naming the first", async () => {
    const { app, router } = createTestApp();
    await request(app).post(`${API}/sources`).send(newSourceBody()).expect(201);
    const twin = await request(app)
      .post(`${API}/sources`)
      .send(newSourceBody({ sourceId: "eng-again" }))
      .expect(409);
    expect(twin.body.error.code).toBe("SOURCE_EXISTS");
    expect(twin.body.error.message).toContain("already synced by source eng");
    await router.close();
  });

  it("answers unknown routes with the JSON error shape", async () => {
    const { app } = createTestApp();
    const response = await request(app).get(`${API}/nothing/here`).expect(404);
    expect(response.body.error.code).toBe("NOT_FOUND");
  });

  it("hides internal errors behind a generic 500, logs them, and maps SDK codes to statuses", async () => {
    const logged: unknown[] = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (obj) => logged.push(obj) };
    const store = new InMemoryKnowledgeStore();
    let failure: Error = new Error("connection string postgres://user:hunter2@db failed");
    store.listSources = async () => {
      throw failure;
    };
    const router = createConfluenceRouter({
      store,
      credentials: new InMemoryCredentialStore(),
      embedder: new HashingEmbedder({ dimensions: 32 }),
      allowUnauthenticated: true,
      logger,
    });
    const app = express().use(API, router);
    const response = await request(app).get(`${API}/sources`).expect(500);
    expect(response.body).toEqual({
      error: { code: "INTERNAL", message: "Internal error; the server log has details." },
    });
    expect(response.text).not.toContain("hunter2");
    expect(response.text).not.toContain("at ");
    expect(logged).toHaveLength(1);

    failure = new ConfluenceSyncError("STORE_FAILED", "The store is unavailable.");
    const coded = await request(app).get(`${API}/sources`).expect(500);
    expect(coded.body.error).toEqual({ code: "STORE_FAILED", message: "The store is unavailable." });
  });

  it("validates its options with a coded error naming the field", () => {
    expect(() =>
      createConfluenceRouter({
        store: {} as never,
        credentials: new InMemoryCredentialStore(),
        embedder: new HashingEmbedder(),
        bodyLimit: "lots",
      }),
    ).toThrowError(/store: store must implement search\(\).*bodyLimit/);
  });
});

describe("GET /openapi.json", () => {
  it("serves an OpenAPI 3.1 document of every route, with schemas generated from the request schemas", async () => {
    const { app } = createTestApp();
    const response = await request(app).get(`${API}/openapi.json`).expect(200);
    const doc = response.body;
    expect(doc.openapi).toBe("3.1.0");
    // Relative to the document's own URL: the mount path, so clients call the routes where they are.
    expect(doc.servers).toEqual([{ url: API }]);
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        "/openapi.json",
        "/pages/{pageId}",
        "/progress/{operationId}",
        "/progress/{operationId}/stream",
        "/search",
        "/sources",
        "/sources/{sourceId}",
        "/sources/{sourceId}/pages",
        "/{sourceId}/sync",
        "/{sourceId}/sync/cancel",
      ].sort(),
    );
    expect(Object.keys(doc.paths["/sources/{sourceId}"]).sort()).toEqual(["delete", "get", "patch"]);
    const create = doc.components.schemas.CreateSourceRequest;
    expect(create.required).toEqual(expect.arrayContaining(["baseUrl", "spaceKey", "credentials"]));
    expect(create.required).not.toContain("deletionStrategy");
    const basic = create.properties.credentials.oneOf[0].properties;
    expect(basic.apiToken).toMatchObject({ writeOnly: true, format: "password" });
    expect(doc.paths["/{sourceId}/sync"].post.requestBody.required).toBe(false);
    expect(doc.components.schemas.SearchRequest.properties.mode.enum).toEqual(["hybrid", "vector", "keyword"]);
    const listParams = doc.paths["/sources/{sourceId}/pages"].get.parameters;
    expect(listParams.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      "path:sourceId",
      "query:parentId",
      "query:pathPrefix",
      "query:limit",
      "query:cursor",
    ]);
    // Every $ref points at a defined component.
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of refs) expect(doc.components.schemas).toHaveProperty(ref.split("/").at(-1) as string);
    await request(app)
      .get(`${API}/openapi.json`)
      .set("If-None-Match", response.headers.etag as string)
      .expect(304);
  });
});
