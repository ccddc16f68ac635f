import { ConfluenceSyncError } from "../errors.js";
import type { PageContentType } from "../ports/confluence-source.js";
import { isSpaceKey, SPACE_KEY_RULE } from "../space-key.js";

/** Throws `CONFIG_INVALID` unless `key` looks like a Confluence space key. */
export function assertSpaceKey(key: string): void {
  if (!isSpaceKey(key)) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      `spaceKey ${JSON.stringify(String(key).slice(0, 80))} is not ${SPACE_KEY_RULE}.`,
    );
  }
}

/** Throws `CONFIG_INVALID` unless every id is a numeric Confluence content id. */
export function assertPageIds(ids: readonly string[]): void {
  for (const id of ids) {
    if (typeof id !== "string" || !/^\d{1,19}$/.test(id)) {
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        `page id ${JSON.stringify(String(id).slice(0, 40))} is not a Confluence content id (digits only).`,
      );
    }
  }
}

/**
 * A CQL string literal: double-quoted, with backslashes and quotes escaped, and line breaks (which end a CQL token)
 * escaped too, so no value can close the literal and add clauses of its own.
 */
export function cqlString(value: string): string {
  const escaped = value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r/g, "\\r").replace(/\n/g, "\\n");
  return `"${escaped}"`;
}

/**
 * `date` as CQL's `yyyy-MM-dd HH:mm`, written as a wall clock in `timeZone`: Confluence reads CQL dates in the time
 * zone of the user the credentials belong to, not in UTC. Seconds are dropped (floored), which only widens the window.
 */
export function formatCqlDate(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "00";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
}

const TYPES: ReadonlySet<string> = new Set(["page", "blogpost"]);

/** CQL for every page of a space; with `types`, every page and/or blog post (`type in (page, blogpost)`). */
export function spacePagesCql(spaceKey: string, types: readonly PageContentType[] = ["page"]): string {
  assertSpaceKey(spaceKey);
  const unique = [...new Set(types)];
  if (unique.length === 0 || unique.some((type) => !TYPES.has(type))) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      `content types must be page and/or blogpost, got ${unique.join(", ")}.`,
    );
  }
  const type = unique.length === 1 ? `type = ${unique[0]}` : `type in (${unique.join(", ")})`;
  return `space = ${cqlString(spaceKey)} and ${type}`;
}

/** CQL for pages of a space modified at or after `from` (already shifted by the overlap), in the user's time zone. */
export function changedSinceCql(
  spaceKey: string,
  from: Date,
  timeZone: string,
  types: readonly PageContentType[] = ["page"],
): string {
  return `${spacePagesCql(spaceKey, types)} and lastmodified >= ${cqlString(formatCqlDate(from, timeZone))}`;
}

/** CQL for the given page ids within a space. */
export function pageIdsCql(
  spaceKey: string,
  ids: readonly string[],
  types: readonly PageContentType[] = ["page"],
): string {
  assertPageIds(ids);
  return `${spacePagesCql(spaceKey, types)} and id in (${ids.join(",")})`;
}

/** CQL for the comments of a space, or those created or edited at or after `from` (in the user's time zone). */
export function spaceCommentsCql(spaceKey: string, since?: { from: Date; timeZone: string }): string {
  assertSpaceKey(spaceKey);
  const base = `space = ${cqlString(spaceKey)} and type = comment`;
  return since === undefined
    ? base
    : `${base} and lastmodified >= ${cqlString(formatCqlDate(since.from, since.timeZone))}`;
}
