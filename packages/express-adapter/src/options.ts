import {
  type ConfluenceCredentials,
  type ConfluenceFetch,
  type ConfluenceSource,
  ConfluenceSyncError,
  type CredentialStore,
  type Embedder,
  type KnowledgeStore,
  type Logger,
  type ProgressReader,
  type SearchPrincipal,
} from "@archon/confluence-core";
import type { Request } from "express";
import { z } from "zod";
import type { SyncRunner } from "./operations.js";
import type { SyncRunnerOptions } from "./sync-runner.js";
import type { UrlPolicy } from "./url-policy.js";

/** What a request wants to do; passed to {@link ConfluenceRouterOptions.authorize}. */
export type ConfluenceAction =
  | "sources:list"
  | "source:create"
  | "source:read"
  | "source:update"
  | "source:delete"
  | "sync:start"
  | "sync:cancel"
  | "progress:read"
  | "pages:list"
  | "page:read"
  | "search"
  | "openapi:read";

/** What the request is about; only the ids the route knows are set. */
export interface ConfluenceResource {
  readonly sourceId?: string;
  readonly operationId?: string;
  readonly pageId?: string;
}

/**
 * Decides whether the request may do `action` on `resource`. Return `false` for `403 FORBIDDEN`; throw an
 * `HttpError(401, "UNAUTHORIZED", ...)` to ask for credentials.
 */
export type AuthorizeHook = (
  req: Request,
  action: ConfluenceAction,
  resource: ConfluenceResource,
) => boolean | Promise<boolean>;

/**
 * Who is searching, as Confluence knows them: the router passes it to `store.search`, which returns only chunks of
 * pages that principal may read. Return `null`/`undefined` to search unfiltered (refused with `403
 * PERMISSION_REQUIRED` when a source in scope has `enforcePermissions`). Apps typically map their session to an account
 * id and call a `ConfluencePrincipalResolver`.
 */
export type PrincipalHook = (
  req: Request,
) => SearchPrincipal | null | undefined | Promise<SearchPrincipal | null | undefined>;

/** Everything a {@link SourceFactory} gets to build a source. */
export interface SourceConnection {
  readonly baseUrl: string;
  readonly deployment: "cloud" | "datacenter";
  readonly credentials: ConfluenceCredentials;
  /**
   * Set by the router: a `fetch` that connects only to addresses its URL policy allows, checked when each connection
   * is made (so DNS cannot change between check and connect). Pass it on to `createConfluenceSource`.
   */
  readonly fetch?: ConfluenceFetch;
}

/** Builds a Confluence source for a site; the router uses it to check connections and to sync. */
export type SourceFactory = (connection: SourceConnection) => ConfluenceSource;

export interface ConfluenceRouterOptions {
  readonly store: KnowledgeStore;
  /** Where source credentials live; use an encrypting store (e.g. `PgCredentialStore`) outside tests. */
  readonly credentials: CredentialStore;
  /** Embeds search queries; must be the embedder the syncs use. */
  readonly embedder: Embedder;
  /**
   * Builds sources from stored configuration and credentials; used to check connections and, by the default
   * runner, to sync. @default `createConfluenceSource` of `@archon/confluence-core`
   */
  readonly createSource?: SourceFactory;
  /**
   * Runs one sync. Replace it to run syncs elsewhere (a job queue, a worker).
   * @default `createSyncRunner` with this router's store, credentials, embedder, source factory and {@link sync}
   */
  readonly runSync?: SyncRunner;
  /** Engine settings for the default runner: extra sinks, converter, chunker, concurrency, batch sizes. */
  readonly sync?: Omit<SyncRunnerOptions, "store" | "credentials" | "embedder" | "createSource">;
  /** Reports operations this process does not hold in memory (e.g. after a restart), e.g. `PgProgressSink`. */
  readonly progressReader?: ProgressReader;
  /**
   * Called before every route does anything. Required unless {@link allowUnauthenticated} is set; without
   * either, every request gets `403 AUTHORIZATION_NOT_CONFIGURED`.
   */
  readonly authorize?: AuthorizeHook;
  /** The searching user's principal, for permission-aware search. @default none: searches are unfiltered */
  readonly principal?: PrincipalHook;
  /**
   * Serve every request without asking anyone. Only for local demos on a trusted machine. @default false
   */
  readonly allowUnauthenticated?: boolean;
  /** Guard applied to the base URL of new sources and before every sync. @default https only, public hosts only */
  readonly urlPolicy?: UrlPolicy;
  /** Largest accepted JSON body, in bytes or as `"100kb"`. @default "64kb" */
  readonly bodyLimit?: number | string;
  /**
   * Host names (no port) the API answers to; any other `Host` header gets `421 HOST_NOT_ALLOWED`, which stops DNS
   * rebinding. Set it whenever the API runs without authentication. @default any host
   */
  readonly allowedHosts?: readonly string[];
  /**
   * Origins besides the API's own that may send state-changing requests (a UI on another host). Any other `Origin`
   * gets `403 ORIGIN_NOT_ALLOWED`. @default none
   */
  readonly allowedOrigins?: readonly string[];
  /** How long a connection check may take when a source is created or its credentials change. @default 15000 */
  readonly connectTimeoutMs?: number;
  /** Interval of SSE keep-alive comments. @default 15000 */
  readonly heartbeatMs?: number;
  /** Finished operations kept in memory for `GET /progress/:operationId`. @default 200 */
  readonly maxOperationHistory?: number;
  /** pino-compatible; silent by default. Never receives a secret. */
  readonly logger?: Logger;
}

