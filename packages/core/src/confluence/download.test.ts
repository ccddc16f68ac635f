import { afterEach, describe, expect, it } from "vitest";
import type { SourceWait } from "../ports/confluence-source.js";
import { downloadFile } from "./download.js";
import { startTestServer, type TestServer } from "./test-server.js";
import { ConfluenceTransport } from "./transport.js";

const TOKEN = "secret-token-value";
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function transport(baseUrl: string) {
  return new ConfluenceTransport({
    baseUrl,
    deployment: "cloud",
    credentials: { type: "bearer", token: TOKEN },
    maxAttempts: 3,
    maxRetryAfterMs: 20,
    baseDelayMs: 2,
    timeoutMs: 2000,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
}

describe("downloadFile", () => {
  it("retries a 503, follows the redirect to another host without the credentials, and returns the bytes", async () => {
    const media = await startTestServer(() => ({
      status: 200,
      text: "file body",
      headers: { "content-type": "text/plain" },
    }));
    servers.push(media);
    let calls = 0;
    const site = await startTestServer(() =>
      ++calls === 1
        ? { status: 503, text: "busy" }
        : { status: 302, headers: { location: `${media.baseUrl}/file/abc?token=signed` } },
    );
    servers.push(site);
    const waits: SourceWait[] = [];
    let requests = 0;
    const bytes = await downloadFile(transport(site.baseUrl), `${site.baseUrl}/wiki/download/attachments/1/a.txt`, {
      maxBytes: 1000,
      onWait: (wait) => waits.push(wait),
      onRequest: () => {
        requests += 1;
      },
    });
    expect(new TextDecoder().decode(bytes)).toBe("file body");
    expect(site.requests.map((r) => r.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    expect(media.requests.map((r) => r.authorization)).toEqual([undefined]);
    expect(waits).toMatchObject([{ kind: "retry", reason: "503", attempt: 1 }]);
    expect(requests).toBe(3);
  });

  it("stops reading past maxBytes with ATTACHMENT_TOO_LARGE, and answers SOURCE_NOT_FOUND for a 404", async () => {
    const site = await startTestServer((request) =>
      request.path.endsWith("big.bin") ? { status: 200, text: "x".repeat(5000) } : { status: 404, text: "gone" },
    );
    servers.push(site);
    const t = transport(site.baseUrl);
    await expect(downloadFile(t, `${site.baseUrl}/download/big.bin`, { maxBytes: 100 })).rejects.toMatchObject({
      code: "ATTACHMENT_TOO_LARGE",
    });
    await expect(downloadFile(t, `${site.baseUrl}/download/none.bin`, { maxBytes: 100 })).rejects.toMatchObject({
      code: "SOURCE_NOT_FOUND",
    });
  });
});
