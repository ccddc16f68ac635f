import {
  type ConfluenceCredentials,
  type ConfluenceSpace,
  contentOptionsSchema,
  type SourceRecord,
} from "@archon/confluence-core";
import type { Router } from "express";
import type { RouteContext } from "./context.js";
import { HttpError } from "./http-error.js";
import { parseInput, sendJson } from "./http-util.js";
import type { SourceConnection } from "./options.js";
import { createSourceBodySchema, type SourceView, sourceParamsSchema, updateSourceBodySchema } from "./schemas.js";
import { checkBaseUrl } from "./url-policy.js";

/** Builds what the API shows of a source: never its credentials, only their description. */
export async function toSourceView(ctx: RouteContext, record: SourceRecord): Promise<SourceView> {
  const [credentials, state] = await Promise.all([
    ctx.credentials.describe(record.sourceId),
    ctx.store.getSyncState(record.sourceId),
  ]);
  const view: SourceView = {
    sourceId: record.sourceId,
    name: record.name,
    deployment: record.deployment,
    baseUrl: record.baseUrl,
    spaceKey: record.spaceKey,
    deletionStrategy: record.deletionStrategy,
    removeArchived: record.removeArchived,
    syncPermissions: record.syncPermissions === true || record.enforcePermissions === true,
    enforcePermissions: record.enforcePermissions === true,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    credentials: credentials
      ? {
          type: credentials.type,
          ...(credentials.email === undefined ? {} : { email: credentials.email }),
          ...(credentials.keyId === undefined ? {} : { keyId: credentials.keyId }),
          updatedAt: credentials.updatedAt,
        }
      : null,
    sync: {
      runningOperationId: ctx.operations.runningFor(record.sourceId) ?? null,
      lastMode: state?.lastMode ?? null,
      lastCompletedAt: state?.lastCompletedAt ?? null,
      failedPages: state ? Object.keys(state.failedPages).length : 0,
    },
  };
  if (record.metadata !== undefined) view.metadata = record.metadata;
  if (record.content !== undefined) {
    // Attachment options are shown with their defaults filled in: what the next sync of the source applies.
    const parsed = contentOptionsSchema.safeParse(record.content);
    if (parsed.success) view.content = parsed.data;
  }
  return view;
}

export async function requireSource(ctx: RouteContext, sourceId: string): Promise<SourceRecord> {
  const record = await ctx.store.getSource(sourceId);
  if (!record) throw new HttpError(404, "NOT_FOUND", `Source ${sourceId} does not exist.`);
  return record;
}

/** Confirms the site answers, accepts the credentials and shows the space, before anything is stored. */
async function verifyConnection(
  ctx: RouteContext,
  connection: SourceConnection,
  spaceKey: string,
): Promise<ConfluenceSpace> {
  const source = ctx.createSource(connection);
  const signal = AbortSignal.timeout(ctx.connectTimeoutMs);
  await source.checkConnection({ signal });
  return source.getSpace(spaceKey, { signal });
}

function defaultDeployment(baseUrl: string): "cloud" | "datacenter" {
  return new URL(baseUrl).hostname.toLowerCase().endsWith(".atlassian.net") ? "cloud" : "datacenter";
}

function defaultSourceId(spaceKey: string): string {
  const id = spaceKey
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "-")
    .replace(/^[-_]+/, "");
  return (id || "space").slice(0, 64);
}

