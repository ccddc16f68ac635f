import type { KnowledgeStore, Logger, PageRecord, SourceRecord } from "@archon/confluence-core";
import { McpToolError } from "./errors.js";
import type { AccessCheck, McpAction, ResolvedMcpOptions } from "./options.js";

/** What every tool needs: the options, and the caller's access. */
export interface ToolContext {
  readonly options: ResolvedMcpOptions;
  readonly store: KnowledgeStore;
  readonly logger: Logger;
  readonly can: AccessCheck;
  /** The sources the caller may do `action` on, in the store's order. */
  sourcesFor(action: McpAction): Promise<SourceRecord[]>;
  /** One source the caller may do `action` on; a tool error naming the known ones otherwise. */
  requireSource(action: McpAction, sourceId: string): Promise<SourceRecord>;
  /** `sourceId` when given, else the only source the caller may use; a tool error when that is ambiguous. */
  pickSource(action: McpAction, sourceId: string | undefined): Promise<SourceRecord>;
  /**
   * Titles of the page's ancestors (pages and folders), root first, then its own; ancestors no longer stored are
   * skipped.
   */
  breadcrumbOf(page: Pick<PageRecord, "sourceId" | "pageId" | "title">): Promise<string[]>;
}

export function createToolContext(options: ResolvedMcpOptions, logger: Logger, can: AccessCheck): ToolContext {
  const { store } = options;
  const sourcesFor = async (action: McpAction) => {
    const allowed: SourceRecord[] = [];
    for (const source of await store.listSources()) {
      if (await can(action, { sourceId: source.sourceId })) allowed.push(source);
    }
    return allowed;
  };
  const known = (sources: readonly SourceRecord[]) =>
    sources.length === 0
      ? "No source is synced that you can use."
      : `Sources you can use: ${sources.map((s) => `${s.sourceId} (space ${s.spaceKey})`).join(", ")}.`;
  return {
    options,
    store,
    logger,
    can,
    sourcesFor,
    async requireSource(action, sourceId) {
      const sources = await sourcesFor(action);
      const source = sources.find((s) => s.sourceId === sourceId);
      if (!source) throw new McpToolError(`Unknown source "${sourceId}". ${known(sources)}`);
      return source;
    },
    async pickSource(action, sourceId) {
      if (sourceId !== undefined) return this.requireSource(action, sourceId);
      const sources = await sourcesFor(action);
      if (sources.length === 1 && sources[0]) return sources[0];
      throw new McpToolError(
        sources.length === 0 ? known(sources) : `Several sources are synced: pass sourceId. ${known(sources)}`,
      );
    },
    async breadcrumbOf(page) {
      const trail = await store.getBreadcrumb(page.sourceId, page.pageId);
      return trail.length > 0 ? trail.map((item) => item.title) : [page.title];
    },
  };
}
