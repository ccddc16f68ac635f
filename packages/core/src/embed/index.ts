export type { DefaultEmbedderOptions } from "./default-embedder.js";
export { createDefaultEmbedder } from "./default-embedder.js";
export type { HashingEmbedderOptions } from "./hashing-embedder.js";
export { HashingEmbedder, hashingEmbedderOptionsSchema } from "./hashing-embedder.js";
export type { OpenAIEmbedResult } from "./openai-embedder.js";
export { OpenAIEmbedder } from "./openai-embedder.js";
export type { EmbeddingRequestBody, OpenAICompatibleClient } from "./openai-http.js";
export type { EmbeddingCostEstimate, EmbeddingModelInfo } from "./openai-models.js";
export {
  EMBEDDING_PRICES_USD_PER_MILLION_TOKENS,
  estimateEmbeddingCost,
  OPENAI_EMBEDDING_MODELS,
} from "./openai-models.js";
export type { OpenAIEmbedderOptions } from "./openai-options.js";
export { openAIEmbedderOptionsSchema } from "./openai-options.js";
export type { EmbeddingTokenizer } from "./tokenizer.js";
export { loadCl100kTokenizer } from "./tokenizer.js";
