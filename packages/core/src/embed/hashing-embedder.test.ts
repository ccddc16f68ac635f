import { describe, expect, it } from "vitest";
import { isConfluenceSyncError } from "../errors.js";
import { describeEmbedder } from "../testing/embedder.js";
import { HashingEmbedder } from "./hashing-embedder.js";

describeEmbedder("HashingEmbedder", () => new HashingEmbedder(), { deterministic: true });
describeEmbedder(
  "HashingEmbedder (words only, 64 dimensions)",
  () => new HashingEmbedder({ dimensions: 64, wordBigrams: false, charTrigrams: false }),
  { deterministic: true },
);

const cosine = (a: readonly number[], b: readonly number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

async function vectors(embedder: HashingEmbedder, ...texts: string[]): Promise<number[][]> {
  return (await embedder.embed(texts)).embeddings;
}

describe("HashingEmbedder", () => {
  it("defaults to 384 dimensions under a versioned model id", () => {
    const embedder = new HashingEmbedder();
    expect(embedder.dimensions).toBe(384);
    expect(embedder.modelId).toBe("local:hashing-v1");
    expect(new HashingEmbedder({ charTrigrams: false }).modelId).toBe("local:hashing-v1:words+bigrams");
  });

  it("returns unit vectors, including for texts without any word", async () => {
    const [a, empty, punctuation] = await vectors(new HashingEmbedder({ dimensions: 128 }), "Deploy the app", "", "!?");
    for (const vector of [a!, empty!, punctuation!]) expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
    expect(empty).toEqual(punctuation);
  });

  it("ranks lexically overlapping texts above unrelated ones", async () => {
    const [query, related, unrelated] = await vectors(
      new HashingEmbedder(),
      "how to roll back a failed kubernetes deployment",
      "Rollback: when a Kubernetes deployment failed, run kubectl rollout undo",
      "Quarterly marketing budget and the holiday party schedule",
    );
    expect(cosine(query!, related!)).toBeGreaterThan(cosine(query!, unrelated!) + 0.2);
  });

  it("matches inflected words through character trigrams, and only when they are on", async () => {
    const texts = ["deployments", "deployment"];
    const [a, b] = await vectors(new HashingEmbedder(), ...texts);
    const [c, d] = await vectors(new HashingEmbedder({ charTrigrams: false }), ...texts);
    expect(cosine(a!, b!)).toBeGreaterThan(0.35);
    expect(Math.abs(cosine(c!, d!))).toBeLessThan(0.3);
  });

  it("ignores case, punctuation and Unicode compatibility forms", async () => {
    const [a, b, c] = await vectors(
      new HashingEmbedder(),
      "Error E42: Disk full",
      "error e42 disk FULL!!",
      "ｅｒｒｏｒ E42 disk full",
    );
    expect(a).toEqual(b);
    expect(a).toEqual(c);
  });

  it("weighs word order through bigrams", async () => {
    const [a, b] = await vectors(new HashingEmbedder({ charTrigrams: false }), "dog bites man", "man bites dog");
    const [c, d] = await vectors(
      new HashingEmbedder({ charTrigrams: false, wordBigrams: false }),
      "dog bites man",
      "man bites dog",
    );
    expect(cosine(c!, d!)).toBeCloseTo(1, 10);
    expect(cosine(a!, b!)).toBeLessThan(0.9);
  });

  it("gives non-Latin scripts real features", async () => {
    const [a, b, c] = await vectors(
      new HashingEmbedder(),
      "Развертывание сервиса",
      "развертывание сервиса завершено",
      "日本語のテキスト",
    );
    expect(cosine(a!, b!)).toBeGreaterThan(0.6);
    expect(c!.filter((x) => x !== 0).length).toBeGreaterThan(3);
  });

  it("counts words as tokens and makes no provider request", async () => {
    const result = await new HashingEmbedder().embed(["one two three", "four"]);
    expect(result.tokens).toBe(4);
    expect(result.requests).toBe(0);
  });

  it("gives the same vectors as any other instance with the same options", async () => {
    const text = "Confluence page about the payment service's retry policy (v2.3).";
    const [a] = await vectors(new HashingEmbedder(), text);
    const [b] = await vectors(
      new HashingEmbedder({ dimensions: 384, wordBigrams: true, charTrigrams: true }),
      "x",
      text,
    ).then((v) => v.slice(1));
    expect(a).toEqual(b);
  });

  it("rejects invalid options naming the field", () => {
    expect(() => new HashingEmbedder({ dimensions: 3 })).toThrow(
      /HashingEmbedder options are invalid: dimensions: must be at least 16/,
    );
    expect(() => new HashingEmbedder({ dimensions: 100.5 })).toThrow(/dimensions: must be an integer/);
    try {
      new HashingEmbedder({ colour: "blue" } as never);
      expect.unreachable();
    } catch (error) {
      expect(isConfluenceSyncError(error, "CONFIG_INVALID")).toBe(true);
      expect((error as Error).message).toMatch(/colour/);
    }
  });
});
