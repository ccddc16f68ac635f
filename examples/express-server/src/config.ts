/**
 * Environment configuration shared by the server and the command line. Every variable is optional: without any,
 * everything runs embedded (PGlite, a fake Confluence with a demo space, the hashing embedder).
 */
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** The example's own directory; the default data directory lives in it. */
export const exampleDir = fileURLToPath(new URL("..", import.meta.url));

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .optional()
  .transform((value) => value === "true" || value === "1" || value === "yes");

export const envSchema = z
  .object({
    PORT: z.coerce
      .number({ error: "must be a port number (0-65535)" })
      .int()
      .min(0, "must be 0-65535")
      .max(65_535, "must be 0-65535")
      .default(3000),
    HOST: z.string().trim().min(1).default("127.0.0.1"),
    DATA_DIR: optionalString,
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
        .optional(),
    ),
    /** Base64 of 32 random bytes; checked by the credential store at start. */
    ARCHON_CONFLUENCE_SECRET_KEY: optionalString,
    /** `id:base64,id:base64` for key rotation, newest first. */
    ARCHON_CONFLUENCE_SECRET_KEYS: optionalString,
    ARCHON_CONFLUENCE_SECRET_KEY_ID: optionalString,
    CONFLUENCE_BASE_URL: optionalString.pipe(
      z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    ),
    CONFLUENCE_DEPLOYMENT: optionalString.pipe(z.enum(["cloud", "datacenter"]).optional()),
    CONFLUENCE_EMAIL: optionalString,
    CONFLUENCE_API_TOKEN: optionalString,
    CONFLUENCE_PAT: optionalString,
    CONFLUENCE_SPACE_KEY: optionalString.pipe(
      z
        .string()
        .regex(/^~?[A-Za-z0-9_-]+$/, "must be a space key such as ENG")
        .optional(),
    ),
    OPENAI_API_KEY: optionalString,
    EMBEDDING_BASE_URL: optionalString.pipe(
      z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    ),
    EMBEDDING_MODEL: optionalString,
    EMBEDDING_DIMENSIONS: optionalString.pipe(
      z.coerce.number<string | undefined>({ error: "must be a number" }).int().min(1).max(16_384).optional(),
    ),
    API_TOKEN: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
    ALLOW_PRIVATE_URLS: booleanFlag,
    /** Adds the `start_sync` tool to the MCP endpoint at /mcp. */
    MCP_ALLOW_SYNC: booleanFlag,
    /** Listen beyond loopback without API_TOKEN: anyone who can reach the port controls the API. */
    ALLOW_UNAUTHENTICATED_REMOTE: booleanFlag,
    /** Extra host names (comma-separated) the API answers to, besides loopback and HOST. */
    ALLOWED_HOSTS: optionalString,
    /** Built web app to serve at `/`. @default examples/react-app/dist */
    WEB_APP_DIR: optionalString,
    FAKE_CONFLUENCE_PAGES: z.coerce
      .number({ error: "must be a number of pages" })
      .int()
      .min(1)
      .max(20_000)
      .default(300),
    FAKE_CONFLUENCE_PORT: z.coerce
      .number({ error: "must be a port number (0-65535)" })
      .int()
      .min(0, "must be 0-65535")
      .max(65_535, "must be 0-65535")
      .default(8090),
  })
  .superRefine((env, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    const confluenceVars = [
      "CONFLUENCE_EMAIL",
      "CONFLUENCE_API_TOKEN",
      "CONFLUENCE_PAT",
      "CONFLUENCE_SPACE_KEY",
    ] as const;
    if (!env.CONFLUENCE_BASE_URL) {
      for (const name of confluenceVars) {
        if (env[name] !== undefined) issue(name, "only applies with CONFLUENCE_BASE_URL; set it or unset this");
      }
      return;
    }
    if (env.CONFLUENCE_PAT && (env.CONFLUENCE_EMAIL || env.CONFLUENCE_API_TOKEN)) {
      issue(
        "CONFLUENCE_PAT",
        "set either CONFLUENCE_PAT (Data Center) or CONFLUENCE_EMAIL + CONFLUENCE_API_TOKEN, not both",
      );
    } else if (!env.CONFLUENCE_PAT) {
      if (!env.CONFLUENCE_EMAIL)
        issue("CONFLUENCE_EMAIL", "is required with CONFLUENCE_BASE_URL (or set CONFLUENCE_PAT)");
      if (!env.CONFLUENCE_API_TOKEN) {
        issue("CONFLUENCE_API_TOKEN", "is required with CONFLUENCE_BASE_URL (or set CONFLUENCE_PAT)");
      }
    }
  })
  .superRefine((env, ctx) => {
    if (!isLoopback(env.HOST) && !env.API_TOKEN && !env.ALLOW_UNAUTHENTICATED_REMOTE) {
      ctx.addIssue({
        code: "custom",
        path: ["HOST"],
        message:
          `${env.HOST} listens beyond this machine, and without API_TOKEN anyone who reaches it controls the API. ` +
          "Set API_TOKEN (at least 16 characters), or ALLOW_UNAUTHENTICATED_REMOTE=1 to accept that",
      });
    }
  })
  .superRefine((env, ctx) => {
    const openAiModel = !env.EMBEDDING_MODEL || env.EMBEDDING_MODEL.startsWith("text-embedding-");
    if ((env.EMBEDDING_MODEL || env.EMBEDDING_DIMENSIONS) && !env.OPENAI_API_KEY && !env.EMBEDDING_BASE_URL) {
      ctx.addIssue({
        code: "custom",
        path: [env.EMBEDDING_MODEL ? "EMBEDDING_MODEL" : "EMBEDDING_DIMENSIONS"],
        message: "only applies with OPENAI_API_KEY or EMBEDDING_BASE_URL",
      });
    }
    if (env.EMBEDDING_BASE_URL && !openAiModel && !env.EMBEDDING_DIMENSIONS) {
      ctx.addIssue({
        code: "custom",
        path: ["EMBEDDING_DIMENSIONS"],
        message: `is required for the non-OpenAI model ${env.EMBEDDING_MODEL}`,
      });
    }
  });

export type AppConfig = z.output<typeof envSchema>;

/** Whether a listen address is only reachable from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Host names the API answers to: loopback, HOST unless it is a wildcard, and ALLOWED_HOSTS; none for a wildcard. */
export function apiHosts(config: Pick<AppConfig, "HOST" | "ALLOWED_HOSTS">): string[] | undefined {
  const extra = (config.ALLOWED_HOSTS ?? "")
    .split(",")
    .map((host) => host.trim())
    .filter(Boolean);
  const wildcard = config.HOST === "0.0.0.0" || config.HOST === "::" || config.HOST === "[::]";
  if (wildcard && extra.length === 0) return undefined;
  return [...new Set(["127.0.0.1", "localhost", "::1", ...(wildcard ? [] : [config.HOST]), ...extra])];
}

/** Configuration is invalid: carries one line per bad variable. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Validates the environment; throws a {@link ConfigError} naming every bad variable (never its value). */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): AppConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`),
    );
  }
  return result.data;
}

/** What to print when starting failed: the configuration problems, or the coded error's message. */
export function startupFailure(error: unknown): string {
  if (error instanceof ConfigError)
    return `${error.message}\nSee examples/express-server/README.md for every variable.`;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return `Could not start${typeof code === "string" ? ` (${code})` : ""}: ${message}`;
}
