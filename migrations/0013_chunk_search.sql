-- Keyword ranking on a narrow table. The keyword leg of a search scores every chunk matching its words with ts_rank.
-- In archon_crawled_pages each match is a wide row (content, metadata and tsvector stored compressed inline, about
-- 2 KB a row), so a query of common words reads most of the table and decompresses the tsvector twice per match.
-- confluence_chunk_search keeps, per Confluence chunk, only what ranking and the chunk-level filters read: the very
-- same tsvector (a copy of the chunk's content_search_vector, so ts_rank returns the same score) with its chunk's
-- source, page, number and content type. It is written by statement-level triggers on archon_crawled_pages in the
-- statement that writes the chunks, so both tables change in the same transaction; Archon's own chunks (no
-- metadata.confluence_page_id) are not copied.
CREATE TABLE IF NOT EXISTS confluence_chunk_search (
    id BIGINT PRIMARY KEY,
    source_id TEXT NOT NULL,
    page_id TEXT NOT NULL,
    chunk_number INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    search_vector TSVECTOR NOT NULL
);
CREATE INDEX IF NOT EXISTS confluence_chunk_search_vector_idx ON confluence_chunk_search USING gin (search_vector);

CREATE OR REPLACE FUNCTION confluence_chunk_search_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO confluence_chunk_search (id, source_id, page_id, chunk_number, content_type, search_vector)
  SELECT n.id, n.source_id, n.metadata ->> 'confluence_page_id', n.chunk_number,
         COALESCE(n.metadata ->> 'content_type', 'page'), n.content_search_vector
  FROM confluence_new_chunks n
  WHERE (n.metadata ->> 'confluence_page_id') IS NOT NULL AND n.content_search_vector IS NOT NULL
  ON CONFLICT (id) DO UPDATE SET source_id = EXCLUDED.source_id, page_id = EXCLUDED.page_id,
    chunk_number = EXCLUDED.chunk_number, content_type = EXCLUDED.content_type,
    search_vector = EXCLUDED.search_vector;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION confluence_chunk_search_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM confluence_chunk_search s USING confluence_old_chunks o WHERE s.id = o.id;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION confluence_chunk_search_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM confluence_chunk_search s USING confluence_old_chunks o WHERE s.id = o.id;
  INSERT INTO confluence_chunk_search (id, source_id, page_id, chunk_number, content_type, search_vector)
  SELECT n.id, n.source_id, n.metadata ->> 'confluence_page_id', n.chunk_number,
         COALESCE(n.metadata ->> 'content_type', 'page'), n.content_search_vector
  FROM confluence_new_chunks n
  WHERE (n.metadata ->> 'confluence_page_id') IS NOT NULL AND n.content_search_vector IS NOT NULL;
  RETURN NULL;
END
$$;

-- A TRUNCATE naming both tables has already emptied this one, and TRUNCATE refuses a table its statement is using.
CREATE OR REPLACE FUNCTION confluence_chunk_search_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    TRUNCATE confluence_chunk_search;
  EXCEPTION WHEN object_in_use THEN
    DELETE FROM confluence_chunk_search;
  END;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS confluence_chunk_search_insert ON archon_crawled_pages;
CREATE TRIGGER confluence_chunk_search_insert AFTER INSERT ON archon_crawled_pages
    REFERENCING NEW TABLE AS confluence_new_chunks
    FOR EACH STATEMENT EXECUTE FUNCTION confluence_chunk_search_insert();
DROP TRIGGER IF EXISTS confluence_chunk_search_delete ON archon_crawled_pages;
CREATE TRIGGER confluence_chunk_search_delete AFTER DELETE ON archon_crawled_pages
    REFERENCING OLD TABLE AS confluence_old_chunks
    FOR EACH STATEMENT EXECUTE FUNCTION confluence_chunk_search_delete();
DROP TRIGGER IF EXISTS confluence_chunk_search_update ON archon_crawled_pages;
CREATE TRIGGER confluence_chunk_search_update AFTER UPDATE ON archon_crawled_pages
    REFERENCING OLD TABLE AS confluence_old_chunks NEW TABLE AS confluence_new_chunks
    FOR EACH STATEMENT EXECUTE FUNCTION confluence_chunk_search_update();
DROP TRIGGER IF EXISTS confluence_chunk_search_truncate ON archon_crawled_pages;
CREATE TRIGGER confluence_chunk_search_truncate AFTER TRUNCATE ON archon_crawled_pages
    FOR EACH STATEMENT EXECUTE FUNCTION confluence_chunk_search_truncate();

-- Chunks stored before this migration. A stored tsvector is often compressed; concatenating the empty tsvector
-- gives the same value uncompressed (the triggers see values before storage compresses them).
INSERT INTO confluence_chunk_search (id, source_id, page_id, chunk_number, content_type, search_vector)
SELECT c.id, c.source_id, c.metadata ->> 'confluence_page_id', c.chunk_number,
       COALESCE(c.metadata ->> 'content_type', 'page'), c.content_search_vector || ''::tsvector
FROM archon_crawled_pages c
WHERE (c.metadata ->> 'confluence_page_id') IS NOT NULL AND c.content_search_vector IS NOT NULL
ON CONFLICT (id) DO NOTHING;

-- A bulk first load into an empty chunk table also builds this table's full-text index once after the load, as
-- 0010 does for confluence_crawled_pages_search_idx (same function, same rules, one more index).
CREATE OR REPLACE FUNCTION confluence_defer_search_index(dims INTEGER) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
  idx RECORD;
  deferred INTEGER := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(4242018);
  IF EXISTS (SELECT 1 FROM archon_crawled_pages) OR EXISTS (SELECT 1 FROM confluence_chunk_search) THEN
    RETURN 0;
  END IF;
  FOR idx IN
    SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am am ON am.oid = c.relam
    WHERE am.amname = 'gin'
      AND ((i.indrelid = 'archon_crawled_pages'::regclass AND c.relname = 'confluence_crawled_pages_search_idx')
        OR (i.indrelid = 'confluence_chunk_search'::regclass AND c.relname = 'confluence_chunk_search_vector_idx'))
  LOOP
    INSERT INTO confluence_deferred_indexes (index_name, dimensions, definition)
    VALUES (idx.name, dims, idx.definition) ON CONFLICT (index_name) DO NOTHING;
    EXECUTE 'DROP INDEX ' || idx.name;
    deferred := deferred + 1;
  END LOOP;
  RETURN deferred;
END
$$;
