// For tests of ConvertPool: the real conversion worker, except that it never returns from a page whose body says
// HANG, like a converter stuck on a hostile page.
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** `--import` of tsx, so a worker can load the TypeScript sources. */
export const tsxImport = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
/** This package's conversion worker, from source. */
export const realWorker = new URL("./convert-worker.ts", import.meta.url);

/** A worker script (written to a temporary directory) that hangs on HANG pages and converts the others. */
export function hangingWorker(): { url: URL; execArgv: string[] } {
  const file = join(mkdtempSync(join(tmpdir(), "convert-pool-")), "hanging-worker.mjs");
  writeFileSync(
    file,
    [
      'import { parentPort } from "node:worker_threads";',
      'parentPort.on("message", (request) => { if (request.body.includes("HANG")) for (;;) {} });',
      `await import(${JSON.stringify(realWorker.href)});`,
    ].join("\n"),
  );
  return { url: pathToFileURL(file), execArgv: ["--import", tsxImport] };
}
