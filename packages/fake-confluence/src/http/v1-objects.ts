import type { FakeFolder, FakePage, FakeSpace } from "../model.js";
import { pageTinyui, pageWebui, siteBase, spaceWebui } from "./links.js";
import type { RequestContext } from "./types.js";

type Json = Record<string, unknown>;

/** `personal` for `~user` spaces, `global` for the rest, as Confluence reports them. */
export function spaceType(space: FakeSpace): string {
  return space.key.startsWith("~") ? "personal" : "global";
}

/** A v1 user: `accountId` on Cloud, `userKey`/`username` on Data Center. */
export function v1User(ctx: RequestContext, accountId: string): Json {
  const user = ctx.state.user(accountId);
  const displayName = user?.displayName ?? accountId;
  const profilePicture = { path: "/images/icons/profilepics/default.svg", width: 48, height: 48, isDefault: true };
  if (ctx.deployment === "cloud") {
    return {
      type: "known",
      accountId,
      accountType: "atlassian",
      email: "",
      publicName: displayName,
      profilePicture,
      displayName,
      isExternalCollaborator: false,
      _expandable: { operations: "", personalSpace: "" },
      _links: { self: `${siteBase(ctx)}/rest/api/user?accountId=${encodeURIComponent(accountId)}` },
    };
  }
  const userKey = user?.userKey ?? accountId;
  return {
    type: "known",
    username: user?.username ?? accountId,
    userKey,
    profilePicture,
    displayName,
    _links: { self: `${siteBase(ctx)}/rest/api/user?key=${userKey}` },
  };
}

export function v1Version(ctx: RequestContext, page: Pick<FakePage, "id" | "version">): Json {
  return {
    by: v1User(ctx, page.version.authorId),
    when: page.version.when,
    message: page.version.message,
    number: page.version.number,
    minorEdit: page.version.minorEdit,
    contentTypeModified: false,
    _expandable: { collaborators: "", content: `/rest/api/content/${page.id}` },
    _links: { self: `${siteBase(ctx)}/rest/api/content/${page.id}/version/${page.version.number}` },
  };
}

function labelArray(ctx: RequestContext, labels: readonly string[]): Json {
  return {
    results: labels.map((name) => ({ prefix: "global", name, id: ctx.state.labelId(name), label: name })),
    start: 0,
    limit: 200,
    size: labels.length,
    _links: {},
  };
}

/**
 * A v1 space; `expand` may hold `description.plain`, `homepage`, `history`, `metadata.labels`. Data Center 8/9 sends
 * no `status` field (Cloud does), so neither does the fake.
 */
export function v1Space(ctx: RequestContext, space: FakeSpace, expand: ReadonlySet<string>): Json {
  const out: Json = { id: Number(space.id), key: space.key, name: space.name, type: spaceType(space) };
  if (ctx.deployment === "cloud") out.status = "current";
  const expandable: Json = {
    settings: `/rest/api/space/${space.key}/settings`,
    metadata: "",
    operations: "",
    lookAndFeel: `/rest/api/settings/lookandfeel?spaceKey=${space.key}`,
    identifiers: "",
    permissions: "",
    icon: "",
    description: "",
    theme: `/rest/api/space/${space.key}/theme`,
    history: "",
    homepage: space.homepageId ? `/rest/api/content/${space.homepageId}` : "",
  };
  if (expand.has("description")) {
    out.description = { plain: { value: space.description, representation: "plain", embeddedContent: [] } };
    delete expandable.description;
  }
  const home = space.homepageId ? ctx.state.page(space.homepageId) : undefined;
  if (expand.has("homepage") && home) {
    out.homepage = v1Content(ctx, home, new Set());
    delete expandable.homepage;
  }
  if (expand.has("history")) {
    out.history = { createdDate: space.createdAt, createdBy: v1User(ctx, space.createdBy) };
    delete expandable.history;
  }
  if (expand.has("metadata")) {
    out.metadata = { labels: labelArray(ctx, []), _expandable: {} };
    delete expandable.metadata;
  }
  out._expandable = expandable;
  out._links = { webui: spaceWebui(ctx.deployment, space), self: `${siteBase(ctx)}/rest/api/space/${space.key}` };
  return out;
}

