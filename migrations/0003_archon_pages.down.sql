-- Undoes 0003 without touching Archon's own objects or rows: Confluence chunks get their Confluence page id back
-- under metadata.page_id (what 0002 reads), the Confluence rows of archon_page_metadata go, and so do the objects
-- 0003 added. Archon's table, column, indexes and functions stay; without Archon (no archon_settings), the ones 0003
-- created go too when nothing but Confluence data used them.
DROP TRIGGER IF EXISTS confluence_source_deleted ON archon_sources;
DROP FUNCTION IF EXISTS confluence_source_deleted();

UPDATE archon_crawled_pages
SET metadata = (metadata - 'confluence_page_id' - 'page_id') || jsonb_build_object('page_id', metadata -> 'confluence_page_id'),
    page_id = NULL
WHERE metadata ? 'confluence_page_id';
DELETE FROM archon_page_metadata m USING confluence_sources s
    WHERE m.source_id = s.source_id AND m.metadata ->> 'source_type' = 'confluence';

DROP INDEX IF EXISTS confluence_embedding_1536_hnsw;
DO $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
    WHERE d.datname = current_database() AND s.setrole = 0 AND 'ivfflat.probes=100' = ANY(s.setconfig)
  ) THEN
    EXECUTE format('ALTER DATABASE %I RESET ivfflat.probes', current_database());
  END IF;
  IF EXISTS (
    SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
    WHERE d.datname = current_database() AND s.setrole = 0 AND 'hnsw.iterative_scan=strict_order' = ANY(s.setconfig)
  ) THEN
    EXECUTE format('ALTER DATABASE %I RESET hnsw.iterative_scan', current_database());
  END IF;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'ivfflat.probes left as it is (%)', SQLERRM;
END
$$;
DROP INDEX IF EXISTS confluence_chunk_page_idx;
DROP INDEX IF EXISTS confluence_chunk_model_dimension_idx;
DROP INDEX IF EXISTS confluence_chunk_hash_idx;
DROP INDEX IF EXISTS confluence_chunk_embedding_384_hnsw;
DROP INDEX IF EXISTS confluence_chunk_embedding_768_hnsw;
DROP INDEX IF EXISTS confluence_chunk_embedding_1024_hnsw;
DROP INDEX IF EXISTS confluence_chunk_embedding_3072_hnsw;

-- The 0002 indexes, as 0002 made them.
CREATE INDEX IF NOT EXISTS confluence_chunks_page_idx
    ON archon_crawled_pages (source_id, (metadata ->> 'page_id')) WHERE (metadata ->> 'page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunks_model_dimension_idx
    ON archon_crawled_pages (embedding_model, embedding_dimension) WHERE (metadata ->> 'page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunks_hash_idx
    ON archon_crawled_pages (embedding_model, embedding_dimension, (metadata ->> 'chunk_hash'))
    WHERE (metadata ->> 'page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunks_embedding_384_hnsw ON archon_crawled_pages
    USING hnsw (embedding_384 vector_cosine_ops) WHERE (metadata ->> 'page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunks_embedding_768_hnsw ON archon_crawled_pages
    USING hnsw (embedding_768 vector_cosine_ops) WHERE (metadata ->> 'page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunks_embedding_1024_hnsw ON archon_crawled_pages
    USING hnsw (embedding_1024 vector_cosine_ops) WHERE (metadata ->> 'page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunks_embedding_1536_hnsw ON archon_crawled_pages
    USING hnsw (embedding_1536 vector_cosine_ops) WHERE (metadata ->> 'page_id') IS NOT NULL;
DO $$
BEGIN
  IF to_regtype('halfvec') IS NOT NULL THEN
    CREATE INDEX IF NOT EXISTS confluence_chunks_embedding_3072_hnsw ON archon_crawled_pages
        USING hnsw ((embedding_3072::halfvec(3072)) halfvec_cosine_ops) WHERE (metadata ->> 'page_id') IS NOT NULL;
  END IF;
END
$$;

ALTER TABLE confluence_pages DROP COLUMN IF EXISTS embedding_model;
ALTER TABLE confluence_pages DROP COLUMN IF EXISTS embedding_dimension;
ALTER TABLE confluence_pages DROP COLUMN IF EXISTS converter_id;
ALTER TABLE confluence_pages DROP COLUMN IF EXISTS chunker_id;
DROP FUNCTION IF EXISTS confluence_page_uuid(TEXT, TEXT);

-- Without Archon, the Archon-shaped objects 0003 created are ours: they go when no rows of anyone else use them.
-- The 0001 index names come back, so 0001's rollback finds what it made.
DO $$
BEGIN
  IF to_regclass('archon_settings') IS NULL THEN
    ALTER INDEX IF EXISTS confluence_crawled_pages_source_idx RENAME TO idx_archon_crawled_pages_source_id;
    ALTER INDEX IF EXISTS confluence_crawled_pages_search_idx RENAME TO idx_archon_crawled_pages_content_search;
    IF to_regclass('archon_page_metadata') IS NOT NULL AND NOT EXISTS (SELECT 1 FROM archon_page_metadata) THEN
      DROP FUNCTION IF EXISTS hybrid_search_archon_crawled_pages(vector, text, integer, jsonb, text);
      DROP FUNCTION IF EXISTS hybrid_search_archon_crawled_pages_multi(vector, integer, text, integer, jsonb, text);
      DROP FUNCTION IF EXISTS match_archon_crawled_pages(vector, integer, jsonb, text);
      DROP FUNCTION IF EXISTS match_archon_crawled_pages_multi(vector, integer, integer, jsonb, text);
      ALTER TABLE archon_crawled_pages DROP COLUMN IF EXISTS page_id;
      DROP TABLE archon_page_metadata;
    END IF;
  END IF;
END
$$;
