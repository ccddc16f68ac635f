import { describe, expect, it } from "vitest";
import { estimateEmbeddingCost } from "./openai-models.js";

describe("estimateEmbeddingCost", () => {
  it("prices tokens by model name or model id", () => {
    expect(estimateEmbeddingCost("text-embedding-3-small", 2_000_000)).toEqual({
      tokens: 2_000_000,
      usdPerMillionTokens: 0.02,
      usd: 0.04,
    });
    expect(estimateEmbeddingCost("openai:text-embedding-3-large", 1_000_000)?.usd).toBeCloseTo(0.13, 10);
    expect(estimateEmbeddingCost("local:hashing-v1", 5_000_000)?.usd).toBe(0);
  });

  it("lets callers supply their own prices and says null for unknown models", () => {
    expect(estimateEmbeddingCost("ollama:nomic-embed-text", 1_000)).toBeNull();
    expect(estimateEmbeddingCost("ollama:nomic-embed-text", 1_000_000, { "ollama:nomic-embed-text": 0 })?.usd).toBe(0);
    expect(estimateEmbeddingCost("text-embedding-3-small", 1_000_000, { "text-embedding-3-small": 0.01 })?.usd).toBe(
      0.01,
    );
  });
});
