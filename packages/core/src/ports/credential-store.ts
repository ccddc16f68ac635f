/**
 * Keeps Confluence credentials apart from source configuration. `@archon/confluence-pg-store` encrypts them at
 * rest with AES-256-GCM; `InMemoryCredentialStore` is for tests and demos. Credentials never appear in a listing,
 * a log line, an event or an error message.
 */

/** Cloud: email + API token (basic auth), or an OAuth access token. Data Center: a personal access token. */
export type ConfluenceCredentials =
  | { readonly type: "basic"; readonly email: string; readonly apiToken: string }
  | { readonly type: "bearer"; readonly token: string };

/** What may be shown about stored credentials. */
export interface CredentialInfo {
  readonly type: ConfluenceCredentials["type"];
  /** The email for basic auth; never the token. */
  readonly email?: string;
  /** Id of the key that encrypted them, when encrypted. */
  readonly keyId?: string;
  readonly updatedAt: string;
}

export interface CredentialStore {
  put(sourceId: string, credentials: ConfluenceCredentials): Promise<void>;
  /** Decrypted credentials, for building a source; never send them to a client. */
  get(sourceId: string): Promise<ConfluenceCredentials | null>;
  describe(sourceId: string): Promise<CredentialInfo | null>;
  delete(sourceId: string): Promise<void>;
}
