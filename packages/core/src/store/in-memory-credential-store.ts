import type { ConfluenceCredentials, CredentialInfo, CredentialStore } from "../ports/credential-store.js";

/**
 * A {@link CredentialStore} that keeps credentials in process memory, unencrypted. For tests and demos; use
 * `PgCredentialStore` (AES-256-GCM at rest) in production.
 */
export class InMemoryCredentialStore implements CredentialStore {
  readonly #items = new Map<string, { credentials: ConfluenceCredentials; updatedAt: string }>();

  async put(sourceId: string, credentials: ConfluenceCredentials): Promise<void> {
    this.#items.set(sourceId, { credentials: { ...credentials }, updatedAt: new Date().toISOString() });
  }

  async get(sourceId: string): Promise<ConfluenceCredentials | null> {
    const item = this.#items.get(sourceId);
    return item ? { ...item.credentials } : null;
  }

  async describe(sourceId: string): Promise<CredentialInfo | null> {
    const item = this.#items.get(sourceId);
    if (!item) return null;
    const { credentials, updatedAt } = item;
    return credentials.type === "basic"
      ? { type: "basic", email: credentials.email, updatedAt }
      : { type: "bearer", updatedAt };
  }

  async delete(sourceId: string): Promise<void> {
    this.#items.delete(sourceId);
  }

  /** Source ids that have credentials; never the credentials themselves. */
  async listSourceIds(): Promise<string[]> {
    return [...this.#items.keys()].sort();
  }
}
