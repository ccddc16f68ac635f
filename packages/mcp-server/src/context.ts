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
  /** Titles of the page's ancestors, root first, then its own (ancestors no longer stored are skipped). */
  breadcrumbOf(page: Pick<PageRecord, "sourceId" | "ancestors" | "title">): Promise<string[]>;
}

const TITLE_TTL_MS = 60_000;

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
  // Ancestor titles change rarely and are asked for again and again: a short-lived cache per server.
  const titles = new Map<string, { title: string | null; at: number }>();
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
      const trail: string[] = [];
      for (const id of page.ancestors) {
        const key = `${page.sourceId}/${id}`;
        let cached = titles.get(key);
        if (!cached || Date.now() - cached.at > TITLE_TTL_MS) {
          if (titles.size > 5000) titles.clear();
          cached = { title: (await store.getPage(page.sourceId, id))?.title ?? null, at: Date.now() };
          titles.set(key, cached);
        }
        if (cached.title) trail.push(cached.title);
      }
      trail.push(page.title);
      return trail;
    },
  };
}
