/** Spawns `sync-child.ts` with the workspace's tsx and tsconfig paths; optionally SIGKILLs it mid-sync. */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { ChildSyncConfig, ChildSyncResult } from "./child-protocol.js";

const script = fileURLToPath(new URL("./sync-child.ts", import.meta.url));
const tsconfig = fileURLToPath(new URL("../../../tsconfig.json", import.meta.url));

export interface ChildOutcome {
  /** Set when the sync finished. */
  readonly result?: ChildSyncResult;
  /** Pages the child reported indexed (with `progress`). */
  readonly indexed: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

export interface RunChildOptions {
  /** SIGKILL the child once it has reported this many indexed pages (needs `progress`). */
  readonly killAfterIndexed?: number;
  /** Node.js flags for the child, before the script (e.g. `--liftoff-only`). */
  readonly nodeFlags?: readonly string[];
}

export function runSyncChild(config: ChildSyncConfig, options: RunChildOptions = {}): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), "--import", "tsx", script], {
      env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig, E2E_SYNC_CONFIG: JSON.stringify(config) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let indexed = 0;
    let result: ChildSyncResult | undefined;
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr = (stderr + text).slice(-20_000);
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.startsWith("indexed ")) {
        indexed = Number(line.slice(8));
        if (options.killAfterIndexed !== undefined && indexed >= options.killAfterIndexed && child.exitCode === null) {
          child.kill("SIGKILL");
        }
      } else if (line.startsWith("RESULT ")) {
        result = JSON.parse(line.slice(7)) as ChildSyncResult;
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ result, indexed, code, signal, stderr }));
  });
}

/** Runs any TypeScript script of the workspace in a fresh process; resolves with its `RESULT <json>` line. */
export function runScript<T>(
  path: string,
  env: Record<string, string>,
): Promise<{ result?: T; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path], {
      env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let result: T | undefined;
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr = (stderr + text).slice(-20_000);
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.startsWith("RESULT ")) result = JSON.parse(line.slice(7)) as T;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ result, code, stderr }));
  });
}
