import { z } from "zod";
import { ConfluenceSyncError, isConfluenceSyncError } from "../errors.js";
import type { ConfluenceSpace, SourceCallOptions } from "../ports/confluence-source.js";
import type { ReadRestriction, SpaceViewers } from "../ports/permissions.js";
import type { ConfluenceDeployment } from "./config.js";
import { cursorOf } from "./pagination.js";
import type { ConfluenceTransport } from "./transport.js";

/**
 * Expansion that makes a v1 content listing carry each page's own read restriction (users and groups). Inherited
 * restrictions are not listed by Confluence; they are the ancestors' own.
 */
export const RESTRICTION_EXPAND = "restrictions.read.restrictions.user,restrictions.read.restrictions.group";

/** Most subjects asked for per restriction request. */
const SUBJECT_PAGE = 200;
/** Most pages of subjects followed for one restriction (40,000 users or groups). */
const MAX_SUBJECT_PAGES = 200;

const subjectList = z
  .object({
    results: z.array(z.record(z.string(), z.unknown())).default([]),
    limit: z.number().optional(),
    size: z.number().optional(),
    _links: z.object({ next: z.string().optional() }).loose().optional(),
  })
  .loose();

const readRestrictionSchema = z
  .object({
    operation: z.string().optional(),
    restrictions: z.object({ user: subjectList.optional(), group: subjectList.optional() }).loose().optional(),
  })
  .loose();

type SubjectList = z.infer<typeof subjectList>;
type Deployment = ConfluenceDeployment;

function userId(subject: Record<string, unknown>, deployment: Deployment): string | null {
  const id = deployment === "cloud" ? subject.accountId : (subject.userKey ?? subject.username);
  return typeof id === "string" && id !== "" ? id : null;
}

function groupId(subject: Record<string, unknown>, deployment: Deployment): string | null {
  // Cloud names groups by id (names can change); Data Center has names only.
  const id = deployment === "cloud" ? (subject.id ?? subject.name) : subject.name;
  return typeof id === "string" && id !== "" ? id : null;
}

/**
 * Whether a subject list may go on past this page: a `next` link (user lists), or a page as full as its `limit` (group
 * lists, which the v1 spec gives no `_links`).
 */
function mayContinue(list: SubjectList | undefined): boolean {
  if (list === undefined) return false;
  if (list._links?.next) return true;
  return list.limit !== undefined && list.limit > 0 && list.results.length >= list.limit;
}

function ids(list: SubjectList | undefined, pick: (s: Record<string, unknown>) => string | null): string[] {
  return (list?.results ?? []).flatMap((subject) => {
    const id = pick(subject);
    return id === null ? [] : [id];
  });
}

/**
 * A read restriction from an expanded `restrictions.read` (listing) object: `null` for none, `undefined` when the
 * object is missing or its subject lists may have been cut short, in which case it must be fetched whole.
 */
export function restrictionFromContent(content: unknown, deployment: Deployment): ReadRestriction | null | undefined {
  const read = (content as { restrictions?: { read?: unknown } } | null)?.restrictions?.read;
  if (read === undefined) return undefined;
  const parsed = readRestrictionSchema.safeParse(read);
  if (!parsed.success) return undefined;
  const { user, group } = parsed.data.restrictions ?? {};
  if (user === undefined || group === undefined) return undefined;
  if (mayContinue(user) || mayContinue(group)) return undefined;
  const restriction = {
    users: ids(user, (s) => userId(s, deployment)),
    groups: ids(group, (s) => groupId(s, deployment)),
  };
  return restriction.users.length === 0 && restriction.groups.length === 0 ? null : restriction;
}

/**
 * The read restriction set on one page or folder (`GET /rest/api/content/{id}/restriction/byOperation/read`, paged by
 * `start` over both subject lists); `undefined` when the content does not exist.
 */
