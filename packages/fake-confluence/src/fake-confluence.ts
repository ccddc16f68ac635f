import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { downloadRoutes, mediaRoutes, restDownloadRoutes } from "./attachments/attachment-routes.js";
import { AuthChecker, defaultCredentials, type FakeCredentials } from "./auth.js";
import { type FaultConfigInput, type FaultCounters, FaultInjector } from "./faults.js";
import { generateSpace, generateUsers, type SpaceSeed } from "./generator/generate-space.js";
import { demoHandbook } from "./handbook/demo-handbook.js";
import { servePageViewsFirst } from "./handbook/page-view.js";
import { createRequestListener, type RequestCounters, type RequestLogEntry } from "./http/handler.js";
import { pageWebui } from "./http/links.js";
import { permissionV1Routes, permissionV2Routes } from "./http/permission-routes.js";
import { compileRoutes } from "./http/router.js";
import { v1Routes } from "./http/v1-routes.js";
import { v2Routes } from "./http/v2-routes.js";
import { loadSpaceFromDirectory } from "./load-dir.js";
import type { Deployment, FakePage, FakePageStatus, FakeSpace, GroundTruthPage } from "./model.js";
import { type FakeConfluenceOptions, fakeConfluenceOptionsSchema } from "./options.js";
import { SpaceHandle } from "./space-handle.js";
import { FakeConfluenceState } from "./state.js";
import { parseOrThrow } from "./validate.js";

/** Request and fault counters, e.g. for a benchmark's "API requests" figure. */
export interface FakeConfluenceStats {
  /** Requests received, faulted ones included. */
  readonly requests: number;
  /** Requests per route template, e.g. `GET /wiki/api/v2/spaces/{id}/pages`. */
  readonly byEndpoint: Readonly<Record<string, number>>;
  /** Responses per HTTP status (`"0"` counts connection resets). */
  readonly byStatus: Readonly<Record<string, number>>;
  readonly faults: FaultCounters;
}

/**
 * A running fake Confluence: a real node:http server plus handles to its data, faults and counters.
 * Create one with {@link startFakeConfluence}; always {@link FakeConfluence.close} it.
 */
export class FakeConfluence {
  /** What a client uses as the site URL: the origin on Cloud, origin plus context path on Data Center. */
  readonly baseUrl: string;
  /** `http://host:port`. */
  readonly origin: string;
  readonly deployment: Deployment;
  /**
   * Credentials the server accepts: the deployment's made-up defaults, or the first of each kind given in `auth`
   * (`""` for a kind that is not accepted).
   */
  readonly credentials: FakeCredentials;
  /** The data the server serves, with the low-level mutation API. */
  readonly state: FakeConfluenceState;
  readonly #server: Server;
  readonly #faults: FaultInjector;
  readonly #log: RequestLogEntry[];
  readonly #counters: RequestCounters;
  readonly #contextPath: string;

  /** @internal Use {@link startFakeConfluence}. */
  constructor(init: {
    server: Server;
    origin: string;
    deployment: Deployment;
    contextPath: string;
    credentials: FakeCredentials;
    state: FakeConfluenceState;
    faults: FaultInjector;
    log: RequestLogEntry[];
    counters: RequestCounters;
  }) {
    this.#server = init.server;
    this.origin = init.origin;
    this.deployment = init.deployment;
    this.#contextPath = init.contextPath;
    this.baseUrl = init.deployment === "cloud" ? init.origin : `${init.origin}${init.contextPath}`;
    this.credentials = init.credentials;
    this.state = init.state;
    this.#faults = init.faults;
    this.#log = init.log;
    this.#counters = init.counters;
  }

  /** `origin + /wiki` on Cloud, `baseUrl` on Data Center: the `_links.base` of responses. */
  get siteBase(): string {
    return `${this.origin}${this.#contextPath}`;
  }

  /** Every loaded space. */
  spaces(): FakeSpace[] {
    return this.state.spaces();
  }

  /** A handle on one space for mutations and ground truth; throws when the key is unknown. */
  space(key: string): SpaceHandle {
    return new SpaceHandle(this, key);
  }

  /** Loads another space at runtime (generated, preset or from a directory seed). */
  addSpace(seed: SpaceSeed): SpaceHandle {
    this.state.addSpace(seed);
    return this.space(seed.key);
  }

  /** Absolute URL a person would open for a page. */
  webUrl(page: FakePage): string {
    return `${this.siteBase}${pageWebui(this.deployment, page)}`;
  }

  /**
   * What a correct sync should hold: every page of the space (or of all spaces) in the given statuses, sorted by id.
   * @default statuses ["current"]
   */
  groundTruth(spaceKey?: string, options: { statuses?: readonly FakePageStatus[] } = {}): GroundTruthPage[] {
    const statuses = new Set(options.statuses ?? ["current"]);
    const pages = spaceKey === undefined ? this.state.allPages() : this.state.pagesOf(spaceKey);
    return pages.filter((page) => statuses.has(page.status)).map((page) => this.truthOf(page));
  }