/**
 * A v1 content object for a page. Supported expansions: `body.storage`, `version`, `ancestors`, `metadata.labels`,
 * `space`, `history`, `history.lastUpdated`, `container`; anything else is ignored, as Confluence does.
 */
export function v1Content(ctx: RequestContext, page: FakePage, expand: ReadonlySet<string>): Json {
  const out: Json = { id: page.id, type: page.type ?? "page", status: page.status, title: page.title };
  const space = ctx.state.space(page.spaceKey);
  const expandable: Json = {
    childTypes: "",
    container: `/rest/api/space/${page.spaceKey}`,
    metadata: "",
    operations: "",
    children: `/rest/api/content/${page.id}/child`,
    restrictions: `/rest/api/content/${page.id}/restriction/byOperation`,
    history: `/rest/api/content/${page.id}/history`,
    ancestors: "",
    body: "",
    version: "",
    descendants: `/rest/api/content/${page.id}/descendant`,
    space: `/rest/api/space/${page.spaceKey}`,
  };
  const take = (key: string, value: unknown) => {
    out[key] = value;
    delete expandable[key];
  };
  if (expand.has("space") && space) take("space", v1Space(ctx, space, new Set()));
  if (expand.has("container") && space) take("container", v1Space(ctx, space, new Set()));
  if (expand.has("history")) {
    const history: Json = {
      latest: true,
      createdBy: v1User(ctx, page.createdBy),
      createdDate: page.createdAt,
      _expandable: { lastUpdated: "", previousVersion: "", contributors: "", nextVersion: "" },
      _links: { self: `${siteBase(ctx)}/rest/api/content/${page.id}/history` },
    };
    if (expand.has("history.lastUpdated")) {
      history.lastUpdated = v1Version(ctx, page);
      history._expandable = { previousVersion: "", contributors: "", nextVersion: "" };
    }
    take("history", history);
  }
  if (expand.has("version")) take("version", v1Version(ctx, page));
  if (expand.has("ancestors")) {
    take(
      "ancestors",
      ctx.state.ancestorsOf(page.id).flatMap((id) => {
        const ancestor = ctx.state.page(id);
        if (ancestor) return [v1Content(ctx, ancestor, new Set())];
        // Cloud lists folders among a page's ancestors, as content of type "folder".
        const folder = ctx.state.folder(id);
        return folder ? [v1Folder(ctx, folder)] : [];
      }),
    );
  }
  if (expand.has("body")) {
    const body: Json = {};
    const bodyExpandable: Json = {
      editor: "",
      view: "",
      export_view: "",
      styled_view: "",
      dynamic: "",
      editor2: "",
      anonymous_export_view: "",
      atlas_doc_format: "",
      wiki: "",
    };
    if (expand.has("body.storage")) {
      body.storage = {
        value: page.body,
        representation: "storage",
        embeddedContent: [],
        _expandable: { content: `/rest/api/content/${page.id}` },
      };
    } else bodyExpandable.storage = "";
    body._expandable = bodyExpandable;
    take("body", body);
  }
  if (expand.has("metadata")) {
    const metadata: Json = {
      _expandable: {
        currentuser: "",
        comments: "",
        sourceTemplateEntityId: "",
        simple: "",
        properties: "",
        frontend: "",
        likes: "",
      },
    };
    if (expand.has("metadata.labels")) metadata.labels = labelArray(ctx, page.labels);
    else (metadata._expandable as Json).labels = "";
    take("metadata", metadata);
  }
  if (expand.has("restrictions")) {
    // Like Confluence, `restrictions.read.restrictions.user` / `.group` expand the subjects; without them, only links.
    const read = v1ReadRestriction(ctx, page.id, {
      users: expand.has("restrictions.read.restrictions.user"),
      groups: expand.has("restrictions.read.restrictions.group"),
      limit: EXPANDED_SUBJECTS,
    });
    take("restrictions", { read, _expandable: { update: "" } });
  }
  out.extensions = { position: page.position };
  out._expandable = expandable;
  out._links = {
    webui: pageWebui(ctx.deployment, page),
    editui: `/pages/resumedraft.action?draftId=${page.id}`,
    tinyui: pageTinyui(page),
    self: `${siteBase(ctx)}/rest/api/content/${page.id}`,
  };
  return out;
}

