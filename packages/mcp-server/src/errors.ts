import { describeError, isConfluenceSyncError, type Logger } from "@archon/confluence-core";

/** A problem with a tool call the assistant can fix: its message goes back to the client as it is. */
export class McpToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "McpToolError";
  }
}

/**
 * The message a client sees for a failed call. Only messages written for users pass: tool errors, coded SDK errors
 * (which never hold a secret) and HTTP errors of the Express adapter; anything else is logged and replaced, since
 * a driver error can quote a connection string or a query.
 */
export function publicMessage(error: unknown, logger: Logger, tool: string): string {
  if (error instanceof McpToolError) return error.message;
  if (isConfluenceSyncError(error)) return `${error.code}: ${error.message}`;
  if (error instanceof Error && error.name === "HttpError" && typeof (error as { code?: unknown }).code === "string") {
    return `${(error as Error & { code: string }).code}: ${error.message}`;
  }
  logger.error({ tool, err: describeError(error) }, "MCP tool failed");
  return `INTERNAL: ${tool} failed unexpectedly; the server log has the details.`;
}
