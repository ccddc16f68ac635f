import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ConfluenceSyncError, isConfluenceSyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import { FakeOpenAIServer } from "../testing/embedder.js";
import { OpenAIEmbedder } from "./openai-embedder.js";
import type { OpenAIEmbedderOptions } from "./openai-options.js";

const KEY = "sk-live-Zq8SECRETSECRET4242";

function recordingLogger(): Logger & { lines: Array<{ level: string; obj: object; msg?: string }> } {
  const lines: Array<{ level: string; obj: object; msg?: string }> = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj, ...(msg ? { msg } : {}) });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

async function failure(promise: Promise<unknown>): Promise<ConfluenceSyncError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isConfluenceSyncError(error)) throw new Error(`expected a ConfluenceSyncError, got ${String(error)}`);
  return error;
}

/** Everything an error exposes: message, cause, own properties. */
const exposed = (error: unknown) =>
  JSON.stringify(error, Object.getOwnPropertyNames(error)) + JSON.stringify((error as Error).cause ?? null);

let server: FakeOpenAIServer;
let logger: ReturnType<typeof recordingLogger>;
beforeEach(async () => {
  server = await FakeOpenAIServer.start();
  logger = recordingLogger();
});
afterEach(() => server.close());

const embedder = (options: OpenAIEmbedderOptions = {}) =>
  new OpenAIEmbedder({
    baseURL: server.baseURL,
    apiKey: KEY,
    dimensions: 32,
    initialRetryDelayMs: 1,
    logger,
    ...options,
  });

describe("OpenAIEmbedder retries", () => {
  it("waits as long as retry-after-ms says on a 429, then succeeds", async () => {
    server.respondNext({ status: 429, headers: { "retry-after-ms": "30" }, body: { error: { message: "slow down" } } });
    const result = await embedder().embed(["a", "b"]);
    expect(result.embeddings).toHaveLength(2);
    expect(result).toMatchObject({ requests: 2, retries: 1, rateLimitWaits: 1, rateLimitWaitMs: 30 });
    expect(logger.lines.find((line) => line.level === "warn")?.obj).toMatchObject({
      status: 429,
      delayMs: 30,
      fromServer: true,
    });
  });

  it("halves the requests it keeps in flight after a 429, and raises them again as requests succeed", async () => {
    const e = embedder({ concurrency: 4, maxBatchSize: 1 });
    server.respondNext({ status: 429, headers: { "retry-after-ms": "5" }, body: { error: { message: "slow down" } } });
    await e.embed(["a"]);
    expect(e.requestsInFlightLimit).toBe(2);
    // Eight one-input requests: two successes raise the limit to 3, three more to 4.
    await e.embed(["b", "c", "d", "e", "f", "g", "h", "i"]);
    expect(e.requestsInFlightLimit).toBe(4);
  });

  it("honours retry-after in seconds", async () => {
    server.respondNext({ status: 429, headers: { "retry-after": "1" } });
    const result = await embedder().embed(["a"]);
    expect(result).toMatchObject({ requests: 2, rateLimitWaits: 1, rateLimitWaitMs: 1000 });
  });

  it("clamps an absurd retry-after to maxRetryDelayMs", async () => {
    server.respondNext(
      { status: 429, headers: { "retry-after": "86400" } },
      { status: 429, headers: { "retry-after": "86400" } },
    );
    const result = await embedder({ maxRetryDelayMs: 20 }).embed(["a"]);
    expect(result).toMatchObject({ requests: 3, rateLimitWaits: 2, rateLimitWaitMs: 40 });
  });

  it("retries 500s and 503s with backoff, and counts every request", async () => {
    server.respondNext({ status: 500 }, { status: 503 });
    const result = await embedder().embed(["a"]);
    expect(result).toMatchObject({ requests: 3, retries: 2, rateLimitWaits: 0 });
    expect(server.requests.map((r) => r.status)).toEqual([500, 503, 200]);
  });

  it("gives up after maxRetries with a retryable EMBED_FAILED", async () => {
    server.respondNext({ status: 502 }, { status: 502 }, { status: 502 }, { status: 502 });
    const error = await failure(embedder({ maxRetries: 2 }).embed(["a"]));
    expect(error.code).toBe("EMBED_FAILED");
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/failed with 502 after 3 attempts/);
    expect(server.requests).toHaveLength(3);
  });

  it("does not retry a 400 or a 429 for an exhausted quota", async () => {
    server.respondNext({ status: 400, body: { error: { message: "'$.input' is invalid." } } });
    const bad = await failure(embedder().embed(["a"]));
    expect(bad.message).toMatch(/rejected the request \(400\): '\$\.input' is invalid/);
    expect(bad.retryable).toBe(false);
    server.respondNext({
      status: 429,
      body: { error: { message: "You exceeded your quota", code: "insufficient_quota" } },
    });
    const quota = await failure(embedder().embed(["a"]));
    expect(quota.message).toMatch(/quota is used up/);
    expect(server.requests).toHaveLength(2);
  });

  it("obeys the server's x-should-retry header", async () => {
    server.respondNext({ status: 500, headers: { "x-should-retry": "false" } });
    expect((await failure(embedder().embed(["a"]))).message).toMatch(/failed with 500 after 1 attempt\b/);
    server.respondNext({ status: 400, headers: { "x-should-retry": "true" } });
    expect((await embedder().embed(["a"])).requests).toBe(2);
  });

  it("stops waiting for a retry when the signal aborts", async () => {
    server.respondNext({ status: 429, headers: { "retry-after": "30" } });
    const controller = new AbortController();
    const pending = embedder().embed(["a"], { signal: controller.signal });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect((await failure(pending)).code).toBe("SYNC_ABORTED");
    expect(server.requests).toHaveLength(1);
  });

  it("cancels a request in flight when the signal aborts", async () => {
    server.respondNext({ delayMs: 30_000 });
    const controller = new AbortController();
    const pending = embedder().embed(["a"], { signal: controller.signal });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect((await failure(pending)).code).toBe("SYNC_ABORTED");
  });
});

