export { InMemoryCredentialStore } from "./in-memory-credential-store.js";
export { InMemoryProgressSink } from "./in-memory-progress-sink.js";
export { InMemoryKnowledgeStore } from "./in-memory-store.js";
export { cosineSimilarity } from "./keyword.js";
export type { OperationProgress, ProgressReader } from "./progress.js";
export { applySyncEvent, toSyncProgress } from "./progress.js";
export type { NormalizedSearch } from "./validate.js";
export {
  assertFiniteVector,
  CONTENT_TYPES,
  checkLimit,
  decodeListCursor,
  encodeListCursor,
  hybridCandidates,
  MAX_LIMIT,
  normalizePageWrite,
  normalizeSearchQuery,
  pathInSubtree,
  RRF_K,
  stripNul,
  stripNulDeep,
} from "./validate.js";
