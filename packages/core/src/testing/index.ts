// `@archon/confluence-core/testing`: in-memory fakes and one conformance suite per port.

export * from "./embedder.js";
export * from "./source.js";
export * from "./store.js";
export * from "./text.js";
