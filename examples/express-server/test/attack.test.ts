/**
 * Attack suite against the example server as `npm start` runs it (no API_TOKEN, embedded fake Confluence, PGlite):
 * server-side request forgery to other ports, cross-site and DNS-rebinding requests, and hostile bodies. Every attack
 * must be refused with a 4xx, and none may leave a trace.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../src/server.js";

let server: RunningServer;
let dataDir: string;
let api: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "archon-attack-"));
  server = await startServer({ DATA_DIR: dataDir, FAKE_CONFLUENCE_PAGES: "20", PORT: "0" });
  api = `${server.url}/api/confluence`;
});

afterAll(async () => {
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function post(path: string, body: string | undefined, headers: Record<string, string> = {}) {
  const response = await fetch(`${api}${path}`, { method: "POST", body, headers });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
}

const fakeCredentials = () => {
  const { email, apiToken } = server.runtime.fake?.credentials ?? { email: "", apiToken: "" };
  return { type: "basic", email, apiToken };
};

/** A raw request, so the Host header is whatever an attacker's page would make the browser send. */
function withHost(path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${api}${path}`, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("attack suite: the example server", () => {
  it("maps no ports: a source may point only at the embedded fake's exact origin", async () => {
    const fake = new URL(server.runtime.fake?.baseUrl ?? "");
    for (const baseUrl of [`http://${fake.hostname}:5432`, "http://127.0.0.1:22", "http://169.254.169.254"]) {
      const refused = await post(
        "/sources",
        JSON.stringify({ sourceId: "probe", baseUrl, spaceKey: "DEMO", credentials: fakeCredentials() }),
        { "content-type": "application/json" },
      );
      expect(refused.status, baseUrl).toBe(400);
      expect(refused.body.error?.code).toBe("URL_NOT_ALLOWED");
    }
  });

  it("refuses cross-site writes: no-cors bodyless or text/plain POSTs and foreign origins", async () => {
    expect((await post("/demo/sync", undefined)).status).toBe(415);
    expect((await post("/demo/sync", '{"mode":"full"}', { "content-type": "text/plain" })).status).toBe(415);
    expect((await post("/demo/sync/cancel", undefined)).status).toBe(415);
    const foreign = await post("/demo/sync", '{"mode":"full"}', {
      "content-type": "application/json",
      origin: "https://attacker.example",
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error?.code).toBe("ORIGIN_NOT_ALLOWED");
    expect(server.runtime.store).toBeDefined();
    const listed = await (await fetch(`${api}/sources`)).json();
    expect(listed.sources.every((s: { sync?: { running?: unknown } }) => !s.sync?.running)).toBe(true);
  });

  it("answers no host it does not serve (DNS rebinding)", async () => {
    expect(await withHost("/sources", "attacker.example")).toBe(421);
    expect(await withHost("/sources", `localhost:${new URL(server.url).port}`)).toBe(200);
  });

  it("answers hostile bodies with a 400, never a 500", async () => {
    let deep = "{}";
    for (let i = 0; i < 2000; i++) deep = `{"a":${deep}}`;
    const json = { "content-type": "application/json" };
    const base = {
      sourceId: "x",
      baseUrl: server.runtime.fake?.baseUrl,
      spaceKey: "DEMO",
      credentials: fakeCredentials(),
    };
    const bodies = [
      JSON.stringify(base).replace(/}$/, `,"metadata":${deep}}`),
      JSON.stringify({ ...base, name: "Bad\u0000name" }),
      JSON.stringify(base).replace(/}$/, ',"metadata":{"__proto__":{"isAdmin":true}}}'),
    ];
    for (const body of bodies) {
      const answer = await post("/sources", body, json);
      expect(answer.status, body.slice(0, 80)).toBe(400);
      expect(answer.body.error?.code).toBe("VALIDATION_FAILED");
    }
    const search = await post("/search", '{"query":"x","filters":{"updatedAfter":"0000-01-01T00:00:00Z"}}', json);
    expect(search.status).toBe(400);
    const sources = await (await fetch(`${api}/sources`)).json();
    expect(sources.sources.map((s: { sourceId: string }) => s.sourceId)).toEqual(["demo"]);
  });
});