  /** Ground truth of one page, in whatever status it has. */
  truthOf(page: FakePage): GroundTruthPage {
    const ancestors = this.state.ancestorsOf(page.id);
    const author = this.state.user(page.version.authorId);
    return {
      id: page.id,
      spaceKey: page.spaceKey,
      title: page.title,
      parentId: page.parentId,
      ancestors,
      path: [...ancestors.map((id) => this.state.page(id)?.title ?? this.state.folder(id)?.title ?? ""), page.title],
      labels: [...page.labels].sort(),
      version: page.version.number,
      status: page.status,
      body: page.body,
      authorId: this.deployment === "cloud" ? page.version.authorId : (author?.userKey ?? page.version.authorId),
      createdAt: page.createdAt,
      updatedAt: page.version.when,
      webUrl: this.webUrl(page),
    };
  }

  /** Current fault settings. */
  get faults(): FaultConfigInput {
    return this.#faults.config;
  }

  /** Replaces all fault settings (validated; errors name the field). Counters keep counting. */
  setFaults(config: FaultConfigInput): void {
    this.#faults.set(config);
  }

  /** Changes some fault settings, keeping the others. */
  updateFaults(changes: FaultConfigInput): void {
    this.#faults.set({ ...this.#faults.config, ...changes });
  }

  /** Turns every fault off. */
  clearFaults(): void {
    this.#faults.set({});
  }

  /** Request and fault counters since start or the last {@link resetStats}. */
  stats(): FakeConfluenceStats {
    return {
      requests: this.#counters.total,
      byEndpoint: { ...this.#counters.byEndpoint },
      byStatus: { ...this.#counters.byStatus },
      faults: this.#faults.counters(),
    };
  }

  /** Served requests, oldest first (bounded by `requestLogLimit`). Never contains headers or credentials. */
  requestLog(): readonly RequestLogEntry[] {
    return [...this.#log];
  }

  /** Zeroes counters and clears the request log. */
  resetStats(): void {
    this.#counters.total = 0;
    this.#counters.byEndpoint = {};
    this.#counters.byStatus = {};
    this.#log.length = 0;
    this.#faults.resetCounters();
  }

  /** Stops listening and drops open connections. */
  async close(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = once(this.#server, "close");
    this.#server.close();
    this.#server.closeAllConnections();
    await closed;
  }
}

/**
 * Starts a fake Confluence server on 127.0.0.1 (a free port by default) with generated, preset or directory-loaded
 * spaces. Options are validated; a bad option throws `CONFIG_INVALID` naming the field.
 */
export async function startFakeConfluence(options: FakeConfluenceOptions = {}): Promise<FakeConfluence> {
  const config = parseOrThrow(fakeConfluenceOptionsSchema, options, "fake-confluence options");
  const deployment = config.deployment;
  const contextPath = deployment === "cloud" ? "/wiki" : config.contextPath;
  const state = new FakeConfluenceState(config.now ? { now: config.now } : {});
  const users = generateUsers(config.seed);
  for (const spec of config.spaces) {
    const firstPageId = state.nextPageId;
    if ("preset" in spec) state.addSpace(demoHandbook({ pages: spec.pages, seed: spec.seed, firstPageId, deployment }));
    else if ("fromDir" in spec) {
      state.addSpace(await loadSpaceFromDirectory(spec.fromDir, { key: spec.key, name: spec.name, users }));
    } else {
      state.addSpace(generateSpace({ ...spec, seed: spec.seed ?? config.seed, users, deployment, firstPageId }));
    }
  }
  const defaults = defaultCredentials(deployment);
  const accepted = config.auth ?? {
    basic: [{ user: defaults.email, password: defaults.apiToken }],
    bearer: [defaults.bearerToken],
    anonymous: false,
  };
  // With custom auth, the handle reports the first accepted credentials; a kind that is not accepted is "".
  const credentials: FakeCredentials = {
    email: accepted.basic?.[0]?.user ?? "",
    apiToken: accepted.basic?.[0]?.password ?? "",
    bearerToken: accepted.bearer?.[0] ?? "",
  };
  const auth = new AuthChecker(accepted);
  const faults = new FaultInjector(config.faults ?? {}, config.seed);
  const routes = [
    ...(deployment === "cloud"
      ? [
          ...compileRoutes("/wiki/api/v2", "v2", [...v2Routes, ...permissionV2Routes]),
          ...compileRoutes("/wiki/rest/api", "v1", [...v1Routes, ...permissionV1Routes, ...restDownloadRoutes]),
          ...compileRoutes("", "v1", mediaRoutes, { public: true }),
        ]
      : compileRoutes(`${contextPath}/rest/api`, "v1", [...v1Routes, ...permissionV1Routes])),
    ...compileRoutes(contextPath, "v1", downloadRoutes),
  ];
  const log: RequestLogEntry[] = [];
  const counters: RequestCounters = { total: 0, byEndpoint: {}, byStatus: {} };
  let origin = "";
  const server = createServer(
    { keepAliveTimeout: 5_000 },
    createRequestListener({
      state,
      deployment,
      contextPath,
      routes,
      auth,
      faults,
      timeZone: config.timeZone,
      origin: () => origin,
      log,
      logLimit: config.requestLogLimit,
      counters,
    }),
  );
  if (config.readablePages) servePageViewsFirst(server, { state, deployment, contextPath }, () => origin);
  server.listen(config.port, config.host);
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  origin = `http://${host}:${address.port}`;
  return new FakeConfluence({ server, origin, deployment, contextPath, credentials, state, faults, log, counters });
}
