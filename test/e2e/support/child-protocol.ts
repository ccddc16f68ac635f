/** What the parent hands to `sync-child.ts` and what it prints back. */
import type { ConfluenceCredentials, ConfluenceSourceConfig, SyncMetrics } from "@archon/confluence-core";

export interface ChildSyncConfig {
  readonly baseUrl: string;
  readonly deployment: "cloud" | "datacenter";
  readonly credentials: ConfluenceCredentials;
  readonly sourceId: string;
  readonly mode: "full" | "incremental";
  readonly store:
    | { readonly kind: "pg"; readonly url: string; readonly schema: string }
    | { readonly kind: "pglite"; readonly dataDir: string; readonly inProcess?: boolean };
  /** Print `indexed <n>` after every indexed page. @default false */
  readonly progress?: boolean;
  /** Record progress in `archon_progress` through a PgProgressSink (PostgreSQL stores only). */
  readonly progressSink?: boolean;
  readonly concurrency?: number;
  /** @default 384 */
  readonly dimensions?: number;
  /** Embed through an OpenAI-compatible server (e.g. FakeOpenAIServer) instead of the in-process hashing embedder. */
  readonly openai?: { readonly baseURL: string };
  /** Retry and paging settings of the source. */
  readonly sourceOptions?: Pick<ConfluenceSourceConfig, "baseDelayMs" | "maxRetryAfterMs" | "maxAttempts" | "pageSize">;
}

export interface ChildSyncResult {
  readonly metrics: SyncMetrics;
  readonly wallMs: number;
  /** Peak resident set size of the child process. */
  readonly maxRssBytes: number;
}
