import {
  type CredentialStore,
  InMemoryCredentialStore,
  InMemoryKnowledgeStore,
  InMemoryProgressSink,
  type KnowledgeStore,
  type Logger,
  type ProgressReader,
  type ProgressSink,
} from "@archon/confluence-core";
import type { AppConfig } from "./config.js";
import { loadSecretKey } from "./secret-key.js";

/** Where pages, credentials and progress live. */
export interface Storage {
  readonly store: KnowledgeStore;
  readonly credentials: CredentialStore;
  readonly progress: ProgressSink & ProgressReader;
  close(): Promise<void>;
}

/** PostgreSQL at `DATABASE_URL`, else PGlite in `<dataDir>/pglite`. */
export async function openStorage(
  config: AppConfig,
  dataDir: string,
  notes: string[],
  _logger: Logger,
): Promise<Storage> {
  await loadSecretKey(config, dataDir, notes);
  notes.push("storage: in memory (temporary)");
  return {
    store: new InMemoryKnowledgeStore(),
    credentials: new InMemoryCredentialStore(),
    progress: new InMemoryProgressSink(),
    async close() {},
  };
}
