export type * from "./attachments.js";
export type * from "./chunker.js";
export type * from "./confluence-source.js";
export type * from "./converter.js";
export type * from "./credential-store.js";
export type * from "./embedder.js";
export type * from "./knowledge-store.js";
export type * from "./progress-sink.js";
