/**
 * Serves the React example at `/`. When its build is missing, `npm start` builds it in the background (Vite, a
 * child process) and `/` shows a page that says so and refreshes itself; `/` is never a dead end.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import express, { type Express, type Request, type Response } from "express";
import { exampleDir } from "./config.js";

/** Where the React example lives in the repository. */
export const reactAppDir = join(exampleDir, "..", "react-app");

type WebAppState =
  | { kind: "ready" }
  | { kind: "building" }
  | { kind: "failed"; output: string }
  | { kind: "absent"; reason: string };

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The page `/` shows while the app is not there: what is happening, what to run, and where the API is. */
export function placeholderPage(state: Exclude<WebAppState, { kind: "ready" }>): string {
  const body =
    state.kind === "building"
      ? "<p>The web app is being built (the first start only); this page reloads itself when it is ready.</p>"
      : state.kind === "failed"
        ? `<p>Building the web app failed. Run <code>npm run build -w @archon/example-react-app</code> to see why, then restart.</p><pre>${escapeHtml(state.output.slice(-4000))}</pre>`
        : `<p>${escapeHtml(state.reason)}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${state.kind === "building" ? '<meta http-equiv="refresh" content="3">' : ""}
<title>Archon Confluence</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
pre{background:#f6f8fa;padding:1rem;overflow:auto;font-size:13px}code{background:#f6f8fa;padding:0 .25rem}</style>
</head><body><h1>Archon Confluence</h1>${body}
<p>The API is at <a href="/api/confluence/sources">/api/confluence</a>
(OpenAPI document: <a href="/api/confluence/openapi.json">/api/confluence/openapi.json</a>).</p>
</body></html>`;
}

/** Runs `vite build` for the React example; resolves with its exit code and output. */
export function buildReactApp(): Promise<{ code: number | null; output: string }> {
  const vite = join(
    dirname(createRequire(join(reactAppDir, "package.json")).resolve("vite/package.json")),
    "bin",
    "vite.js",
  );
  const child = spawn(process.execPath, [vite, "build", "--logLevel", "warn"], {
    cwd: reactAppDir,
    env: { ...process.env, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  return new Promise((resolve) => {
    child.once("error", (error) => resolve({ code: null, output: `${output}${error.message}` }));
    // "close" comes once the output has been read to its end; "exit" may come before.
    child.once("close", (code) => resolve({ code, output }));
  });
}

export interface WebAppOptions {
  /** Directory holding the built app (`index.html` and assets). */
  readonly appDir: string;
  /** Build the React example into `appDir` when it is missing. */
  readonly build: boolean;
  /** One line per decision, printed at start. */
  readonly notes: string[];
  /** Called with a line when a background build finishes. */
  readonly onBuilt?: (line: string) => void;
}

/**
 * Mounts the app (or its placeholder) on every non-API GET route. Returns the function that starts the build when
 * one is needed; call it once the server listens, so a server that fails to start leaves no build behind.
 */
export function mountWebApp(app: Express, options: WebAppOptions): () => void {
  const { appDir } = options;
  const built = () => existsSync(join(appDir, "index.html"));
  let state: WebAppState;
  let build = () => {};
  if (built()) {
    state = { kind: "ready" };
    options.notes.push(`web app: serving ${appDir}`);
  } else if (options.build && existsSync(join(reactAppDir, "package.json"))) {
    state = { kind: "building" };
    options.notes.push(`web app: building it into ${appDir} (first start only; / says when it is ready)`);
    build = () =>
      void buildReactApp().then(({ code, output }) => {
        state = code === 0 && built() ? { kind: "ready" } : { kind: "failed", output };
        options.onBuilt?.(
          state.kind === "ready"
            ? `web app: built, serving ${appDir}`
            : "web app: the build failed; / shows its output (npm run build -w @archon/example-react-app)",
        );
      });
  } else {
    state = {
      kind: "absent",
      reason: `No web app in ${appDir}. Build it with npm run build -w @archon/example-react-app (or point WEB_APP_DIR at a build) and restart.`,
    };
    options.notes.push(`web app: none in ${appDir} (/ explains how to build it)`);
  }

  // Built assets have content hashes in their names; the shell must be revalidated.
  const assets = express.static(appDir, { index: false, maxAge: "1h" });
  app.use((req, res, next) => {
    if (state.kind !== "ready") return next();
    assets(req, res, next);
  });
  // Client-side routes fall back to the app shell.
  app.get(/^\/(?!api\/).*/, (_req: Request, res: Response) => {
    res.setHeader("Cache-Control", "no-cache");
    if (state.kind === "ready") return res.sendFile(join(appDir, "index.html"));
    res
      .status(state.kind === "building" ? 503 : 200)
      .type("html")
      .send(placeholderPage(state));
  });
  return () => build();
}
