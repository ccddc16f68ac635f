import {
  applySyncEvent,
  InMemoryKnowledgeStore,
  type OperationProgress,
  type SourceLock,
  type SyncEvent,
} from "@archon/confluence-core";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createTestApp, newSourceBody, waitForOperation } from "../test/helpers.js";

const API = "/api/confluence";

async function appWithSource(overrides: Parameters<typeof createTestApp>[0] = {}) {
  const test = createTestApp(overrides);
  await request(test.app).post(`${API}/sources`).send(newSourceBody()).expect(201);
  return test;
}

/** Parses an SSE body into `[event, data]` pairs. */
function parseSse(text: string): { event: string; data: unknown }[] {
  return text
    .split("\n\n")
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      return event && data ? { event, data: JSON.parse(data) as unknown } : null;
    })
    .filter((item): item is { event: string; data: unknown } => item !== null);
}

describe("sync and progress routes", () => {
  it("starts a background sync with 202, and progress reaches succeeded with metrics", async () => {
    const { app, store } = await appWithSource();
    const started = await request(app).post(`${API}/eng/sync`).send({ mode: "full" }).expect(202);
    expect(started.body).toMatchObject({ sourceId: "eng", mode: "full", status: "running" });
    expect(started.body.progressUrl).toBe(`${API}/progress/${started.body.operationId}`);
    expect(started.headers.location).toBe(started.body.progressUrl);

    const done = await waitForOperation(() => request(app).get(started.body.progressUrl));
    expect(done).toMatchObject({ status: "succeeded", operationId: started.body.operationId, error: null });
    expect(done.metrics).toMatchObject({ pagesIndexed: 5, pagesFailed: 0, mode: "full" });
    expect(done.progress).toMatchObject({ stage: "done", done: 5, percent: 100 });
    expect((await store.listPages({ sourceId: "eng" })).total).toBe(5);

    const source = await request(app).get(`${API}/sources/eng`).expect(200);
    expect(source.body.sync).toMatchObject({ runningOperationId: null, lastMode: "full" });
  });

  it("defaults to an incremental sync", async () => {
    const { app } = await appWithSource();
    const started = await request(app).post(`${API}/eng/sync`).send({}).expect(202);
    expect(started.body.mode).toBe("incremental");
    await waitForOperation(() => request(app).get(started.body.progressUrl));
  });

  it("reindex: true re-indexes every page of a source whose pages are unchanged", async () => {
    const { app } = await appWithSource();
    const first = await request(app).post(`${API}/eng/sync`).send({ mode: "full" }).expect(202);
    await waitForOperation(() => request(app).get(first.body.progressUrl));
    const plain = await request(app).post(`${API}/eng/sync`).send({}).expect(202);
    const unchanged = await waitForOperation(() => request(app).get(plain.body.progressUrl));
    expect(unchanged.metrics).toMatchObject({ pagesIndexed: 0 });
    const forced = await request(app).post(`${API}/eng/sync`).send({ reindex: true }).expect(202);
    expect(forced.body.mode).toBe("full");
    const done = await waitForOperation(() => request(app).get(forced.body.progressUrl));
    expect(done.metrics).toMatchObject({ pagesIndexed: 5, mode: "full" });
    await request(app).post(`${API}/eng/sync`).send({ reindex: "yes" }).expect(400);
  });

  it("answers 409 up front when the runner reports a sync of the source running in another process", async () => {
    const elsewhere = "op-on-another-worker";
    let busy = true;
    const runSync = Object.assign(
      async (): Promise<never> => {
        throw new Error("must not run while another process syncs the source");
      },
      { runningOperation: async (sourceId: string) => (busy && sourceId === "eng" ? elsewhere : undefined) },
    );
    const { app } = await appWithSource({ runSync });
    const refused = await request(app).post(`${API}/eng/sync`).send({ mode: "full" }).expect(409);
    expect(refused.body.error).toMatchObject({ code: "SYNC_ALREADY_RUNNING", operationId: elsewhere });
    busy = false;
    await request(app).post(`${API}/eng/sync`).send({ mode: "full" }).expect(202);
  });

  it("answers 409 with the running operation's id while a sync runs, and accepts a new one afterwards", async () => {
    const { app, site } = await appWithSource();
    site.hold();
    const first = await request(app).post(`${API}/eng/sync`).send({ mode: "full" }).expect(202);
    const second = await request(app).post(`${API}/eng/sync`).send({ mode: "incremental" }).expect(409);
    expect(second.body.error).toMatchObject({ code: "SYNC_ALREADY_RUNNING", operationId: first.body.operationId });
    const running = await request(app).get(`${API}/sources/eng`).expect(200);
    expect(running.body.sync.runningOperationId).toBe(first.body.operationId);
    site.release();
    await waitForOperation(() => request(app).get(first.body.progressUrl));
    await request(app).post(`${API}/eng/sync`).send({ mode: "incremental" }).expect(202);
  });

  it("cancels a running sync; the operation ends as cancelled", async () => {
    const { app, site } = await appWithSource();
    site.hold();
    const started = await request(app).post(`${API}/eng/sync`).send({ mode: "full" }).expect(202);
    const wrongId = await request(app).post(`${API}/eng/sync/cancel`).send({ operationId: "other-op" }).expect(409);
    expect(wrongId.body.error.code).toBe("SYNC_NOT_RUNNING");
    const cancelled = await request(app).post(`${API}/eng/sync/cancel`).send({}).expect(202);
    expect(cancelled.body).toEqual({ operationId: started.body.operationId, status: "cancelling" });
    const done = await waitForOperation(() => request(app).get(started.body.progressUrl));
    expect(done.status).toBe("cancelled");
    expect(done.error).toMatchObject({ code: "SYNC_ABORTED" });
    const none = await request(app).post(`${API}/eng/sync/cancel`).send({}).expect(409);
    expect(none.body.error.message).toContain("No sync of source eng is running");
  });

  it("reports a failed sync with its code, without leaking internals", async () => {
    const { app, credentials } = await appWithSource();
    await credentials.delete("eng");
    const started = await request(app).post(`${API}/eng/sync`).send({ mode: "full" }).expect(202);
    const done = await waitForOperation(() => request(app).get(started.body.progressUrl));
    expect(done.status).toBe("failed");
    expect(done.error).toEqual({
      code: "SOURCE_AUTH",
      message: "No credentials are stored for source eng; update the source with credentials first.",
    });
  });

  it("validates sync requests and knows only existing sources", async () => {
    const { app } = await appWithSource();
    const badMode = await request(app).post(`${API}/eng/sync`).send({ mode: "partial" }).expect(400);
    expect(badMode.body.error.fields[0].path).toBe("body.mode");
    await request(app).post(`${API}/nope/sync`).send({}).expect(404);
    await request(app).post(`${API}/nope/sync/cancel`).send({}).expect(404);
  });

  it("re-checks the base URL before every sync", async () => {
    let address = "93.184.216.34";
    const { app } = await appWithSource({ urlPolicy: { lookup: async () => [address] } });
    address = "127.0.0.1";
    const response = await request(app).post(`${API}/eng/sync`).send({}).expect(400);
    expect(response.body.error.code).toBe("URL_NOT_ALLOWED");
  });

  it("serves progress with an ETag and answers 304 while it is unchanged", async () => {
    const { app } = await appWithSource();
    const started = await request(app).post(`${API}/eng/sync`).send({ mode: "full" }).expect(202);
    await waitForOperation(() => request(app).get(started.body.progressUrl));
    const first = await request(app).get(started.body.progressUrl).expect(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/".+"$/);
    const again = await request(app).get(started.body.progressUrl).set("If-None-Match", etag).expect(304);
    expect(again.text).toBe("");
    await request(app).get(started.body.progressUrl).set("If-None-Match", 'W/"stale"').expect(200);
  });

  it("answers 404 for unknown operations and 400 for malformed ids", async () => {
    const { app } = await appWithSource();
    const missing = await request(app).get(`${API}/progress/no-such-op`).expect(404);
    expect(missing.body.error.code).toBe("NOT_FOUND");
    await request(app).get(`${API}/progress/no-such-op/stream`).expect(404);
    await request(app)
      .get(`${API}/progress/${encodeURIComponent("bad id")}`)
      .expect(400);
  });

  it("falls back to the progress reader for operations this process does not hold", async () => {
    let recorded: OperationProgress | null = null;
    const events: SyncEvent[] = [
      {
        type: "sync-start",
        operationId: "op-old",
        sourceId: "eng",
        mode: "full",
        resumed: false,
        startedAt: "2025-01-01T00:00:00.000Z",
      },
    ];
    for (const event of events) recorded = applySyncEvent(recorded, event, "2025-01-01T00:00:01.000Z");
    const { app } = await appWithSource({
      progressReader: { getProgress: async (id) => (id === "op-old" ? recorded : null) },
    });
    const response = await request(app).get(`${API}/progress/op-old`).expect(200);
    expect(response.body).toMatchObject({ operationId: "op-old", sourceId: "eng", mode: "full", status: "running" });
  });

  it("maps recorded finished operations to succeeded, failed and cancelled", async () => {
    const metrics = {
      operationId: "x",
      mode: "full" as const,
      startedAt: "2025-01-01T00:00:00.000Z",
      finishedAt: "2025-01-01T00:00:05.000Z",
      durationMs: 5000,
      pagesListed: 3,
      pagesFetched: 3,
      pagesIndexed: 3,
      pagesSkipped: 0,
      pagesMoved: 0,
      pagesDeleted: 0,
      pagesFailed: 0,
      chunksWritten: 3,
      chunksReused: 0,
      embeddingCalls: 1,
      embeddingTokens: 30,
      apiRequests: 2,
      retries: 0,
      rateLimitWaits: 0,
      rateLimitWaitMs: 0,
    };
    const start = (operationId: string): SyncEvent => ({
      type: "sync-start",
      operationId,
      sourceId: "eng",
      mode: "full",
      resumed: false,
      startedAt: "2025-01-01T00:00:00.000Z",
    });
    const records = new Map<string, OperationProgress | null>();
    const fold = (events: SyncEvent[]) => events.reduce<OperationProgress | null>((p, e) => applySyncEvent(p, e), null);
    records.set("op-ok", fold([start("op-ok"), { type: "sync-end", operationId: "op-ok", sourceId: "eng", metrics }]));
    for (const [id, code] of [
      ["op-failed", "SOURCE_AUTH"],
      ["op-cancelled", "SYNC_ABORTED"],
    ] as const) {
      records.set(
        id,
        fold([
          start(id),
          { type: "sync-error", operationId: id, sourceId: "eng", code, error: `${code} happened`, metrics },
        ]),
      );
    }
    const { app } = await appWithSource({ progressReader: { getProgress: async (id) => records.get(id) ?? null } });
    const ok = await request(app).get(`${API}/progress/op-ok`).expect(200);
    expect(ok.body).toMatchObject({ status: "succeeded", error: null, progress: { percent: 100, indexed: 3 } });
    const failed = await request(app).get(`${API}/progress/op-failed`).expect(200);
    expect(failed.body).toMatchObject({ status: "failed", error: { code: "SOURCE_AUTH" } });
    const cancelled = await request(app).get(`${API}/progress/op-cancelled`).expect(200);
    expect(cancelled.body.status).toBe("cancelled");
    // A recorded operation's stream is its snapshot alone.
    const stream = await request(app).get(`${API}/progress/op-ok/stream`).expect(200);
    expect(parseSse(stream.text).map((event) => event.event)).toEqual(["operation"]);
  });

  it("streams the operation's events as Server-Sent Events until it ends", async () => {
    const { app, site } = await appWithSource();
    site.hold();
    const started = await request(app).post(`${API}/eng/sync`).send({ mode: "full" }).expect(202);
    const stream = request(app)
      .get(started.body.streamUrl)
      .buffer(true)
      .parse((res, callback) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString();
          // The stream is subscribed once its first snapshot arrived: let the sync run now.
          if (text.includes("event: operation")) site.release();
        });
        res.on("end", () => callback(null, text));
      });
    const response = await stream;
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toContain("text/event-stream");
    const events = parseSse(response.body as string);
    const names = events.map((event) => event.event);
    expect(names[0]).toBe("operation");
    expect(names.filter((name) => name === "page-indexed")).toHaveLength(5);
    expect(names).toContain("progress");
    expect(names.at(-2)).toBe("sync-end");
    expect(names.at(-1)).toBe("operation");
    expect(events.at(-1)?.data).toMatchObject({ status: "succeeded", operationId: started.body.operationId });

    // A client resuming with Last-Event-ID gets every event after it, from the start here.
    const replayed = parseSse(
      (await request(app).get(started.body.streamUrl).set("Last-Event-ID", "0").expect(200)).text,
    );
    expect(replayed.map((event) => event.event).slice(0, 1)).toEqual(["sync-start"]);
    expect(replayed.at(-1)?.event).toBe("operation");
    expect(replayed.length).toBeGreaterThan(events.length - 1);

    // A finished operation's stream sends its final snapshot and closes.
    const after = await request(app).get(started.body.streamUrl).expect(200);
    const finalEvents = parseSse(after.text);
    expect(finalEvents).toHaveLength(1);
    expect(finalEvents[0]?.data).toMatchObject({ status: "succeeded" });
  });
});

