import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { AuthChecker } from "../auth.js";
import type { FaultInjector } from "../faults.js";
import type { Deployment } from "../model.js";
import type { FakeConfluenceState } from "../state.js";
import { HttpError, reasonPhrase, v1Error, v2Error } from "./errors.js";
import { type ApiFamily, type CompiledRoute, matchRoute } from "./router.js";
import type { ApiResponse } from "./types.js";

/** One served request, without headers (so never a credential). */
export interface RequestLogEntry {
  /** 1-based order of arrival. */
  readonly seq: number;
  readonly method: string;
  /** Route template, e.g. `GET /wiki/api/v2/spaces/{id}/pages`, or `GET (unmatched)`. */
  readonly endpoint: string;
  /** Path and query as requested, with secret-looking query parameters redacted. */
  readonly url: string;
  /** HTTP status; 0 when the connection was reset. */
  readonly status: number;
  /** The injected fault, if any. */
  readonly fault?: "reset" | "rate-limited" | "server-error" | "malformed-json" | "forbidden";
  readonly durationMs: number;
}

/** Live request counters. */
export interface RequestCounters {
  total: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
}

export interface HandlerDeps {
  readonly state: FakeConfluenceState;
  readonly deployment: Deployment;
  readonly contextPath: string;
  readonly routes: readonly CompiledRoute[];
  readonly auth: AuthChecker;
  readonly faults: FaultInjector;
  readonly timeZone: string;
  readonly origin: () => string;
  readonly log: RequestLogEntry[];
  readonly logLimit: number;
  readonly counters: RequestCounters;
}

const SECRET_PARAM = /^(access_token|token|password|os_password|api_token|apitoken|jwt)$/i;

function redact(url: URL): string {
  const params = new URLSearchParams(url.searchParams);
  for (const key of [...params.keys()]) if (SECRET_PARAM.test(key)) params.set(key, "REDACTED");
  const query = params.toString();
  return query ? `${url.pathname}?${query}` : url.pathname;
}

function errorFor(family: ApiFamily | undefined, status: number, message: string): ApiResponse {
  return family === "v2" ? v2Error(status, message || null) : v1Error(status, message || reasonPhrase(status));
}

function htmlError(status: number): ApiResponse & { html: string } {
  const phrase = reasonPhrase(status);
  return {
    status,
    body: null,
    html: `<html><head><title>${status} ${phrase}</title></head><body><h1>${phrase}</h1></body></html>`,
  };
}

/** The node:http request listener of a fake server. */
export function createRequestListener(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  let seq = 0;
  return (req, res) => {
    const started = performance.now();
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const matched = matchRoute(deps.routes, method, url.pathname);
    const endpoint = matched.route ? `${method} ${matched.route.template}` : `${method} (unmatched)`;
    const entrySeq = ++seq;
    deps.counters.total++;
    deps.counters.byEndpoint[endpoint] = (deps.counters.byEndpoint[endpoint] ?? 0) + 1;

    const record = (status: number, fault?: RequestLogEntry["fault"]) => {
      deps.counters.byStatus[String(status)] = (deps.counters.byStatus[String(status)] ?? 0) + 1;
      if (deps.logLimit === 0) return;
      deps.log.push({
        seq: entrySeq,
        method,
        endpoint,
        url: redact(url),
        status,
        ...(fault ? { fault } : {}),
        durationMs: Math.round(performance.now() - started),
      });
      if (deps.log.length > deps.logLimit) deps.log.splice(0, deps.log.length - deps.logLimit);
    };

    const send = (response: ApiResponse, fault?: RequestLogEntry["fault"], raw?: string, type?: string) => {
      if (response.raw && raw === undefined) {
        res.writeHead(response.status, reasonPhrase(response.status), {
          "Content-Type": response.raw.contentType,
          "Content-Length": response.raw.bytes.byteLength,
          ...response.headers,
        });
        res.end(response.raw.bytes);
        record(response.status, fault);
        return;
      }
      const text = raw ?? JSON.stringify(response.body);
      res.writeHead(response.status, reasonPhrase(response.status), {
        "Content-Type": type ?? "application/json;charset=UTF-8",
        "Content-Length": Buffer.byteLength(text),
        ...response.headers,
      });
      res.end(text);
      record(response.status, fault);
    };

    const run = async () => {
      const delay = deps.faults.delayFor(url.pathname);
      if (delay > 0) await sleep(delay);
      const family = matched.route ? matched.route.family : matched.family;
      const pre = deps.faults.before(url.pathname);
      if (pre.kind === "reset") {
        record(0, "reset");
        req.socket.destroy();
        return;
      }
      if (!matched.route?.public && !deps.auth.accepts(req.headers.authorization)) {
        return send({
          ...errorFor(family, 401, "This request requires authentication; the credentials were missing or wrong."),
          headers: { "WWW-Authenticate": 'Basic realm="Confluence"' },
        });
      }
      if (pre.kind === "forbidden") {
        return send(errorFor(family, 403, "The user does not have permission for this request."), "forbidden");
      }
      if (pre.kind === "rate-limited") {
        return send({ ...errorFor(family, 429, "Rate limit exceeded."), headers: pre.headers }, "rate-limited");
      }
      if (pre.kind === "server-error") {
        if (pre.status === 500) {
          return send({ ...errorFor(family, 500, "Internal server error."), headers: pre.headers }, "server-error");
        }
        const page = { ...htmlError(pre.status), headers: pre.headers };
        return send(page, "server-error", page.html, "text/html;charset=UTF-8");
      }
      if (!matched.route) {
        return send(
          errorFor(family, matched.family ? 405 : 404, matched.family ? "Method not allowed." : "Not found."),
        );
      }
      let response: ApiResponse;
      try {
        response = matched.route.handler({
          state: deps.state,
          deployment: deps.deployment,
          url,
          origin: deps.origin(),
          contextPath: deps.contextPath,
          params: matched.params,
          faults: deps.faults.listing(url.pathname),
          timeZone: deps.timeZone,
        });
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        response = errorFor(family, error.status, error.message);
      }
      if (response.status === 200 && !response.raw && deps.faults.unreadable(url, response.body)) {
        return send(errorFor(family, 500, "Internal server error."), "server-error");
      }
      if (response.status === 200 && !response.raw && deps.faults.malformed(url.pathname)) {
        const text = JSON.stringify(response.body);
        return send(response, "malformed-json", text.slice(0, Math.max(1, Math.floor(text.length / 2))));
      }
      send(response);
    };

    run().catch(() => {
      if (!res.headersSent) send(errorFor(undefined, 500, "Internal server error."));
      else res.destroy();
    });
  };
}