export async function fetchReadRestriction(
  transport: ConfluenceTransport,
  deployment: Deployment,
  id: string,
  options: SourceCallOptions,
): Promise<ReadRestriction | null | undefined> {
  if (!/^\d{1,20}$/.test(id)) throw new ConfluenceSyncError("CONFIG_INVALID", `content id must be numeric, got ${id}.`);
  const client = transport.client(options);
  const users: string[] = [];
  const groups: string[] = [];
  for (let page = 0, start = 0; page < MAX_SUBJECT_PAGES; page += 1) {
    const body = await client
      .sendRequest({
        url: `/wiki/rest/api/content/${id}/restriction/byOperation/read`,
        searchParams: { start, limit: SUBJECT_PAGE, expand: "restrictions.user,restrictions.group" },
        schema: readRestrictionSchema,
      })
      .catch((error: unknown) => {
        if (isConfluenceSyncError(error, "SOURCE_NOT_FOUND")) return undefined;
        throw error;
      });
    if (body === undefined) return undefined;
    const { user, group } = body.restrictions ?? {};
    users.push(...ids(user, (s) => userId(s, deployment)));
    groups.push(...ids(group, (s) => groupId(s, deployment)));
    const received = Math.max(user?.results.length ?? 0, group?.results.length ?? 0);
    if (!mayContinue(user) && !mayContinue(group)) break;
    if (received === 0) break;
    start += received;
  }
  return users.length === 0 && groups.length === 0 ? null : { users, groups };
}

const v2PermissionsSchema = z
  .object({
    results: z
      .array(
        z
          .object({
            principal: z.object({ type: z.string().optional(), id: z.string().optional() }).loose().nullish(),
            operation: z.object({ key: z.string().optional(), targetType: z.string().optional() }).loose().nullish(),
          })
          .loose(),
      )
      .default([]),
    _links: z.object({ next: z.string().optional() }).loose().optional(),
  })
  .loose();

const dcPermissionSchema = z
  .object({
    operation: z.object({ operationKey: z.string().optional(), targetType: z.string().optional() }).loose().nullish(),
    subject: z.record(z.string(), z.unknown()).nullish(),
  })
  .loose();
const dcPermissionsSchema = z.union([
  z.array(dcPermissionSchema),
  z.object({ results: z.array(dcPermissionSchema) }).loose(),
]);

/** Most pages of a v2 permission listing followed (250 entries each). */
const MAX_PERMISSION_PAGES = 400;

/**
 * Who may view the space. Cloud: v2 `GET /wiki/api/v2/spaces/{id}/permissions` (`read` on `space`; principals of
 * type `user` and `group` by id, `anonymous` for anonymous access; other principal types, such as roles, are not
 * resolvable and grant nothing here). Data Center 9.1+: `GET /rest/api/space/{key}/permissions` (users by `userKey`,
 * groups by `name`, subject type `anonymous`).
 */
export async function fetchSpaceViewers(
  transport: ConfluenceTransport,
  deployment: Deployment,
  baseUrl: string,
  space: ConfluenceSpace,
  options: SourceCallOptions,
): Promise<SpaceViewers> {
  const client = transport.client(options);
  const users = new Set<string>();
  const groups = new Set<string>();
  let anonymous = false;
  if (deployment === "cloud") {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PERMISSION_PAGES; page += 1) {
      const body = await client.sendRequest({
        url: `/wiki/api/v2/spaces/${encodeURIComponent(space.id)}/permissions`,
        searchParams: { limit: 250, ...(cursor === undefined ? {} : { cursor }) },
        schema: v2PermissionsSchema,
      });
      for (const entry of body.results) {
        if (entry.operation?.key !== "read" || entry.operation.targetType !== "space") continue;
        const type = entry.principal?.type?.toLowerCase();
        const id = entry.principal?.id;
        if (type === "anonymous") anonymous = true;
        else if (type === "user" && id) users.add(id);
        else if (type === "group" && id) groups.add(id);
      }
      const next = body._links?.next;
      cursor = next ? cursorOf(next) : undefined;
      if (cursor === undefined) break;
    }
    return { users: [...users], groups: [...groups], anonymous };
  }
  const body = await client
    .sendRequest({
      url: `/wiki/rest/api/space/${encodeURIComponent(space.key)}/permissions`,
      schema: dcPermissionsSchema,
    })
    .catch((error: unknown) => {
      if (!isConfluenceSyncError(error, "SOURCE_NOT_FOUND")) throw error;
      throw new ConfluenceSyncError(
        "SOURCE_BAD_RESPONSE",
        `Confluence at ${baseUrl} has no GET /rest/api/space/${space.key}/permissions; syncing permissions from Data Center needs version 9.1 or later.`,
        { cause: error },
      );
    });
  for (const entry of Array.isArray(body) ? body : body.results) {
    if (entry.operation?.operationKey !== "read" || entry.operation.targetType !== "space") continue;
    const subject = entry.subject ?? {};
    if (subject.type === "anonymous") anonymous = true;
    else if (subject.type === "user") {
      const id = userId(subject, "datacenter");
      if (id) users.add(id);
    } else if (subject.type === "group") {
      const id = groupId(subject, "datacenter");
      if (id) groups.add(id);
    }
  }
  return { users: [...users], groups: [...groups], anonymous };
}

