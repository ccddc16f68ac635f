import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfluenceSyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { SourceWait } from "../ports/confluence-source.js";
import { type Reply, startTestServer, type TestServer } from "./test-server.js";
import { ConfluenceTransport, type TransportOptions } from "./transport.js";

const TOKEN = "s3cret-api-token-value";
const BASIC = Buffer.from(`me@example.com:${TOKEN}`).toString("base64");
const schema = z.object({ ok: z.boolean() });

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Replies with the scripted answers in order, then `{ ok: true }`. */
async function scripted(replies: Reply[]) {
  const queue = [...replies];
  server = await startTestServer(() => queue.shift() ?? { json: { ok: true } });
  return server;
}

function transport(baseUrl: string, options: Partial<TransportOptions> = {}) {
  return new ConfluenceTransport({
    baseUrl,
    deployment: "cloud",
    credentials: { type: "basic", email: "me@example.com", apiToken: TOKEN },
    maxAttempts: 4,
    maxRetryAfterMs: 40,
    baseDelayMs: 8,
    timeoutMs: 2000,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    ...options,
  });
}

function observe() {
  const waits: SourceWait[] = [];
  let requests = 0;
  return {
    waits,
    onWait: (wait: SourceWait) => waits.push(wait),
    onRequest: () => requests++,
    requests: () => requests,
  };
}

async function failure(promise: Promise<unknown>): Promise<ConfluenceSyncError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfluenceSyncError);
  return error as ConfluenceSyncError;
}

