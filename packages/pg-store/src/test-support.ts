// Shared by this package's tests: resets a migrated database between conformance tests.
import type { Db } from "./db.js";

/** Empties every table the store writes, except the embedding cache (it is meant to outlive sources). */
export async function resetDatabase(db: Db): Promise<void> {
  await db.exec(
    "TRUNCATE archon_crawled_pages, confluence_pages, confluence_sync_state, confluence_sources, archon_progress, " +
      "confluence_credentials, archon_sources CASCADE",
  );
}