const memberOfSchema = z
  .object({
    results: z.array(z.record(z.string(), z.unknown())).default([]),
    size: z.number().optional(),
    _links: z.object({ next: z.string().optional() }).loose().optional(),
  })
  .loose();

/**
 * Groups of a user through `GET /rest/api/user/memberof` (`accountId` on Cloud, `key` on Data Center), paged by `start`:
 * Cloud group ids, Data Center group names.
 */
export async function fetchUserGroups(
  transport: ConfluenceTransport,
  deployment: Deployment,
  user: string,
  options: SourceCallOptions,
): Promise<string[]> {
  if (typeof user !== "string" || user === "" || user.length > 256) {
    throw new ConfluenceSyncError("CONFIG_INVALID", "user id must be a non-empty string of at most 256 characters.");
  }
  const client = transport.client(options);
  const groups: string[] = [];
  const who = deployment === "cloud" ? { accountId: user } : { key: user };
  for (let page = 0, start = 0; page < MAX_SUBJECT_PAGES; page += 1) {
    const body = await client.sendRequest({
      url: "/wiki/rest/api/user/memberof",
      searchParams: { ...who, start, limit: SUBJECT_PAGE },
      schema: memberOfSchema,
    });
    groups.push(...ids(body, (s) => groupId(s, deployment)));
    if (!body._links?.next || body.results.length === 0) break;
    start += body.results.length;
  }
  return [...new Set(groups)];
}

const contentRestrictionsSchema = z
  .object({
    results: z.array(z.object({ id: z.string() }).loose()).default([]),
    _links: z.object({ next: z.string().optional() }).loose().optional(),
  })
  .loose();

/** Most listing requests one restriction listing makes (200 pages each: 2 million pages). */
const MAX_LISTING_REQUESTS = 10_000;

/**
 * Data Center: every current page's own read restriction from one `GET /rest/api/content?expand=restrictions.read...`
 * listing (200 pages per request), parsed leniently: Data Center groups carry no `id`, which confluence.js's content
 * schema requires, so this cannot ride on the page listing. Pages whose subject lists were cut short are left out
 * (the caller fetches them whole). The offset advances by what arrived; a page of nothing new ends the listing.
 */
export async function listDcRestrictions(
  transport: ConfluenceTransport,
  space: ConfluenceSpace,
  options: SourceCallOptions,
): Promise<Map<string, ReadRestriction | null>> {
  const client = transport.client(options);
  const out = new Map<string, ReadRestriction | null>();
  const seen = new Set<string>();
  for (let request = 0, start = 0; request < MAX_LISTING_REQUESTS; request += 1) {
    const body = await client.sendRequest({
      url: "/wiki/rest/api/content",
      searchParams: {
        spaceKey: space.key,
        type: "page",
        status: "current",
        expand: RESTRICTION_EXPAND,
        start,
        limit: 200,
      },
      schema: contentRestrictionsSchema,
    });
    let fresh = 0;
    for (const content of body.results) {
      if (seen.has(content.id)) continue;
      seen.add(content.id);
      fresh += 1;
      const restriction = restrictionFromContent(content, "datacenter");
      if (restriction !== undefined) out.set(content.id, restriction);
    }
    if (!body._links?.next || body.results.length === 0 || fresh === 0) break;
    start += body.results.length;
  }
  return out;
}
