import { describeError, silentLogger } from "@archon/confluence-core";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { NextFunction, Request, Response } from "express";
import type { ConfluenceMcpOptions, McpAction, McpResource } from "./options.js";
import { resolveMcpOptions } from "./options.js";
import { buildServer } from "./server.js";

/**
 * The Express adapter's `authorize` hook: pass the same function to `createConfluenceRouter` and
 * {@link confluenceMcp}. Connecting needs `search`; each tool then asks for its own action per source or page.
 * Return `false` for a 403; throw an error with `status: 401` to ask for credentials.
 */
export type McpAuthorizeHook = (req: Request, action: McpAction, resource: McpResource) => boolean | Promise<boolean>;

export interface ConfluenceMcpHttpOptions extends ConfluenceMcpOptions {
  /** Called for every request and every tool call. Required unless {@link allowUnauthenticated} is set. */
  readonly authorize?: McpAuthorizeHook;
  /** Serve every request without asking anyone: only for local demos on a trusted machine. @default false */
  readonly allowUnauthenticated?: boolean;
  /**
   * Accepted `Host` headers (host or host:port). Set them when the server listens on localhost without auth, so
   * a web page cannot reach it through DNS rebinding. @default any host
   */
  readonly allowedHosts?: readonly string[];
}

/** The Express middleware, plus `close()` to wait for the requests in flight. */
export interface ConfluenceMcpHandler {
  (req: Request, res: Response, next: NextFunction): void;
  close(): Promise<void>;
}

function rpcError(res: Response, status: number, code: string, message: string): void {
  if (res.headersSent) return;
  res
    .status(status)
    .type("application/json")
    .send(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: `${code}: ${message}` }, id: null }));
}

/**
 * The MCP server over Streamable HTTP, as Express middleware: `app.use("/mcp", confluenceMcp({...}))`. Stateless
 * (one server per POST, JSON responses), so it runs behind any load balancer; `GET` and `DELETE` answer 405.
 */
export function confluenceMcp(options: ConfluenceMcpHttpOptions): ConfluenceMcpHandler {
  const { authorize, allowUnauthenticated = false, allowedHosts, ...serverOptions } = options;
  const resolved = resolveMcpOptions(serverOptions, "confluenceMcp");
  const logger = resolved.logger ?? silentLogger;
  if (authorize !== undefined && typeof authorize !== "function") {
    throw new TypeError("confluenceMcp: authorize must be a function");
  }
  if (!authorize && !allowUnauthenticated) {
    logger.warn({}, "confluenceMcp has no authorize hook: every request will be refused");
  }
  const inFlight = new Set<Promise<void>>();

  const handle = async (req: Request, res: Response) => {
    if (req.path !== "/" && req.path !== "") {
      rpcError(res, 404, "NOT_FOUND", `No MCP endpoint at ${req.baseUrl}${req.path}; POST to ${req.baseUrl || "/"}.`);
      return;
    }
    if (allowedHosts && !allowedHosts.includes(String(req.headers.host ?? "").toLowerCase())) {
      rpcError(res, 403, "HOST_NOT_ALLOWED", "This Host header is not allowed.");
      return;
    }
    if (req.method !== "POST") {
      res.setHeader("Allow", "POST");
      rpcError(res, 405, "METHOD_NOT_ALLOWED", "This stateless MCP endpoint takes POST requests only.");
      return;
    }
    if (!authorize && !allowUnauthenticated) {
      rpcError(
        res,
        403,
        "AUTHORIZATION_NOT_CONFIGURED",
        "This MCP endpoint has no authorize hook configured, so it refuses every request. Pass authorize to " +
          "confluenceMcp, or allowUnauthenticated: true for a local demo.",
      );
      return;
    }
    const can = authorize ? (action: McpAction, resource: McpResource) => authorize(req, action, resource) : () => true;
    try {
      if (!(await can("search", {}))) {
        rpcError(res, 403, "FORBIDDEN", "Not allowed to use the Confluence MCP server.");
        return;
      }
    } catch (error) {
      const status = (error as { status?: unknown } | null)?.status;
      if (status === 401) {
        rpcError(res, 401, "UNAUTHORIZED", error instanceof Error ? error.message : "Credentials required.");
        return;
      }
      throw error;
    }
    const server = buildServer(resolved, async (action, resource) => (await can(action, resource)) === true);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  };

  const middleware = (req: Request, res: Response, next: NextFunction) => {
    const done = handle(req, res).catch((error: unknown) => {
      logger.error({ err: describeError(error) }, "MCP request failed");
      if (res.headersSent) next(error);
      else rpcError(res, 500, "INTERNAL", "The MCP request failed; the server log has the details.");
    });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };
  return Object.assign(middleware, {
    close: async () => {
      await Promise.all([...inFlight]);
    },
  });
}
