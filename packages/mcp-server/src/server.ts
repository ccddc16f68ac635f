import { silentLogger } from "@archon/confluence-core";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { createToolContext, type ToolContext } from "./context.js";
import { McpToolError, publicMessage } from "./errors.js";
import type { AccessCheck, ConfluenceMcpOptions, ResolvedMcpOptions } from "./options.js";
import { resolveMcpOptions } from "./options.js";
import { formatPage, formatTree, pageTree, pageView, readablePage } from "./pages.js";
import {
  listSourcesOutputShape,
  pageTreeInputShape,
  pageTreeOutputShape,
  readPageInputShape,
  readPageOutputShape,
  searchInputShape,
  searchOutputShape,
  startSyncInputShape,
  startSyncOutputShape,
  syncStatusInputShape,
  syncStatusOutputShape,
} from "./schemas.js";
import { formatSearchResults, searchPages } from "./search.js";
import { formatSources, formatStatus, listSources, syncStatus } from "./status.js";

/** URI of a page resource. */
export function pageResourceUri(sourceId: string, pageId: string): string {
  return `confluence://${encodeURIComponent(sourceId)}/pages/${encodeURIComponent(pageId)}`;
}

const allowAll: AccessCheck = () => true;

/**
 * The text block is written for the model (compact, no JSON punctuation); `structuredContent` carries the same
 * data for clients that parse it, checked against the tool's output schema.
 */
function result(text: string, structured: object): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: structured as Record<string, unknown> };
}

/** Runs a tool body; failures become MCP tool errors (`isError`) with a message a person can act on. */
async function guarded(ctx: ToolContext, tool: string, run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (error) {
    return { content: [{ type: "text", text: publicMessage(error, ctx.logger, tool) }], isError: true };
  }
}

/**
 * An MCP server over the synced Confluence: `search_confluence`, `read_confluence_page`,
 * `list_confluence_sources`, `confluence_page_tree`, `sync_status` and, with `options.startSync`, `start_sync`;
 * pages are also resources at `confluence://{sourceId}/pages/{pageId}`. Connect it to any transport; `can` decides
 * what the caller may do (everything by default, as for a local stdio process).
 */
export function createConfluenceMcpServer(options: ConfluenceMcpOptions, can: AccessCheck = allowAll): McpServer {
  return buildServer(resolveMcpOptions(options, "createConfluenceMcpServer"), can);
}

