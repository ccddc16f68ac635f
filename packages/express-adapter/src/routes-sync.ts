import { type OperationProgress, toSyncProgress } from "@archon/confluence-core";
import type { Request, Response, Router } from "express";
import type { RouteContext } from "./context.js";
import { HttpError } from "./http-error.js";
import { parseInput, sendJson } from "./http-util.js";
import type { HeldSourceLock } from "./operations.js";
import { requireSource } from "./routes-sources.js";
import {
  cancelSyncBodySchema,
  type OperationView,
  operationParamsSchema,
  type SyncCancelledResponse,
  type SyncStartedResponse,
  sourceParamsSchema,
  startSyncBodySchema,
} from "./schemas.js";
import { checkBaseUrl } from "./url-policy.js";

/** An operation recorded by a progress sink, shown in the API's shape (metrics are not part of such records). */
function fromRecordedProgress(progress: OperationProgress): OperationView {
  const cancelled = progress.errorCode === "SYNC_ABORTED";
  const { operationId: _operation, sourceId: _source, ...counts } = toSyncProgress(progress);
  return {
    operationId: progress.operationId,
    sourceId: progress.sourceId,
    mode: progress.mode ?? "incremental",
    status:
      progress.state === "completed"
        ? "succeeded"
        : progress.state === "failed" || progress.state === "interrupted"
          ? cancelled
            ? "cancelled"
            : "failed"
          : "running",
    startedAt: progress.startedAt ?? progress.updatedAt,
    finishedAt: progress.finishedAt,
    progress: counts,
    metrics: null,
    error:
      progress.state === "failed" || progress.state === "interrupted"
        ? { code: progress.errorCode ?? "INTERNAL", message: progress.message ?? "Sync failed." }
        : null,
  };
}

async function findOperation(ctx: RouteContext, operationId: string): Promise<OperationView | undefined> {
  const live = ctx.operations.get(operationId);
  if (live) return live;
  const recorded = await ctx.progressReader?.getProgress(operationId);
  return recorded ? fromRecordedProgress(recorded) : undefined;
}

/** Authorizes against the operation's source; an unknown id is a 404 only for callers allowed to ask. */
async function authorizedOperation(ctx: RouteContext, req: Request): Promise<OperationView> {
  const { operationId } = parseInput(operationParamsSchema, "params", req.params);
  const operation = await findOperation(ctx, operationId);
  await ctx.authorize(
    req,
    "progress:read",
    operation ? { operationId, sourceId: operation.sourceId } : { operationId },
  );
  if (!operation) throw new HttpError(404, "NOT_FOUND", `Operation ${operationId} is not known to this server.`);
  return operation;
}

function writeEvent(res: Response, id: number, name: string, data: unknown): void {
  res.write(`id: ${id}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function mountSyncRoutes(router: Router, ctx: RouteContext): void {
  router.post("/:sourceId/sync", async (req, res) => {
    const { sourceId } = parseInput(sourceParamsSchema, "params", req.params);
    await ctx.authorize(req, "sync:start", { sourceId });
    const { mode: requested, reindex } = parseInput(startSyncBodySchema, "body", req.body);
    const mode = reindex ? "full" : requested;
    const record = await requireSource(ctx, sourceId);
    // The host's address may have changed since the source was created.
    await checkBaseUrl(record.baseUrl, ctx.urlPolicy);
    let lock: HeldSourceLock | undefined;
    if (ctx.operations.runningFor(sourceId) === undefined) {
      await ctx.operations.assertNotRunningElsewhere(sourceId);
      // Held from here to the end of the run: a sync of another process is a 409 now, not a failure after the 202.
      lock = await ctx.operations.claim(sourceId);
    }
    const operation = ctx.operations.start(record, mode, { reindex, ...(lock ? { lock } : {}) });
    const progressUrl = `${req.baseUrl}/progress/${operation.operationId}`;
    const body: SyncStartedResponse = {
      operationId: operation.operationId,
      sourceId,
      mode,
      status: "running",
      progressUrl,
      streamUrl: `${progressUrl}/stream`,
    };
    res.location(progressUrl);
    sendJson(req, res, body, 202);
  });

  router.post("/:sourceId/sync/cancel", async (req, res) => {
    const { sourceId } = parseInput(sourceParamsSchema, "params", req.params);
    await ctx.authorize(req, "sync:cancel", { sourceId });
    const { operationId } = parseInput(cancelSyncBodySchema, "body", req.body);
    await requireSource(ctx, sourceId);
    const running = ctx.operations.runningFor(sourceId);
    if (running === undefined || (operationId !== undefined && operationId !== running)) {
      throw new HttpError(
        409,
        "SYNC_NOT_RUNNING",
        operationId === undefined
          ? `No sync of source ${sourceId} is running.`
          : `Operation ${operationId} is not the running sync of source ${sourceId}.`,
      );
    }
    ctx.operations.cancel(sourceId);
    const body: SyncCancelledResponse = { operationId: running, status: "cancelling" };
    sendJson(req, res, body, 202);
  });

  router.get("/progress/:operationId", async (req, res) => {
    sendJson(req, res, await authorizedOperation(ctx, req));
  });

  router.get("/progress/:operationId/stream", async (req, res) => {
    const found = await authorizedOperation(ctx, req);
    // From here on nothing awaits, so the snapshot, the replay and the subscription see the same state.
    const operation = ctx.operations.get(found.operationId) ?? found;
    res.status(200);
    res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
    res.setHeader("Cache-Control", "no-cache, no-transform");
    res.setHeader("Connection", "keep-alive");
    res.setHeader("X-Accel-Buffering", "no");
    res.flushHeaders();
    res.write("retry: 3000\n\n");
    const { operationId } = operation;
    const live = ctx.operations.get(operationId) !== undefined;
    // A reconnecting client resumes after the last event it saw; anyone else starts from a snapshot.
    const lastEventId = Number.parseInt(req.get("last-event-id") ?? "", 10);
    const replay = live && Number.isSafeInteger(lastEventId) ? ctx.operations.replay(operationId, lastEventId) : null;
    if (replay) {
      for (const event of replay) writeEvent(res, event.seq, event.name, event.data);
    } else {
      writeEvent(res, ctx.operations.lastSeq(operationId), "operation", operation);
    }
    if (!live || operation.status !== "running") {
      res.end();
      return;
    }
    const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), ctx.heartbeatMs);
    heartbeat.unref();
    const unsubscribe = ctx.operations.subscribe(operationId, (seq, name, data) => {
      if (name === "end") {
        stop();
        res.end();
        return;
      }
      writeEvent(res, seq, name, data);
    });
    const stop = () => {
      clearInterval(heartbeat);
      unsubscribe();
    };
    req.on("close", stop);
  });
}
