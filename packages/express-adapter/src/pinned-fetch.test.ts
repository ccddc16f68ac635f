import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createConfluenceSource,
  HashingEmbedder,
  InMemoryCredentialStore,
  InMemoryKnowledgeStore,
} from "@archon/confluence-core";
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import express from "express";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConfluenceRouter } from "./index.js";
import { ADDRESS_NOT_ALLOWED, createPolicyFetch } from "./pinned-fetch.js";
import { checkBaseUrl, type UrlPolicy } from "./url-policy.js";

const PUBLIC = "93.184.216.34";
const init = { method: "GET", headers: { Accept: "application/json" }, redirect: "manual" as const };
const signal = () => AbortSignal.timeout(5_000);

/** A resolver that answers with a public address the first time and with loopback from then on: DNS rebinding. */
function rebinding(): { lookup: NonNullable<UrlPolicy["lookup"]>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    lookup: async (hostname: string) => {
      calls.push(hostname);
      return calls.length === 1 ? [PUBLIC] : ["127.0.0.1"];
    },
  };
}

describe("createPolicyFetch", () => {
  let server: Server;
  let port: number;
  const seen: IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader("content-type", "application/json");
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("refuses a host whose second answer is loopback: the connection uses the checked answer, never a new one", async () => {
    const dns = rebinding();
    const policy: UrlPolicy = { allowHttp: true, lookup: dns.lookup };
    // `localhost` really is loopback, so a fetch that asked the system again would reach the local server.
    const baseUrl = await checkBaseUrl(`http://localhost:${port}`, policy);
    const before = seen.length;
    const policyFetch = createPolicyFetch(policy);
    try {
      const failure = await policyFetch(`${baseUrl}/x`, { ...init, signal: signal() }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      const cause = (failure as Error).cause as NodeJS.ErrnoException;
      expect(cause.code).toBe(ADDRESS_NOT_ALLOWED);
      expect(cause.message).toContain("private or reserved");
      expect(dns.calls).toEqual(["localhost", "localhost"]);
      expect(seen.length).toBe(before);
    } finally {
      await policyFetch.close();
    }
  });

  it("connects to the address the policy's resolver gave, keeping the host name in the request", async () => {
    // `.test` never resolves on a real system: only the pinned answer can have reached the server.
    const policyFetch = createPolicyFetch({ allowPrivateNetworks: true, lookup: async () => ["127.0.0.1"] });
    try {
      const response = await policyFetch(`http://confluence.test:${port}/x`, { ...init, signal: signal() });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('{"ok":true}');
      expect(seen.at(-1)?.host).toBe(`confluence.test:${port}`);
    } finally {
      await policyFetch.close();
    }
  });

  it("refuses loopback, private and IPv4-mapped addresses, literal or resolved, before sending anything", async () => {
    const before = seen.length;
    for (const [url, answer] of [
      [`http://127.0.0.1:${port}/x`, []],
      [`http://[::ffff:127.0.0.1]:${port}/x`, []],
      [`http://wiki.example.com:${port}/x`, ["::ffff:7f00:1"]],
      [`http://wiki.example.com:${port}/x`, [PUBLIC, "10.0.0.8"]],
      [`http://wiki.example.com:${port}/x`, ["169.254.169.254"]],
    ] as const) {
      const policyFetch = createPolicyFetch({ lookup: async () => answer });
      try {
        const failure = await policyFetch(url, { ...init, signal: signal() }).catch((error: unknown) => error);
        const coded = (failure as NodeJS.ErrnoException).code ?? ((failure as Error).cause as { code?: string }).code;
        expect(coded, url).toBe(ADDRESS_NOT_ALLOWED);
      } finally {
        await policyFetch.close();
      }
    }
    expect(seen.length).toBe(before);
  });

  it("lets a trusted origin through without the address check", async () => {
    const origin = `http://onprem.test:${port}`;
    const policyFetch = createPolicyFetch({ trustedOrigins: [origin], lookup: async () => ["127.0.0.1"] });
    try {
      expect((await policyFetch(`${origin}/x`, { ...init, signal: signal() })).status).toBe(200);
      const other = await policyFetch(`http://other.test:${port}/x`, { ...init, signal: signal() }).catch(
        (error: unknown) => error,
      );
      expect(((other as Error).cause as NodeJS.ErrnoException).code).toBe(ADDRESS_NOT_ALLOWED);
    } finally {
      await policyFetch.close();
    }
  });

  it("fails the Confluence source with a permanent, coded error that says why", async () => {
    const policyFetch = createPolicyFetch({ lookup: async () => ["127.0.0.1"] });
    try {
      const source = createConfluenceSource({
        baseUrl: `https://wiki.example.com:${port}`,
        deployment: "datacenter",
        credentials: { type: "bearer", token: "secret-token-123" },
        fetch: policyFetch,
        maxAttempts: 5,
      });
      const failure = await source.checkConnection({ signal: signal() }).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: "SOURCE_UNAVAILABLE" });
      expect((failure as Error).message).toContain("private or reserved");
      expect((failure as Error).message).not.toContain("secret-token-123");
    } finally {
      await policyFetch.close();
    }
  });

  it("refuses a file download that the site redirects to a private address, at once and without reaching it", async () => {
    const site = createServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/latest/meta-data` }).end();
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    const siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    // The site itself is trusted (an on-premises Data Center); where its redirect leads is checked.
    const policyFetch = createPolicyFetch({ trustedOrigins: [siteOrigin] });
    const before = seen.length;
    try {
      const source = createConfluenceSource({
        baseUrl: siteOrigin,
        deployment: "datacenter",
        credentials: { type: "bearer", token: "secret-token-123" },
        fetch: policyFetch,
        maxAttempts: 5,
      });
      const file = {
        id: "att1",
        pageId: "1",
        fileName: "a.txt",
        mediaType: "text/plain",
        fileSize: 5,
        version: 1,
        comment: "",
        updatedAt: null,
        downloadUrl: `${siteOrigin}/download/attachments/1/a.txt?version=1`,
      };
      let requests = 0;
      const onRequest = () => {
        requests += 1;
      };
      const failure = await source
        .downloadAttachment(file, { maxBytes: 1000, signal: signal(), onRequest })
        .catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: "SOURCE_UNAVAILABLE" });
      expect((failure as Error).message).toContain("is private or reserved");
      expect((failure as Error).message).not.toContain("secret-token-123");
      expect(requests).toBe(2);
      expect(seen.length).toBe(before);
    } finally {
      await policyFetch.close();
      await new Promise((resolve) => site.close(resolve));
    }
  });
});

describe("the router's sources under DNS rebinding", () => {
  let fake: FakeConfluence;
  beforeAll(async () => {
    fake = await startFakeConfluence({ deployment: "cloud", spaces: [{ preset: "demo", pages: 3 }] });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("refuses to create a source whose host turns into loopback after the check", async () => {
    const dns = rebinding();
    const store = new InMemoryKnowledgeStore();
    const router = createConfluenceRouter({
      store,
      credentials: new InMemoryCredentialStore(),
      embedder: new HashingEmbedder(),
      allowUnauthenticated: true,
      urlPolicy: { allowHttp: true, lookup: dns.lookup },
    });
    const app = express().use("/api", router);
    try {
      const port = new URL(fake.baseUrl).port;
      const before = fake.stats().requests;
      const response = await request(app)
        .post("/api/sources")
        .send({
          sourceId: "rebound",
          baseUrl: `http://localhost:${port}`,
          deployment: "cloud",
          spaceKey: "DEMO",
          credentials: { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken },
        });
      expect(response.status).toBe(502);
      expect(response.body.error).toMatchObject({ code: "SOURCE_UNAVAILABLE" });
      expect(response.body.error.message).toContain("private or reserved");
      expect(fake.stats().requests).toBe(before);
      expect(await store.listSources()).toEqual([]);
    } finally {
      await router.close();
    }
  });
});