/** A folder as v1 shows it among ancestors. */
function v1Folder(ctx: RequestContext, folder: FakeFolder): Json {
  return {
    id: folder.id,
    type: "folder",
    status: "current",
    title: folder.title,
    _expandable: { container: `/rest/api/space/${folder.spaceKey}`, space: `/rest/api/space/${folder.spaceKey}` },
    _links: {
      webui: `/spaces/${folder.spaceKey}/folder/${folder.id}`,
      self: `${siteBase(ctx)}/rest/api/content/${folder.id}`,
    },
  };
}

/** A v1 label list for `GET /content/{id}/label`. */
export function v1Label(ctx: RequestContext, name: string): Json {
  return { prefix: "global", name, id: ctx.state.labelId(name), label: name };
}

/** Most users (and groups) an expanded `restrictions.read` lists; more are left to `_links.next`. */
export const EXPANDED_SUBJECTS = 100;

/**
 * One subject list of a restriction: `start`/`limit`/`size`, and for users a `next` link when more remain. Group lists
 * have no `_links` (the v1 spec's `GroupArray`): a full page is all that says more may follow.
 */
function subjectList(id: string, kind: "user" | "group", items: unknown[], start: number, limit: number) {
  const results = items.slice(start, start + limit);
  const list = { results, start, limit, size: results.length };
  if (kind === "group") return list;
  const links: Json = {};
  if (start + limit < items.length) {
    links.next = `/rest/api/content/${id}/restriction/byOperation/read/${kind}?start=${start + limit}&limit=${limit}`;
  }
  return { ...list, _links: links };
}

/**
 * The read restriction of a page as `GET /rest/api/content/{id}/restriction/byOperation/read` sends it: users (account
 * ids on Cloud, user keys and names on Data Center) and groups (`name` and `id` on Cloud, `name` on Data Center) set on
 * that page itself; inherited restrictions are not listed, as in Confluence.
 */
export function v1ReadRestriction(
  ctx: RequestContext,
  id: string,
  options: { users: boolean; groups: boolean; start?: number; limit: number },
): Json {
  const restriction = ctx.state.permissions.readRestriction(id) ?? { users: [], groups: [] };
  const start = options.start ?? 0;
  const restrictions: Json = {};
  const expandable: Json = {};
  if (options.users) {
    const users = restriction.users.map((accountId) => v1User(ctx, accountId));
    restrictions.user = subjectList(id, "user", users, start, options.limit);
  } else expandable.user = "";
  if (options.groups) {
    const groups = restriction.groups.map((name) => {
      const group = ctx.state.permissions.group(name);
      return ctx.deployment === "cloud" ? { type: "group", name, id: group?.id } : { type: "group", name };
    });
    restrictions.group = subjectList(id, "group", groups, start, options.limit);
  } else expandable.group = "";
  if (Object.keys(expandable).length > 0) restrictions._expandable = expandable;
  return {
    operation: "read",
    restrictions,
    _expandable: { content: `/rest/api/content/${id}` },
    _links: { self: `${siteBase(ctx)}/rest/api/content/${id}/restriction/byOperation/read` },
  };
}
