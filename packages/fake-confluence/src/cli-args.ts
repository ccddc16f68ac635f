import { parseArgs } from "node:util";
import { FakeConfluenceError } from "./errors.js";
import type { FaultConfigInput } from "./faults.js";
import type { FakeConfluenceOptions, SpaceSpec } from "./options.js";

/** Usage text of the `fake-confluence` command. */
export const USAGE = `Usage: fake-confluence [options]

  --pages N              pages to generate in the space (default 4000)
  --space-key KEY        key of the generated space (default ENG)
  --seed N               generator and fault seed (default 1)
  --demo                 also load the DEMO handbook space (300 pages)
  --from-dir DIR         load a space from DIR/pages.json instead of generating one
  --port N               port to listen on (default 8090; 0 picks a free one)
  --host HOST            interface to listen on (default 127.0.0.1)
  --deployment KIND      cloud or datacenter (default cloud)
  --context-path PATH    Data Center context path, e.g. /confluence (default none)
  --time-zone ZONE       user time zone for CQL dates (default UTC)
  --faults LIST          comma-separated: 429, 429-date, 429-absurd, 429-missing, 5xx, reset, malformed,
                         slow, clamp, phantom, empty
  --latency MS           fixed delay before every response
  --help                 show this text`;

const FAULTS: Record<string, FaultConfigInput> = {
  "429": { rateLimit: { capacity: 10, refillPerSecond: 5 } },
  "429-date": { rateLimit: { capacity: 10, refillPerSecond: 5, retryAfter: "http-date" } },
  "429-absurd": { rateLimit: { capacity: 10, refillPerSecond: 5, retryAfter: "absurd" } },
  "429-missing": { rateLimit: { capacity: 10, refillPerSecond: 5, retryAfter: "missing" } },
  "5xx": { serverError: { rate: 0.05, burst: 2, status: 503 } },
  reset: { reset: { rate: 0.02 } },
  malformed: { malformedJson: { rate: 0.02 } },
  slow: { slow: { rate: 0.1, delayMs: 2000 } },
  clamp: { clampLimit: 25 },
  phantom: { phantomNext: { rate: 1 } },
  empty: { emptyPage: { rate: 0.05 } },
};

function bad(message: string): FakeConfluenceError {
  return new FakeConfluenceError("CONFIG_INVALID", `fake-confluence: ${message}\n\n${USAGE}`);
}

function int(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw bad(`--${name} must be a non-negative integer, got "${value}".`);
  return Number(value);
}

/** Turns `--faults 429,5xx` into fault settings; unknown names throw `CONFIG_INVALID`. */
export function faultsFromList(list: string, seed: number, latencyMs = 0): FaultConfigInput {
  const config: FaultConfigInput = { seed, latencyMs };
  for (const name of list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const preset = FAULTS[name];
    if (!preset) throw bad(`unknown fault "${name}" in --faults; known: ${Object.keys(FAULTS).join(", ")}.`);
    Object.assign(config, preset);
  }
  return config;
}

/** Parses the command line into server options, or `"help"`. */
export function parseCliArgs(argv: readonly string[]): FakeConfluenceOptions | "help" {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw bad((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return "help";
  const seed = int("seed", v.seed) ?? 1;
  const deployment = v.deployment ?? "cloud";
  if (deployment !== "cloud" && deployment !== "datacenter") {
    throw bad(`--deployment must be cloud or datacenter, got "${deployment}".`);
  }
  const spaces: SpaceSpec[] = [];
  if (v["from-dir"]) spaces.push({ fromDir: v["from-dir"], ...(v["space-key"] ? { key: v["space-key"] } : {}) });
  else spaces.push({ key: v["space-key"] ?? "ENG", pages: int("pages", v.pages) ?? 4000, seed });
  if (v.demo) spaces.push({ preset: "demo" });
  return {
    deployment,
    host: v.host ?? "127.0.0.1",
    port: int("port", v.port) ?? 8090,
    seed,
    spaces,
    ...(v["context-path"] ? { contextPath: v["context-path"] } : {}),
    ...(v["time-zone"] ? { timeZone: v["time-zone"] } : {}),
    faults: faultsFromList(v.faults ?? "", seed, int("latency", v.latency) ?? 0),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      pages: { type: "string" },
      "space-key": { type: "string" },
      seed: { type: "string" },
      demo: { type: "boolean" },
      "from-dir": { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      deployment: { type: "string" },
      "context-path": { type: "string" },
      "time-zone": { type: "string" },
      faults: { type: "string" },
      latency: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
