import { z } from "zod";
import { ConfluenceSyncError } from "../errors.js";
import type { ConfluenceSource } from "../ports/confluence-source.js";
import type { AppUser, PrincipalResolver, SearchPrincipal } from "../ports/permissions.js";
import { parseOrThrow } from "../sync/util.js";

const optionsSchema = z.object({
  /** How long a user's groups are reused before Confluence is asked again. @default 300000 (5 minutes) */
  ttlMs: z.number().int().min(0).max(86_400_000).default(300_000),
  /** Most users kept; the least recently resolved go first. @default 10000 */
  maxEntries: z.number().int().min(1).max(1_000_000).default(10_000),
});

const userSchema = z.object({
  userId: z.string().min(1).max(256),
  groups: z.array(z.string().min(1).max(512)).max(1000).optional(),
});

/** Options of {@link ConfluencePrincipalResolver}. */
export interface ConfluencePrincipalResolverOptions extends z.input<typeof optionsSchema> {
  /** Where groups come from: a source with `getUserGroups` (the confluence.js source has it). */
  readonly source: Pick<ConfluenceSource, "getUserGroups">;
  /** Clock in milliseconds, for tests. @default Date.now */
  readonly now?: () => number;
}

interface Entry {
  readonly groups: readonly string[];
  readonly expires: number;
}

/**
 * {@link PrincipalResolver} that asks Confluence for a user's groups (`GET /rest/api/user/memberof`: Cloud group ids by
 * account id, Data Center group names by user key) and caches them for `ttlMs`; concurrent resolutions of one user
 * share one request. Groups an app passes in are used as given, without a request.
 *
 * @example
 * const resolver = new ConfluencePrincipalResolver({ source });
 * const principal = await resolver.resolve({ userId: accountId });
 * const hits = await store.search({ text, embedding, principal });
 */
export class ConfluencePrincipalResolver implements PrincipalResolver {
  readonly #source: Pick<ConfluenceSource, "getUserGroups">;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<readonly string[]>>();

  /** Throws `CONFIG_INVALID` naming a bad option, or when the source cannot list a user's groups. */
  constructor(options: ConfluencePrincipalResolverOptions) {
    const parsed = parseOrThrow(optionsSchema, options, "ConfluencePrincipalResolver options");
    if (typeof options.source?.getUserGroups !== "function") {
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        "ConfluencePrincipalResolver: option source must be a ConfluenceSource with getUserGroups().",
      );
    }
    this.#source = options.source;
    this.#ttlMs = parsed.ttlMs;
    this.#maxEntries = parsed.maxEntries;
    this.#now = options.now ?? Date.now;
  }

  async resolve(user: AppUser, options: { readonly signal?: AbortSignal } = {}): Promise<SearchPrincipal> {
    const { userId, groups } = parseOrThrow(userSchema, user, "user to resolve");
    if (groups !== undefined) return { userId, groups: [...groups] };
    const cached = this.#cache.get(userId);
    if (cached && cached.expires > this.#now()) {
      // Refresh its place: the map's order is the eviction order.
      this.#cache.delete(userId);
      this.#cache.set(userId, cached);
      return { userId, groups: [...cached.groups] };
    }
    let pending = this.#inFlight.get(userId);
    if (!pending) {
      pending = this.#fetch(userId, options.signal);
      this.#inFlight.set(userId, pending);
    }
    return { userId, groups: [...(await pending)] };
  }

  /** Forgets one user's cached groups, or everyone's. */
  invalidate(userId?: string): void {
    if (userId === undefined) this.#cache.clear();
    else this.#cache.delete(userId);
  }

  async #fetch(userId: string, signal: AbortSignal | undefined): Promise<readonly string[]> {
    try {
      const getUserGroups = this.#source.getUserGroups as NonNullable<ConfluenceSource["getUserGroups"]>;
      const groups = await getUserGroups.call(this.#source, userId, signal ? { signal } : {});
      this.#cache.delete(userId);
      this.#cache.set(userId, { groups, expires: this.#now() + this.#ttlMs });
      while (this.#cache.size > this.#maxEntries) {
        const oldest = this.#cache.keys().next().value as string;
        this.#cache.delete(oldest);
      }
      return groups;
    } finally {
      this.#inFlight.delete(userId);
    }
  }
}
