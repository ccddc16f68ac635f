import { cursorListing } from "./cursor-listing.js";
import { v1Error } from "./errors.js";
import { offsetListing } from "./offset-listing.js";
import { intParam, limitParam } from "./query.js";
import type { Handler, RequestContext } from "./types.js";
import { v1ReadRestriction } from "./v1-objects.js";

/** A page or folder id from the path, or a 404 as Confluence answers an unknown content id. */
function contentId(ctx: RequestContext): string | null {
  const id = ctx.params.id ?? "";
  return ctx.state.page(id) || ctx.state.folder(id) ? id : null;
}

/** `GET /rest/api/content/{id}/restriction/byOperation/read`: the page's own read restriction, users and groups. */
const readRestriction: Handler = (ctx) => {
  const id = contentId(ctx);
  if (id === null) return v1Error(404, `No content found with id: ContentId{id=${ctx.params.id}}`);
  const limit = limitParam(ctx.url, 100, 200);
  const start = intParam(ctx.url, "start", 0);
  return { status: 200, body: v1ReadRestriction(ctx, id, { users: true, groups: true, start, limit }) };
};

/** The user a `memberof` request names: `accountId` on Cloud, `key` or `username` on Data Center. */
function requestedUser(ctx: RequestContext): string | undefined {
  const params = ctx.url.searchParams;
  return ctx.state
    .users()
    .find((u) =>
      ctx.deployment === "cloud"
        ? u.accountId === params.get("accountId")
        : u.userKey === params.get("key") || u.username === params.get("username"),
    )?.accountId;
}

/** `GET /rest/api/user/memberof`: the user's groups, `{ type, name, id }` on Cloud and `{ type, name }` on Data Center. */
const memberOf: Handler = (ctx) => {
  const accountId = requestedUser(ctx);
  if (accountId === undefined) return v1Error(404, "No user found");
  const groups = ctx.state.permissions.groupsOf(accountId);
  return offsetListing(
    ctx,
    groups,
    (g) => (ctx.deployment === "cloud" ? { type: "group", name: g.name, id: g.id } : { type: "group", name: g.name }),
    { defaultLimit: 200, max: 200 },
  );
};

/** Space permission entries for `read` (view) plus a `create page` one, so clients must pick the operation. */
function spaceEntries(ctx: RequestContext, spaceKey: string) {
  const viewers = ctx.state.permissions.spaceViewers(spaceKey);
  const entries: { kind: "user" | "group" | "anonymous"; subject: string; operation: string; target: string }[] = [];
  for (const accountId of viewers.users) {
    entries.push({ kind: "user", subject: accountId, operation: "read", target: "space" });
    entries.push({ kind: "user", subject: accountId, operation: "create", target: "page" });
  }
  for (const name of viewers.groups) entries.push({ kind: "group", subject: name, operation: "read", target: "space" });
  if (viewers.anonymous) entries.push({ kind: "anonymous", subject: "", operation: "read", target: "space" });
  return entries;
}

/**
 * Data Center 9.1+ `GET /rest/api/space/{spaceKey}/permissions`: a plain array; users are named by `userKey`, groups by
 * `name`, anonymous access by a subject of type `anonymous`.
 */
const dcSpacePermissions: Handler = (ctx) => {
  if (ctx.deployment === "cloud") return v1Error(404, "null for uri: /rest/api/space/permissions");
  const space = ctx.state.space(ctx.params.key ?? "");
  if (!space) return v1Error(404, `No space with key : ${ctx.params.key}`);
  const body = spaceEntries(ctx, space.key).map((entry) => ({
    operation: { targetType: entry.target, operationKey: entry.operation },
    subject:
      entry.kind === "user"
        ? { type: "user", userKey: ctx.state.user(entry.subject)?.userKey ?? entry.subject }
        : entry.kind === "group"
          ? { type: "group", name: entry.subject }
          : { type: "anonymous" },
    spaceKey: space.key,
    spaceId: Number(space.id),
  }));
  return { status: 200, body };
};

/** Cloud v2 `GET /spaces/{id}/permissions`: `{ id, principal: { type, id }, operation: { key, targetType } }`. */
const v2SpacePermissions: Handler = (ctx) => {
  const space = ctx.state.spaceById(ctx.params.id ?? "");
  if (!space) return { status: 404, body: { errors: [{ status: 404, code: "NOT_FOUND", title: "Not Found" }] } };
  const entries = spaceEntries(ctx, space.key).map((entry, i) => ({ ...entry, n: i + 1 }));
  return cursorListing(
    ctx,
    entries,
    (entry) => [entry.n, entry.n],
    (entry) => ({
      id: String(900_000 + entry.n),
      principal:
        entry.kind === "group"
          ? { type: "group", id: ctx.state.permissions.group(entry.subject)?.id ?? entry.subject }
          : entry.kind === "user"
            ? { type: "user", id: entry.subject }
            : { type: "anonymous", id: "anonymous" },
      operation: { key: entry.operation, targetType: entry.target },
    }),
  );
};

/** Permission routes relative to the v1 prefix. */
export const permissionV1Routes: ReadonlyArray<readonly [method: string, pattern: string, handler: Handler]> = [
  ["GET", "/content/{id}/restriction/byOperation/read", readRestriction],
  ["GET", "/user/memberof", memberOf],
  ["GET", "/space/{key}/permissions", dcSpacePermissions],
];

/** Permission routes relative to the Cloud v2 prefix. */
export const permissionV2Routes: ReadonlyArray<readonly [method: string, pattern: string, handler: Handler]> = [
  ["GET", "/spaces/{id}/permissions", v2SpacePermissions],
];
