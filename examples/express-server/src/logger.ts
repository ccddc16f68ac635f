import type { Logger } from "@archon/confluence-core";

const levels = ["debug", "info", "warn", "error"] as const;
type Level = (typeof levels)[number];

/** One JSON line per entry on stderr, at or above `minimum`. The SDK never hands it a secret. */
export function createConsoleLogger(minimum: Level = "warn"): Logger {
  const threshold = levels.indexOf(minimum);
  const write = (level: Level) => (obj: object, msg?: string) => {
    if (levels.indexOf(level) < threshold) return;
    process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...obj })}\n`);
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}
