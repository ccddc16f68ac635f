export type { BreadcrumbItem } from "@archon/confluence-core";
export type { ArchonSearchCheck } from "./archon-compat.js";
export { ARCHON_SEARCH_DIMENSIONS, checkArchonSearch, requireArchonPages } from "./archon-compat.js";
export type { ArchonPageContext } from "./archon-pages.js";
export { archonPageId } from "./archon-pages.js";
export { BULK_LOAD_MIN_PAGES } from "./bulk-load.js";
export type { PgliteStoreOptions, PgStoreOptions } from "./create.js";
export { createPgliteStore, createPgStore } from "./create.js";
export type { KeyRing, SecretKey } from "./credential-store.js";
export { keyRingFromEnv, PgCredentialStore } from "./credential-store.js";
export type { Db, PgliteDatabase, PgliteQueryable, QueryResult } from "./db.js";
export { fromPglite, fromPgPool } from "./db.js";
export type { MigrateResult, Migration } from "./migrate.js";
export {
  defaultMigrationsDir,
  loadMigrations,
  MIGRATION_SERIES,
  migrate,
  migrationStatus,
  rollback,
} from "./migrate.js";
export { MAX_LISTED_PAGES } from "./page-filter.js";
export { PgKnowledgeStore } from "./pg-knowledge-store.js";
export type { PgliteOptions, PgliteSettingValue } from "./pglite.js";
export { openPglite, PGLITE_DEFAULT_SETTINGS } from "./pglite.js";
export { openPgliteThread } from "./pglite-thread.js";
export { PROCESS_OWNER } from "./progress-owner.js";
export type { InterruptedOperation, PgProgressSinkOptions } from "./progress-sink.js";
export { PgProgressSink } from "./progress-sink.js";
export { SUPPORTED_DIMENSIONS } from "./rows.js";
export { HNSW_EF_SEARCH } from "./search.js";
export { MAX_BIND_PARAMS } from "./sql.js";
export { CHUNK_BATCH_ROWS } from "./write-page.js";
