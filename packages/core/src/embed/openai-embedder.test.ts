import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Logger } from "../logger.js";
import { describeEmbedder, FakeOpenAIServer } from "../testing/embedder.js";
import { OpenAIEmbedder } from "./openai-embedder.js";
import type { OpenAIEmbedderOptions } from "./openai-options.js";

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await FakeOpenAIServer.start({ modelDimensions: { "nomic-embed-text": 768 } });
});
afterAll(() => server.close());

const local = (options: OpenAIEmbedderOptions = {}) =>
  new OpenAIEmbedder({ baseURL: server.baseURL, apiKey: "sk-test-key", dimensions: 256, ...options });

describeEmbedder("OpenAIEmbedder on a local OpenAI-compatible server", () => local(), { deterministic: true });
describeEmbedder(
  "OpenAIEmbedder with float encoding and a foreign model",
  () =>
    local({ model: "nomic-embed-text", dimensions: 768, encodingFormat: "float", modelId: "ollama:nomic-embed-text" }),
  { deterministic: true },
);

/** A logger that keeps what it is given, to check warnings and that no secret is logged. */
function recordingLogger(): Logger & { lines: Array<{ level: string; obj: object; msg?: string }> } {
  const lines: Array<{ level: string; obj: object; msg?: string }> = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj, ...(msg ? { msg } : {}) });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

