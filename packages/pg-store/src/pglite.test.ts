import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { axis, makeChunk, makePage, makeSource } from "@archon/confluence-core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { BULK_LOAD_MIN_PAGES } from "./bulk-load.js";
import { createPgliteStore } from "./create.js";
import { fromPglite } from "./db.js";
import {
  openPglite,
  PGLITE_DEFAULT_SETTINGS,
  PGLITE_HNSW_EF_CONSTRUCTION,
  pgliteStartSettings,
  withEfConstruction,
} from "./pglite.js";

describe("createPgliteStore", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("creates the data directory's missing parents, and finds the data there on reopening", async () => {
    const root = await mkdtemp(join(tmpdir(), "pglite-parents-"));
    dirs.push(root);
    const dataDir = join(root, "not", "yet", "there", "archon");
    const now = new Date().toISOString();
    const first = await createPgliteStore({ dataDir });
    await first.upsertSource({
      sourceId: "eng",
      name: "Engineering",
      deployment: "cloud",
      baseUrl: "https://acme.atlassian.net",
      spaceKey: "ENG",
      deletionStrategy: "listing",
      removeArchived: true,
      createdAt: now,
      updatedAt: now,
    });
    await first.close();
    const second = await createPgliteStore({ dataDir });
    try {
      expect((await second.listSources()).map((source) => source.sourceId)).toEqual(["eng"]);
    } finally {
      await second.close();
    }
  }, 120_000);

  it("starts with the store's settings, lets the caller override them, and keeps them out of the data directory", async () => {
    const root = await mkdtemp(join(tmpdir(), "pglite-settings-"));
    dirs.push(root);
    const dataDir = join(root, "db");
    const show = async (settings?: Record<string, string>) => {
      const db = fromPglite(await openPglite({ dataDir, ...(settings ? { settings } : {}) }), { ownsDb: true });
      try {
        const { rows } = await db.query<{ name: string; value: string; source: string }>(
          `SELECT name, current_setting(name) AS value, source FROM pg_settings
           WHERE name IN ('shared_buffers', 'full_page_writes', 'work_mem') ORDER BY name`,
        );
        return Object.fromEntries(rows.map((r) => [r.name, `${r.value} (${r.source})`]));
      } finally {
        await db.close();
      }
    };
    expect(await show()).toEqual({
      full_page_writes: "off (command line)",
      shared_buffers: "32MB (command line)",
      work_mem: "4MB (default)",
    });
    const conf = await readFile(join(dataDir, "postgresql.conf"), "utf8");
    expect(await show({ shared_buffers: "16MB", work_mem: "8MB" })).toEqual({
      full_page_writes: "off (command line)",
      shared_buffers: "16MB (command line)",
      work_mem: "8MB (command line)",
    });
    // Settings are never written into the directory: the next process starts with whatever it gives.
    expect(await readFile(join(dataDir, "postgresql.conf"), "utf8")).toBe(conf);
    expect(await show()).toMatchObject({ shared_buffers: "32MB (command line)", work_mem: "4MB (default)" });
  }, 120_000);
});

describe("pgliteStartSettings", () => {
  it("turns settings into -c pairs, booleans as on/off", () => {
    expect(pgliteStartSettings({ shared_buffers: "32MB", work_mem: 4096, jit: false })).toEqual([
      "-c",
      "shared_buffers=32MB",
      "-c",
      "work_mem=4096",
      "-c",
      "jit=off",
    ]);
    expect(Object.keys(PGLITE_DEFAULT_SETTINGS)).toContain("shared_buffers");
  });

  it("refuses a name or value that could carry more than one setting, naming it", () => {
    expect(() => pgliteStartSettings({ "work_mem=1MB -c fsync": "on" })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID", message: expect.stringContaining("work_mem=1MB -c fsync") }),
    );
    expect(() => pgliteStartSettings({ work_mem: "4MB\nfsync=on" })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID", message: expect.stringContaining("work_mem") }),
    );
    expect(() => pgliteStartSettings({ work_mem: "" })).toThrow(expect.objectContaining({ code: "CONFIG_INVALID" }));
  });
});

describe("HNSW builds after a bulk load into PGlite", () => {
  it("builds the deferred HNSW index with the cheaper ef_construction, in the transaction that forgets it", async () => {
    const store = await createPgliteStore();
    try {
      await store.upsertSource(makeSource("a"));
      const load = {
        sourceId: "a",
        pages: BULK_LOAD_MIN_PAGES,
        embeddingModel: "conformance:model-a",
        dimensions: 384,
      };
      await store.beginBulkLoad(load);
      await store.writePages(
        [0, 1, 2].map((i) => ({ page: makePage("a", String(i)), chunks: [makeChunk(0, `text ${i}`, axis(i, 384))] })),
      );
      await store.endBulkLoad(load);
      const { rows } = await store.db.query<{ name: string; def: string }>(
        `SELECT indexname AS name, indexdef AS def FROM pg_indexes
         WHERE indexname IN ('confluence_chunk_embedding_384_hnsw', 'confluence_crawled_pages_search_idx') ORDER BY 1`,
      );
      expect(rows.map((r) => r.name)).toEqual([
        "confluence_chunk_embedding_384_hnsw",
        "confluence_crawled_pages_search_idx",
      ]);
      expect(rows[0]?.def).toContain(`WITH (ef_construction='${PGLITE_HNSW_EF_CONSTRUCTION}')`);
      expect(rows[0]?.def).toMatch(/\) WITH \(ef_construction=.32.\) WHERE .*page_id.* IS NOT NULL/);
      expect(rows[1]?.def).not.toContain("WITH");
      const left = await store.db.query("SELECT index_name FROM confluence_deferred_indexes");
      expect(left.rows).toEqual([]);
      await store.db.exec("SET enable_seqscan = off");
      const hits = await store.search({ text: "", embedding: axis(1, 384), mode: "vector", limit: 1 });
      expect(hits.map((h) => h.pageId)).toEqual(["1"]);
    } finally {
      await store.close();
    }
  }, 120_000);

  it("adds ef_construction after the column list of an HNSW definition that has none, and leaves others alone", () => {
    const partial =
      "CREATE INDEX i ON public.t USING hnsw (((embedding_3072)::halfvec(3072)) halfvec_cosine_ops) WHERE ((metadata ->> 'page_id'::text) IS NOT NULL)";
    expect(withEfConstruction(partial, 32)).toBe(
      "CREATE INDEX i ON public.t USING hnsw (((embedding_3072)::halfvec(3072)) halfvec_cosine_ops) WITH (ef_construction = 32) WHERE ((metadata ->> 'page_id'::text) IS NOT NULL)",
    );
    const full = "CREATE INDEX j ON public.t USING hnsw (embedding_1536 vector_cosine_ops)";
    expect(withEfConstruction(full, 32)).toBe(`${full} WITH (ef_construction = 32)`);
    const tuned = "CREATE INDEX k ON public.t USING hnsw (embedding_384 vector_cosine_ops) WITH (m='24')";
    expect(withEfConstruction(tuned, 32)).toBe(tuned);
    const gin = "CREATE INDEX s ON public.t USING gin (content_search_vector)";
    expect(withEfConstruction(gin, 32)).toBe(gin);
  });
});
