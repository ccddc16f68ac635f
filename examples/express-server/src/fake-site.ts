/**
 * The embedded fake Confluence with the demo handbook. It listens on a stable port (`FAKE_CONFLUENCE_PORT`, 8090 by
 * default) so that sources, stored page URLs and "Open in Confluence" links stay valid across restarts. When another
 * process of this example already serves the same fake on that port (the server, next to a command on PostgreSQL),
 * that one is used.
 */
import { defaultCredentials, type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { type AppConfig, ConfigError } from "./config.js";

/** A running (or borrowed) fake site. */
export interface FakeSite {
  readonly baseUrl: string;
  readonly credentials: { readonly email: string; readonly apiToken: string };
  /** The server this process started; undefined when another process serves it. */
  readonly fake: FakeConfluence | undefined;
  close(): Promise<void>;
}

const DEMO_SPACE = "DEMO";

/** True when `baseUrl` answers like this example's fake: the demo space, for the fake's made-up credentials. */
async function servesDemo(baseUrl: string): Promise<boolean> {
  const { email, apiToken } = defaultCredentials("cloud");
  try {
    const response = await fetch(`${baseUrl}/wiki/rest/api/space/${DEMO_SPACE}`, {
      headers: { authorization: `Basic ${Buffer.from(`${email}:${apiToken}`).toString("base64")}` },
      signal: AbortSignal.timeout(3000),
    });
    return response.ok && ((await response.json()) as { key?: unknown }).key === DEMO_SPACE;
  } catch {
    return false;
  }
}

/** Starts the fake on `FAKE_CONFLUENCE_PORT`, or borrows the one another process of the example runs there. */
export async function startFakeSite(config: AppConfig, notes: string[]): Promise<FakeSite> {
  const port = config.FAKE_CONFLUENCE_PORT;
  let fake: FakeConfluence;
  try {
    fake = await startFakeConfluence({
      deployment: "cloud",
      port,
      spaces: [{ preset: "demo", pages: config.FAKE_CONFLUENCE_PAGES }],
      readablePages: true,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    const baseUrl = `http://127.0.0.1:${port}`;
    if (await servesDemo(baseUrl)) {
      notes.push(`confluence: the fake Confluence another process serves at ${baseUrl} (the DEMO space)`);
      return { baseUrl, credentials: defaultCredentials("cloud"), fake: undefined, close: async () => {} };
    }
    throw new ConfigError([
      `FAKE_CONFLUENCE_PORT: port ${port} is in use by another program. Stop it, or set FAKE_CONFLUENCE_PORT to a ` +
        "free port (sources and links stored with the old port then point at it until you change it back).",
    ]);
  }
  notes.push(
    `confluence: embedded fake Confluence at ${fake.baseUrl} with the DEMO space ` +
      `(${config.FAKE_CONFLUENCE_PAGES} pages; default, set CONFLUENCE_BASE_URL for a real site, ` +
      "FAKE_CONFLUENCE_PORT for another port)",
  );
  return {
    baseUrl: fake.baseUrl,
    credentials: { email: fake.credentials.email, apiToken: fake.credentials.apiToken },
    fake,
    close: () => fake.close(),
  };
}