describe("OpenAIEmbedder requests", () => {
  let own: FakeOpenAIServer;
  beforeEach(async () => {
    own = await FakeOpenAIServer.start();
  });
  afterEach(() => own.close());
  const embedder = (options: OpenAIEmbedderOptions = {}) =>
    new OpenAIEmbedder({ baseURL: own.baseURL, apiKey: "sk-test-key", ...options });

  it("plans requests by the caller's token counts without counting again, and counts only what is over the limit", async () => {
    let counted = 0;
    const tokenizer = {
      count: (text: string) => {
        counted++;
        return text.split(" ").length;
      },
      truncate: (text: string, max: number) => text.split(" ").slice(0, max).join(" "),
    };
    const e = embedder({ tokenizer, maxRequestTokens: 10, maxInputTokens: 5, dimensions: 16 });
    const texts = ["a b c", "d e f", "g h i j", "k l m n o p q"];
    const result = await e.embed(texts, { tokens: [3, 3, 4, 7] });
    expect(result.embeddings).toHaveLength(4);
    // Only the text whose count is over maxInputTokens was counted (before and after its cut).
    expect(counted).toBe(2);
    expect(result.truncated).toBe(1);
    // By the caller's counts, 3 + 3 + 4 fill a 10-token request; the cut text (5 tokens) goes in a second one.
    expect(own.requests.map((r) => r.input.length)).toEqual([3, 1]);
  });

  it("defaults to text-embedding-3-small at 1536 dimensions, asking for base64, and decodes it exactly", async () => {
    const openai = embedder();
    expect([openai.model, openai.dimensions, openai.modelId]).toEqual([
      "text-embedding-3-small",
      1536,
      "openai:text-embedding-3-small",
    ]);
    const result = await openai.embed(["Rollback runbook", "Payments API"]);
    const request = own.requests[0]!;
    expect(request).toMatchObject({ model: "text-embedding-3-small", dimensions: 1536, encodingFormat: "base64" });
    expect(request.input).toEqual(["Rollback runbook", "Payments API"]);
    expect(request.authorization).toBe("Bearer sk-test-key");
    expect(result.embeddings[0]).toEqual(await own.vectorFor("Rollback runbook", 1536));
    expect(result.embeddings[1]).toEqual(await own.vectorFor("Payments API", 1536));
  });

  it("gets the same vectors with float encoding", async () => {
    const base64 = await embedder({ dimensions: 64 }).embed(["same text"]);
    const float = await embedder({ dimensions: 64, encodingFormat: "float" }).embed(["same text"]);
    expect(own.requests.map((r) => r.encodingFormat)).toEqual(["base64", "float"]);
    expect(float.embeddings).toEqual(base64.embeddings);
  });

  it("sends dimensions for text-embedding-3-large, and not for models that cannot shorten vectors", async () => {
    await embedder({ model: "text-embedding-3-large", dimensions: 1024 }).embed(["a"]);
    await embedder({ model: "text-embedding-ada-002" }).embed(["a"]);
    await embedder({ model: "nomic-embed-text", dimensions: 1536 }).embed(["a"]);
    expect(own.requests.map((r) => [r.model, r.dimensions])).toEqual([
      ["text-embedding-3-large", 1024],
      ["text-embedding-ada-002", undefined],
      ["nomic-embed-text", undefined],
    ]);
  });

  it("reports the tokens the server billed, or its own count when the server sends no usage", async () => {
    const openai = embedder({ dimensions: 32 });
    const billed = await openai.embed(["one two three", "four five"]);
    expect(billed.tokens).toBe(own.requests[0]!.tokens.reduce((a, b) => a + b, 0));
    own.respondNext({ damage: "no-usage" });
    const counted = await openai.embed(["one two three", "four five"]);
    expect(counted.tokens).toBe(billed.tokens);
    expect(openai.usage).toMatchObject({ tokens: 2 * billed.tokens, requests: 2, retries: 0 });
  });

  it("never sends more than 2,048 inputs in one request", async () => {
    const texts = Array.from({ length: 4100 }, (_, i) => `chunk ${i}`);
    const result = await embedder({ dimensions: 16 }).embed(texts);
    expect(own.requests.map((r) => r.input.length)).toEqual([2048, 2048, 4]);
    expect(own.requests.flatMap((r) => r.input)).toEqual(texts);
    expect(result.embeddings[4099]).toEqual(await own.vectorFor("chunk 4099", 16));
    expect(result.requests).toBe(3);
  });

  it("never sends more than 300,000 tokens in one request, and uses few requests", async () => {
    // 700 inputs of about 1,000 tokens each: about 700,000 tokens, so at least three requests.
    const texts = Array.from({ length: 700 }, (_, i) =>
      Array.from({ length: 1000 }, (_, j) => `w${(i * 31 + j * 7) % 997}`).join(" "),
    );
    const result = await embedder({ dimensions: 16 }).embed(texts);
    const sums = own.requests.map((r) => r.tokens.reduce((a, b) => a + b, 0));
    const total = sums.reduce((a, b) => a + b, 0);
    expect(Math.max(...sums)).toBeLessThanOrEqual(300_000);
    expect(own.requests.length).toBeLessThanOrEqual(Math.ceil(total / 300_000) + 1);
    expect(own.requests.every((r) => r.status === 200)).toBe(true);
    // Requests run concurrently, so they may arrive in any order; each input is sent exactly once.
    expect(own.requests.flatMap((r) => r.input).sort()).toEqual([...texts].sort());
    expect(result.embeddings).toHaveLength(700);
    for (const i of [0, 350, 699]) expect(result.embeddings[i]).toEqual(await own.vectorFor(texts[i]!, 16));
  });

  it("truncates an input over 8,191 tokens with a warning that carries no text", async () => {
    const logger = recordingLogger();
    const long = Array.from({ length: 9000 }, (_, i) => `t${i % 500}`).join(" ");
    const result = await embedder({ dimensions: 16, logger }).embed(["short", long]);
    const sent = own.requests[0]!;
    expect(sent.status).toBe(200);
    expect(sent.tokens[1]).toBeLessThanOrEqual(8191);
    expect(sent.tokens[1]).toBeGreaterThan(8000);
    expect(long.startsWith(sent.input[1]!)).toBe(true);
    expect(result.truncated).toBe(1);
    const warning = logger.lines.find((line) => line.level === "warn");
    expect(warning?.obj).toMatchObject({ input: 1, maxInputTokens: 8191 });
    expect(JSON.stringify(logger.lines)).not.toContain("t499");
  });

  it("truncates multi-byte text to at most the limit too", async () => {
    const cjk = "日本語のテキスト🚀と絵文字👩‍💻、".repeat(2000);
    const result = await embedder({ dimensions: 16, maxInputTokens: 1000 }).embed([cjk]);
    expect(own.requests[0]!.tokens[0]).toBeLessThanOrEqual(1000);
    expect(own.requests[0]!.tokens[0]).toBeGreaterThan(900);
    expect(result.truncated).toBe(1);
  });

  it("rejects an over-long input without sending anything when truncate is off", async () => {
    const long = "word ".repeat(9000);
    const error = await embedder({ dimensions: 16, truncate: false })
      .embed(["ok", long])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "EMBED_FAILED" });
    expect((error as Error).message).toMatch(/input 1 has \d+ tokens, more than maxInputTokens \(8191\)/);
    expect(own.requests).toHaveLength(0);
  });

  it("sends an empty text as a space, which the API accepts", async () => {
    const result = await embedder({ dimensions: 16 }).embed(["", "x"]);
    expect(own.requests[0]!.input).toEqual([" ", "x"]);
    expect(result.embeddings).toHaveLength(2);
  });

  it("keeps at most `concurrency` requests in flight", async () => {
    const slow = await FakeOpenAIServer.start({ delayMs: 30 });
    try {
      const texts = Array.from({ length: 12 }, (_, i) => `text ${i}`);
      const openai = new OpenAIEmbedder({
        baseURL: slow.baseURL,
        apiKey: "k",
        dimensions: 16,
        maxBatchSize: 1,
        concurrency: 3,
      });
      const result = await openai.embed(texts);
      expect(slow.requests).toHaveLength(12);
      expect(slow.maxInFlight).toBeLessThanOrEqual(3);
      expect(slow.maxInFlight).toBeGreaterThanOrEqual(2); // requests did overlap
      for (const [i, text] of texts.entries()) expect(result.embeddings[i]).toEqual(await slow.vectorFor(text, 16));
    } finally {
      await slow.close();
    }
  });

  it("shares the concurrency limit between concurrent calls", async () => {
    const slow = await FakeOpenAIServer.start({ delayMs: 30 });
    try {
      const openai = new OpenAIEmbedder({
        baseURL: slow.baseURL,
        apiKey: "k",
        dimensions: 16,
        maxBatchSize: 1,
        concurrency: 2,
      });
      const calls = [0, 1, 2].map((call) =>
        openai.embed(Array.from({ length: 4 }, (_, i) => `call ${call} text ${i}`)),
      );
      const results = await Promise.all(calls);
      expect(slow.requests).toHaveLength(12);
      expect(slow.maxInFlight).toBe(2); // three calls of 4 batches each: without a shared limit, up to 6
      expect(results[2]!.embeddings[3]).toEqual(await slow.vectorFor("call 2 text 3", 16));
    } finally {
      await slow.close();
    }
  });

  it("halves a batch the server finds too large instead of failing it", async () => {
    const strict = await FakeOpenAIServer.start({ maxRequestTokens: 40 });
    try {
      const texts = Array.from({ length: 8 }, (_, i) => `alpha beta gamma delta epsilon ${i}`);
      const logger = recordingLogger();
      const result = await new OpenAIEmbedder({ baseURL: strict.baseURL, apiKey: "k", dimensions: 16, logger }).embed(
        texts,
      );
      expect(strict.requests[0]!.status).toBe(400);
      const served = strict.requests.filter((r) => r.status === 200);
      expect(served.flatMap((r) => r.input)).toEqual(texts);
      for (const [i, text] of texts.entries()) expect(result.embeddings[i]).toEqual(await strict.vectorFor(text, 16));
      expect(logger.lines.some((line) => line.msg?.includes("splitting"))).toBe(true);
    } finally {
      await strict.close();
    }
  });

  it("does not send OPENAI_API_KEY to a custom baseURL", async () => {
    const previous = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = "sk-env-key-for-openai-only";
    try {
      const openai = new OpenAIEmbedder({
        baseURL: own.baseURL,
        model: "nomic-embed-text",
        dimensions: 16,
        sendDimensions: true,
      });
      await openai.embed(["x"]);
      expect(own.requests[0]!.authorization ?? "").not.toContain("sk-env-key");
    } finally {
      if (previous === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = previous;
    }
  });
});