export function mountSourceRoutes(router: Router, ctx: RouteContext): void {
  router.get("/sources", async (req, res) => {
    await ctx.authorize(req, "sources:list");
    // Only the sources this caller may read.
    const records = [];
    for (const record of await ctx.store.listSources()) {
      if (await ctx.isAllowed(req, "source:read", { sourceId: record.sourceId })) records.push(record);
    }
    const sources = await Promise.all(records.map((record) => toSourceView(ctx, record)));
    sendJson(req, res, { sources });
  });

  router.post("/sources", async (req, res) => {
    await ctx.authorize(req, "source:create");
    const body = parseInput(createSourceBodySchema, "body", req.body);
    const baseUrl = await checkBaseUrl(body.baseUrl, ctx.urlPolicy);
    const sourceId = body.sourceId ?? defaultSourceId(body.spaceKey);
    if (await ctx.store.getSource(sourceId)) {
      throw new HttpError(409, "SOURCE_EXISTS", `Source ${sourceId} already exists; choose another sourceId.`);
    }
    // Chunk URLs are unique across sources: a second source for the same space could never store a page.
    const twin = (await ctx.store.listSources()).find(
      (existing) =>
        existing.spaceKey.toLowerCase() === body.spaceKey.toLowerCase() &&
        existing.baseUrl.replace(/\/+$/, "").toLowerCase() === baseUrl.toLowerCase(),
    );
    if (twin) {
      throw new HttpError(
        409,
        "SOURCE_EXISTS",
        `Space ${body.spaceKey} of ${baseUrl} is already synced by source ${twin.sourceId}; sync or update that one.`,
      );
    }
    const deployment = body.deployment ?? defaultDeployment(baseUrl);
    const credentials = body.credentials as ConfluenceCredentials;
    const space = await verifyConnection(ctx, { baseUrl, deployment, credentials }, body.spaceKey);
    const now = new Date().toISOString();
    const record: SourceRecord = {
      sourceId,
      name: body.name ?? space.name,
      deployment,
      baseUrl,
      spaceKey: space.key,
      deletionStrategy: body.deletionStrategy,
      removeArchived: body.removeArchived,
      ...(body.syncPermissions || body.enforcePermissions ? { syncPermissions: true } : {}),
      ...(body.enforcePermissions ? { enforcePermissions: true } : {}),
      createdAt: now,
      updatedAt: now,
      ...(body.metadata === undefined ? {} : { metadata: body.metadata }),
      ...(body.content === undefined ? {} : { content: body.content }),
    };
    await ctx.credentials.put(sourceId, credentials);
    try {
      await ctx.store.upsertSource(record);
    } catch (error) {
      await ctx.credentials.delete(sourceId).catch(() => {});
      throw error;
    }
    res.location(`${req.baseUrl}/sources/${encodeURIComponent(sourceId)}`);
    sendJson(req, res, await toSourceView(ctx, record), 201);
  });

  router.get("/sources/:sourceId", async (req, res) => {
    const { sourceId } = parseInput(sourceParamsSchema, "params", req.params);
    await ctx.authorize(req, "source:read", { sourceId });
    sendJson(req, res, await toSourceView(ctx, await requireSource(ctx, sourceId)));
  });

  router.patch("/sources/:sourceId", async (req, res) => {
    const { sourceId } = parseInput(sourceParamsSchema, "params", req.params);
    await ctx.authorize(req, "source:update", { sourceId });
    const body = parseInput(updateSourceBodySchema, "body", req.body);
    const record = await requireSource(ctx, sourceId);
    if (body.credentials) {
      const credentials = body.credentials as ConfluenceCredentials;
      await checkBaseUrl(record.baseUrl, ctx.urlPolicy);
      await verifyConnection(
        ctx,
        { baseUrl: record.baseUrl, deployment: record.deployment, credentials },
        record.spaceKey,
      );
      await ctx.credentials.put(sourceId, credentials);
    }
    const updated: SourceRecord = {
      ...record,
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.deletionStrategy === undefined ? {} : { deletionStrategy: body.deletionStrategy }),
      ...(body.removeArchived === undefined ? {} : { removeArchived: body.removeArchived }),
      ...(body.syncPermissions === undefined ? {} : { syncPermissions: body.syncPermissions }),
      ...(body.enforcePermissions === undefined ? {} : { enforcePermissions: body.enforcePermissions }),
      ...(body.metadata === undefined ? {} : { metadata: body.metadata }),
      ...(body.content === undefined ? {} : { content: body.content }),
      updatedAt: new Date().toISOString(),
    };
    await ctx.store.upsertSource(updated);
    sendJson(req, res, await toSourceView(ctx, updated));
  });

  router.delete("/sources/:sourceId", async (req, res) => {
    const { sourceId } = parseInput(sourceParamsSchema, "params", req.params);
    await ctx.authorize(req, "source:delete", { sourceId });
    await requireSource(ctx, sourceId);
    // A sync writing pages while the source is removed would leave orphans behind: stop it first.
    const running = ctx.operations.cancel(sourceId);
    if (running !== undefined) await ctx.operations.waitFor(running);
    await ctx.store.deleteSource(sourceId);
    await ctx.credentials.delete(sourceId);
    res.status(204).end();
  });
}
