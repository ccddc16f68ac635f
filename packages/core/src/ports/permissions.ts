/**
 * Who may read what. A page's readers are stored as clauses of principal tokens; a search given a
 * {@link SearchPrincipal} returns only chunks of pages whose every clause admits that principal.
 *
 * Tokens: `user:<id>` (Cloud account id, Data Center user key), `group:<id>` (Cloud group id, Data Center group name)
 * and `anyone` (anonymous access: admits every principal).
 */

/**
 * Who may read a page: every clause must admit the reader, and a clause admits a principal when it holds one of the
 * principal's tokens. The first clause is the space's viewers; each read restriction on the page or one of its
 * ancestors (pages and folders) adds one clause. An empty clause admits nobody.
 */
export type PageReaders = readonly (readonly string[])[];

/** Someone searching: a Confluence user id and the groups they belong to. */
export interface SearchPrincipal {
  /** Cloud account id or Data Center user key; absent for an anonymous visitor. */
  readonly userId?: string | null;
  /** Cloud group ids or Data Center group names. @default [] */
  readonly groups?: readonly string[];
}

/** A read restriction set on one page or folder: only these users and members of these groups may read it. */
export interface ReadRestriction {
  /** Cloud account ids or Data Center user keys. */
  readonly users: readonly string[];
  /** Cloud group ids or Data Center group names. */
  readonly groups: readonly string[];
}

/** Who may view a space. */
export interface SpaceViewers {
  readonly users: readonly string[];
  readonly groups: readonly string[];
  /** Anonymous users may view the space (so may everyone else). */
  readonly anonymous: boolean;
}

/** An app's user, as an app knows them. */
export interface AppUser {
  /** Cloud account id or Data Center user key (or user name, which the Data Center resolver turns into a key). */
  readonly userId: string;
  /** Groups the app already knows; when given, the resolver asks Confluence nothing. */
  readonly groups?: readonly string[];
}

/** Turns an app's user into the principal searches filter by. Implementations may cache. */
export interface PrincipalResolver {
  resolve(user: AppUser, options?: { readonly signal?: AbortSignal }): Promise<SearchPrincipal>;
}