describe("ConfluenceTransport", () => {
  it("sends basic auth and validates the body with the request's schema", async () => {
    const srv = await scripted([]);
    const result = await transport(srv.baseUrl).send({ url: "/wiki/api/v2/spaces", schema });
    expect(result).toEqual({ ok: true });
    expect(srv.requests[0]?.authorization).toBe(`Basic ${BASIC}`);
    expect(srv.requests[0]?.path).toBe("/wiki/api/v2/spaces");
  });

  it("never follows a redirect, and never echoes the redirect's body or sends the credentials on", async () => {
    const target = await startTestServer(() => ({ text: "internal admin page: secret-inside", status: 403 }));
    try {
      const srv = await scripted([
        { status: 302, headers: { location: `${target.baseUrl}/admin` }, text: "moved: secret-inside" },
      ]);
      const error = await failure(transport(srv.baseUrl).send({ url: "/wiki/api/v2/spaces", schema }));
      expect(error.code).toBe("SOURCE_BAD_RESPONSE");
      expect(error.message).toContain(`redirected GET /wiki/api/v2/spaces (302) to ${target.baseUrl}`);
      expect(error.message).not.toContain("secret-inside");
      expect(target.requests).toHaveLength(0);
    } finally {
      await target.close();
    }
  });

  it("honours Retry-After in seconds and clamps an absurd value to maxRetryAfterMs", async () => {
    const srv = await scripted([
      { status: 429, headers: { "retry-after": "0.01" } },
      { status: 429, headers: { "retry-after": "9223372036854775807" } },
    ]);
    const seen = observe();
    await transport(srv.baseUrl).send({ url: "/wiki/api/v2/spaces", schema }, seen);
    expect(seen.waits.map((w) => [w.kind, w.delayMs, w.reason, w.attempt])).toEqual([
      ["rate-limited", 10, "429", 1],
      ["rate-limited", 40, "429", 2],
    ]);
    expect(seen.waits[0]?.request).toBe("GET /wiki/api/v2/spaces");
    expect(seen.requests()).toBe(3);
    expect(srv.requests).toHaveLength(3);
  });

  it("honours Retry-After as an HTTP date", async () => {
    const srv = await scripted([
      { status: 429, headers: { "retry-after": new Date(Date.now() + 3_600_000).toUTCString() } },
    ]);
    const seen = observe();
    await transport(srv.baseUrl, { maxRetryAfterMs: 25 }).send({ url: "/x", schema }, seen);
    expect(seen.waits.map((w) => w.delayMs)).toEqual([25]);
  });

  it("honours a 503's Retry-After, and holds the source's other requests until it has passed", async () => {
    const arrivals = new Map<string, number>();
    let failed = false;
    server = await startTestServer((request) => {
      arrivals.set(request.path, Date.now());
      if (request.path === "/a" && !failed) {
        failed = true;
        return { status: 503, headers: { "retry-after": "0.3" }, text: "busy" };
      }
      return { json: { ok: true } };
    });
    const t = transport(server.baseUrl, { baseDelayMs: 1, maxRetryAfterMs: 5_000 });
    let waitedAt = 0;
    let other: Promise<unknown> = Promise.resolve();
    const waits: SourceWait[] = [];
    await t.send(
      { url: "/a", schema },
      {
        onWait: (wait) => {
          waits.push(wait);
          waitedAt = Date.now();
          other = t.send({ url: "/b", schema });
        },
      },
    );
    await other;
    expect(waits.map((w) => [w.kind, w.reason, w.delayMs])).toEqual([["retry", "503", 300]]);
    expect(arrivals.get("/b")! - waitedAt).toBeGreaterThanOrEqual(290);
  });

  it("backs off exponentially with jitter on 5xx, resets and malformed JSON, then succeeds", async () => {
    const srv = await scripted([{ status: 503 }, "reset", { text: "{not json" }]);
    const seen = observe();
    const t = transport(srv.baseUrl, { baseDelayMs: 4, maxRetryAfterMs: 1000, maxAttempts: 5 });
    expect(await t.send({ url: "/x", schema }, seen)).toEqual({ ok: true });
    expect(seen.waits.map((w) => w.kind)).toEqual(["retry", "retry", "retry"]);
    expect(seen.waits[0]?.reason).toBe("503");
    expect(seen.waits[1]?.reason).toMatch(/^(ECONNRESET|UND_ERR_SOCKET|EPIPE)$/);
    expect(seen.waits[2]?.reason).toBe("malformed JSON");
    // attempt n waits between half and all of base * 2^(n-1)
    seen.waits.forEach((wait, i) => {
      expect(wait.delayMs).toBeGreaterThanOrEqual(2 * 2 ** i);
      expect(wait.delayMs).toBeLessThanOrEqual(4 * 2 ** i);
    });
    expect(seen.requests()).toBe(4);
  });

  it("uses the jitter source: no jitter gives exactly half the ceiling, full jitter the whole", async () => {
    const srv = await scripted([{ status: 500 }, { status: 502 }, { status: 504 }]);
    const seen = observe();
    const t = transport(srv.baseUrl, { baseDelayMs: 10, maxRetryAfterMs: 1000, random: () => 1 });
    await t.send({ url: "/x", schema }, seen);
    expect(seen.waits.map((w) => w.delayMs)).toEqual([10, 20, 40]);
  });

  it("retries a timed-out request with reason ETIMEDOUT", async () => {
    const srv = await scripted(["hang"]);
    const seen = observe();
    await transport(srv.baseUrl, { timeoutMs: 100 }).send({ url: "/x", schema }, seen);
    expect(seen.waits.map((w) => w.reason)).toEqual(["ETIMEDOUT"]);
  });

  it("waits out a 429 storm without Retry-After past maxAttempts while the budget lasts, with a wait event each time", async () => {
    const storm = await scripted(Array(8).fill({ status: 429 }));
    const seen = observe();
    const t = transport(storm.baseUrl, {
      maxAttempts: 2,
      baseDelayMs: 1,
      maxRetryAfterMs: 5,
      rateLimitBudgetMs: 60_000,
    });
    await expect(t.send({ url: "/x", schema }, seen)).resolves.toEqual({ ok: true });
    expect(seen.requests()).toBe(9);
    expect(seen.waits.map((w) => w.kind)).toEqual(Array(8).fill("rate-limited"));
    // backoff grows with every 429 (1, 2, 4, then capped at 5 ms), jittered down to no less than half
    expect(seen.waits.every((w) => w.delayMs >= 0 && w.delayMs <= 5)).toBe(true);
    await storm.close();

    const endless = await scripted(Array(1000).fill({ status: 429, headers: { "retry-after": "0.02" } }));
    const budgeted = transport(endless.baseUrl, { maxAttempts: 2, rateLimitBudgetMs: 150 });
    const error = await failure(budgeted.send({ url: "/x", schema }));
    expect(error).toMatchObject({ code: "SOURCE_RATE_LIMITED", retryable: true });
    expect(error.message).toContain("rateLimitBudgetMinutes");
    expect(endless.requests.length).toBeGreaterThan(2);
    expect(endless.requests.length).toBeLessThan(1000);
  });

  it("retries a 5xx that follows a 429 storm past maxAttempts: 429s do not use up the other failures' tries", async () => {
    const srv = await scripted([...Array(6).fill({ status: 429, headers: { "retry-after": "0" } }), { status: 503 }]);
    const seen = observe();
    const t = transport(srv.baseUrl, { maxAttempts: 3, rateLimitBudgetMs: 60_000 });
    await expect(t.send({ url: "/x", schema }, seen)).resolves.toEqual({ ok: true });
    expect(seen.requests()).toBe(8);
    expect(seen.waits.map((w) => `${w.kind} ${w.reason}`)).toEqual([...Array(6).fill("rate-limited 429"), "retry 503"]);

    // Other failures still stop at maxAttempts of their own.
    const down = await scripted([{ status: 429, headers: { "retry-after": "0" } }, ...Array(5).fill({ status: 503 })]);
    const error = await failure(transport(down.baseUrl, { maxAttempts: 3 }).send({ url: "/x", schema }));
    expect(error.code).toBe("SOURCE_UNAVAILABLE");
    expect(down.requests.length).toBe(4);
  });

  it("gives up after maxAttempts with SOURCE_RATE_LIMITED or SOURCE_UNAVAILABLE", async () => {
    const limited = await scripted(Array(10).fill({ status: 429, headers: { "retry-after": "0" } }));
    const seen = observe();
    const error = await failure(transport(limited.baseUrl, { maxAttempts: 3 }).send({ url: "/x", schema }, seen));
    expect(error.code).toBe("SOURCE_RATE_LIMITED");
    expect(error.retryable).toBe(true);
    expect(seen.requests()).toBe(3);
    expect(seen.waits).toHaveLength(2);
    await limited.close();

    const down = await scripted(Array(10).fill({ status: 500 }));
    const unavailable = await failure(transport(down.baseUrl, { maxAttempts: 2 }).send({ url: "/x", schema }));
    expect(unavailable.code).toBe("SOURCE_UNAVAILABLE");
    expect(unavailable.message).toContain("GET /x");
  });

  it("turns 401 into SOURCE_AUTH naming the site, with no credential anywhere", async () => {
    const srv = await scripted([{ status: 401, json: { message: `bad token ${TOKEN}` } }]);
    const warnings: unknown[] = [];
    const logger: Logger = {
      debug: (o) => warnings.push(o),
      info: (o) => warnings.push(o),
      warn: (o) => warnings.push(o),
      error: (o) => warnings.push(o),
    };
    const seen = observe();
    const error = await failure(transport(srv.baseUrl, { logger }).send({ url: "/x", schema }, seen));
    expect(error.code).toBe("SOURCE_AUTH");
    expect(error.message).toContain(srv.baseUrl);
    expect(error.message).toMatch(/check the email and API token/i);
    expect(seen.requests()).toBe(1);
    const everything = inspect(error, { depth: 10 }) + JSON.stringify(warnings);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(BASIC);
  });

  it("says a token lacks a scope when Cloud answers 401 scope does not match, not that it is wrong", async () => {
    const srv = await scripted([{ status: 401, json: { code: 401, message: "Unauthorized; scope does not match" } }]);
    const t = transport(srv.baseUrl, { credentials: { type: "bearer", token: TOKEN } });
    const error = await failure(t.send({ url: "/wiki/api/v2/spaces", schema }));
    expect(error.code).toBe("SOURCE_AUTH");
    expect(error.message).toContain("the OAuth access token lacks a scope this request needs");
    expect(error.message).toContain("GET /wiki/api/v2/spaces");
    expect(error.message).not.toMatch(/check the/i);
  });

  it("names a personal access token for Data Center bearer auth and maps 404 to SOURCE_NOT_FOUND", async () => {
    const srv = await scripted([{ status: 403 }, { status: 404 }]);
    const dc = transport(srv.baseUrl, { deployment: "datacenter", credentials: { type: "bearer", token: TOKEN } });
    const denied = await failure(dc.send({ url: "/wiki/rest/api/space", schema }));
    expect(denied.code).toBe("SOURCE_AUTH");
    expect(denied.message).toContain("personal access token");
    expect(srv.requests[0]?.path).toBe("/rest/api/space");
    expect(srv.requests[0]?.authorization).toBe(`Bearer ${TOKEN}`);
    expect((await failure(dc.send({ url: "/wiki/rest/api/space", schema }))).code).toBe("SOURCE_NOT_FOUND");
  });

  it("reports a response of the wrong shape as SOURCE_BAD_RESPONSE naming the field, without retrying", async () => {
    const srv = await scripted([{ json: { ok: "yes" } }]);
    const seen = observe();
    const error = await failure(transport(srv.baseUrl).send({ url: "/x", schema }, seen));
    expect(error.code).toBe("SOURCE_BAD_RESPONSE");
    expect(error.message).toContain("ok:");
    expect(seen.requests()).toBe(1);
  });

  it("aborts a long Retry-After wait as soon as the signal fires", async () => {
    const srv = await scripted([{ status: 429, headers: { "retry-after": "3600" } }]);
    const controller = new AbortController();
    const seen = observe();
    const pending = transport(srv.baseUrl, { maxRetryAfterMs: 3_600_000 }).send(
      { url: "/x", schema },
      { signal: controller.signal, onRequest: seen.onRequest, onWait: () => controller.abort() },
    );
    const error = await failure(pending);
    expect(error.code).toBe("SYNC_ABORTED");
    expect(seen.requests()).toBe(1);
  });

  it("aborts an in-flight request", async () => {
    const srv = await scripted(["hang"]);
    const controller = new AbortController();
    const pending = transport(srv.baseUrl).send({ url: "/x", schema }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect((await failure(pending)).code).toBe("SYNC_ABORTED");
  });

  it("refuses a Cloud-only API path on Data Center", async () => {
    const srv = await scripted([]);
    const dc = transport(srv.baseUrl, { deployment: "datacenter" });
    expect((await failure(dc.send({ url: "/wiki/api/v2/spaces", schema }))).code).toBe("CONFIG_INVALID");
    expect(srv.requests).toHaveLength(0);
  });

  it("logs every request at debug and every wait at warn, never a credential, and is silent by default", async () => {
    const srv = await scripted([{ status: 503 }]);
    const lines: Array<[string, unknown, string | undefined]> = [];
    const logger: Logger = {
      debug: (o, m) => lines.push(["debug", o, m]),
      info: (o, m) => lines.push(["info", o, m]),
      warn: (o, m) => lines.push(["warn", o, m]),
      error: (o, m) => lines.push(["error", o, m]),
    };
    await transport(srv.baseUrl, { logger }).send({ url: "/x", schema });
    expect(lines.filter(([level]) => level === "debug")).toHaveLength(2);
    expect(lines.filter(([level]) => level === "warn")).toHaveLength(1);
    expect(lines.find(([level]) => level === "warn")?.[1]).toMatchObject({
      kind: "retry",
      reason: "503",
      request: "GET /x",
    });
    const text = JSON.stringify(lines);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(BASIC);
  });
});