const port = <T>(name: string, method: string) =>
  z.custom<T>(
    (value) => typeof (value as Record<string, unknown> | null)?.[method] === "function",
    `${name} must implement ${method}()`,
  );

const optionsSchema = z.object({
  store: port<KnowledgeStore>("store", "search"),
  credentials: port<CredentialStore>("credentials", "put"),
  embedder: port<Embedder>("embedder", "embed"),
  createSource: z
    .custom<SourceFactory>((value) => typeof value === "function", "createSource must be a function")
    .optional(),
  runSync: z.custom<SyncRunner>((value) => typeof value === "function", "runSync must be a function").optional(),
  sync: z
    .custom<NonNullable<ConfluenceRouterOptions["sync"]>>(
      (value) => typeof value === "object" && value !== null,
      "sync must be an object",
    )
    .optional(),
  progressReader: port<ProgressReader>("progressReader", "getProgress").optional(),
  authorize: z.custom<AuthorizeHook>((value) => typeof value === "function", "authorize must be a function").optional(),
  principal: z.custom<PrincipalHook>((value) => typeof value === "function", "principal must be a function").optional(),
  allowUnauthenticated: z.boolean().default(false),
  urlPolicy: z
    .object({
      allowHttp: z.boolean().optional(),
      allowPrivateNetworks: z.boolean().optional(),
      allowedHosts: z.array(z.string().min(1)).optional(),
      allowedOrigins: z.array(z.string().min(1)).optional(),
      trustedOrigins: z.array(z.string().min(1)).optional(),
      lookup: z.custom<UrlPolicy["lookup"]>((value) => typeof value === "function").optional(),
    })
    .strict()
    .default({}),
  bodyLimit: z.union([z.number().int().positive(), z.string().regex(/^\d+(b|kb|mb)?$/i)]).default("64kb"),
  allowedHosts: z.array(z.string().min(1)).optional(),
  allowedOrigins: z.array(z.string().min(1)).optional(),
  connectTimeoutMs: z.number().int().min(100).max(300_000).default(15_000),
  heartbeatMs: z.number().int().min(10).max(600_000).default(15_000),
  maxOperationHistory: z.number().int().min(1).max(100_000).default(200),
  logger: port<Logger>("logger", "error").optional(),
});

export type ResolvedRouterOptions = z.output<typeof optionsSchema>;

/** Validates router options once; a `CONFIG_INVALID` error naming each bad field. */
export function resolveRouterOptions(options: ConfluenceRouterOptions): ResolvedRouterOptions {
  const result = optionsSchema.safeParse(options);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "options"}: ${issue.message}`);
    throw new ConfluenceSyncError("CONFIG_INVALID", `Invalid createConfluenceRouter options: ${problems.join("; ")}`);
  }
  return result.data;
}
