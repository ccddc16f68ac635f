import { ConfluenceSyncError } from "../errors.js";
import type { SourceRecord } from "../ports/knowledge-store.js";
import type { PageReaders, ReadRestriction, SearchPrincipal, SpaceViewers } from "../ports/permissions.js";

/** The token that admits every principal: a space open to anonymous users. */
export const ANYONE = "anyone";

/** The tokens a principal holds: {@link ANYONE}, its user and each of its groups. */
export function principalTokens(principal: SearchPrincipal): string[] {
  const tokens = [ANYONE];
  if (principal.userId) tokens.push(`user:${principal.userId}`);
  for (const group of principal.groups ?? []) tokens.push(`group:${group}`);
  return tokens;
}

/** A restriction (or the space's viewers) as one clause of tokens, sorted. */
export function readersClause(subjects: ReadRestriction | SpaceViewers): string[] {
  const clause = new Set<string>();
  if ("anonymous" in subjects && subjects.anonymous) clause.add(ANYONE);
  for (const user of subjects.users) clause.add(`user:${user}`);
  for (const group of subjects.groups) clause.add(`group:${group}`);
  return [...clause].sort();
}

/** Whether a principal may read a page with these readers; unknown readers (`undefined`/`null`) admit nobody. */
export function canRead(readers: PageReaders | null | undefined, principal: SearchPrincipal): boolean {
  if (!readers) return false;
  const tokens = new Set(principalTokens(principal));
  return readers.every((clause) => clause.some((token) => tokens.has(token)));
}

/**
 * A page's readers: the space's viewers, then one clause per read restriction on its ancestors (root first) and on
 * the page itself. Restrictions that are `null` (none) are skipped; repeated clauses are kept once.
 */
export function effectiveReaders(
  viewers: SpaceViewers,
  chain: readonly (ReadRestriction | null | undefined)[],
): string[][] {
  const clauses = [readersClause(viewers)];
  const seen = new Set([clauses[0]?.join("\n")]);
  for (const restriction of chain) {
    if (!restriction) continue;
    const clause = readersClause(restriction);
    const key = clause.join("\n");
    if (seen.has(key)) continue;
    seen.add(key);
    clauses.push(clause);
  }
  return clauses;
}

/** Whether two reader sets are the same clauses (clause order aside). */
export function sameReaders(a: PageReaders | null | undefined, b: PageReaders | null | undefined): boolean {
  if (!a || !b) return a === b;
  const key = (r: PageReaders) =>
    r
      .map((clause) => [...clause].sort().join("\n"))
      .sort()
      .join("\u0000");
  return key(a) === key(b);
}

/** Throws `CONFIG_INVALID` naming what is wrong with a search principal. */
export function checkPrincipal(principal: unknown): SearchPrincipal {
  const bad = (what: string) => new ConfluenceSyncError("CONFIG_INVALID", `search principal: ${what}.`);
  if (typeof principal !== "object" || principal === null) throw bad("must be an object { userId, groups }");
  const { userId, groups } = principal as { userId?: unknown; groups?: unknown };
  if (userId !== undefined && userId !== null && (typeof userId !== "string" || userId === "")) {
    throw bad("userId must be a non-empty string or null");
  }
  if (groups !== undefined && (!Array.isArray(groups) || !groups.every((g) => typeof g === "string" && g !== ""))) {
    throw bad("groups must be an array of non-empty strings");
  }
  if (Array.isArray(groups) && groups.length > 1000) throw bad("at most 1000 groups");
  return { userId: (userId as string | null | undefined) ?? null, groups: (groups as string[] | undefined) ?? [] };
}

/**
 * Refuses (`PERMISSION_REQUIRED`) a search without a principal when a source it covers enforces permissions. `scope`
 * is the search's `sourceIds` filter (all sources when absent).
 */
export function assertPrincipalGiven(
  principal: SearchPrincipal | undefined,
  scope: readonly string[] | undefined,
  sources: readonly Pick<SourceRecord, "sourceId" | "enforcePermissions">[],
): void {
  if (principal) return;
  const enforcing = sources.filter(
    (s) => s.enforcePermissions === true && (scope === undefined || scope.includes(s.sourceId)),
  );
  if (enforcing.length > 0) {
    throw new ConfluenceSyncError(
      "PERMISSION_REQUIRED",
      `source ${enforcing.map((s) => JSON.stringify(s.sourceId)).join(", ")} enforces permissions: search with a principal ({ userId, groups }).`,
    );
  }
}

/** Throws `CONFIG_INVALID` unless `readers` is a list of clauses, each a list of non-empty token strings. */
export function checkReaders(pageId: string, readers: unknown): PageReaders {
  const ok =
    Array.isArray(readers) &&
    readers.length <= 1000 &&
    readers.every((c) => Array.isArray(c) && c.every((t) => typeof t === "string" && t !== "" && t.length <= 512));
  if (!ok) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      `readers of page ${JSON.stringify(pageId)} must be a list of clauses, each a list of principal tokens.`,
    );
  }
  return readers as PageReaders;
}
