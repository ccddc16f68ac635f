import { z } from "zod";
import { ConfluenceSyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { ConfluenceFetch } from "./transport.js";

/** Cloud (`*.atlassian.net`, API v2 + v1 under `/wiki`) or Data Center / Server (API v1 under `/rest/api`). */
export type ConfluenceDeployment = "cloud" | "datacenter";

const credentialsSchema = z.discriminatedUnion(
  "type",
  [
    z.object({
      type: z.literal("basic"),
      email: z.string().trim().min(1, "credentials.email is required for basic auth"),
      apiToken: z.string().min(1, "credentials.apiToken is required for basic auth"),
    }),
    z.object({
      type: z.literal("bearer"),
      token: z.string().min(1, "credentials.token is required for bearer auth"),
    }),
  ],
  { error: 'credentials.type must be "basic" (email + apiToken) or "bearer" (token)' },
);

const baseUrlSchema = z
  .string({ error: "baseUrl is required, e.g. https://acme.atlassian.net" })
  .trim()
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "baseUrl must be an absolute http(s) URL" });
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      ctx.addIssue({ code: "custom", message: "baseUrl must use http or https" });
    }
    if (url.username !== "" || url.password !== "") {
      ctx.addIssue({ code: "custom", message: "baseUrl must not embed credentials; pass them in credentials" });
    }
    if (url.search !== "" || url.hash !== "") {
      ctx.addIssue({ code: "custom", message: "baseUrl must not carry a query or a fragment" });
    }
  });

const isLogger = (value: unknown): value is Logger =>
  typeof value === "object" &&
  value !== null &&
  ["debug", "info", "warn", "error"].every((level) => typeof (value as Record<string, unknown>)[level] === "function");

const isTimeZone = (value: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
};

/** Options of {@link createConfluenceSource}; validated once, at construction. */
export const confluenceSourceConfigSchema = z.object({
  /** Site URL without credentials: `https://acme.atlassian.net` or `https://confluence.example.com/context`. */
  baseUrl: baseUrlSchema,
  /**
   * Where people open the site, when `baseUrl` is not it: required with the OAuth 2.0 gateway
   * (`baseUrl: https://api.atlassian.com/ex/confluence/{cloudId}`, `siteUrl: https://acme.atlassian.net`). Links in
   * converted pages are built on it (`/wiki` included on Cloud). @default baseUrl
   */
  siteUrl: baseUrlSchema.optional(),
  /** @default "cloud" for `*.atlassian.net` hosts; required for any other host */
  deployment: z.enum(["cloud", "datacenter"], { error: 'deployment must be "cloud" or "datacenter"' }).optional(),
  /**
   * Cloud: email + API token (basic) or an OAuth access token (bearer). Data Center: a personal access token (bearer),
   * or basic auth with the user name in `email` and the password in `apiToken`.
   */
  credentials: credentialsSchema,
  /** Attempts per request, the first included, before a transient failure becomes an error. @default 5 */
  maxAttempts: z
    .number({ error: "maxAttempts must be a number" })
    .int("maxAttempts must be an integer")
    .min(1, "maxAttempts must be at least 1")
    .max(20, "maxAttempts must be at most 20")
    .default(5),
  /** Longest single wait: a larger `Retry-After` (some sites send 9223372036854775807) is clamped to it. @default 60000 */
  maxRetryAfterMs: z
    .number({ error: "maxRetryAfterMs must be a number" })
    .int("maxRetryAfterMs must be an integer")
    .min(0, "maxRetryAfterMs must not be negative")
    .max(3_600_000, "maxRetryAfterMs must be at most one hour")
    .default(60_000),
  /** First backoff delay; doubles every attempt (1 s, 2 s, 4 s, ...), with jitter. @default 1000 */
  baseDelayMs: z
    .number({ error: "baseDelayMs must be a number" })
    .int("baseDelayMs must be an integer")
    .min(0, "baseDelayMs must not be negative")
    .max(600_000, "baseDelayMs must be at most 10 minutes")
    .default(1000),
  /**
   * Minutes one request keeps waiting out 429s after `maxAttempts` are spent (Cloud rate-limits for minutes, often
   * without `Retry-After`): waits grow to `maxRetryAfterMs`, every request of the source pauses with it, and each wait
   * is a `rate-limited` event. 0 fails after `maxAttempts`. @default 10
   */
  rateLimitBudgetMinutes: z
    .number({ error: "rateLimitBudgetMinutes must be a number" })
    .min(0, "rateLimitBudgetMinutes must not be negative")
    .max(1440, "rateLimitBudgetMinutes must be at most one day")
    .default(10),
  /**
   * Most requests of this source in flight at once, across all its calls. With `adaptiveConcurrency`, a 429 halves
   * the current limit and runs of successes raise it again by one (AIMD), up to this value. @default 8
   */
  maxConcurrentRequests: z
    .number({ error: "maxConcurrentRequests must be a number" })
    .int("maxConcurrentRequests must be an integer")
    .min(1, "maxConcurrentRequests must be at least 1")
    .max(64, "maxConcurrentRequests must be at most 64")
    .default(8),
  /** Lower the in-flight limit while the site answers 429, and raise it back slowly once it recovers. @default true */
  adaptiveConcurrency: z.boolean({ error: "adaptiveConcurrency must be true or false" }).default(true),
  /** Time limit of one HTTP request, body included; a timeout is retried like a reset. @default 60000 */
  timeoutMs: z
    .number({ error: "timeoutMs must be a number" })
    .int("timeoutMs must be an integer")
    .min(1, "timeoutMs must be positive")
    .max(600_000, "timeoutMs must be at most 10 minutes")
    .default(60_000),
  /**
   * Results requested per listing call; Cloud's v2 listings are asked for at most 250, their documented maximum.
   * Servers may clamp it lower, which is handled. @default 250
   */
  pageSize: z
    .number({ error: "pageSize must be a number" })
    .int("pageSize must be an integer")
    .min(1, "pageSize must be at least 1")
    .max(1000, "pageSize must be at most 1000")
    .default(250),
  /** Minutes subtracted from `since` in CQL queries, for clock skew and search-index lag. @default 5 */
  cqlOverlapMinutes: z
    .number({ error: "cqlOverlapMinutes must be a number" })
    .int("cqlOverlapMinutes must be an integer")
    .min(0, "cqlOverlapMinutes must not be negative")
    .max(1440, "cqlOverlapMinutes must be at most one day")
    .default(5),
  /**
   * IANA time zone of the Confluence user the credentials belong to; CQL reads dates in it. When absent, Cloud's is
   * read from the user's profile once; Data Center reports none. When the zone is unknown, queries are widened by 12
   * hours so nothing is missed. Set it for Data Center: the user's profile zone, by default the server's.
   */
  timeZone: z
    .string({ error: "timeZone must be a string" })
    .refine(isTimeZone, "timeZone must be an IANA time zone such as Europe/Berlin")
    .optional(),
  /** pino-compatible logger. @default silent */
  logger: z.custom<Logger>(isLogger, "logger must have debug, info, warn and error methods").optional(),
  /**
   * The `fetch` every request goes through, e.g. one that connects only to addresses a URL policy checked.
   * @default the global `fetch`
   */
  fetch: z.custom<ConfluenceFetch>((value) => typeof value === "function", "fetch must be a function").optional(),
});

