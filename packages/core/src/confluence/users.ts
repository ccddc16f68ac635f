import { z } from "zod";
import { isConfluenceSyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { SourceCallOptions } from "../ports/confluence-source.js";
import type { ConfluenceDeployment } from "./config.js";
import type { ConfluenceTransport } from "./transport.js";

/** Cloud's bulk lookup takes at most this many account ids per request. */
const BULK_LIMIT = 100;

const userSchema = z.looseObject({
  accountId: z.string().optional(),
  userKey: z.string().optional(),
  username: z.string().optional(),
  displayName: z.string().optional(),
  publicName: z.string().optional(),
});
const userArraySchema = z.looseObject({ results: z.array(userSchema) });

const nameOf = (user: z.infer<typeof userSchema>) => user.displayName || user.publicName || undefined;

/**
 * Display names for mention ids. Cloud: `GET /wiki/rest/api/user/bulk?accountId=` (100 per request). Data Center:
 * `GET /rest/api/user?key=`, then `?username=` for mentions that carry a user name. A user who cannot be looked up
 * (gone, hidden, or the lookup refused) is left out, so the mention keeps its id; only cancellation is an error.
 */
export async function lookUpUsers(
  transport: ConfluenceTransport,
  deployment: ConfluenceDeployment,
  logger: Logger,
  ids: readonly string[],
  options: SourceCallOptions,
): Promise<Map<string, string>> {
  const client = transport.client(options);
  const names = new Map<string, string>();
  const unique = [...new Set(ids)].filter((id) => id !== "");
  const tolerate = (error: unknown): undefined => {
    if (isConfluenceSyncError(error, "SYNC_ABORTED")) throw error;
    logger.debug({ err: error instanceof Error ? error.message : String(error) }, "Could not look up users");
    return undefined;
  };
  if (deployment === "cloud") {
    for (let i = 0; i < unique.length; i += BULK_LIMIT) {
      const accountId = unique.slice(i, i + BULK_LIMIT);
      const searchParams = { accountId, limit: accountId.length };
      const page = await client
        .sendRequest({ url: "/wiki/rest/api/user/bulk", searchParams, schema: userArraySchema })
        .catch(tolerate);
      for (const user of page?.results ?? []) {
        const name = nameOf(user);
        if (user.accountId !== undefined && name !== undefined) names.set(user.accountId, name);
      }
    }
    return names;
  }
  for (const id of unique) {
    let user: z.infer<typeof userSchema> | undefined;
    for (const param of ["key", "username"] as const) {
      user = await client
        .sendRequest({ url: "/wiki/rest/api/user", searchParams: { [param]: id }, schema: userSchema })
        .catch(tolerate);
      if (user !== undefined) break;
    }
    const name = user === undefined ? undefined : nameOf(user);
    if (name !== undefined) names.set(id, name);
  }
  return names;
}
