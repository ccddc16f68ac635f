import { loadavg } from "node:os";

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
export const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MB`;
export const ratio = (part: number, whole: number): string => `${((100 * part) / Math.max(whole, 1)).toFixed(2)}%`;
/** The 1/5/15-minute load averages: the machine is shared, so numbers come with the load they ran under. */
export const loadAverage = (): string =>
  `load average ${loadavg()
    .map((n) => n.toFixed(1))
    .join(" / ")}`;
