import type { CredentialStore, Embedder, KnowledgeStore, Logger, ProgressReader } from "@archon/confluence-core";
import type { Request } from "express";
import { HttpError } from "./http-error.js";
import type { SyncOperations } from "./operations.js";
import type {
  ConfluenceAction,
  ConfluenceResource,
  PrincipalHook,
  ResolvedRouterOptions,
  SourceFactory,
} from "./options.js";
import type { UrlPolicy } from "./url-policy.js";

/** What every route module needs. */
export interface RouteContext {
  readonly store: KnowledgeStore;
  readonly credentials: CredentialStore;
  readonly embedder: Embedder;
  readonly createSource: SourceFactory;
  readonly operations: SyncOperations;
  readonly progressReader: ProgressReader | undefined;
  readonly urlPolicy: UrlPolicy;
  readonly connectTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly logger: Logger;
  /** The searching user's principal, when the app configured the hook. */
  readonly principal: PrincipalHook | undefined;
  /** Throws `403` unless the hook allows the action. */
  authorize(req: Request, action: ConfluenceAction, resource?: ConfluenceResource): Promise<void>;
  /** Like {@link authorize} but answers `false` instead of throwing a `403`. */
  isAllowed(req: Request, action: ConfluenceAction, resource?: ConfluenceResource): Promise<boolean>;
}

export function authorizer(options: ResolvedRouterOptions): Pick<RouteContext, "authorize" | "isAllowed"> {
  const isAllowed = async (req: Request, action: ConfluenceAction, resource: ConfluenceResource = {}) => {
    if (options.authorize) return (await options.authorize(req, action, resource)) === true;
    if (options.allowUnauthenticated) return true;
    throw notConfigured();
  };
  return {
    isAllowed,
    async authorize(req, action, resource = {}) {
      if (!(await isAllowed(req, action, resource))) {
        throw new HttpError(403, "FORBIDDEN", `Not allowed to ${action.replace(":", " ")}.`);
      }
    },
  };
}

export function notConfigured(): HttpError {
  return new HttpError(
    403,
    "AUTHORIZATION_NOT_CONFIGURED",
    "This API has no authorize hook configured, so it refuses every request. Pass authorize(req, action, resource) " +
      "to createConfluenceRouter, or allowUnauthenticated: true for a local demo.",
  );
}
