// A tiny programmable HTTP server for the source's unit tests: each test scripts the replies it needs.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
}

/** A JSON reply, a raw text reply, a dropped connection, or no reply at all. */
export type Reply =
  | {
      readonly status?: number;
      readonly headers?: Record<string, string>;
      readonly json?: unknown;
      readonly text?: string;
    }
  | "reset"
  | "hang";

export interface TestServer {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startTestServer(
  handler: (request: RecordedRequest) => Reply | Promise<Reply>,
): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
    };
    requests.push(recorded);
    const reply = await handler(recorded);
    if (reply === "hang") return;
    if (reply === "reset") {
      req.socket.destroy();
      return;
    }
    const text = reply.text ?? JSON.stringify(reply.json ?? {});
    res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A v1 content object shaped as Confluence (and confluence.js's schema) expects. */
export function v1Content(page: {
  id: string;
  title?: string;
  version?: number;
  status?: string;
  ancestors?: string[];
  labels?: string[];
  body?: string;
  when?: string;
}): Record<string, unknown> {
  return {
    id: page.id,
    type: "page",
    status: page.status ?? "current",
    title: page.title ?? `Page ${page.id}`,
    version: {
      number: page.version ?? 1,
      when: page.when ?? "2026-01-01T00:00:00.000Z",
      minorEdit: false,
      by: { type: "known", accountId: "acc-1", userKey: "key-1" },
    },
    ancestors: (page.ancestors ?? []).map((id) => ({ id, type: "page", status: "current" })),
    metadata: {
      labels: {
        results: (page.labels ?? []).map((name, i) => ({ prefix: "global", name, id: String(i + 1), label: name })),
        size: (page.labels ?? []).length,
      },
    },
    ...(page.body === undefined ? {} : { body: { storage: { value: page.body, representation: "storage" } } }),
    _links: { webui: `/spaces/DEMO/pages/${page.id}` },
  };
}
