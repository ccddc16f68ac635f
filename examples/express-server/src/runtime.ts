/**
 * Builds the parts the server and the command line share from the configuration: storage, embedder, the
 * Confluence connection (a real site or the embedded fake) and the URL policy. Records one line per default chosen.
 */
import { join } from "node:path";
import {
  type ConfluenceCredentials,
  createConfluenceSource,
  type Embedder,
  HashingEmbedder,
  type Logger,
  OpenAIEmbedder,
  type SourceRecord,
} from "@archon/confluence-core";
import { checkBaseUrl, type SourceConnection, type SourceFactory, type UrlPolicy } from "@archon/confluence-express";
import { PgKnowledgeStore } from "@archon/confluence-pg-store";
import type { FakeConfluence } from "@archon/fake-confluence";
import { type AppConfig, exampleDir } from "./config.js";
import { type FakeSite, startFakeSite } from "./fake-site.js";
import { openStorage, type Storage } from "./storage.js";

export interface Runtime extends Storage {
  readonly config: AppConfig;
  readonly embedder: Embedder;
  readonly createSource: SourceFactory;
  readonly urlPolicy: UrlPolicy;
  /** The configured (or embedded fake) Confluence site. */
  readonly connection: SourceConnection;
  /** Space registered at start: `CONFLUENCE_SPACE_KEY`, or `DEMO` on the fake. */
  readonly defaultSpaceKey: string | undefined;
  readonly fake: FakeConfluence | undefined;
  /** Display names for mentions, when the site's users are known (the embedded fake's are). */
  readonly resolveUser: ((accountId: string) => string | undefined) | undefined;
  /** One human-readable line per default the runtime chose. */
  readonly notes: string[];
  readonly logger: Logger;
  /** Registers (or refreshes) a source for a space of the configured site, checking the connection first. */
  ensureSource(spaceKey: string): Promise<SourceRecord>;
  close(): Promise<void>;
}

function credentialsFrom(config: AppConfig): ConfluenceCredentials {
  if (config.CONFLUENCE_PAT) return { type: "bearer", token: config.CONFLUENCE_PAT };
  return { type: "basic", email: config.CONFLUENCE_EMAIL ?? "", apiToken: config.CONFLUENCE_API_TOKEN ?? "" };
}

function createEmbedder(config: AppConfig, notes: string[], logger: Logger): Embedder {
  if (config.OPENAI_API_KEY || config.EMBEDDING_BASE_URL) {
    const embedder = new OpenAIEmbedder({
      ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
      ...(config.EMBEDDING_BASE_URL ? { baseURL: config.EMBEDDING_BASE_URL } : {}),
      ...(config.EMBEDDING_MODEL ? { model: config.EMBEDDING_MODEL } : {}),
      ...(config.EMBEDDING_DIMENSIONS ? { dimensions: config.EMBEDDING_DIMENSIONS } : {}),
      logger,
    });
    notes.push(`embedder: ${embedder.modelId} (${embedder.dimensions} dimensions)`);
    return embedder;
  }
  const embedder = new HashingEmbedder();
  notes.push(
    `embedder: local hashing embedder ${embedder.modelId} (default; lexical only, set OPENAI_API_KEY for semantic search)`,
  );
  return embedder;
}

/**
 * On a database an Archon deployment also reads, says once (with the start-up notes) whether Archon's own search
 * finds what this embedder writes, and the fix when it does not.
 */
async function noteArchonSearch(store: Storage["store"], embedder: Embedder, notes: string[]): Promise<void> {
  if (!(store instanceof PgKnowledgeStore)) return;
  const check = await store.checkArchonSearch(embedder);
  if (check.message) notes.push(`archon: WARNING ${check.message}`);
  else if (check.archonSearch) notes.push(`archon: Archon's own search finds these vectors (${embedder.modelId})`);
}

/** Storage and embedder only: what searching needs. */
export interface SearchRuntime extends Storage {
  readonly embedder: Embedder;
  readonly notes: string[];
}

/** Opens storage and the embedder without starting or contacting any Confluence. */
export async function startSearchRuntime(config: AppConfig, logger: Logger): Promise<SearchRuntime> {
  const notes: string[] = [];
  const storage = await openStorage(config, config.DATA_DIR ?? join(exampleDir, ".data"), notes, logger);
  try {
    return { ...storage, embedder: createEmbedder(config, notes, logger), notes };
  } catch (error) {
    await storage.close().catch(() => {});
    throw error;
  }
}

