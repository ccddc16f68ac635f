import request from "supertest";
import { describe, expect, it } from "vitest";
import { createTestApp, GOOD_TOKEN, newSourceBody, SITE_URL, waitForOperation } from "../test/helpers.js";

const API = "/api/confluence";

describe("sources routes", () => {
  it("creates a source after checking the connection, stores the credentials and never returns the token", async () => {
    const { app, credentials, store, site } = createTestApp();
    const response = await request(app).post(`${API}/sources`).send(newSourceBody()).expect(201);
    expect(response.headers.location).toBe(`${API}/sources/eng`);
    expect(response.body).toMatchObject({
      sourceId: "eng",
      name: "Engineering",
      deployment: "datacenter",
      baseUrl: SITE_URL,
      spaceKey: "ENG",
      deletionStrategy: "listing",
      removeArchived: true,
      credentials: { type: "basic", email: "bot@example.com" },
      sync: { runningOperationId: null, lastMode: null, lastCompletedAt: null, failedPages: 0 },
    });
    expect(JSON.stringify(response.body)).not.toContain(GOOD_TOKEN);
    expect(site.checks).toEqual(["basic"]);
    expect(await credentials.get("eng")).toEqual({ type: "basic", email: "bot@example.com", apiToken: GOOD_TOKEN });
    expect((await store.getSource("eng"))?.name).toBe("Engineering");

    const list = await request(app).get(`${API}/sources`).expect(200);
    expect(list.body.sources.map((s: { sourceId: string }) => s.sourceId)).toEqual(["eng"]);
    expect(JSON.stringify(list.body)).not.toContain(GOOD_TOKEN);
    const one = await request(app).get(`${API}/sources/eng`).expect(200);
    expect(one.body.sourceId).toBe("eng");
  });

  it("derives the source id from the space key and cloud deployment from an atlassian.net host", async () => {
    const { app } = createTestApp();
    const response = await request(app)
      .post(`${API}/sources`)
      .send(newSourceBody({ sourceId: undefined, baseUrl: "https://acme.atlassian.net/" }))
      .expect(201);
    expect(response.body.sourceId).toBe("eng");
    expect(response.body.deployment).toBe("cloud");
    expect(response.body.baseUrl).toBe("https://acme.atlassian.net");
  });

  it("refuses a source whose credentials Confluence rejects, and stores nothing", async () => {
    const { app, credentials, store } = createTestApp();
    const response = await request(app)
      .post(`${API}/sources`)
      .send(newSourceBody({ credentials: { type: "bearer", token: "wrong-token-value" } }))
      .expect(422);
    expect(response.body.error.code).toBe("SOURCE_AUTH");
    expect(JSON.stringify(response.body)).not.toContain("wrong-token-value");
    expect(await store.listSources()).toEqual([]);
    expect(await credentials.get("eng")).toBeNull();
  });

  it("refuses an unknown space with 422 SOURCE_NOT_FOUND", async () => {
    const { app, store } = createTestApp();
    const response = await request(app)
      .post(`${API}/sources`)
      .send(newSourceBody({ spaceKey: "NOPE" }))
      .expect(422);
    expect(response.body.error.code).toBe("SOURCE_NOT_FOUND");
    expect(await store.listSources()).toEqual([]);
  });

  it("accepts personal space keys and rejects what the core library rejects, with the same rule", async () => {
    const { app } = createTestApp();
    // Past validation, the site is asked for the space (this one has only ENG): 422, not 400.
    for (const spaceKey of ["~john.doe", "~jane@example.com", "~557058:6f1c0a2e"]) {
      const asked = await request(app).post(`${API}/sources`).send(newSourceBody({ spaceKey })).expect(422);
      expect(asked.body.error.code).toBe("SOURCE_NOT_FOUND");
    }
    const refused = await request(app)
      .post(`${API}/sources`)
      .send(newSourceBody({ sourceId: "dash", spaceKey: "A-B" }))
      .expect(400);
    expect(refused.body.error.fields).toEqual([
      expect.objectContaining({ path: "body.spaceKey", message: expect.stringContaining("~john.doe") }),
    ]);
  });

  it("answers 400 with a message for every bad field", async () => {
    const { app } = createTestApp();
    const response = await request(app)
      .post(`${API}/sources`)
      .send({ sourceId: "bad id!", baseUrl: "not a url", spaceKey: "", credentials: { type: "basic" }, extra: 1 })
      .expect(400);
    expect(response.body.error.code).toBe("VALIDATION_FAILED");
    const paths = response.body.error.fields.map((field: { path: string }) => field.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "body.sourceId",
        "body.baseUrl",
        "body.spaceKey",
        "body.credentials.email",
        "body.credentials.apiToken",
        "body",
      ]),
    );
    expect(response.body.error.message).toContain("body.sourceId");
  });

  it("refuses URLs the policy forbids before contacting them", async () => {
    const { app, site } = createTestApp({ urlPolicy: { lookup: async () => ["10.0.0.5"] } });
    const http = await request(app)
      .post(`${API}/sources`)
      .send(newSourceBody({ baseUrl: "http://wiki.example.com" }))
      .expect(400);
    expect(http.body.error.code).toBe("URL_NOT_ALLOWED");
    expect(http.body.error.message).toContain("https");
    const privateHost = await request(app).post(`${API}/sources`).send(newSourceBody()).expect(400);
    expect(privateHost.body.error).toMatchObject({ code: "URL_NOT_ALLOWED", fields: [{ path: "body.baseUrl" }] });
    expect(privateHost.body.error.message).toContain("private");
    const loopback = await request(app)
      .post(`${API}/sources`)
      .send(newSourceBody({ baseUrl: "https://127.0.0.1:8443" }))
      .expect(400);
    expect(loopback.body.error.code).toBe("URL_NOT_ALLOWED");
    expect(site.checks).toEqual([]);
  });

  it("accepts only allow-listed hosts when an allowlist is set", async () => {
    const { app } = createTestApp({
      urlPolicy: { allowedHosts: ["*.atlassian.net"], lookup: async () => ["93.184.216.34"] },
    });
    await request(app).post(`${API}/sources`).send(newSourceBody()).expect(400);
    await request(app)
      .post(`${API}/sources`)
      .send(newSourceBody({ baseUrl: "https://acme.atlassian.net" }))
      .expect(201);
  });

  it("answers 409 SOURCE_EXISTS for a taken id", async () => {
    const { app } = createTestApp();
    await request(app).post(`${API}/sources`).send(newSourceBody()).expect(201);
    const response = await request(app).post(`${API}/sources`).send(newSourceBody()).expect(409);
    expect(response.body.error.code).toBe("SOURCE_EXISTS");
  });

  it("updates fields, and replaces credentials only after they pass a connection check", async () => {
    const { app, credentials } = createTestApp();
    await request(app).post(`${API}/sources`).send(newSourceBody()).expect(201);
    const renamed = await request(app)
      .patch(`${API}/sources/eng`)
      .send({ name: "Eng wiki", deletionStrategy: "never", removeArchived: false })
      .expect(200);
    expect(renamed.body).toMatchObject({ name: "Eng wiki", deletionStrategy: "never", removeArchived: false });

    const rejected = await request(app)
      .patch(`${API}/sources/eng`)
      .send({ credentials: { type: "bearer", token: "bad" } })
      .expect(422);
    expect(rejected.body.error.code).toBe("SOURCE_AUTH");
    expect((await credentials.get("eng"))?.type).toBe("basic");

    const rotated = await request(app)
      .patch(`${API}/sources/eng`)
      .send({ credentials: { type: "bearer", token: GOOD_TOKEN } })
      .expect(200);
    expect(rotated.body.credentials).toMatchObject({ type: "bearer" });
    expect(JSON.stringify(rotated.body)).not.toContain(GOOD_TOKEN);
    expect(await credentials.get("eng")).toEqual({ type: "bearer", token: GOOD_TOKEN });

    const empty = await request(app).patch(`${API}/sources/eng`).send({}).expect(400);
    expect(empty.body.error.fields[0].message).toBe("must change at least one field");
    const immutable = await request(app).patch(`${API}/sources/eng`).send({ spaceKey: "OPS" }).expect(400);
    expect(immutable.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("answers 404 for unknown sources and 400 for malformed ids", async () => {
    const { app } = createTestApp();
    const missing = await request(app).get(`${API}/sources/nope`).expect(404);
    expect(missing.body.error).toEqual({ code: "NOT_FOUND", message: "Source nope does not exist." });
    await request(app).patch(`${API}/sources/nope`).send({ name: "x" }).expect(404);
    await request(app).delete(`${API}/sources/nope`).expect(404);
    const bad = await request(app)
      .get(`${API}/sources/${encodeURIComponent("a b")}`)
      .expect(400);
    expect(bad.body.error.fields[0].path).toBe("params.sourceId");
  });

  it("deletes a source with its pages and credentials, cancelling a running sync first", async () => {
    const { app, credentials, store, site } = createTestApp();
    await request(app).post(`${API}/sources`).send(newSourceBody()).expect(201);
    const first = await request(app).post(`${API}/eng/sync`).send({ mode: "full" }).expect(202);
    const done = await waitForOperation(() => request(app).get(`${API}/progress/${first.body.operationId}`));
    expect(done.status).toBe("succeeded");
    expect((await store.listPages({ sourceId: "eng" })).total).toBeGreaterThan(0);

    site.hold();
    const started = await request(app).post(`${API}/eng/sync`).send({ mode: "full" }).expect(202);
    await request(app).delete(`${API}/sources/eng`).expect(204);
    const progress = await request(app).get(`${API}/progress/${started.body.operationId}`).expect(200);
    expect(progress.body.status).toBe("cancelled");
    expect(await store.getSource("eng")).toBeNull();
    expect(await credentials.get("eng")).toBeNull();
    await request(app).get(`${API}/sources/eng`).expect(404);
  });
});