describe("a sync another process runs", () => {
  /** A store whose per-source lock another process may hold, as PostgreSQL's advisory lock would be. */
  class LockingStore extends InMemoryKnowledgeStore {
    holder: string | undefined;
    readonly taken: string[] = [];
    readonly released: string[] = [];
    async lockSource(sourceId: string): Promise<SourceLock> {
      if (this.holder !== undefined) return { heldBy: this.holder };
      this.holder = "this process";
      this.taken.push(sourceId);
      return {
        release: async () => {
          this.holder = undefined;
          this.released.push(sourceId);
        },
      };
    }
  }

  it("answers 409 naming the process before accepting, and otherwise holds the lock for the whole run", async () => {
    const store = new LockingStore();
    const { app, site } = await appWithSource({ store });
    store.holder = "process cli-host:4242:abcd1234 (operation op-cli)";
    const refused = await request(app).post(`${API}/eng/sync`).send({ mode: "full" }).expect(409);
    expect(refused.body.error).toMatchObject({ code: "SYNC_ALREADY_RUNNING" });
    expect(refused.body.error.message).toContain("already running in process cli-host:4242:abcd1234");
    expect(store.taken).toEqual([]);

    store.holder = undefined;
    site.hold();
    const started = await request(app).post(`${API}/eng/sync`).send({ mode: "full" }).expect(202);
    // Taken before the 202, once: the engine runs under the router's lock instead of asking again.
    expect(store.taken).toEqual(["eng"]);
    expect(store.holder).toBe("this process");
    site.release();
    const done = await waitForOperation(() => request(app).get(started.body.progressUrl));
    expect(done).toMatchObject({ status: "succeeded" });
    expect(store.taken).toEqual(["eng"]);
    expect(store.released).toEqual(["eng"]);
    expect(store.holder).toBeUndefined();
  });
});
