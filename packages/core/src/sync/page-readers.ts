import { ConfluenceSyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import { effectiveReaders, sameReaders } from "../permissions/readers.js";
import type { ConfluenceSource, ConfluenceSpace, PageRef, SourceCallOptions } from "../ports/confluence-source.js";
import type { KnowledgeStore, SourceRecord } from "../ports/knowledge-store.js";
import type { PageReaders, ReadRestriction } from "../ports/permissions.js";
import { storeCall } from "./util.js";

/** Whether a source syncs page readers. */
export function syncsPermissions(record: SourceRecord): boolean {
  return record.syncPermissions === true || record.enforcePermissions === true;
}

/** Pages per `setPageReaders` call. */
const WRITE_BATCH = 1000;

/** What the reader step needs from the run. */
export interface PageReadersContext {
  readonly sourceId: string;
  readonly source: ConfluenceSource;
  readonly store: KnowledgeStore;
  readonly logger: Logger;
  readonly call: SourceCallOptions;
  /** Ancestor ids (pages and folders), root first, as the run's tree places the page. */
  ancestorsOf(pageId: string): readonly string[];
}

/** What the step did, for logs. */
export interface PageReadersResult {
  readonly pages: number;
  readonly changed: number;
  readonly restrictionRequests: number;
}

/**
 * Recomputes every stored page's readers (space viewers ∩ each read restriction on the page and its ancestors) and
 * writes those that changed, plus those of pages written by this run (their Archon rows were replaced). Restrictions
 * come from the listing (`PageRef.readRestriction`); only nodes it does not cover (Cloud folders, pages listed without
 * restrictions) cost one request each. Permission changes do not bump versions, so this runs on every sync.
 */
export async function syncPageReaders(
  ctx: PageReadersContext,
  space: ConfluenceSpace,
  refs: ReadonlyMap<string, PageRef> | null,
  written: ReadonlySet<string>,
): Promise<PageReadersResult> {
  const { source, store, sourceId } = ctx;
  if (!source.getSpaceViewers || !source.getReadRestrictions) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      `source "${sourceId}" syncs permissions, but its ConfluenceSource cannot read space permissions and restrictions.`,
    );
  }
  if (!store.getPageReaders || !store.setPageReaders) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      `source "${sourceId}" syncs permissions, but the knowledge store keeps no page readers.`,
    );
  }
  const getPageReaders = store.getPageReaders.bind(store);
  const setPageReaders = store.setPageReaders.bind(store);
  const viewers = await source.getSpaceViewers(space, ctx.call);
  const states = await storeCall("read page states", () => store.getPageStates(sourceId));
  const stored = await storeCall("read page readers", () => getPageReaders(sourceId));

  const restrictions = new Map<string, ReadRestriction | null>();
  for (const [id, ref] of refs ?? []) if (ref.readRestriction !== undefined) restrictions.set(id, ref.readRestriction);
  const missing = new Set<string>();
  for (const pageId of states.keys()) {
    for (const id of [...ctx.ancestorsOf(pageId), pageId]) if (!restrictions.has(id)) missing.add(id);
  }
  if (missing.size > 0) {
    const fetched = await source.getReadRestrictions([...missing], ctx.call);
    // A node Confluence no longer has restricts nothing.
    for (const id of missing) restrictions.set(id, fetched.get(id) ?? null);
  }

  const updates = new Map<string, PageReaders>();
  for (const pageId of states.keys()) {
    const chain = [...ctx.ancestorsOf(pageId), pageId].map((id) => restrictions.get(id));
    const readers = effectiveReaders(viewers, chain);
    if (written.has(pageId) || !sameReaders(stored.get(pageId), readers)) updates.set(pageId, readers);
  }
  const entries = [...updates];
  for (let i = 0; i < entries.length; i += WRITE_BATCH) {
    const batch = new Map(entries.slice(i, i + WRITE_BATCH));
    await storeCall("write page readers", () => setPageReaders(sourceId, batch));
  }
  const result = { pages: states.size, changed: updates.size, restrictionRequests: missing.size };
  ctx.logger.info({ sourceId, ...result }, "page readers synced");
  return result;
}
