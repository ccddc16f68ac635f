import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultCredentials } from "./auth.js";
import { type FakeConfluence, startFakeConfluence } from "./fake-confluence.js";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("authentication", () => {
  let cloud: FakeConfluence;
  let dc: FakeConfluence;
  beforeAll(async () => {
    cloud = await startFakeConfluence({ spaces: [{ key: "ENG", pages: 5 }] });
    dc = await startFakeConfluence({
      deployment: "datacenter",
      spaces: [{ key: "ENG", pages: 5 }],
      auth: { bearer: ["custom-pat"] },
    });
  });
  afterAll(async () => {
    await cloud.close();
    await dc.close();
  });

  const status = async (fake: FakeConfluence, path: string, authorization?: string) =>
    (await fetch(`${fake.origin}${path}`, { headers: authorization ? { authorization } : {} })).status;

  it("accepts Cloud basic (email:token) and OAuth bearer credentials", async () => {
    const { email, apiToken, bearerToken } = cloud.credentials;
    expect(await status(cloud, "/wiki/api/v2/spaces", basic(email, apiToken))).toBe(200);
    expect(await status(cloud, "/wiki/rest/api/space/ENG", `Bearer ${bearerToken}`)).toBe(200);
  });

  it("answers 401 with Confluence's JSON bodies for missing or wrong credentials", async () => {
    const { email, apiToken } = cloud.credentials;
    for (const authorization of [
      undefined,
      basic(email, "wrong"),
      basic("other@example.com", apiToken),
      "Bearer nope",
      "Digest x",
    ]) {
      const v2 = await fetch(`${cloud.origin}/wiki/api/v2/spaces`, { headers: authorization ? { authorization } : {} });
      expect(v2.status).toBe(401);
      expect(v2.headers.get("content-type")).toContain("application/json");
      const body = await v2.json();
      expect(body.errors[0]).toMatchObject({ status: 401, code: "UNAUTHORIZED", title: "Unauthorized" });
    }
    const v1 = await fetch(`${cloud.origin}/wiki/rest/api/content?spaceKey=ENG`, {
      headers: { authorization: basic(email, "wrong") },
    });
    expect(v1.status).toBe(401);
    expect(await v1.json()).toMatchObject({ statusCode: 401, reason: "Unauthorized", data: { authorized: false } });
  });

  it("uses configured credentials: a Data Center PAT", async () => {
    expect(await status(dc, "/rest/api/space/ENG", "Bearer custom-pat")).toBe(200);
    expect(dc.credentials).toEqual({ email: "", apiToken: "", bearerToken: "custom-pat" });
    expect(await status(dc, "/rest/api/space/ENG", `Bearer ${defaultCredentials("datacenter").bearerToken}`)).toBe(401);
    expect(await status(dc, "/rest/api/space/ENG")).toBe(401);
  });

  it("can accept anonymous requests", async () => {
    const open = await startFakeConfluence({ spaces: [{ key: "ENG", pages: 2 }], auth: { anonymous: true } });
    try {
      expect(await status(open, "/wiki/api/v2/spaces")).toBe(200);
    } finally {
      await open.close();
    }
  });

  it("never records credentials in the request log, and redacts secret query parameters", async () => {
    await status(cloud, "/wiki/api/v2/spaces?access_token=leaky-token", basic(cloud.credentials.email, "s3cret-pw"));
    const log = JSON.stringify(cloud.requestLog());
    expect(log).not.toContain("s3cret-pw");
    expect(log).not.toContain("leaky-token");
    expect(log).not.toContain(cloud.credentials.apiToken);
    expect(log).toContain("access_token=REDACTED");
  });
});
