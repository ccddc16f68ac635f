import { describe, expect, it } from "vitest";
import { describeKnowledgeStore, describeProgressSink } from "../testing/store.js";
import { InMemoryCredentialStore } from "./in-memory-credential-store.js";
import { InMemoryProgressSink } from "./in-memory-progress-sink.js";
import { InMemoryKnowledgeStore } from "./in-memory-store.js";

describeKnowledgeStore("InMemoryKnowledgeStore", async () => new InMemoryKnowledgeStore());
describeKnowledgeStore("InMemoryKnowledgeStore at 384 dimensions", async () => new InMemoryKnowledgeStore(), {
  dimensions: 384,
});
describeProgressSink("InMemoryProgressSink", async () => new InMemoryProgressSink());

describe("InMemoryProgressSink", () => {
  it("records every event in order and filters them by type", () => {
    const sink = new InMemoryProgressSink();
    sink.handle({ type: "page-skipped", operationId: "o", sourceId: "s", pageId: "1", reason: "unchanged" });
    sink.handle({ type: "page-skipped", operationId: "o", sourceId: "s", pageId: "2", reason: "moved" });
    expect(sink.ofType("page-skipped").map((e) => e.pageId)).toEqual(["1", "2"]);
    expect(sink.latest("o")).toBeUndefined();
    sink.clear();
    expect(sink.events).toEqual([]);
  });
});

describe("InMemoryCredentialStore", () => {
  it("stores, describes without the secret, and deletes credentials", async () => {
    const store = new InMemoryCredentialStore();
    await store.put("s", { type: "basic", email: "a@b.c", apiToken: "secret-token" });
    await store.put("t", { type: "bearer", token: "pat-secret" });
    expect(await store.get("s")).toEqual({ type: "basic", email: "a@b.c", apiToken: "secret-token" });
    const info = await store.describe("s");
    expect(info).toMatchObject({ type: "basic", email: "a@b.c" });
    expect(JSON.stringify(info)).not.toContain("secret-token");
    expect(JSON.stringify(await store.describe("t"))).not.toContain("pat-secret");
    expect(await store.listSourceIds()).toEqual(["s", "t"]);
    await store.delete("s");
    expect(await store.get("s")).toBeNull();
    expect(await store.describe("s")).toBeNull();
  });

  it("rejects use after close", async () => {
    const store = new InMemoryKnowledgeStore();
    await store.close();
    await expect(store.listSources()).rejects.toThrow(/closed/);
  });
});
