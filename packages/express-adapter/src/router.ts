import { createConfluenceSource, silentLogger } from "@archon/confluence-core";
import express, { type Router } from "express";
import { authorizer, notConfigured, type RouteContext } from "./context.js";
import { errorHandler, HttpError } from "./http-error.js";
import { sendJson } from "./http-util.js";
import { buildOpenApiDocument } from "./openapi.js";
import { SyncOperations } from "./operations.js";
import { type ConfluenceRouterOptions, resolveRouterOptions, type SourceFactory } from "./options.js";
import { createPolicyFetch } from "./pinned-fetch.js";
import { checkJsonBody, requestGuard } from "./request-guard.js";
import { mountContentRoutes } from "./routes-content.js";
import { mountSourceRoutes } from "./routes-sources.js";
import { mountSyncRoutes } from "./routes-sync.js";
import { createSyncRunner } from "./sync-runner.js";

/** The router, plus a handle on its background syncs. */
export interface ConfluenceRouter extends Router {
  /** The syncs this router started, running or recently finished. */
  readonly operations: SyncOperations;
  /** Cancels every running sync and waits for them to stop; call it before closing the store. */
  close(): Promise<void>;
}

/**
 * An Express 5 router for sources, background syncs with progress, the page tree and search. Mount it under a
 * prefix, e.g. `app.use("/api/confluence", createConfluenceRouter({...}))`. Every route asks
 * `options.authorize` first; without it (and without `allowUnauthenticated: true`) every request is refused.
 */
export function createConfluenceRouter(options: ConfluenceRouterOptions): ConfluenceRouter {
  const resolved = resolveRouterOptions(options);
  const logger = resolved.logger ?? silentLogger;
  const baseFactory: SourceFactory =
    resolved.createSource ?? ((connection) => createConfluenceSource({ ...connection, logger }));
  // Every source of a user-given URL connects only to addresses the URL policy checked, at connect time.
  const policyFetch = createPolicyFetch(resolved.urlPolicy);
  const createSource: SourceFactory = (connection) =>
    baseFactory({ ...connection, fetch: connection.fetch ?? policyFetch });
  const runSync =
    resolved.runSync ??
    createSyncRunner({
      logger,
      ...resolved.sync,
      store: resolved.store,
      credentials: resolved.credentials,
      embedder: resolved.embedder,
      createSource,
    });
  const operations = new SyncOperations(runSync, { logger, maxHistory: resolved.maxOperationHistory });
  const ctx: RouteContext = {
    store: resolved.store,
    credentials: resolved.credentials,
    embedder: resolved.embedder,
    createSource,
    operations,
    progressReader: resolved.progressReader,
    urlPolicy: resolved.urlPolicy,
    connectTimeoutMs: resolved.connectTimeoutMs,
    heartbeatMs: resolved.heartbeatMs,
    logger,
    principal: resolved.principal,
    ...authorizer(resolved),
  };
  if (!resolved.authorize && !resolved.allowUnauthenticated) {
    logger.warn({}, "createConfluenceRouter has no authorize hook: every request will be refused");
  }

  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    if (!resolved.authorize && !resolved.allowUnauthenticated) throw notConfigured();
    next();
  });
  router.use(
    requestGuard({
      ...(resolved.allowedHosts ? { allowedHosts: resolved.allowedHosts } : {}),
      ...(resolved.allowedOrigins ? { allowedOrigins: resolved.allowedOrigins } : {}),
    }),
  );
  router.use(express.json({ limit: resolved.bodyLimit, strict: true }));
  router.use((req, _res, next) => {
    checkJsonBody(req.body);
    next();
  });

  // One document per mount path: its `servers` entry is where the router is mounted (say `/api/confluence`), so
  // generated clients call `/api/confluence/sources`, not `/sources` at the host root.
  const openApi = new Map<string, unknown>();
  router.get("/openapi.json", async (req, res) => {
    await ctx.authorize(req, "openapi:read");
    const serverUrl = req.baseUrl || "/";
    if (!openApi.has(serverUrl)) openApi.set(serverUrl, buildOpenApiDocument({ serverUrl }));
    sendJson(req, res, openApi.get(serverUrl));
  });
  mountSourceRoutes(router, ctx);
  mountSyncRoutes(router, ctx);
  mountContentRoutes(router, ctx);
  router.use((req) => {
    throw new HttpError(404, "NOT_FOUND", `No route for ${req.method} ${req.path}.`);
  });
  router.use(errorHandler(logger));

  const close = async () => {
    await operations.close();
    await policyFetch.close();
  };
  return Object.assign(router, { operations, close });
}