/** {@link createConfluenceMcpServer} on options that were already validated. */
export function buildServer(options: ResolvedMcpOptions, can: AccessCheck): McpServer {
  const logger = options.logger ?? silentLogger;
  const ctx = createToolContext(options, logger, can);
  const server = new McpServer(options.serverInfo, {
    instructions:
      "Synced Confluence pages. Search with search_confluence, then read a page with read_confluence_page using " +
      "the page id or URL from a result. Cite the URL of every page you use.",
  });

  server.registerTool(
    "search_confluence",
    {
      title: "Search Confluence",
      description:
        "Searches the synced Confluence pages. Returns each matching page once, best first, with its breadcrumb, " +
        "the URL to cite, the best matching passage and a score.",
      inputSchema: searchInputShape,
      outputSchema: searchOutputShape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (input) =>
      guarded(ctx, "search_confluence", async () => {
        if (!(await can("search", {}))) throw new McpToolError("Not allowed to search.");
        const results = await searchPages(ctx, input);
        return result(formatSearchResults(input.query, results), { query: input.query, mode: input.mode, results });
      }),
  );

  server.registerTool(
    "read_confluence_page",
    {
      title: "Read a Confluence page",
      description:
        "Reads a synced page as Markdown, by page id or Confluence URL, with its breadcrumb, labels, last editor " +
        "and date. Long pages come in parts cut at section boundaries: pass part to read the next.",
      inputSchema: readPageInputShape,
      outputSchema: readPageOutputShape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (input) =>
      guarded(ctx, "read_confluence_page", async () => {
        const view = await pageView(ctx, await readablePage(ctx, input.page, input.sourceId), input.part);
        return result(formatPage(view), view);
      }),
  );

  server.registerTool(
    "list_confluence_sources",
    {
      title: "List Confluence sources",
      description: "Lists the synced Confluence spaces (sources) with their page counts and last sync time.",
      outputSchema: listSourcesOutputShape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () =>
      guarded(ctx, "list_confluence_sources", async () => {
        const list = await listSources(ctx);
        return result(formatSources(list), list);
      }),
  );

  server.registerTool(
    "confluence_page_tree",
    {
      title: "Confluence page tree",
      description:
        "Lists the pages below a page (or the top level of a space), a few levels deep, to browse a space's structure.",
      inputSchema: pageTreeInputShape,
      outputSchema: pageTreeOutputShape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (input) =>
      guarded(ctx, "confluence_page_tree", async () => {
        const root = input.page === undefined ? null : await readablePage(ctx, input.page, input.sourceId);
        const source = await ctx.pickSource("pages:list", root?.sourceId ?? input.sourceId);
        const tree = await pageTree(ctx, source.sourceId, root, input.depth, input.limit);
        return result(formatTree(tree), tree);
      }),
  );

  server.registerTool(
    "sync_status",
    {
      title: "Sync status",
      description: "Shows, per source, whether a sync is running, when the last one finished and what it did.",
      inputSchema: syncStatusInputShape,
      outputSchema: syncStatusOutputShape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (input) =>
      guarded(ctx, "sync_status", async () => {
        const status = await syncStatus(ctx, input.sourceId);
        return result(formatStatus(status), status);
      }),
  );

  const { startSync } = options;
  if (startSync) {
    server.registerTool(
      "start_sync",
      {
        title: "Start a sync",
        description:
          "Starts syncing a source from Confluence in the background and returns its operation id; follow it with " +
          "sync_status. incremental (default) fetches only what changed.",
        inputSchema: startSyncInputShape,
        outputSchema: startSyncOutputShape,
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
      },
      (input) =>
        guarded(ctx, "start_sync", async () => {
          const source = await ctx.requireSource("sync:start", input.sourceId);
          const { operationId } = await startSync(source, input.mode);
          const started = { operationId, sourceId: source.sourceId, mode: input.mode, status: "running" as const };
          return result(
            `Started a ${input.mode} sync of ${source.sourceId} (operation ${operationId}). Check it with sync_status.`,
            started,
          );
        }),
    );
  }

  server.registerResource(
    "confluence-page",
    new ResourceTemplate("confluence://{sourceId}/pages/{pageId}", {
      list: async () => {
        const resources = [];
        for (const source of await ctx.sourcesFor("pages:list")) {
          if (options.resourceListLimit === 0) break;
          const list = await ctx.store.listPages({ sourceId: source.sourceId, limit: options.resourceListLimit });
          for (const page of list.items) {
            resources.push({
              uri: pageResourceUri(page.sourceId, page.pageId),
              name: page.title,
              mimeType: "text/markdown",
              ...(page.updatedAt ? { annotations: { lastModified: page.updatedAt } } : {}),
            });
          }
        }
        return { resources };
      },
    }),
    {
      title: "Confluence page",
      description: "A synced Confluence page as Markdown, with its breadcrumb and URL.",
      mimeType: "text/markdown",
    },
    async (uri, variables) => {
      const sourceId = decodeURIComponent(String(variables.sourceId ?? ""));
      const pageId = decodeURIComponent(String(variables.pageId ?? ""));
      try {
        const page = await readablePage(ctx, pageId, sourceId);
        const view = await pageView(ctx, page, 1);
        const whole = view.parts > 1 ? { ...view, markdown: page.markdown, parts: 1, outline: undefined } : view;
        return { contents: [{ uri: uri.href, mimeType: "text/markdown", text: formatPage(whole) }] };
      } catch (error) {
        // Resource reads have no tool-error form: the message travels as the JSON-RPC error.
        throw new Error(publicMessage(error, logger, "resources/read"));
      }
    },
  );

  return server;
}
