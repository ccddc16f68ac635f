-- Makes an unmodified Archon a first-class reader of Confluence content, and a database made by these migrations one
-- that Archon runs on. On an existing Archon database everything here is an addition: Archon's own tables,
-- functions and indexes are created only when absent and never altered, except that a foreign key lacking
-- Archon's ON DELETE CASCADE (made by migration 0001 before Archon's setup ran) gets it.
--
-- "Archon present" below means its setup ran: archon_settings exists (these migrations never create it).

-- An Archon older than its migration 011 has no archon_page_metadata: refuse with what to do, before any change.
DO $$
BEGIN
  IF to_regclass('archon_settings') IS NOT NULL AND to_regclass('archon_page_metadata') IS NULL THEN
    RAISE EXCEPTION USING
      MESSAGE = 'this Archon database has no archon_page_metadata table: it predates Archon''s migration '
        || '011_add_page_metadata_table.',
      HINT = 'Upgrade Archon and run its migration/011_add_page_metadata_table.sql (Archon''s "pages" search mode '
        || 'needs it), then migrate again.';
  END IF;
END
$$;

-- Archon's page table and the chunks' link to it, as Archon's migration 011 defines them.
CREATE TABLE IF NOT EXISTS archon_page_metadata (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    source_id TEXT NOT NULL,
    url TEXT NOT NULL,
    full_content TEXT NOT NULL,
    section_title TEXT,
    section_order INT DEFAULT 0,
    word_count INT NOT NULL,
    char_count INT NOT NULL,
    chunk_count INT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    metadata JSONB DEFAULT '{}'::jsonb,
    CONSTRAINT archon_page_metadata_url_unique UNIQUE(url),
    CONSTRAINT archon_page_metadata_source_fk FOREIGN KEY (source_id)
        REFERENCES archon_sources(source_id) ON DELETE CASCADE
);
ALTER TABLE archon_crawled_pages
    ADD COLUMN IF NOT EXISTS page_id UUID REFERENCES archon_page_metadata(id) ON DELETE SET NULL;
CREATE INDEX IF NOT EXISTS idx_archon_page_metadata_source_id ON archon_page_metadata(source_id);
CREATE INDEX IF NOT EXISTS idx_archon_page_metadata_url ON archon_page_metadata(url);
CREATE INDEX IF NOT EXISTS idx_archon_page_metadata_section ON archon_page_metadata(source_id, section_title, section_order);
CREATE INDEX IF NOT EXISTS idx_archon_page_metadata_created_at ON archon_page_metadata(created_at);
CREATE INDEX IF NOT EXISTS idx_archon_page_metadata_metadata ON archon_page_metadata USING GIN(metadata);
CREATE INDEX IF NOT EXISTS idx_archon_crawled_pages_page_id ON archon_crawled_pages(page_id);

-- Archon's source delete removes chunks through this cascade (migration 0001 made the key without it).
DO $$
DECLARE
  fk record;
BEGIN
  FOR fk IN
    SELECT conname FROM pg_constraint
    WHERE conrelid = 'archon_crawled_pages'::regclass AND confrelid = 'archon_sources'::regclass
      AND contype = 'f' AND confdeltype <> 'c'
  LOOP
    EXECUTE format('ALTER TABLE archon_crawled_pages DROP CONSTRAINT %I', fk.conname);
    EXECUTE format('ALTER TABLE archon_crawled_pages ADD CONSTRAINT %I FOREIGN KEY (source_id) '
      'REFERENCES archon_sources(source_id) ON DELETE CASCADE', fk.conname);
  END LOOP;
END
$$;

-- Without Archon, migration 0001 made indexes under names Archon's setup later creates without IF NOT EXISTS, which
-- would make that setup fail. Keep the two the store uses under names of its own, drop the others.
DO $$
BEGIN
  IF to_regclass('archon_settings') IS NULL THEN
    ALTER INDEX IF EXISTS idx_archon_crawled_pages_source_id RENAME TO confluence_crawled_pages_source_idx;
    ALTER INDEX IF EXISTS idx_archon_crawled_pages_content_search RENAME TO confluence_crawled_pages_search_idx;
    DROP INDEX IF EXISTS idx_archon_crawled_pages_metadata;
    DROP INDEX IF EXISTS idx_archon_crawled_pages_content_trgm;
    DROP INDEX IF EXISTS idx_archon_crawled_pages_embedding_model;
    DROP INDEX IF EXISTS idx_archon_crawled_pages_embedding_dimension;
    DROP INDEX IF EXISTS idx_archon_crawled_pages_llm_chat_model;
  END IF;
