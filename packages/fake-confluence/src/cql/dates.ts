import { CqlError } from "./tokenize.js";

const formatters = new Map<string, Intl.DateTimeFormat>();

function offsetMs(utcMs: number, timeZone: string): number {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** A wall-clock time in a zone, as a UTC instant (DST gaps resolve forward, as Java does). */
export function zonedToUtc(fields: readonly [number, number, number, number, number], timeZone: string): number {
  const [y, mo, d, h, mi] = fields;
  const local = Date.UTC(y, mo - 1, d, h, mi);
  const first = local - offsetMs(local, timeZone);
  return local - offsetMs(first, timeZone);
}

/** A parsed CQL date: the instant it starts at and whether it named a whole day. */
export interface CqlDate {
  readonly startMs: number;
  /** Exclusive end: one minute later for `yyyy-MM-dd HH:mm`, one day later for `yyyy-MM-dd`. */
  readonly endMs: number;
}

/** Reads `yyyy-MM-dd HH:mm`, `yyyy/MM/dd HH:mm`, `yyyy-MM-dd` or `yyyy/MM/dd` in the user's zone. */
export function parseCqlDate(value: string, timeZone: string): CqlDate {
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$/.exec(value.trim());
  if (!m) throw new CqlError(`'${value}' is not a date; use "yyyy-MM-dd HH:mm" or "yyyy-MM-dd"`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const withTime = m[4] !== undefined;
  const [h, mi] = withTime ? [Number(m[4]), Number(m[5])] : [0, 0];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) throw new CqlError(`'${value}' is not a valid date`);
  const startMs = zonedToUtc([y, mo, d, h, mi], timeZone);
  const endMs = withTime ? startMs + 60_000 : zonedToUtc([y, mo, d + 1, 0, 0], timeZone);
  return { startMs, endMs };
}
