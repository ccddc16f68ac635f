import type { KnowledgeStore } from "../ports/knowledge-store.js";
import type { ProgressSink } from "../ports/progress-sink.js";
import { contentTypeTests } from "../store/conformance/content-types.js";
import type { SuiteContext } from "../store/conformance/context.js";
import { folderTests } from "../store/conformance/folders.js";
import { hostileInputTests } from "../store/conformance/hostile.js";
import { listingAndStateTests } from "../store/conformance/listing-and-state.js";
import { permissionTests } from "../store/conformance/permissions.js";
import { progressSinkTests } from "../store/conformance/progress-sink.js";
import { searchTests } from "../store/conformance/search.js";
import { sourceAndWriteTests } from "../store/conformance/sources-and-writes.js";
import type { ProgressReader } from "../store/progress.js";
import { afterEach, beforeEach, describe } from "./test-api.js";

export {
  axis,
  emptyMetadata,
  MODEL as CONFORMANCE_MODEL,
  makeChunk,
  makeMetrics,
  makePage,
  makeSource,
  tilt,
} from "../store/fixtures.js";

/** Options of {@link describeKnowledgeStore}. */
export interface KnowledgeStoreSuiteOptions {
  /** Vector length the suite writes and queries with; must be one the store accepts. @default 8 */
  readonly dimensions?: number;
  /** A second accepted length, used to provoke dimension mismatches. @default 2 * dimensions */
  readonly alternateDimensions?: number;
  /** Skips the whole suite, showing this reason in the test name (e.g. "no PostgreSQL server at DATABASE_URL"). */
  readonly skip?: string;
  /**
   * Whether the store keeps page readers (`getPageReaders`/`setPageReaders`) and filters searches by principal; the
   * permission tests are skipped, visibly, when `false`. @default true
   */
  readonly permissions?: boolean;
}

/**
 * The conformance suite every {@link KnowledgeStore} passes. `create` is called before each test and must return
 * an empty store (sources, pages, sync state and progress gone; the embedding cache may survive); the store is
 * closed after each test.
 *
 * It pins down the semantics a second implementation must share: cascade on source deletion, atomic page
 * replacement, one vector dimension per embedding model, subtree prefixes on whole path segments, keyset
 * pagination in path order, a cache of embeddings by model, dimension and text hash that survives source
 * deletion, keyword search with ANDed words and ignored English stop words, cosine similarity, Reciprocal Rank
 * Fusion with k = 60, filters on both legs, coded errors for bad input and NUL characters stripped on write.
 *
 * @example
 * describeKnowledgeStore("InMemoryKnowledgeStore", async () => new InMemoryKnowledgeStore());
 */
export function describeKnowledgeStore(
  name: string,
  create: () => Promise<KnowledgeStore>,
  options: KnowledgeStoreSuiteOptions = {},
): void {
  const dims = options.dimensions ?? 8;
  const title = options.skip ? `${name} conformance (skipped: ${options.skip})` : `${name} conformance`;
  const suite = options.skip ? describe.skip : describe;
  suite(title, () => {
    let current: KnowledgeStore | null = null;
    const ctx: SuiteContext = {
      dims,
      altDims: options.alternateDimensions ?? dims * 2,
      store: () => {
        if (!current) throw new Error("the store is created in beforeEach");
        return current;
      },
    };
    beforeEach(async () => {
      current = await create();
    });
    afterEach(async () => {
      await current?.close?.();
      current = null;
    });
    describe("sources and writes", () => sourceAndWriteTests(ctx));
    describe("listing, embedding cache and sync state", () => listingAndStateTests(ctx));
    describe("search", () => searchTests(ctx));
    describe("hostile input", () => hostileInputTests(ctx));
    describe("content types", () => contentTypeTests(ctx));
    describe("folders", () => folderTests(ctx));
    if (options.permissions === false)
      describe.skip("permissions (skipped: the store keeps no page readers)", () => {});
    else describe("permissions", () => permissionTests(ctx));
  });
}

/**
 * Conformance suite for progress sinks that can read back what they recorded (`InMemoryProgressSink`,
 * `PgProgressSink`). `create` is called per test and must return an empty sink.
 */
export function describeProgressSink(
  name: string,
  create: () => Promise<ProgressSink & ProgressReader>,
  options: { readonly skip?: string } = {},
): void {
  const title = options.skip ? `${name} conformance (skipped: ${options.skip})` : `${name} conformance`;
  (options.skip ? describe.skip : describe)(title, () => progressSinkTests(create));
}
