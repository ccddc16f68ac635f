import {
  ConfluenceSyncError,
  type Embedder,
  type KnowledgeStore,
  type Logger,
  type ProgressReader,
  type SourceRecord,
  type SyncMode,
} from "@archon/confluence-core";
import { z } from "zod/v4";

/**
 * What a tool call wants to do, named as the Express adapter's `ConfluenceAction`s so one `authorize` hook serves
 * both: `search`, `page:read`, `pages:list`, `sources:list`, `source:read` (sync status) and `sync:start`.
 */
export type McpAction = "search" | "page:read" | "pages:list" | "sources:list" | "source:read" | "sync:start";

/** What the call is about; only the ids the tool knows are set. */
export interface McpResource {
  readonly sourceId?: string;
  readonly pageId?: string;
}

/** Answers whether the caller of this connection may do `action` on `resource`. */
export type AccessCheck = (action: McpAction, resource: McpResource) => boolean | Promise<boolean>;

/** Starts a sync in the background and returns at once with its operation id (the router's `operations.start`). */
export type StartSync = (
  source: SourceRecord,
  mode: SyncMode,
) => { readonly operationId: string } | Promise<{ readonly operationId: string }>;

export interface ConfluenceMcpOptions {
  /** Where the synced pages are. */
  readonly store: KnowledgeStore;
  /** Embeds queries for `hybrid` and `vector` search; must be the embedder the syncs use. */
  readonly embedder: Embedder;
  /** Live progress of running syncs for `sync_status`, e.g. `PgProgressSink`. */
  readonly progressReader?: ProgressReader;
  /**
   * Registers the `start_sync` tool, which calls this. Without it assistants can read but never start a sync.
   * @default undefined (no `start_sync` tool)
   */
  readonly startSync?: StartSync;
  /** Longest part `read_confluence_page` returns, in characters; longer pages are paged by section. @default 24000 */
  readonly pagePartChars?: number;
  /** Most pages per source that `resources/list` announces (any page can still be read by URI). @default 100 */
  readonly resourceListLimit?: number;
  /** Name and version the server reports to clients. @default `{ name: "archon-confluence", version: "0.1.0" }` */
  readonly serverInfo?: { readonly name: string; readonly version: string };
  /** pino-compatible; silent by default. Never receives a secret. */
  readonly logger?: Logger;
}

const port = <T>(name: string, method: string) =>
  z.custom<T>(
    (value) => typeof (value as Record<string, unknown> | null)?.[method] === "function",
    `${name} must implement ${method}()`,
  );

export const mcpOptionsSchema = z.object({
  store: port<KnowledgeStore>("store", "search"),
  embedder: port<Embedder>("embedder", "embed"),
  progressReader: port<ProgressReader>("progressReader", "getProgress").optional(),
  startSync: z.custom<StartSync>((value) => typeof value === "function", "startSync must be a function").optional(),
  pagePartChars: z.number().int().min(1000).max(1_000_000).default(24_000),
  resourceListLimit: z.number().int().min(0).max(10_000).default(100),
  serverInfo: z
    .object({ name: z.string().min(1), version: z.string().min(1) })
    .default({ name: "archon-confluence", version: "0.1.0" }),
  logger: port<Logger>("logger", "error").optional(),
});

export type ResolvedMcpOptions = z.output<typeof mcpOptionsSchema>;

/** Validates options once; a `CONFIG_INVALID` error naming each bad field. */
export function resolveMcpOptions(options: ConfluenceMcpOptions, caller: string): ResolvedMcpOptions {
  const result = mcpOptionsSchema.safeParse(options);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "options"}: ${issue.message}`);
    throw new ConfluenceSyncError("CONFIG_INVALID", `Invalid ${caller} options: ${problems.join("; ")}`);
  }
  return result.data;
}
