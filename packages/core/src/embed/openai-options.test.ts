import OpenAI, { AzureOpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isConfluenceSyncError } from "../errors.js";
import { FakeOpenAIServer } from "../testing/embedder.js";
import { createDefaultEmbedder } from "./default-embedder.js";
import { HashingEmbedder } from "./hashing-embedder.js";
import { OpenAIEmbedder } from "./openai-embedder.js";
import type { OpenAIEmbedderOptions } from "./openai-options.js";

function configError(options: OpenAIEmbedderOptions): string {
  try {
    new OpenAIEmbedder(options);
  } catch (error) {
    expect(isConfluenceSyncError(error, "CONFIG_INVALID")).toBe(true);
    return (error as Error).message;
  }
  throw new Error("expected CONFIG_INVALID");
}

const base = { apiKey: "sk-test", baseURL: "http://127.0.0.1:1/v1" };

describe("OpenAIEmbedder options", () => {
  it("names the field that is wrong", () => {
    expect(configError({ ...base, model: "nomic-embed-text" })).toMatch(
      /dimensions: required for model "nomic-embed-text"/,
    );
    expect(configError({ ...base, dimensions: 2048 })).toMatch(
      /dimensions: text-embedding-3-small returns at most 1536/,
    );
    expect(configError({ ...base, model: "text-embedding-ada-002", dimensions: 256 })).toMatch(
      /dimensions: text-embedding-ada-002 always returns 1536 dimensions/,
    );
    expect(configError({ ...base, baseURL: "ftp://example.com" })).toMatch(/baseURL: must be an http\(s\) URL/);
    expect(configError({ ...base, concurrency: 0 })).toMatch(/concurrency: must be at least 1/);
    expect(configError({ ...base, maxBatchSize: 5000 })).toMatch(/maxBatchSize: must be at most 2048/);
    expect(configError({ ...base, tokenizer: {} as never })).toMatch(/tokenizer: must have count/);
    expect(configError({ ...base, colour: "red" } as never)).toMatch(/colour/);
  });

  it("requires a key for api.openai.com, from the options or OPENAI_API_KEY, and never puts it in the message", () => {
    const previous = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      expect(configError({})).toMatch(/apiKey: required for api.openai.com; pass it or set OPENAI_API_KEY/);
      process.env.OPENAI_API_KEY = "sk-from-env";
      expect(new OpenAIEmbedder().modelId).toBe("openai:text-embedding-3-small");
    } finally {
      if (previous === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = previous;
    }
  });

  it("takes model id, dimensions and batch size from the options", () => {
    const embedder = new OpenAIEmbedder({
      ...base,
      model: "text-embedding-3-large",
      dimensions: 1024,
      maxBatchSize: 100,
    });
    expect([embedder.modelId, embedder.dimensions, embedder.maxBatchSize]).toEqual([
      "openai:text-embedding-3-large",
      1024,
      100,
    ]);
    expect(new OpenAIEmbedder({ ...base, model: "text-embedding-3-large" }).dimensions).toBe(3072);
    expect(new OpenAIEmbedder({ ...base, model: "bge-m3", dimensions: 1024, modelId: "ollama:bge-m3" }).modelId).toBe(
      "ollama:bge-m3",
    );
  });
});

describe("OpenAIEmbedder with a client of your own", () => {
  let server: FakeOpenAIServer;
  beforeAll(async () => {
    server = await FakeOpenAIServer.start();
  });
  afterAll(() => server.close());

  it("uses it, with its own retries replaced by the embedder's", async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: "sk-client", maxRetries: 5 });
    server.respondNext({ status: 500 }, { status: 500 });
    const embedder = new OpenAIEmbedder({ client, dimensions: 16, maxRetries: 1, initialRetryDelayMs: 1 });
    const error = await embedder.embed(["a"]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "EMBED_FAILED" });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]!.authorization).toBe("Bearer sk-client");
  });
});

describe("OpenAIEmbedder on Azure OpenAI", () => {
  let server: FakeOpenAIServer;
  beforeAll(async () => {
    server = await FakeOpenAIServer.start();
  });
  afterAll(() => server.close());

  it("works through an AzureOpenAI client: deployment route, api-version, api-key header", async () => {
    const client = new AzureOpenAI({
      endpoint: new URL(server.baseURL).origin,
      apiKey: "azure-key-SECRET-1",
      apiVersion: "2024-10-21",
      deployment: "embeddings-small",
    });
    const embedder = new OpenAIEmbedder({ client, model: "text-embedding-3-small", dimensions: 256 });
    const result = await embedder.embed(["hello azure"]);
    const request = server.requests.at(-1)!;
    expect(request.url).toBe("/openai/deployments/embeddings-small/embeddings?api-version=2024-10-21");
    expect(request.headers["api-key"]).toBe("azure-key-SECRET-1");
    expect(result.embeddings[0]).toEqual(await server.vectorFor("hello azure", 256));
  });

  it("works through the v1 route with headers and query of the options", async () => {
    const embedder = new OpenAIEmbedder({
      baseURL: server.baseURL,
      apiKey: "unused",
      headers: { "api-key": "azure-key-SECRET-2" },
      query: { "api-version": "preview" },
      model: "my-deployment",
      dimensions: 1536,
      modelId: "azure:text-embedding-3-small",
    });
    server.respondNext({ status: 400, body: { error: { message: "deployment rejected key azure-key-SECRET-2" } } });
    const error = await embedder.embed(["x"]).catch((e: unknown) => e);
    expect((error as Error).message).not.toContain("SECRET");
    await embedder.embed(["x"]);
    const request = server.requests.at(-1)!;
    expect(request.url).toBe("/v1/embeddings?api-version=preview");
    expect(request.headers["api-key"]).toBe("azure-key-SECRET-2");
  });
});

describe("createDefaultEmbedder", () => {
  it("uses OpenAI when a key is configured, and the local HashingEmbedder otherwise", () => {
    const openai = createDefaultEmbedder({ env: { OPENAI_API_KEY: "sk-x" }, openai: { dimensions: 512 } });
    expect(openai).toBeInstanceOf(OpenAIEmbedder);
    expect(openai.dimensions).toBe(512);
    const local = createDefaultEmbedder({ env: {}, hashing: { dimensions: 256 } });
    expect(local).toBeInstanceOf(HashingEmbedder);
    expect([local.modelId, local.dimensions]).toEqual(["local:hashing-v1", 256]);
  });
});
