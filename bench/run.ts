/**
 * Runs the benchmarks one after another, each in its own process so one's memory does not skew the next.
 *
 *   npm run bench                 # all of them
 *   npm run bench -- sync convert # some of them, by file name
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { machineLine } from "./machine.js";

const here = import.meta.dirname;
const helpers = new Set(["run.ts", "machine.ts"]);
const all = readdirSync(here)
  // `*-child.ts` scripts are started by a benchmark with its configuration, never on their own.
  .filter((file) => file.endsWith(".ts") && !helpers.has(file) && !file.endsWith("-child.ts"))
  .map((file) => file.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(", ")}. Available: ${all.join(", ")}`);
  process.exit(2);
}

console.log(`Machine: ${machineLine()}\n`);
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== ${name} (npx tsx bench/${name}.ts) ===`);
  const tsconfig = join(here, "..", "tsconfig.json");
  const result = spawnSync(process.execPath, ["--import", "tsx", join(here, `${name}.ts`)], {
    stdio: "inherit",
    env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig },
  });
  if (result.status !== 0) {
    failed += 1;
    console.error(`${name} exited with ${result.status ?? result.signal}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