/** What callers write. */
export type ConfluenceSourceConfig = z.input<typeof confluenceSourceConfigSchema>;

/** The validated configuration the source reads. */
export interface ResolvedSourceConfig extends Omit<z.output<typeof confluenceSourceConfigSchema>, "deployment"> {
  readonly deployment: ConfluenceDeployment;
  /** Base of web links: `https://acme.atlassian.net/wiki` on Cloud, the context path URL on Data Center. */
  readonly webBaseUrl: string;
}

/** Formats zod issues as `field: message` lines without echoing any input value (it may be a secret). */
export function formatConfigIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      return path === "" || issue.message.startsWith(path) ? issue.message : `${path}: ${issue.message}`;
    })
    .join("; ");
}

const isAtlassianCloudHost = (host: string) =>
  host.endsWith(".atlassian.net") || host.endsWith(".jira.com") || host === "api.atlassian.com";

/**
 * Validates the configuration and normalizes the base URL (no trailing slash; a Cloud URL loses a trailing `/wiki`,
 * since the API paths carry it). Throws `CONFIG_INVALID` naming every wrong field.
 */
export function resolveSourceConfig(input: ConfluenceSourceConfig): ResolvedSourceConfig {
  const parsed = confluenceSourceConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      `Invalid Confluence source config: ${formatConfigIssues(parsed.error)}`,
    );
  }
  const url = new URL(parsed.data.baseUrl);
  const deployment = parsed.data.deployment ?? (isAtlassianCloudHost(url.hostname) ? "cloud" : undefined);
  if (deployment === undefined) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      `Invalid Confluence source config: deployment is required for ${url.origin} (not an atlassian.net site): set "cloud" or "datacenter"`,
    );
  }
  let path = url.pathname.replace(/\/+$/, "");
  if (deployment === "cloud") path = path.replace(/\/wiki$/, "");
  const baseUrl = `${url.origin}${path}`;
  if (url.hostname === "api.atlassian.com" && parsed.data.siteUrl === undefined) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      "Invalid Confluence source config: siteUrl is required with the OAuth gateway api.atlassian.com, e.g. https://acme.atlassian.net, so that links point at the site",
    );
  }
  const site = new URL(parsed.data.siteUrl ?? baseUrl);
  let sitePath = site.pathname.replace(/\/+$/, "");
  if (deployment === "cloud") sitePath = sitePath.replace(/\/wiki$/, "");
  const webBaseUrl = `${site.origin}${sitePath}${deployment === "cloud" ? "/wiki" : ""}`;
  return { ...parsed.data, deployment, baseUrl, webBaseUrl };
}
