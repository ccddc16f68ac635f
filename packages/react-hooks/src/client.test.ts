import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createConfluenceClient, type ProgressStreamEvent } from "./client.js";
import { ConfluenceApiError, isConfluenceApiError } from "./errors.js";
import {
  GOOD_TOKEN,
  type LiveRouter,
  recordingFetch,
  sourceInput,
  startLiveRouter,
} from "./test-support/live-router.js";

let live: LiveRouter;

beforeEach(async () => {
  live = await startLiveRouter();
});

afterEach(async () => {
  await live.close();
});

async function caught(promise: Promise<unknown>): Promise<ConfluenceApiError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof ConfluenceApiError)) throw new Error(`expected a ConfluenceApiError, got ${String(error)}`);
  return error;
}

/** Runs a full sync, holding it until the stream is connected so no event is missed. */
async function syncToEnd(client: ReturnType<typeof createConfluenceClient>, sourceId = "eng") {
  live.site.hold();
  const started = await client.startSync(sourceId, { mode: "full" });
  const events: ProgressStreamEvent[] = [];
  const last = await client.streamProgress(started.operationId, {
    onEvent: (event) => {
      events.push(event);
      live.site.release();
    },
  });
  return { started, events, last };
}

describe("createConfluenceClient against the real router", () => {
  it("creates, lists, reads, updates and deletes a source, never seeing the token", async () => {
    const client = createConfluenceClient({ baseUrl: live.baseUrl });
    const created = await client.createSource(sourceInput({ name: "Eng docs" }));
    expect(created).toMatchObject({ sourceId: "eng", name: "Eng docs", spaceKey: "ENG", deployment: "datacenter" });
    expect(created.credentials).toMatchObject({ type: "basic", email: "bot@example.com" });
    expect(JSON.stringify(await client.listSources())).not.toContain(GOOD_TOKEN);
    expect((await client.listSources()).map((source) => source.sourceId)).toEqual(["eng"]);

    const renamed = await client.updateSource("eng", { name: "Engineering" });
    expect(renamed.name).toBe("Engineering");
    expect((await client.getSource("eng")).name).toBe("Engineering");

    await client.deleteSource("eng");
    const error = await caught(client.getSource("eng"));
    expect(error).toMatchObject({ status: 404, code: "NOT_FOUND", request: "GET /sources/eng" });
    expect(await client.listSources()).toEqual([]);
  });

  it("carries the server's field messages on a validation error", async () => {
    const client = createConfluenceClient({ baseUrl: live.baseUrl });
    const error = await caught(
      client.createSource(sourceInput({ spaceKey: "not a key!", credentials: { type: "basic", email: "x" } })),
    );
    expect(error.status).toBe(400);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.fieldMessage("spaceKey")).toMatch(/^must be a Confluence space key: .*e\.g\. ENG/);
    expect(error.fieldMessage("body.spaceKey")).toBe(error.fieldMessage("spaceKey"));
    expect(error.fields.map((field) => field.path)).toContain("body.credentials.apiToken");
    expect(isConfluenceApiError(error, "VALIDATION_FAILED")).toBe(true);
    expect(isConfluenceApiError(error, "NOT_FOUND")).toBe(false);
  });

  it("reports the server's connection check as a coded error", async () => {
    const client = createConfluenceClient({ baseUrl: live.baseUrl });
    const error = await caught(
      client.createSource(sourceInput({ credentials: { type: "bearer", token: "wrong-token" } })),
    );
    expect(error).toMatchObject({ status: 422, code: "SOURCE_AUTH" });
    expect(error.message).not.toContain("wrong-token");
  });

  it("revalidates GETs with If-None-Match and reuses the cached body on 304", async () => {
    const recorder = recordingFetch();
    const client = createConfluenceClient({ baseUrl: live.baseUrl, fetch: recorder.fetch });
    await client.createSource(sourceInput());
    const first = await client.getSource("eng");
    const second = await client.getSource("eng");
    const gets = recorder.exchanges.filter((exchange) => exchange.url.endsWith("/sources/eng"));
    expect(gets.map((exchange) => exchange.status)).toEqual([200, 304]);
    expect(gets[0]?.ifNoneMatch).toBeNull();
    expect(gets[1]?.ifNoneMatch).toMatch(/^W\/"/);
    expect(second).toEqual(first);

    // A change on the server gives a new ETag, so the next read gets the new body.
    await client.updateSource("eng", { name: "Renamed" });
    const third = await client.getSource("eng");
    expect(third.name).toBe("Renamed");
    expect(recorder.exchanges.at(-1)?.status).toBe(200);

    client.clearCache();
    await client.getSource("eng");
    expect(recorder.exchanges.at(-1)).toMatchObject({ ifNoneMatch: null, status: 200 });
  });

  it("starts a sync, refuses a second one with the running operation id, and cancels", async () => {
    const client = createConfluenceClient({ baseUrl: live.baseUrl });
    await client.createSource(sourceInput());
    live.site.hold();
    const started = await client.startSync("eng", { mode: "full" });
    expect(started).toMatchObject({ sourceId: "eng", mode: "full", status: "running" });
    expect((await client.getSource("eng")).sync.runningOperationId).toBe(started.operationId);

    const conflict = await caught(client.startSync("eng"));
    expect(conflict).toMatchObject({ status: 409, code: "SYNC_ALREADY_RUNNING", operationId: started.operationId });

    const cancelled = await client.cancelSync("eng", { operationId: started.operationId });
    expect(cancelled).toEqual({ operationId: started.operationId, status: "cancelling" });
    const last = await client.streamProgress(started.operationId, { onEvent: () => {} });
    expect(last?.status).toBe("cancelled");
    expect((await client.getProgress(started.operationId)).status).toBe("cancelled");
  });

  it("follows a sync over Server-Sent Events to its end", async () => {
    const client = createConfluenceClient({ baseUrl: live.baseUrl });
    await client.createSource(sourceInput());
    const { started, events, last } = await syncToEnd(client);
    const names = events.map((event) => event.name);
    expect(names[0]).toBe("operation");
    expect(names).toContain("progress");
    expect(names.filter((name) => name === "page-indexed")).toHaveLength(live.site.pages.length);
    expect(names.at(-1)).toBe("operation");
    expect(last).toMatchObject({ operationId: started.operationId, status: "succeeded" });
    expect(last?.progress).toMatchObject({ percent: 100, done: live.site.pages.length });
    expect(last?.metrics?.pagesIndexed).toBe(live.site.pages.length);
  });

  it("pages through the tree, reads a page's Markdown and searches", async () => {
    const client = createConfluenceClient({ baseUrl: live.baseUrl });
    await client.createSource(sourceInput());
    await syncToEnd(client);

    const roots = await client.listPages("eng", { parentId: "root" });
    expect(roots.items.map((item) => item.title).sort()).toEqual([
      "Architecture",
      "Engineering Handbook",
      "Postmortems",
    ]);
    const children = await client.listPages("eng", { parentId: "1" });
    expect(children.items.map((item) => item.pageId).sort()).toEqual(["2", "3"]);

    const firstPage = await client.listPages("eng", { limit: 4 });
    expect(firstPage.items).toHaveLength(4);
    expect(firstPage.total).toBe(live.site.pages.length);
    expect(firstPage.nextCursor).not.toBeNull();
    const secondPage = await client.listPages("eng", { limit: 4, cursor: firstPage.nextCursor ?? undefined });
    const ids = new Set([...firstPage.items, ...secondPage.items].map((item) => item.pageId));
    expect(ids.size).toBe(8);

    const detail = await client.getPage("4", { sourceId: "eng" });
    expect(detail).toMatchObject({ title: "Rollback Procedure", ancestors: ["1", "2"], labels: ["runbook"] });
    expect(detail.markdown).toContain("redeploy the previous artifact");
    expect((await client.getPage("4")).pageId).toBe("4");

    const results = await client.search({ query: "rollback artifact", mode: "keyword", limit: 5 });
    expect(results.hits[0]).toMatchObject({ pageId: "4", sourceId: "eng", title: "Rollback Procedure" });
    const filtered = await client.search({ query: "backups", mode: "keyword", filters: { labels: ["runbook"] } });
    expect(filtered.hits.every((hit) => ["2", "4"].includes(hit.pageId))).toBe(true);

    const openapi = await client.getOpenApiDocument();
    expect(openapi.openapi).toMatch(/^3\.1/);
  });

  it("turns an unreachable server into NETWORK_ERROR and lets aborts through", async () => {
    const { baseUrl } = live;
    await live.close();
    live = await startLiveRouter();
    const client = createConfluenceClient({ baseUrl });
    const error = await caught(client.listSources());
    expect(error).toMatchObject({ status: 0, code: "NETWORK_ERROR", request: "GET /sources" });

    const reachable = createConfluenceClient({ baseUrl: live.baseUrl });
    const controller = new AbortController();
    controller.abort();
    const aborted = await reachable.listSources({ signal: controller.signal }).catch((reason: unknown) => reason);
    expect(aborted).not.toBeInstanceOf(ConfluenceApiError);
    expect((aborted as Error).name).toBe("AbortError");
  });

  it("sends the configured headers, from a function too", async () => {
    const recorder = recordingFetch();
    const seen: string[] = [];
    const client = createConfluenceClient({
      baseUrl: `${live.baseUrl}/`,
      headers: async () => ({ "x-request-source": "tests" }),
      fetch: async (input, init) => {
        seen.push(new Headers(init?.headers).get("x-request-source") ?? "missing");
        return recorder.fetch(input, init);
      },
    });
    expect(client.baseUrl).toBe(live.baseUrl);
    await client.listSources();
    expect(seen).toEqual(["tests"]);
  });
});
