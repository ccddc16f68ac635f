/** Runs the example's entry points as child processes with Node and tsx. */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const exampleDir = fileURLToPath(new URL("..", import.meta.url));
const rootDir = join(exampleDir, "..", "..");
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface Child {
  process: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

export function start(script: string, args: string[], env: Record<string, string>): Child {
  // A .js entry (the bin) runs as is, as users run it; a .ts one in Node itself with tsx as a loader. The tsx
  // command line would run the script in a grandchild, which a SIGKILL sent to the child leaves running.
  const command = script.endsWith(".js") ? [script, ...args] : ["--import", tsxLoader, script, ...args];
  const child = spawn(process.execPath, command, {
    cwd: exampleDir,
    // A free port for the embedded fake unless a test asks for one: tests run side by side.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      FAKE_CONFLUENCE_PORT: "0",
      TSX_TSCONFIG_PATH: join(rootDir, "tsconfig.json"),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const result: Child = {
    process: child,
    stdout: "",
    stderr: "",
    // "close", not "exit": "exit" may come before the last of the child's output has been read.
    exited: new Promise((resolve) => child.once("close", (code) => resolve(code))),
  };
  child.stdout?.on("data", (chunk: Buffer) => {
    result.stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    result.stderr += chunk.toString();
  });
  return result;
}

export async function waitForUrl(child: Child): Promise<string> {
  for (;;) {
    // The banner ends with its API line; wait for it, so tests may read every line of it.
    const match = /listening on (http:\/\/\S+)\n[\s\S]*\n {2}API: /.exec(child.stdout);
    if (match?.[1]) return match[1];
    const exited = await Promise.race([
      child.exited.then(() => true),
      new Promise((r) => setTimeout(() => r(false), 50)),
    ]);
    if (exited) throw new Error(`server exited before listening:\n${child.stdout}\n${child.stderr}`);
  }
}

/** Waits for the child and checks its exit code; the failure message shows what it printed. */
export async function expectExit(child: Child, code: number): Promise<void> {
  const actual = await child.exited;
  if (actual !== code) {
    throw new Error(
      `expected exit code ${code}, got ${actual}\n--- stdout\n${child.stdout}\n--- stderr\n${child.stderr}`,
    );
  }
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
