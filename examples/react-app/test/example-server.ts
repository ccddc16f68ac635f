/** Starts the example server (`examples/express-server`) as a child process on embedded defaults. */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const appDir = fileURLToPath(new URL("../", import.meta.url));

export interface ExampleServer {
  /** e.g. `http://127.0.0.1:40123` */
  readonly url: string;
  /** Base URL of the embedded fake Confluence (the source the server registers at start). */
  readonly fakeConfluenceUrl: string;
  /** Everything the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Builds the app (`vite build`, production mode) unless `dist/index.html` already exists. */
export async function ensureAppBuilt(): Promise<void> {
  if (existsSync(join(appDir, "dist", "index.html"))) return;
  const vite = join(dirname(createRequire(import.meta.url).resolve("vite/package.json")), "bin", "vite.js");
  // A child process, so the test runner's NODE_ENV=test does not turn it into a development build.
  const child = spawn(process.execPath, [vite, "build", "--logLevel", "warn"], {
    cwd: appDir,
    env: { ...process.env, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0 || !existsSync(join(appDir, "dist", "index.html"))) {
    throw new Error(`vite build failed (exit ${code}):\n${output}`);
  }
}

/** Starts the server on a free port with a temporary data directory; resolves once it printed its URLs. */
export async function startExampleServer(timeoutMs = 90_000): Promise<ExampleServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "archon-react-e2e-"));
  // Node itself with tsx as a loader: the tsx command line would run the server in a grandchild, which the
  // SIGKILL below would leave running.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", tsx, join(repo, "examples/express-server/src/start.ts")],
    {
      cwd: join(repo, "examples/express-server"),
      // Embedded defaults: only the port and the data directory are chosen here.
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? dataDir,
        PORT: "0",
        FAKE_CONFLUENCE_PORT: "0",
        DATA_DIR: dataDir,
        TSX_TSCONFIG_PATH: join(repo, "tsconfig.json"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`example server did not start in time:\n${output}`)), timeoutMs);
    const check = () => {
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout?.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`example server exited with ${code}:\n${output}`));
    });
  });
  try {
    const url = await ready;
    // The embedded fake Confluence is registered as a source at start; its base URL is the fake's.
    const response = await fetch(`${url}/api/confluence/sources`);
    const { sources } = (await response.json()) as { sources: { baseUrl: string }[] };
    const fake = sources[0]?.baseUrl;
    if (!fake) throw new Error(`the example server registered no source on embedded defaults:\n${output}`);
    return { url, fakeConfluenceUrl: fake, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
