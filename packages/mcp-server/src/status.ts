/** The sources and sync status views: configuration and counts only, never credentials. */

import type { z } from "zod/v4";
import type { ToolContext } from "./context.js";
import type { listSourcesOutputShape, syncStatusOutputShape } from "./schemas.js";

export type SourceList = z.output<z.ZodObject<typeof listSourcesOutputShape>>;
export type SyncStatus = z.output<z.ZodObject<typeof syncStatusOutputShape>>;

export async function listSources(ctx: ToolContext): Promise<SourceList> {
  const sources: SourceList["sources"] = [];
  for (const source of await ctx.sourcesFor("sources:list")) {
    const [pages, state] = await Promise.all([
      ctx.store.listPages({ sourceId: source.sourceId, limit: 1 }),
      ctx.store.getSyncState(source.sourceId),
    ]);
    sources.push({
      sourceId: source.sourceId,
      name: source.name,
      spaceKey: source.spaceKey,
      baseUrl: source.baseUrl,
      deployment: source.deployment,
      pages: pages.total,
      lastSyncedAt: state?.lastCompletedAt ?? null,
    });
  }
  return { sources };
}

export function formatSources(list: SourceList): string {
  if (list.sources.length === 0) return "No Confluence source is synced that you can read.";
  return list.sources
    .map(
      (s) =>
        `${s.sourceId}: ${s.name} (space ${s.spaceKey}, ${s.deployment}, ${s.baseUrl}) ${s.pages} pages, ` +
        `last synced ${s.lastSyncedAt ?? "never"}`,
    )
    .join("\n");
}

export async function syncStatus(ctx: ToolContext, sourceId: string | undefined): Promise<SyncStatus> {
  const sources =
    sourceId === undefined ? await ctx.sourcesFor("source:read") : [await ctx.requireSource("source:read", sourceId)];
  const result: SyncStatus["sources"] = [];
  for (const source of sources) {
    const state = await ctx.store.getSyncState(source.sourceId);
    const metrics = (await ctx.store.getSyncMetrics?.(source.sourceId)) ?? null;
    const checkpoint = state?.checkpoint ?? null;
    const progress = checkpoint ? await ctx.options.progressReader?.getProgress(checkpoint.operationId) : null;
    const live = progress && progress.state === "running" ? progress : null;
    result.push({
      sourceId: source.sourceId,
      lastMode: state?.lastMode ?? null,
      lastCompletedAt: state?.lastCompletedAt ?? null,
      failedPages: Object.keys(state?.failedPages ?? {}).length,
      running:
        checkpoint && (live || !progress)
          ? {
              operationId: checkpoint.operationId,
              mode: checkpoint.mode,
              startedAt: checkpoint.startedAt,
              pagesDone: checkpoint.pagesDone,
              stage: live?.stage ?? null,
              percent: live?.percent ?? null,
            }
          : null,
      lastRun: metrics
        ? {
            mode: metrics.mode,
            finishedAt: metrics.finishedAt,
            durationMs: metrics.durationMs,
            pagesIndexed: metrics.pagesIndexed,
            pagesDeleted: metrics.pagesDeleted,
            pagesFailed: metrics.pagesFailed,
          }
        : null,
    });
  }
  return { sources: result };
}

export function formatStatus(status: SyncStatus): string {
  if (status.sources.length === 0) return "No Confluence source is synced that you can read.";
  return status.sources
    .map((s) => {
      const running = s.running
        ? `running ${s.running.mode} sync ${s.running.operationId} since ${s.running.startedAt}` +
          (s.running.percent === null ? "" : ` (${s.running.stage ?? "?"} ${s.running.percent}%)`)
        : "idle";
      const last = s.lastRun
        ? `last ${s.lastRun.mode} sync finished ${s.lastRun.finishedAt}: ${s.lastRun.pagesIndexed} indexed, ` +
          `${s.lastRun.pagesDeleted} deleted, ${s.lastRun.pagesFailed} failed`
        : `last completed ${s.lastCompletedAt ?? "never"}`;
      return `${s.sourceId}: ${running}; ${last}; ${s.failedPages} page(s) waiting for retry`;
    })
    .join("\n");
}
