export type {
  FakeAttachment,
  FakeAttachments,
  FakeAttachmentVersion,
  NewAttachment,
} from "./attachments/attachment-store.js";
export {
  corruptPdf,
  encryptedDocx,
  generateSampleFile,
  generateSampleFiles,
  MEDIA_TYPES,
  SAMPLE_FORMATS,
  type SampleFile,
  type SampleFormat,
} from "./attachments/sample-files.js";
export { type AuthOptionsInput, defaultCredentials, type FakeCredentials } from "./auth.js";
export { FakeConfluenceError, type FakeConfluenceErrorCode } from "./errors.js";
export { FakeConfluence, type FakeConfluenceStats, startFakeConfluence } from "./fake-confluence.js";
export { type FaultConfigInput, type FaultCounters, faultConfigSchema } from "./faults.js";
export type { BlogPostSeed, CommentSeed, GenerateCommentsOptions } from "./generator/generate-extras.js";
export {
  demoSpace,
  type GenerateSpaceOptions,
  generateSpace,
  generateUsers,
  type PageSeed,
  type SpaceSeed,
} from "./generator/generate-space.js";
export { type BodyFeature, cdata, escapeXml } from "./generator/storage-body.js";
export { demoHandbook } from "./handbook/demo-handbook.js";
export { HANDBOOK_QUERIES } from "./handbook/handbook-pages.js";
export type { RequestLogEntry } from "./http/handler.js";
export { loadSpaceFromDirectory, type PageEntry, pagesFileSchema } from "./load-dir.js";
export type {
  Deployment,
  FakeComment,
  FakeContentType,
  FakeFolder,
  FakePage,
  FakePageStatus,
  FakeSpace,
  FakeUser,
  FakeVersion,
  GroundTruthPage,
} from "./model.js";
export { type FakeConfluenceOptions, fakeConfluenceOptionsSchema, type SpaceSpec } from "./options.js";
export {
  DEFAULT_GROUP,
  type FakeGroup,
  FakePermissions,
  type FakeReadRestriction,
  type FakeSpaceViewers,
} from "./permissions.js";
export { SpaceHandle } from "./space-handle.js";
export { FakeConfluenceState, type NewBlogPost, type NewComment, type NewPage, type PageEdit } from "./state.js";