/** Starts everything the configuration asks for; the caller must `close()` it. */
export async function startRuntime(config: AppConfig, logger: Logger): Promise<Runtime> {
  const notes: string[] = [];
  const dataDir = config.DATA_DIR ?? join(exampleDir, ".data");
  const storage = await openStorage(config, dataDir, notes, logger);
  let site: FakeSite | undefined;
  let fake: FakeConfluence | undefined;
  try {
    const embedder = createEmbedder(config, notes, logger);
    await noteArchonSearch(storage.store, embedder, notes);
    let connection: SourceConnection;
    let defaultSpaceKey: string | undefined;
    let urlPolicy: UrlPolicy;
    if (config.CONFLUENCE_BASE_URL) {
      const credentials = credentialsFrom(config);
      const host = new URL(config.CONFLUENCE_BASE_URL).hostname;
      const deployment = config.CONFLUENCE_DEPLOYMENT ?? (host.endsWith(".atlassian.net") ? "cloud" : "datacenter");
      connection = { baseUrl: config.CONFLUENCE_BASE_URL.replace(/\/+$/, ""), deployment, credentials };
      defaultSpaceKey = config.CONFLUENCE_SPACE_KEY;
      notes.push(`confluence: ${connection.baseUrl} (${deployment}, ${credentials.type} auth)`);
      if (!defaultSpaceKey) notes.push("confluence: no CONFLUENCE_SPACE_KEY, so no space is registered at start");
      urlPolicy = await envUrlPolicy(connection.baseUrl, config.ALLOW_PRIVATE_URLS === true, notes);
    } else {
      site = await startFakeSite(config, notes);
      fake = site.fake;
      connection = {
        baseUrl: site.baseUrl,
        deployment: "cloud",
        credentials: { type: "basic", email: site.credentials.email, apiToken: site.credentials.apiToken },
      };
      defaultSpaceKey = "DEMO";
      // The fake listens on loopback over http; everything else still has to be https and public.
      urlPolicy = { allowHttp: true, allowPrivateNetworks: true };
      if (!config.ALLOW_PRIVATE_URLS) {
        // Exactly the fake's origin: any other port on loopback (a database, an admin page) stays out of reach.
        const fakeOrigin = new URL(site.baseUrl).origin;
        urlPolicy = { ...urlPolicy, allowedOrigins: [fakeOrigin] };
        notes.push(`url policy: new sources may only point at the embedded fake (${fakeOrigin})`);
      }
    }
    const createSource: SourceFactory = (c) => createConfluenceSource({ ...c, logger });
    // The fake's users are known up front, so mentions of the demo show names instead of account ids.
    const names = new Map(
      (fake?.state.users() ?? []).flatMap((u) => [
        [u.accountId, u.displayName] as const,
        [u.userKey, u.displayName] as const,
      ]),
    );
    const resolveUser = names.size > 0 ? (id: string) => names.get(id) : undefined;

    const ensureSource = async (spaceKey: string): Promise<SourceRecord> => {
      const existing = (await storage.store.listSources()).find(
        (source) => source.spaceKey === spaceKey && (site || source.baseUrl === connection.baseUrl),
      );
      const confluence = createSource(connection);
      await confluence.checkConnection();
      const space = await confluence.getSpace(spaceKey);
      const now = new Date().toISOString();
      const record: SourceRecord = existing
        ? { ...existing, baseUrl: connection.baseUrl, deployment: connection.deployment, updatedAt: now }
        : {
            sourceId:
              spaceKey
                .toLowerCase()
                .replace(/[^a-z0-9_-]/g, "-")
                .replace(/^[-_]+/, "") || "space",
            name: space.name,
            deployment: connection.deployment,
            baseUrl: connection.baseUrl,
            spaceKey: space.key,
            deletionStrategy: "listing",
            removeArchived: true,
            createdAt: now,
            updatedAt: now,
          };
      await storage.credentials.put(record.sourceId, connection.credentials);
      await storage.store.upsertSource(record);
      return record;
    };

    return {
      ...storage,
      config,
      embedder,
      createSource,
      urlPolicy,
      connection,
      defaultSpaceKey,
      fake,
      resolveUser,
      notes,
      logger,
      ensureSource,
      async close() {
        await storage.close();
        await site?.close();
      },
    };
  } catch (error) {
    await storage.close().catch(() => {});
    await site?.close().catch(() => {});
    throw error;
  }
}

/**
 * Decides once, at start, whether the configured site passes the URL policy. An http or private-network site the
 * operator set in CONFLUENCE_BASE_URL is trusted for that exact origin only (and said so), instead of being
 * registered now and refused at the first sync.
 */
async function envUrlPolicy(baseUrl: string, allowPrivate: boolean, notes: string[]): Promise<UrlPolicy> {
  if (allowPrivate) return { allowHttp: true, allowPrivateNetworks: true };
  try {
    await checkBaseUrl(baseUrl, {});
    return {};
  } catch (error) {
    const origin = new URL(baseUrl).origin;
    const reason = error instanceof Error ? error.message : "refused by the URL policy";
    notes.push(
      `url policy: CONFLUENCE_BASE_URL ${origin} would be refused (${reason}); it is trusted because it is configured. ` +
        "Other new sources must be public https sites (ALLOW_PRIVATE_URLS=1 allows any).",
    );
    return { trustedOrigins: [origin] };
  }
}
