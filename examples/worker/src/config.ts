import { randomBytes } from "node:crypto";
import { z } from "zod";

/** The example's environment, validated once; messages name the variable, never its value. */
const envSchema = z.object({
  DATABASE_URL: z
    .string({ error: "DATABASE_URL is required, e.g. postgres://user:password@localhost:5432/app" })
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must start with postgres:// or postgresql://"),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Schema of the queue and worker tables. */
  WORKER_SCHEMA: z.string().default("archon_worker"),
  /** Minutes between incremental syncs of every source. */
  SYNC_EVERY_MINUTES: z.coerce.number().int().min(1).max(10_080).default(15),
  /** Cron expression (UTC) of the nightly full sync. */
  FULL_SYNC_CRON: z.string().default("0 2 * * *"),
  /** Requests per second per Confluence site, shared by all workers. */
  CONFLUENCE_RATE_LIMIT: z.coerce.number().positive().default(10),
  CONFLUENCE_BASE_URL: z.url().optional(),
  CONFLUENCE_EMAIL: z.string().optional(),
  CONFLUENCE_API_TOKEN: z.string().optional(),
  /** Comma-separated space keys to keep in sync. */
  CONFLUENCE_SPACES: z.string().optional(),
  ARCHON_CONFLUENCE_SECRET_KEY: z.string().optional(),
});

export interface ExampleConfig {
  readonly databaseUrl: string;
  readonly concurrency: number;
  readonly schema: string;
  readonly everyMinutes: number;
  readonly fullSyncCron: string;
  readonly rateLimit: number;
  /** A real site, or `null` for the demo (a fake Confluence started in this process). */
  readonly site: { baseUrl: string; email: string; apiToken: string; spaces: string[] } | null;
  /** Base64 AES key the credentials are encrypted with. */
  readonly secretKey: string;
  /** Exit once the first sync of every source has ended, instead of serving schedules until stopped. */
  readonly once: boolean;
}

export function readConfig(env: NodeJS.ProcessEnv, argv: readonly string[]): ExampleConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid environment: ${issues}`);
  }
  const e = parsed.data;
  let site: ExampleConfig["site"] = null;
  if (e.CONFLUENCE_BASE_URL) {
    if (!e.CONFLUENCE_EMAIL || !e.CONFLUENCE_API_TOKEN || !e.CONFLUENCE_SPACES) {
      throw new Error("With CONFLUENCE_BASE_URL, set CONFLUENCE_EMAIL, CONFLUENCE_API_TOKEN and CONFLUENCE_SPACES.");
    }
    if (!e.ARCHON_CONFLUENCE_SECRET_KEY) {
      throw new Error("Set ARCHON_CONFLUENCE_SECRET_KEY (openssl rand -base64 32) to store real credentials.");
    }
    site = {
      baseUrl: e.CONFLUENCE_BASE_URL,
      email: e.CONFLUENCE_EMAIL,
      apiToken: e.CONFLUENCE_API_TOKEN,
      spaces: e.CONFLUENCE_SPACES.split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    };
  }
  return {
    databaseUrl: e.DATABASE_URL,
    concurrency: e.WORKER_CONCURRENCY,
    schema: e.WORKER_SCHEMA,
    everyMinutes: e.SYNC_EVERY_MINUTES,
    fullSyncCron: e.FULL_SYNC_CRON,
    rateLimit: e.CONFLUENCE_RATE_LIMIT,
    site,
    // The demo's fake credentials are re-stored on every start, so a throw-away key is enough for them.
    secretKey: e.ARCHON_CONFLUENCE_SECRET_KEY ?? randomBytes(32).toString("base64"),
    once: argv.includes("--once"),
  };
}