describe("OpenAIEmbedder response checks", () => {
  const texts = ["first", "second", "third"];

  it("rejects fewer vectors than inputs", async () => {
    server.respondNext({ damage: "fewer-vectors" });
    const error = await failure(embedder().embed(texts));
    expect(error.code).toBe("EMBED_BAD_RESPONSE");
    expect(error.message).toMatch(/returned 2 vectors for 3 inputs; nothing was stored/);
  });

  it.each(["base64", "float"] as const)("rejects vectors of the wrong dimension (%s)", async (encodingFormat) => {
    server.respondNext({ damage: "wrong-dimension" });
    const error = await failure(embedder({ encodingFormat }).embed(texts));
    expect(error.code).toBe("EMBED_DIMENSION_MISMATCH");
    expect(error.message).toMatch(/returned 33-dimensional vectors .* configured for 32/);
  });

  it.each(["base64", "float"] as const)("rejects NaN and missing numbers (%s)", async (encodingFormat) => {
    server.respondNext({ damage: "nan" });
    const error = await failure(embedder({ encodingFormat }).embed(texts));
    expect(error.code).toBe("EMBED_BAD_RESPONSE");
    expect(error.message).toMatch(/non-finite value \((NaN|null)\) at position 0 of vector 2/);
  });

  it("places vectors by index when the server sends them out of order", async () => {
    server.respondNext({ damage: "shuffled" });
    const result = await embedder().embed(texts);
    for (const [i, text] of texts.entries()) expect(result.embeddings[i]).toEqual(await server.vectorFor(text, 32));
  });

  it("rejects a repeated index", async () => {
    server.respondNext({ damage: "duplicate-index" });
    expect((await failure(embedder().embed(texts))).message).toMatch(/sent index 0 twice/);
  });

  it("rejects base64 that is not whole float32 values", async () => {
    server.respondNext({ damage: "bad-base64" });
    const error = await failure(embedder().embed(texts));
    expect(error.code).toBe("EMBED_BAD_RESPONSE");
    expect(error.message).toMatch(/not a whole number of float32/);
  });

  it("rejects a body that is not JSON", async () => {
    server.respondNext({ damage: "not-json" });
    expect((await failure(embedder().embed(texts))).code).toBe("EMBED_BAD_RESPONSE");
  });
});

describe("OpenAIEmbedder secrets", () => {
  it("keeps a rejected API key out of the error, its cause and the logs", async () => {
    const guarded = await FakeOpenAIServer.start({ apiKey: "sk-the-right-one" });
    try {
      const openai = new OpenAIEmbedder({ baseURL: guarded.baseURL, apiKey: KEY, dimensions: 32, logger });
      const error = await failure(openai.embed(["a"]));
      expect(error.message).toMatch(/rejected the API key \(401\)/);
      expect(exposed(error)).not.toContain("SECRET");
      expect(JSON.stringify(logger.lines)).not.toContain("SECRET");
    } finally {
      await guarded.close();
    }
  });

  it("redacts a key that a provider echoes in an error message", async () => {
    server.respondNext(
      { status: 500, body: { error: { message: `upstream rejected ${KEY}` } } },
      { status: 400, body: { error: { message: `bad request for Bearer ${KEY} and sk-proj-abc123def456` } } },
    );
    const error = await failure(embedder({ headers: { "api-key": "azure-header-secret-1" } }).embed(["a"]));
    expect(exposed(error)).not.toContain("SECRET");
    expect(exposed(error)).not.toContain("abc123def456");
    expect(error.message).toContain("[redacted]");
    expect(JSON.stringify(logger.lines)).not.toContain("SECRET");
  });

  it("redacts secret headers echoed back", async () => {
    server.respondNext({ status: 400, body: { error: { message: "unknown deployment for azure-header-secret-1" } } });
    const error = await failure(embedder({ headers: { "api-key": "azure-header-secret-1" } }).embed(["a"]));
    expect(error.message).not.toContain("azure-header-secret-1");
  });
});
