export type { HashingEmbedderOptions } from "./hashing-embedder.js";
export { HashingEmbedder, hashingEmbedderOptionsSchema } from "./hashing-embedder.js";
