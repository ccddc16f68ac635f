export { type CreateAttachmentExtractorOptions, createAttachmentExtractor } from "./extractor.js";
export { type FileKind, fileKind } from "./formats.js";
export { ExtractPool, type ExtractPoolOptions } from "./worker-pool.js";
