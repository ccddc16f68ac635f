/**
 * `npm start`: the Confluence SDK behind an Express API at /api/confluence, on embedded defaults unless the
 * environment says otherwise (see README.md). Serves the React example app when it was built.
 */
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { createConfluenceRouter } from "@archon/confluence-express";
import { confluenceMcp } from "@archon/confluence-mcp";
import express from "express";
import { type AppConfig, apiHosts, ConfigError, loadConfig } from "./config.js";
import { createConsoleLogger } from "./logger.js";
import { syncStarter } from "./mcp-command.js";
import { type Runtime, startRuntime } from "./runtime.js";
import { bearerTokenAuthorizer } from "./token-auth.js";
import { mountWebApp, reactAppDir } from "./web-app.js";

export interface RunningServer {
  readonly url: string;
  readonly runtime: Runtime;
  close(): Promise<void>;
}

/**
 * Listens on `port`; rejects when it cannot (a port in use, an address not on this machine) with a message that says
 * which variable to change. `app.listen` is not used: Express 5 calls its callback on errors too.
 */
export async function listen(app: express.Express, port: number, host: string): Promise<Server> {
  const server = createServer(app);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      throw new ConfigError([
        `PORT: ${host}:${port} is already in use by another process (another npm start?). Stop it, or set PORT ` +
          "to a free port (PORT=0 picks one).",
      ]);
    }
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
      throw new ConfigError([`HOST: ${host} is not an address of this machine.`]);
    }
    if (code === "EACCES") throw new ConfigError([`PORT: ${port} needs privileges; use a port above 1023.`]);
    throw error;
  }
  return server;
}

/** Starts the server; resolves once it listens. */
export async function startServer(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<RunningServer> {
  const config = loadConfig(env);
  const logger = createConsoleLogger("warn");
  const runtime = await startRuntime(config, logger);
  try {
    if (runtime.defaultSpaceKey) {
      const source = await runtime.ensureSource(runtime.defaultSpaceKey);
      runtime.notes.push(`source: "${source.sourceId}" = space ${source.spaceKey} (${source.name})`);
    }
    const auth = config.API_TOKEN
      ? { authorize: bearerTokenAuthorizer(config.API_TOKEN) }
      : { allowUnauthenticated: true as const };
    const router = createConfluenceRouter({
      store: runtime.store,
      credentials: runtime.credentials,
      embedder: runtime.embedder,
      createSource: runtime.createSource,
      progressReader: runtime.progress,
      sync: { sinks: [runtime.progress], logger, ...(runtime.resolveUser ? { resolveUser: runtime.resolveUser } : {}) },
      urlPolicy: runtime.urlPolicy,
      ...apiHostsOption(config),
      logger,
      ...auth,
    });
    // The same store, embedder and authorize hook for AI assistants, over MCP's Streamable HTTP.
    const mcp = confluenceMcp({
      store: runtime.store,
      embedder: runtime.embedder,
      progressReader: runtime.progress,
      logger,
      ...(config.MCP_ALLOW_SYNC ? { startSync: syncStarter(router.operations, runtime.urlPolicy) } : {}),
      ...auth,
    });
    runtime.notes.push(
      config.API_TOKEN
        ? "auth: API requests need Authorization: Bearer $API_TOKEN"
        : `auth: none (default for a local demo; set API_TOKEN before exposing ${config.HOST} beyond this machine)`,
    );

    const app = express();
    app.disable("x-powered-by");
    app.get("/healthz", (_req, res) => {
      res.json({ ok: true });
    });
    app.use("/api/confluence", router);
    app.use("/mcp", mcp);
    runtime.notes.push(`mcp: Streamable HTTP at /mcp${config.MCP_ALLOW_SYNC ? " (start_sync enabled)" : ""}`);
    const buildWebApp = mountWebApp(app, {
      appDir: config.WEB_APP_DIR ?? join(reactAppDir, "dist"),
      build: config.WEB_APP_DIR === undefined,
      notes: runtime.notes,
      onBuilt: (line) => process.stdout.write(`  ${line}\n`),
    });

    const server = await listen(app, config.PORT, config.HOST);
    buildWebApp();
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.PORT;
    const host = config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
    const url = `http://${host}:${port}`;
    let closing: Promise<void> | undefined;
    return {
      url,
      runtime,
      close: () => {
        closing ??= (async () => {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await router.close();
          await mcp.close();
          await runtime.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await runtime.close().catch(() => {});
    throw error;
  }
}

/** Which `Host` headers the API answers to: a DNS-rebinding page's own name is refused. */
function apiHostsOption(config: AppConfig): { allowedHosts?: string[] } {
  const hosts = apiHosts(config);
  return hosts ? { allowedHosts: hosts } : {};
}
