import { describe, expect, it } from "vitest";
import { InMemoryKnowledgeStore, InMemoryProgressSink } from "../store/index.js";
import { FakeEmbedder } from "../testing/embedder.js";
import { FakeConfluenceSource } from "../testing/source.js";
import { ConfluenceSync } from "./engine.js";
import { RunMonitor } from "./run-monitor.js";

describe("RunMonitor", () => {
  it("tracks peaks and warns once per kind: past the duration budget, memory grown over 20%", () => {
    let now = 0;
    let usage = { rss: 100 * 1_048_576, heapUsed: 40 * 1_048_576 };
    const warnings: { kind: string; message: string }[] = [];
    const monitor = new RunMonitor(
      { durationBudgetMs: 15 * 60_000, memoryGrowthWarning: 0.2, memoryUsage: () => usage, now: () => now },
      (warning) => warnings.push(warning),
    );
    try {
      usage = { rss: 119 * 1_048_576, heapUsed: 70 * 1_048_576 };
      now = 15 * 60_000;
      monitor.sample();
      expect(warnings).toEqual([]);
      usage = { rss: 121 * 1_048_576, heapUsed: 50 * 1_048_576 };
      now = 15 * 60_000 + 1;
      monitor.sample();
      monitor.sample();
      expect(warnings.map((w) => w.kind)).toEqual(["duration", "memory"]);
      expect(warnings[0]?.message).toBe("The sync has run for 15 min, past its 15 min budget.");
      expect(warnings[1]?.message).toBe("The process's memory grew 21% since the sync started (100 MB to 121 MB).");
      expect(monitor.peakRssBytes).toBe(121 * 1_048_576);
      expect(monitor.peakHeapBytes).toBe(70 * 1_048_576);
    } finally {
      monitor.stop();
    }
  });

  it("gives the engine's metrics peak memory and emits sync-warning, which the progress sink records", async () => {
    const source = new FakeConfluenceSource();
    for (let i = 0; i < 3; i++) source.addPage("ENG", { title: `P${i}`, body: `<p>Page ${i}</p>` });
    const store = new InMemoryKnowledgeStore();
    const now = new Date().toISOString();
    await store.upsertSource({
      sourceId: "s",
      name: "s",
      deployment: "cloud",
      baseUrl: source.baseUrl,
      spaceKey: "ENG",
      deletionStrategy: "listing",
      removeArchived: true,
      createdAt: now,
      updatedAt: now,
    });
    const sink = new InMemoryProgressSink();
    // A budget of one millisecond: every sync runs past it.
    const sync = new ConfluenceSync({
      source,
      store,
      embedder: new FakeEmbedder({ dimensions: 8 }),
      sinks: [sink],
      syncDurationBudgetMs: 1,
      convertPool: false,
    });
    const metrics = await sync.run({ sourceId: "s", mode: "full" });
    expect(metrics.peakRssBytes).toBeGreaterThan(0);
    expect(metrics.peakHeapBytes).toBeGreaterThan(0);
    const warnings = sink.ofType("sync-warning");
    expect(warnings).toEqual([expect.objectContaining({ kind: "duration", operationId: metrics.operationId })]);
    expect(sink.latest(metrics.operationId)?.message).toMatch(/past its 1 ms budget/);
  });
});
