import { createHash } from "node:crypto";
import { FakeConfluenceError } from "./errors.js";
import type { FakeUser } from "./model.js";

/** A Confluence group. Cloud identifies groups by `id` (names can change); Data Center only by `name`. */
export interface FakeGroup {
  readonly id: string;
  readonly name: string;
}

/** Who may view a space: named users (account ids), groups (names), and whether anonymous users may. */
export interface FakeSpaceViewers {
  readonly users: readonly string[];
  readonly groups: readonly string[];
  readonly anonymous: boolean;
}

/** A read restriction on a page or folder: only these users (account ids) and members of these groups (names). */
export interface FakeReadRestriction {
  readonly users: readonly string[];
  readonly groups: readonly string[];
}

/** Every user belongs to this group, as every licensed user belongs to `confluence-users` on a default site. */
export const DEFAULT_GROUP = "confluence-users";

/** Stable, UUID-shaped group id from the name: the same group gets the same id in every run. */
function groupId(name: string): string {
  const h = createHash("sha256").update(`group:${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** What the permission model needs of the rest of the state. */
export interface PermissionHost {
  user(accountId: string): FakeUser | undefined;
  users(): FakeUser[];
  ancestorsOf(id: string): string[];
  hasNode(id: string): boolean;
  hasSpace(key: string): boolean;
}

/**
 * Space permissions, read restrictions, groups and group membership the fake serves, with mutations that apply to the
 * next request. Like Confluence, none of these changes bumps a page's version. A space nobody configured is viewable
 * by {@link DEFAULT_GROUP}, which every user belongs to.
 */
export class FakePermissions {
  readonly #groups = new Map<string, FakeGroup>([[DEFAULT_GROUP, { id: groupId(DEFAULT_GROUP), name: DEFAULT_GROUP }]]);
  readonly #members = new Map<string, Set<string>>();
  readonly #viewers = new Map<string, FakeSpaceViewers>();
  readonly #restrictions = new Map<string, FakeReadRestriction>();

  constructor(private readonly host: PermissionHost) {}

  /** Creates a group (or returns the existing one of that name). */
  addGroup(name: string): FakeGroup {
    if (name.trim() === "") throw new FakeConfluenceError("CONFIG_INVALID", "fake-confluence: a group needs a name.");
    let group = this.#groups.get(name);
    if (!group) {
      group = { id: groupId(name), name };
      this.#groups.set(name, group);
    }
    return group;
  }

  /** A group by name or id. */
  group(nameOrId: string): FakeGroup | undefined {
    const byName = this.#groups.get(nameOrId);
    if (byName) return byName;
    for (const group of this.#groups.values()) if (group.id === nameOrId) return group;
    return undefined;
  }

  /** Every group. */
  groups(): FakeGroup[] {
    return [...this.#groups.values()];
  }

  /** Adds a user to a group. */
  addMember(groupName: string, accountId: string): void {
    this.#requireGroup(groupName);
    this.#requireUser(accountId);
    let members = this.#members.get(groupName);
    if (!members) {
      members = new Set();
      this.#members.set(groupName, members);
    }
    members.add(accountId);
  }

  /** Removes a user from a group; nothing happens when they were not in it. */
  removeMember(groupName: string, accountId: string): void {
    this.#requireGroup(groupName);
    this.#members.get(groupName)?.delete(accountId);
  }

  /** Groups a user belongs to, {@link DEFAULT_GROUP} first. */
  groupsOf(accountId: string): FakeGroup[] {
    this.#requireUser(accountId);
    const out = [this.#groups.get(DEFAULT_GROUP) as FakeGroup];
    for (const [name, members] of this.#members) {
      if (members.has(accountId) && name !== DEFAULT_GROUP) out.push(this.#groups.get(name) as FakeGroup);
    }
    return out;
  }

  /** Who may view the space. */
  spaceViewers(spaceKey: string): FakeSpaceViewers {
    return this.#viewers.get(spaceKey) ?? { users: [], groups: [DEFAULT_GROUP], anonymous: false };
  }

  /** Replaces who may view the space. */
  setSpaceViewers(spaceKey: string, viewers: Partial<FakeSpaceViewers>): void {
    if (!this.host.hasSpace(spaceKey)) {
      throw new FakeConfluenceError("SOURCE_NOT_FOUND", `fake-confluence: space "${spaceKey}" does not exist.`);
    }
    const users = [...(viewers.users ?? [])];
    const groups = [...(viewers.groups ?? [])];
    for (const id of users) this.#requireUser(id);
    for (const name of groups) this.#requireGroup(name);
    this.#viewers.set(spaceKey, { users, groups, anonymous: viewers.anonymous ?? false });
  }

  /** The read restriction set directly on a page or folder, or `null`. */
  readRestriction(id: string): FakeReadRestriction | null {
    return this.#restrictions.get(id) ?? null;
  }

  /**
   * Restricts reading a page or folder (and so, by inheritance, everything below it) to these users and groups; `null`
   * or empty lists remove the restriction.
   */
  restrictRead(id: string, restriction: Partial<FakeReadRestriction> | null): void {
    if (!this.host.hasNode(id)) {
      throw new FakeConfluenceError("SOURCE_NOT_FOUND", `fake-confluence: page or folder ${id} does not exist.`);
    }
    const users = [...(restriction?.users ?? [])];
    const groups = [...(restriction?.groups ?? [])];
    for (const accountId of users) this.#requireUser(accountId);
    for (const name of groups) this.#requireGroup(name);
    if (users.length === 0 && groups.length === 0) this.#restrictions.delete(id);
    else this.#restrictions.set(id, { users, groups });
  }

  /** Ids of pages and folders that carry a read restriction of their own. */
  restrictedIds(): string[] {
    return [...this.#restrictions.keys()];
  }

  /**
   * Ground truth: whether a user (or, with `null`, an anonymous visitor) may read a page of a space: a space viewer,
   * and named by every read restriction on the page and its ancestors (directly or through a group).
   */
  canRead(accountId: string | null, spaceKey: string, pageId: string): boolean {
    const groups = new Set(accountId === null ? [] : this.groupsOf(accountId).map((g) => g.name));
    const admits = (users: readonly string[], names: readonly string[]) =>
      (accountId !== null && users.includes(accountId)) || names.some((name) => groups.has(name));
    const viewers = this.spaceViewers(spaceKey);
    if (!viewers.anonymous && !admits(viewers.users, viewers.groups)) return false;
    for (const id of [...this.host.ancestorsOf(pageId), pageId]) {
      const restriction = this.#restrictions.get(id);
      if (restriction && !admits(restriction.users, restriction.groups)) return false;
    }
    return true;
  }

  #requireGroup(name: string): void {
    if (!this.#groups.has(name)) {
      throw new FakeConfluenceError(
        "CONFIG_INVALID",
        `fake-confluence: group "${name}" does not exist; addGroup() it.`,
      );
    }
  }

  #requireUser(accountId: string): void {
    if (!this.host.user(accountId)) {
      throw new FakeConfluenceError("CONFIG_INVALID", `fake-confluence: user ${accountId} does not exist.`);
    }
  }
}
