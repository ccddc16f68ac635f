import { canRead, type SearchPrincipal, type SourceRecord } from "@archon/confluence-core";
import type { Request } from "express";
import type { RouteContext } from "./context.js";
import { HttpError } from "./http-error.js";

/**
 * Which of a source's pages the request's principal may read in Confluence, for the page routes: `null` when no
 * principal filtering applies (no `principal` hook, or the hook gave none for a source that does not enforce
 * permissions). A source with `enforcePermissions` and no principal is refused with `403 PERMISSION_REQUIRED`.
 */
export async function readablePages(
  ctx: RouteContext,
  req: Request,
  source: SourceRecord,
  pageIds: readonly string[],
): Promise<Set<string> | null> {
  const principal: SearchPrincipal | null | undefined = ctx.principal ? await ctx.principal(req) : undefined;
  if (!principal) {
    if (source.enforcePermissions !== true) return null;
    throw new HttpError(
      403,
      "PERMISSION_REQUIRED",
      `Source ${source.sourceId} enforces permissions: the request must carry a principal.`,
    );
  }
  const readers = (await ctx.store.getPageReaders?.(source.sourceId, pageIds)) ?? new Map();
  return new Set(pageIds.filter((id) => canRead(readers.get(id), principal)));
}