END
$$;

-- Archon's search functions, created only when absent, exactly as Archon's setup defines them (its setup's
-- CREATE OR REPLACE then finds identical signatures).
DO $outer$
BEGIN
  IF to_regprocedure('match_archon_crawled_pages_multi(vector, integer, integer, jsonb, text)') IS NULL THEN
    EXECUTE $fn$
CREATE FUNCTION match_archon_crawled_pages_multi (
  query_embedding VECTOR,
  embedding_dimension INTEGER,
  match_count INT DEFAULT 10,
  filter JSONB DEFAULT '{}'::jsonb,
  source_filter TEXT DEFAULT NULL
) RETURNS TABLE (
  id BIGINT,
  url VARCHAR,
  chunk_number INTEGER,
  content TEXT,
  metadata JSONB,
  source_id TEXT,
  similarity FLOAT
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  sql_query TEXT;
  embedding_column TEXT;
BEGIN
  CASE embedding_dimension
    WHEN 384 THEN embedding_column := 'embedding_384';
    WHEN 768 THEN embedding_column := 'embedding_768';
    WHEN 1024 THEN embedding_column := 'embedding_1024';
    WHEN 1536 THEN embedding_column := 'embedding_1536';
    WHEN 3072 THEN embedding_column := 'embedding_3072';
    ELSE RAISE EXCEPTION 'Unsupported embedding dimension: %', embedding_dimension;
  END CASE;
  sql_query := format('
    SELECT id, url, chunk_number, content, metadata, source_id,
           1 - (%I <=> $1) AS similarity
    FROM archon_crawled_pages
    WHERE (%I IS NOT NULL)
      AND metadata @> $3
      AND ($4 IS NULL OR source_id = $4)
    ORDER BY %I <=> $1
    LIMIT $2',
    embedding_column, embedding_column, embedding_column);
  RETURN QUERY EXECUTE sql_query USING query_embedding, match_count, filter, source_filter;
END;
$$
$fn$;
  END IF;

  IF to_regprocedure('match_archon_crawled_pages(vector, integer, jsonb, text)') IS NULL THEN
    EXECUTE $fn$
CREATE FUNCTION match_archon_crawled_pages (
  query_embedding VECTOR(1536),
  match_count INT DEFAULT 10,
  filter JSONB DEFAULT '{}'::jsonb,
  source_filter TEXT DEFAULT NULL
) RETURNS TABLE (
  id BIGINT,
  url VARCHAR,
  chunk_number INTEGER,
  content TEXT,
  metadata JSONB,
  source_id TEXT,
  similarity FLOAT
)
LANGUAGE plpgsql
AS $$
BEGIN
  RETURN QUERY SELECT * FROM match_archon_crawled_pages_multi(query_embedding, 1536, match_count, filter, source_filter);
END;
$$
$fn$;
  END IF;

  IF to_regprocedure('hybrid_search_archon_crawled_pages_multi(vector, integer, text, integer, jsonb, text)') IS NULL THEN
    EXECUTE $fn$
CREATE FUNCTION hybrid_search_archon_crawled_pages_multi(
    query_embedding VECTOR,
    embedding_dimension INTEGER,
    query_text TEXT,
    match_count INT DEFAULT 10,
    filter JSONB DEFAULT '{}'::jsonb,
    source_filter TEXT DEFAULT NULL
)
RETURNS TABLE (
    id BIGINT,
    url VARCHAR,
    chunk_number INTEGER,
    content TEXT,
    metadata JSONB,
    source_id TEXT,
    similarity FLOAT,
    match_type TEXT
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    max_vector_results INT;
    max_text_results INT;
    sql_query TEXT;
    embedding_column TEXT;
BEGIN
    CASE embedding_dimension
        WHEN 384 THEN embedding_column := 'embedding_384';
        WHEN 768 THEN embedding_column := 'embedding_768';
        WHEN 1024 THEN embedding_column := 'embedding_1024';
        WHEN 1536 THEN embedding_column := 'embedding_1536';
        WHEN 3072 THEN embedding_column := 'embedding_3072';
        ELSE RAISE EXCEPTION 'Unsupported embedding dimension: %', embedding_dimension;
    END CASE;
    max_vector_results := match_count;
    max_text_results := match_count;
    sql_query := format('
    WITH vector_results AS (
        SELECT
            cp.id,
            cp.url,
            cp.chunk_number,
            cp.content,
            cp.metadata,
            cp.source_id,
            1 - (cp.%I <=> $1) AS vector_sim
        FROM archon_crawled_pages cp
        WHERE cp.metadata @> $4
            AND ($5 IS NULL OR cp.source_id = $5)
            AND cp.%I IS NOT NULL
        ORDER BY cp.%I <=> $1
        LIMIT $2
    ),
    text_results AS (
        SELECT
            cp.id,
            cp.url,
            cp.chunk_number,
            cp.content,
            cp.metadata,
            cp.source_id,
            ts_rank_cd(cp.content_search_vector, plainto_tsquery(''english'', $6)) AS text_sim
        FROM archon_crawled_pages cp
        WHERE cp.metadata @> $4
            AND ($5 IS NULL OR cp.source_id = $5)
            AND cp.content_search_vector @@ plainto_tsquery(''english'', $6)
        ORDER BY text_sim DESC
        LIMIT $3
    ),
    combined_results AS (
        SELECT
            COALESCE(v.id, t.id) AS id,
            COALESCE(v.url, t.url) AS url,
            COALESCE(v.chunk_number, t.chunk_number) AS chunk_number,
            COALESCE(v.content, t.content) AS content,
            COALESCE(v.metadata, t.metadata) AS metadata,
            COALESCE(v.source_id, t.source_id) AS source_id,
            COALESCE(v.vector_sim, t.text_sim, 0)::float8 AS similarity,
            CASE
                WHEN v.id IS NOT NULL AND t.id IS NOT NULL THEN ''hybrid''
                WHEN v.id IS NOT NULL THEN ''vector''
                ELSE ''keyword''
            END AS match_type
        FROM vector_results v
        FULL OUTER JOIN text_results t ON v.id = t.id
    )
    SELECT * FROM combined_results
    ORDER BY similarity DESC
    LIMIT $2',
    embedding_column, embedding_column, embedding_column);
    RETURN QUERY EXECUTE sql_query USING query_embedding, max_vector_results, max_text_results, filter, source_filter, query_text;
END;
$$
$fn$;
  END IF;

  IF to_regprocedure('hybrid_search_archon_crawled_pages(vector, text, integer, jsonb, text)') IS NULL THEN
    EXECUTE $fn$
CREATE FUNCTION hybrid_search_archon_crawled_pages(
    query_embedding vector(1536),
    query_text TEXT,
    match_count INT DEFAULT 10,
    filter JSONB DEFAULT '{}'::jsonb,
    source_filter TEXT DEFAULT NULL
)
RETURNS TABLE (
    id BIGINT,
    url VARCHAR,
    chunk_number INTEGER,
    content TEXT,
    metadata JSONB,
    source_id TEXT,
    similarity FLOAT,
    match_type TEXT
)
LANGUAGE plpgsql
AS $$
BEGIN
    RETURN QUERY SELECT * FROM hybrid_search_archon_crawled_pages_multi(query_embedding, 1536, query_text, match_count, filter, source_filter);
END;
$$
$fn$;
  END IF;
END
$outer$;

-- Stable id of a Confluence page's archon_page_metadata row: a name-based UUID (version 8, SHA-256, RFC 9562) of
-- the source id and the Confluence page id, so a resync keeps the id agents and chunks point at.
CREATE OR REPLACE FUNCTION confluence_page_uuid(source_id TEXT, page_id TEXT) RETURNS UUID
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (substr(h, 1, 12) || '8' || substr(h, 14, 3)
    || to_hex((get_byte(decode(substr(h, 17, 2), 'hex'), 0) & 63) | 128) || substr(h, 19, 14))::uuid
  FROM (SELECT encode(sha256(convert_to(
    'confluence:' || octet_length(source_id) || ':' || source_id || ':' || page_id, 'UTF8')), 'hex') AS h) AS hashed
$$;

-- What produced a page's stored chunks: a change of embedding model, converter or chunker re-indexes the page.
ALTER TABLE confluence_pages ADD COLUMN IF NOT EXISTS embedding_model TEXT;
ALTER TABLE confluence_pages ADD COLUMN IF NOT EXISTS embedding_dimension INTEGER;
ALTER TABLE confluence_pages ADD COLUMN IF NOT EXISTS converter_id TEXT;
ALTER TABLE confluence_pages ADD COLUMN IF NOT EXISTS chunker_id TEXT;

-- Confluence chunks now carry the Confluence page id under its own key: Archon reads metadata.page_id as the UUID
-- of an archon_page_metadata row. Existing chunks move over, and existing pages get their Archon page row.
UPDATE archon_crawled_pages c
SET metadata = c.metadata || jsonb_build_object('confluence_page_id', c.metadata -> 'page_id')
FROM confluence_sources s
WHERE s.source_id = c.source_id AND c.metadata ->> 'source_type' = 'confluence'
  AND NOT (c.metadata ? 'confluence_page_id');

UPDATE confluence_pages p
SET embedding_model = c.embedding_model, embedding_dimension = c.embedding_dimension
FROM archon_crawled_pages c
WHERE c.source_id = p.source_id AND c.metadata ->> 'confluence_page_id' = p.page_id AND c.chunk_number = 0;

INSERT INTO archon_page_metadata (id, source_id, url, full_content, section_title, section_order, word_count,
    char_count, chunk_count, metadata)
SELECT confluence_page_uuid(p.source_id, p.page_id), p.source_id, p.web_url, p.markdown, p.title, 0,
    COALESCE(array_length(array_remove(regexp_split_to_array(p.markdown, '\s+'), ''), 1), 0),
    char_length(p.markdown),
    (SELECT count(*) FROM archon_crawled_pages c
     WHERE c.source_id = p.source_id AND c.metadata ->> 'confluence_page_id' = p.page_id),
    jsonb_build_object('source_type', 'confluence', 'page_type', 'documentation', 'crawl_type', 'confluence',
      'title', p.title, 'confluence_page_id', p.page_id, 'space_key', p.space_key)
FROM confluence_pages p
ON CONFLICT DO NOTHING;

UPDATE archon_crawled_pages c
SET page_id = m.id,
    metadata = c.metadata || jsonb_build_object('page_id', m.id::text, 'url', c.url, 'source_id', c.source_id)
FROM archon_page_metadata m
WHERE c.metadata ? 'confluence_page_id'
  AND m.id = confluence_page_uuid(c.source_id, c.metadata ->> 'confluence_page_id');

-- Indexes on Confluence chunks, now told apart by metadata.confluence_page_id (Archon's own chunks carry page_id
-- too, so the 0002 predicate no longer singles ours out). They replace the 0002 ones.
DROP INDEX IF EXISTS confluence_chunks_page_idx;
DROP INDEX IF EXISTS confluence_chunks_model_dimension_idx;
DROP INDEX IF EXISTS confluence_chunks_hash_idx;
DROP INDEX IF EXISTS confluence_chunks_embedding_384_hnsw;
DROP INDEX IF EXISTS confluence_chunks_embedding_768_hnsw;
DROP INDEX IF EXISTS confluence_chunks_embedding_1024_hnsw;
DROP INDEX IF EXISTS confluence_chunks_embedding_1536_hnsw;
DROP INDEX IF EXISTS confluence_chunks_embedding_3072_hnsw;

CREATE INDEX IF NOT EXISTS confluence_chunk_page_idx
    ON archon_crawled_pages (source_id, (metadata ->> 'confluence_page_id'))
    WHERE (metadata ->> 'confluence_page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunk_model_dimension_idx
    ON archon_crawled_pages (embedding_model, embedding_dimension)
    WHERE (metadata ->> 'confluence_page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunk_hash_idx
    ON archon_crawled_pages (embedding_model, embedding_dimension, (metadata ->> 'chunk_hash'))
    WHERE (metadata ->> 'confluence_page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunk_embedding_384_hnsw ON archon_crawled_pages
    USING hnsw (embedding_384 vector_cosine_ops) WHERE (metadata ->> 'confluence_page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunk_embedding_768_hnsw ON archon_crawled_pages
    USING hnsw (embedding_768 vector_cosine_ops) WHERE (metadata ->> 'confluence_page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunk_embedding_1024_hnsw ON archon_crawled_pages
    USING hnsw (embedding_1024 vector_cosine_ops) WHERE (metadata ->> 'confluence_page_id') IS NOT NULL;
DO $$
BEGIN
  IF to_regtype('halfvec') IS NOT NULL THEN
    CREATE INDEX IF NOT EXISTS confluence_chunk_embedding_3072_hnsw ON archon_crawled_pages
        USING hnsw ((embedding_3072::halfvec(3072)) halfvec_cosine_ops)
        WHERE (metadata ->> 'confluence_page_id') IS NOT NULL;
  END IF;
END
$$;

-- The column Archon searches gets a full (not partial) HNSW index, which Archon's query (ORDER BY
-- embedding_1536 <=> q LIMIT n) can use; the store's own 1536-dimension searches use it as well.
CREATE INDEX IF NOT EXISTS confluence_embedding_1536_hnsw ON archon_crawled_pages
    USING hnsw (embedding_1536 vector_cosine_ops);

-- Archon's setup builds IVFFlat indexes (100 lists) on empty tables, so their list centres are random: probing one
-- list, the default, finds about 1% of the true neighbours. The planner prices such a scan at 1% of the rows and
-- takes it over the HNSW index on tables of up to several thousand chunks. Probing every list makes any IVFFlat
-- scan exact and priced as what it is, so the planner takes the HNSW index (or an exact scan). This is a database
-- setting, not a change to Archon's objects; it needs the database owner, is skipped with a notice otherwise, and
-- is left alone when the database already sets ivfflat.probes.
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
    WHERE d.datname = current_database() AND s.setrole = 0
      AND EXISTS (SELECT 1 FROM unnest(s.setconfig) AS c(setting) WHERE c.setting LIKE 'ivfflat.probes=%')
  ) THEN
    EXECUTE format('ALTER DATABASE %I SET ivfflat.probes = 100', current_database());
  END IF;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'ivfflat.probes not set for this database (%); Archon''s IVFFlat scans keep their low recall', SQLERRM;
END
$$;

-- Archon filters its vector query by source; an HNSW scan filters after the fact and can come back short. Iterative
-- scans (pgvector 0.8+) keep scanning, in exact distance order, until the query has its rows. Same rules as above.
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
    WHERE d.datname = current_database() AND s.setrole = 0
      AND EXISTS (SELECT 1 FROM unnest(s.setconfig) AS c(setting) WHERE c.setting LIKE 'hnsw.iterative_scan=%')
  ) THEN
    EXECUTE format('ALTER DATABASE %I SET hnsw.iterative_scan = strict_order', current_database());
  END IF;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'hnsw.iterative_scan not set for this database (%)', SQLERRM;
END
$$;

-- Archon deletes a source by deleting its archon_sources row: foreign keys cascade to pages, chunks, page rows and
-- sync state; this removes the stored credentials and progress rows, which have no key to it.
CREATE OR REPLACE FUNCTION confluence_source_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM confluence_credentials WHERE source_id = OLD.source_id;
  DELETE FROM archon_progress WHERE source_id = OLD.source_id;
  RETURN OLD;
END;
$$;
DROP TRIGGER IF EXISTS confluence_source_deleted ON archon_sources;
CREATE TRIGGER confluence_source_deleted AFTER DELETE ON archon_sources
    FOR EACH ROW EXECUTE FUNCTION confluence_source_deleted();
