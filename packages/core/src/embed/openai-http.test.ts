import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isConfluenceSyncError } from "../errors.js";
import { FakeOpenAIServer } from "../testing/embedder.js";
import { OpenAIEmbedder } from "./openai-embedder.js";

const here = dirname(fileURLToPath(import.meta.url));
const core = join(here, "..", "..");

describe("OpenAIEmbedder transport", () => {
  it("needs no SDK: core neither depends on nor imports the openai package", () => {
    const manifest = JSON.parse(readFileSync(join(core, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain("openai");
    expect(Object.keys(manifest.peerDependencies ?? {})).not.toContain("openai");
    const importers = readdirSync(join(core, "src"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
      .filter((file) =>
        /from\s+["']openai["']|import\(\s*["']openai["']\s*\)/.test(readFileSync(join(core, "src", file), "utf8")),
      );
    expect(importers).toEqual([]);
  });

  let server: FakeOpenAIServer;
  beforeEach(async () => {
    server = await FakeOpenAIServer.start();
  });
  afterEach(() => server.close());

  it("sends no Authorization header to a local server when no key is configured", async () => {
    const embedder = new OpenAIEmbedder({
      baseURL: server.baseURL,
      model: "nomic-embed-text",
      dimensions: 16,
      sendDimensions: true,
    });
    await embedder.embed(["x"]);
    expect(server.requests[0]!.authorization).toBeUndefined();
  });

  it("sends organization and project headers, and lets custom headers replace any header", async () => {
    const embedder = new OpenAIEmbedder({
      baseURL: `${server.baseURL}/`,
      apiKey: "sk-unused",
      organization: "org-1",
      project: "proj-1",
      headers: { Authorization: "Bearer sk-from-headers", "X-Title": "docs" },
      dimensions: 16,
    });
    await embedder.embed(["x"]);
    const request = server.requests[0]!;
    expect(request.url).toBe("/v1/embeddings");
    expect(request.authorization).toBe("Bearer sk-from-headers");
    expect(request.headers).toMatchObject({
      "openai-organization": "org-1",
      "openai-project": "proj-1",
      "x-title": "docs",
    });
  });

  it("goes through the fetch option", async () => {
    const seen: string[] = [];
    const embedder = new OpenAIEmbedder({
      baseURL: server.baseURL,
      apiKey: "sk-test",
      dimensions: 16,
      fetch: (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    await embedder.embed(["x"]);
    expect(seen).toEqual([`${server.baseURL}/embeddings`]);
  });

  it("times a silent server out as a retryable EMBED_FAILED, after retrying it", async () => {
    server.respondNext({ delayMs: 30_000 }, { delayMs: 30_000 });
    const embedder = new OpenAIEmbedder({
      baseURL: server.baseURL,
      apiKey: "sk-test",
      dimensions: 16,
      timeoutMs: 400,
      maxRetries: 1,
      initialRetryDelayMs: 1,
    });
    const error = await embedder.embed(["x"]).catch((e: unknown) => e);
    expect(isConfluenceSyncError(error, "EMBED_FAILED")).toBe(true);
    expect((error as Error).message).toMatch(/did not answer in time \(2 attempts\)/);
    expect(server.requests).toHaveLength(2);
  });

  it("names the reason when nothing listens at the base URL, and retries it", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const embedder = new OpenAIEmbedder({
      baseURL: `http://127.0.0.1:${port}/v1`,
      apiKey: "sk-live-SECRET",
      dimensions: 16,
      maxRetries: 1,
      initialRetryDelayMs: 1,
    });
    const error = await embedder.embed(["x"]).catch((e: unknown) => e);
    expect(isConfluenceSyncError(error, "EMBED_FAILED")).toBe(true);
    expect((error as Error).message).toMatch(/could not be reached \(2 attempts\): fetch failed \(ECONNREFUSED\)/);
    expect((error as { retryable?: boolean }).retryable).toBe(true);
    expect((error as Error).message).not.toContain("SECRET");
  });
});
