import { describe, expect, it } from "vitest";
import { ConfluenceSyncError, isConfluenceSyncError } from "../errors.js";
import { describeEmbedder, FakeEmbedder } from "./embedder.js";

describeEmbedder("FakeEmbedder", () => new FakeEmbedder(), { deterministic: true });
describeEmbedder(
  "FakeEmbedder (8 dimensions, batches of 3, slow)",
  () => new FakeEmbedder({ dimensions: 8, maxBatchSize: 3, delayMs: 2 }),
  { deterministic: true },
);

describe("FakeEmbedder", () => {
  it("records every call with inputs", async () => {
    const fake = new FakeEmbedder();
    await fake.embed(["a", "b"]);
    await fake.embed([]);
    await fake.embed(["c"]);
    expect(fake.calls).toEqual([{ texts: ["a", "b"] }, { texts: ["c"] }]);
    expect(fake.inputs).toEqual(["a", "b", "c"]);
    fake.reset();
    expect(fake.calls).toEqual([]);
  });

  it("gives texts that share words similar vectors", async () => {
    const { embeddings } = await new FakeEmbedder().embed([
      "deploy the payments service",
      "payments service deploy",
      "holiday party",
    ]);
    const dot = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
    expect(dot(embeddings[0]!, embeddings[1]!)).toBeGreaterThan(dot(embeddings[0]!, embeddings[2]!));
  });

  it("rejects a call of more than maxBatchSize texts, recording nothing", async () => {
    const fake = new FakeEmbedder({ maxBatchSize: 2 });
    await expect(fake.embed(["a", "b", "c"])).rejects.toThrow(/3 texts, more than its maxBatchSize of 2/);
    expect(fake.calls).toEqual([]);
  });

  it("fails any call containing a text it was told to fail on", async () => {
    const custom = new ConfluenceSyncError("EMBED_FAILED", "custom");
    const fake = new FakeEmbedder().failOn("poison").failOn(/^bad/, custom);
    await expect(fake.embed(["fine", "poison"])).rejects.toMatchObject({ code: "EMBED_FAILED" });
    await expect(fake.embed(["bad apple"])).rejects.toBe(custom);
    expect((await fake.embed(["fine"])).embeddings).toHaveLength(1);
  });

  it("misbehaves on the next calls as told, then recovers", async () => {
    const fake = new FakeEmbedder({ dimensions: 8 })
      .failNextCalls(1, "wrong-dimension")
      .failNextCalls(1, "fewer-vectors")
      .failNextCalls(1, "non-finite")
      .failNextCalls(1);
    expect((await fake.embed(["a", "b"])).embeddings[0]).toHaveLength(9);
    expect((await fake.embed(["a", "b"])).embeddings).toHaveLength(1);
    expect((await fake.embed(["a", "b"])).embeddings[0]![0]).toBeNaN();
    const error = await fake.embed(["a"]).catch((e: unknown) => e);
    expect(isConfluenceSyncError(error, "EMBED_FAILED")).toBe(true);
    const fine = await fake.embed(["a", "b"]);
    expect(fine.embeddings.every((v) => v.length === 8 && v.every(Number.isFinite))).toBe(true);
  });

  it("aborts a delayed call", async () => {
    const fake = new FakeEmbedder({ delayMs: 60_000 });
    const controller = new AbortController();
    const pending = fake.embed(["a"], { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "SYNC_ABORTED" });
  });
});
