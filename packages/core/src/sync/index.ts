export type {
  AttachmentOptions,
  AttachmentOptionsInput,
  ContentOptionsInput,
  ResolvedContentOptions,
} from "./content-options.js";
export {
  attachmentOptionsSchema,
  BLOG_NODE_ID,
  contentOptionsSchema,
  listedContentTypes,
  resolveContentOptions,
} from "./content-options.js";
export type { ConvertPoolOptions } from "./convert-pool.js";
export { ConvertPool, ConvertPoolUnavailableError, defaultConvertPool } from "./convert-pool.js";
export type { SyncEvents } from "./engine.js";
export { ConfluenceSync, syncConfluenceSpace } from "./engine.js";
export type { Placement, TreeNode } from "./hierarchy.js";
export { Hierarchy, toPath } from "./hierarchy.js";
export type { ConfluenceSyncOptions, SyncRunOptions, SyncTuning, SyncTuningInput } from "./options.js";
export { runOptionsSchema, syncTuningSchema } from "./options.js";
export type { SourceRecordInput } from "./source-record.js";
export { createSourceRecord, sourceRecordInputSchema } from "./source-record.js";
