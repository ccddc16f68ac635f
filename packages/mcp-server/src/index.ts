// `@archon/confluence-mcp`: the synced Confluence as a Model Context Protocol server for AI assistants.

export type { ConfluenceMcpHandler, ConfluenceMcpHttpOptions, McpAuthorizeHook } from "./http.js";
export { confluenceMcp } from "./http.js";
export type { AccessCheck, ConfluenceMcpOptions, McpAction, McpResource, StartSync } from "./options.js";
export type { SearchResult } from "./schemas.js";
export {
  listSourcesOutputShape,
  pageTreeInputShape,
  pageTreeOutputShape,
  readPageInputShape,
  readPageOutputShape,
  searchFiltersSchema,
  searchInputShape,
  searchOutputShape,
  searchResultSchema,
  startSyncInputShape,
  startSyncOutputShape,
  syncStatusInputShape,
  syncStatusOutputShape,
} from "./schemas.js";
export { createConfluenceMcpServer, pageResourceUri } from "./server.js";
export type { StdioMcpServer } from "./stdio.js";
export { runStdioServer } from "./stdio.js";
export { bestSnippet, markdownToPlainText } from "./text.js";
