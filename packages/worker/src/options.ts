import {
  type ConfluenceSource,
  type ConfluenceSourceConfig,
  ConfluenceSyncError,
  type ConfluenceSyncOptions,
  type CredentialStore,
  type Embedder,
  type KnowledgeStore,
  type Logger,
  type ProgressSink,
  type SyncErrorCode,
  type SyncTuningInput,
} from "@archon/confluence-core";
import { z } from "zod";

/** Builds a Confluence source from a stored source's site and credentials. */
export type SourceFactory = (config: ConfluenceSourceConfig) => ConfluenceSource;

/** Codes that retrying cannot fix: a sync failing with one of them fails its source at once. */
export const FAIL_FAST_CODES: readonly SyncErrorCode[] = [
  "SOURCE_AUTH",
  "SOURCE_NOT_FOUND",
  "CONFIG_INVALID",
  "EMBED_DIMENSION_MISMATCH",
];

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const QUEUE_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** Where the queue lives and how its jobs are retried; shared by {@link createSyncQueue} and the worker. */
export const syncQueueOptionsSchema = z.object({
  /** `postgres://user:password@host:5432/db`: the database pg-boss and the worker tables live in. */
  connectionString: z
    .string({ error: "connectionString is required, e.g. postgres://user:password@localhost:5432/app" })
    .regex(/^postgres(ql)?:\/\//, "connectionString must start with postgres:// or postgresql://"),
  /** Schema of pg-boss's tables and the worker's own (status, runs, rate buckets). @default "archon_worker" */
  schema: z.string().regex(SCHEMA_NAME, "schema must be a lower-case SQL identifier").default("archon_worker"),
  /** pg-boss queue of the sync jobs. @default "archon-confluence-sync" */
  queueName: z.string().regex(QUEUE_NAME, "queueName: letters, digits, _ . - only").default("archon-confluence-sync"),
  /**
   * Lease of a running sync: the worker renews it every half lease; when a worker dies, its job is retried by
   * another worker once the lease ran out (plus up to one supervision interval). pg-boss allows 10 or more.
   * @default 60
   */
  leaseSeconds: z
    .number()
    .int("leaseSeconds must be an integer")
    .min(10, "leaseSeconds must be at least 10")
    .default(60),
  /** Longest a single sync attempt may run before it is failed and retried. @default 21600 (6 hours) */
  maxRunSeconds: z
    .number()
    .int("maxRunSeconds must be an integer")
    .min(10, "maxRunSeconds must be at least 10")
    .default(21_600),
  /** Retries of a failing sync (transient errors only), with exponential backoff. */
  retry: z
    .object({
      /** Retries after the first attempt; then the source is marked failed. @default 5 */
      limit: z
        .number()
        .int("retry.limit must be an integer")
        .min(0)
        .max(100, "retry.limit must be at most 100")
        .default(5),
      /** First delay; doubles every retry, with jitter. @default 30 */
      delaySeconds: z.number().int("retry.delaySeconds must be an integer").min(0).default(30),
      /** Longest delay. @default 3600 */
      maxDelaySeconds: z.number().int("retry.maxDelaySeconds must be an integer").min(1).default(3600),
    })
    .prefault({}),
  /** Connections of this client's pool. @default 4 */
  poolSize: z.number().int("poolSize must be an integer").min(2, "poolSize must be at least 2").max(100).default(4),
});

export type SyncQueueOptionsInput = z.input<typeof syncQueueOptionsSchema>;
export type SyncQueueOptions = z.output<typeof syncQueueOptionsSchema>;

const isObject = (value: unknown) => typeof value === "object" && value !== null;
const hasMethods =
  (...methods: string[]) =>
  (value: unknown) =>
    isObject(value) && methods.every((m) => typeof (value as Record<string, unknown>)[m] === "function");

/** Options of {@link startSyncWorker}: the queue's, the worker's own, and the collaborators every sync uses. */
export const syncWorkerOptionsSchema = syncQueueOptionsSchema.extend({
  /** Shown in statuses and run history. @default `<hostname>:<pid>` */
  workerId: z
    .string()
    .min(1, "workerId must not be empty")
    .max(200, "workerId must be at most 200 characters")
    .optional(),
  /** Syncs this worker runs at the same time (each of a different source). @default 2 */
  concurrency: z
    .number()
    .int("concurrency must be an integer")
    .min(1, "concurrency must be at least 1")
    .max(64)
    .default(2),
  /** How often an idle worker looks for jobs. @default 2 */
  pollingIntervalSeconds: z.number().min(0.5, "pollingIntervalSeconds must be at least 0.5").default(2),
  /** How often this worker looks for jobs whose lease expired. @default 30 */
  superviseIntervalSeconds: z.number().int().min(1, "superviseIntervalSeconds must be at least 1").default(30),
  /**
   * Requests per second all workers together send to one Confluence site (keyed by host), through a token bucket
   * in PostgreSQL; `false` turns it off. Requests the site still answers with 429 wait for `Retry-After`.
   */
  rateLimit: z
    .union([
      z.literal(false),
      z.object({
        /** Sustained rate per site. @default 10 */
        requestsPerSecond: z.number().positive("rateLimit.requestsPerSecond must be positive").default(10),
        /** Requests allowed in a burst. @default 20 */
        burst: z.number().int().min(1, "rateLimit.burst must be at least 1").default(20),
      }),
    ])
    .prefault({}),
  /** Codes that fail a source without retrying. @default {@link FAIL_FAST_CODES} */
  failFastCodes: z.array(z.string()).default([...FAIL_FAST_CODES]),
  /** How long {@link SyncWorker.stop} waits for aborted syncs to checkpoint. @default 30000 */
  shutdownTimeoutMs: z.number().int().min(1000, "shutdownTimeoutMs must be at least 1000").default(30_000),
  store: z.custom<KnowledgeStore>(hasMethods("getSource", "writePage"), "store must be a KnowledgeStore"),
  credentials: z.custom<CredentialStore>(hasMethods("get", "put"), "credentials must be a CredentialStore"),
  embedder: z.custom<Embedder>(hasMethods("embed"), "embedder must be an Embedder"),
  /** @default `createConfluenceSource` of `@archon/confluence-core` */
  createSource: z.custom<SourceFactory>((v) => typeof v === "function", "createSource must be a function").optional(),
  /** Extra sinks every sync reports to, e.g. a `PgProgressSink` so any process can read progress. */
  sinks: z.array(z.custom<ProgressSink>(hasMethods("handle"), "sinks must be ProgressSinks")).default([]),
  /**
   * Engine tuning (page concurrency, batch sizes) for every sync, and the content defaults (`content`,
   * `attachmentExtractor`) for sources that say nothing of their own.
   */
  sync: z
    .custom<SyncTuningInput & Pick<ConfluenceSyncOptions, "content" | "attachmentExtractor">>(
      isObject,
      "sync must be an object of engine tuning options",
    )
    .default({}),
  /** pino-compatible. @default silent */
  logger: z
    .custom<Logger>(hasMethods("debug", "info", "warn", "error"), "logger needs debug/info/warn/error")
    .optional(),
});

export type SyncWorkerOptionsInput = z.input<typeof syncWorkerOptionsSchema>;
export type SyncWorkerOptions = z.output<typeof syncWorkerOptionsSchema>;

/** Parses with a zod schema; a failure is `CONFIG_INVALID` naming every bad field, never echoing a value. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      return path === "" || issue.message.startsWith(path) ? issue.message : `${path}: ${issue.message}`;
    })
    .join("; ");
  throw new ConfluenceSyncError("CONFIG_INVALID", `Invalid ${what}: ${issues}`);
}
