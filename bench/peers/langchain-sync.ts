/**
 * The peer pipeline, in a process of its own so its peak RSS is its own: LangChain.js `ConfluencePagesLoader` +
 * `RecursiveCharacterTextSplitter` + `PGVectorStore` (HNSW index, like ours), embedding with the same
 * `HashingEmbedder`. LangChain has no incremental mode, so a resync loads, splits and embeds everything again and
 * replaces the rows. Without PostgreSQL the chunks stay in an array (LangChain's in-memory store lives in another
 * package) and the report says so.
 *
 *   LANGCHAIN_SYNC_CONFIG='{...}' npx tsx bench/peers/langchain-sync.ts
 */
import { writeFileSync } from "node:fs";
import { HashingEmbedder } from "@archon/confluence-core";
import { ConfluencePagesLoader } from "@langchain/community/document_loaders/web/confluence";
import { PGVectorStore } from "@langchain/community/vectorstores/pgvector";
import type { Document } from "@langchain/core/documents";
import { Embeddings } from "@langchain/core/embeddings";
import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";

export interface LangChainSyncConfig {
  /** Cloud site base URL plus `/wiki`: the loader appends `/rest/api/content`. */
  readonly baseUrl: string;
  readonly spaceKey: string;
  readonly username: string;
  readonly accessToken: string;
  /** PostgreSQL, or none for an in-memory array. */
  readonly pg?: { readonly url: string; readonly schema: string };
  /** Without PostgreSQL: a file to write the chunks to (`[{ id, text }]`), so the content can be checked. */
  readonly dumpPath?: string;
  /** Loader page size. @default 25 (LangChain's default) */
  readonly limit?: number;
  readonly chunkSize: number;
  readonly chunkOverlap: number;
  readonly dimensions: number;
}

export interface LangChainSyncResult {
  readonly documents: number;
  readonly chunks: number;
  readonly embeddingCalls: number;
  readonly embeddingTokens: number;
  readonly wallMs: number;
  readonly maxRssBytes: number;
}

/** Our hashing embedder behind LangChain's `Embeddings` interface, counting calls and tokens. */
class CountingHashingEmbeddings extends Embeddings {
  readonly #embedder: HashingEmbedder;
  calls = 0;
  tokens = 0;

  constructor(dimensions: number) {
    super({});
    this.#embedder = new HashingEmbedder({ dimensions });
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let i = 0; i < texts.length; i += this.#embedder.maxBatchSize) {
      const result = await this.#embedder.embed(texts.slice(i, i + this.#embedder.maxBatchSize));
      this.calls += 1;
      this.tokens += result.tokens;
      vectors.push(...result.embeddings);
    }
    return vectors;
  }

  async embedQuery(text: string): Promise<number[]> {
    return (await this.embedDocuments([text]))[0] ?? [];
  }
}

const config = JSON.parse(process.env.LANGCHAIN_SYNC_CONFIG ?? "null") as LangChainSyncConfig | null;
if (!config) {
  console.error("LANGCHAIN_SYNC_CONFIG is not set");
  process.exit(2);
}

const started = performance.now();
const loader = new ConfluencePagesLoader({
  baseUrl: config.baseUrl,
  spaceKey: config.spaceKey,
  username: config.username,
  accessToken: config.accessToken,
  ...(config.limit ? { limit: config.limit } : {}),
});
const documents = await loader.load();
const splitter = new RecursiveCharacterTextSplitter({ chunkSize: config.chunkSize, chunkOverlap: config.chunkOverlap });
const chunks: Document[] = await splitter.splitDocuments(documents);
const embeddings = new CountingHashingEmbeddings(config.dimensions);
if (config.pg) {
  const store = await PGVectorStore.initialize(embeddings, {
    postgresConnectionOptions: {
      connectionString: config.pg.url,
      options: `-c search_path=${config.pg.schema},public`,
    },
    tableName: "langchain_pg_embedding",
    distanceStrategy: "cosine",
    dimensions: config.dimensions,
  });
  await store.createHnswIndex({ dimensions: config.dimensions });
  // No incremental mode: a resync replaces every row.
  await store.pool.query("DELETE FROM langchain_pg_embedding");
  await store.addDocuments(chunks);
  await store.end();
} else {
  const kept: { vector: number[]; document: Document }[] = [];
  const vectors = await embeddings.embedDocuments(chunks.map((c) => c.pageContent));
  chunks.forEach((document, i) => {
    kept.push({ vector: vectors[i] ?? [], document });
  });
  if (config.dumpPath) {
    const rows = kept.map(({ document }) => ({ id: String(document.metadata.id), text: document.pageContent }));
    writeFileSync(config.dumpPath, JSON.stringify(rows));
  }
}
const result: LangChainSyncResult = {
  documents: documents.length,
  chunks: chunks.length,
  embeddingCalls: embeddings.calls,
  embeddingTokens: embeddings.tokens,
  wallMs: performance.now() - started,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
