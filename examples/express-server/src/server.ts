/**
 * `npm start`: the Confluence SDK behind an Express API at /api/confluence, on embedded defaults unless the
 * environment says otherwise (see README.md). Serves the React example app when it was built.
 */
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { createConfluenceRouter } from "@archon/confluence-express";
import express from "express";
import { type AppConfig, apiHosts, exampleDir, loadConfig } from "./config.js";
import { createConsoleLogger } from "./logger.js";
import { type Runtime, startRuntime } from "./runtime.js";
import { bearerTokenAuthorizer } from "./token-auth.js";

export interface RunningServer {
  readonly url: string;
  readonly runtime: Runtime;
  close(): Promise<void>;
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
    const router = createConfluenceRouter({
      store: runtime.store,
      credentials: runtime.credentials,
      embedder: runtime.embedder,
      createSource: runtime.createSource,
      progressReader: runtime.progress,
      sync: { sinks: [runtime.progress], logger },
      urlPolicy: runtime.urlPolicy,
      ...apiHostsOption(config),
      logger,
      ...(config.API_TOKEN ? { authorize: bearerTokenAuthorizer(config.API_TOKEN) } : { allowUnauthenticated: true }),
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
    const appDir = config.WEB_APP_DIR ?? join(exampleDir, "..", "react-app", "dist");
    if (existsSync(join(appDir, "index.html"))) {
      // Built assets have content hashes in their names; the shell must be revalidated.
      app.use(express.static(appDir, { index: false, maxAge: "1h" }));
      // Client-side routes fall back to the app shell.
      app.get(/^\/(?!api\/).*/, (_req, res) => {
        res.setHeader("Cache-Control", "no-cache");
        res.sendFile(join(appDir, "index.html"));
      });
      runtime.notes.push(`web app: serving ${appDir}`);
    } else {
      runtime.notes.push(
        `web app: none in ${appDir} (run npm run build -w @archon/example-react-app to serve it here)`,
      );
    }

    const server = await new Promise<Server>((resolve, reject) => {
      const listening = app.listen(config.PORT, config.HOST, () => resolve(listening));
      listening.once("error", reject);
    });
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
