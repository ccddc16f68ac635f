-- Forgets this table's full-text index if a bulk load left it deferred (the table goes), restores 0010's
-- confluence_defer_search_index, then removes what 0013 added.
DELETE FROM confluence_deferred_indexes WHERE index_name = 'confluence_chunk_search_vector_idx';
CREATE OR REPLACE FUNCTION confluence_defer_search_index(dims INTEGER) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
  idx RECORD;
  deferred INTEGER := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(4242018);
  IF EXISTS (SELECT 1 FROM archon_crawled_pages) THEN
    RETURN 0;
  END IF;
  FOR idx IN
    SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am am ON am.oid = c.relam
    WHERE i.indrelid = 'archon_crawled_pages'::regclass
      AND am.amname = 'gin'
      AND c.relname = 'confluence_crawled_pages_search_idx'
  LOOP
    INSERT INTO confluence_deferred_indexes (index_name, dimensions, definition)
    VALUES (idx.name, dims, idx.definition) ON CONFLICT (index_name) DO NOTHING;
    EXECUTE 'DROP INDEX ' || idx.name;
    deferred := deferred + 1;
  END LOOP;
  RETURN deferred;
END
$$;
DROP TRIGGER IF EXISTS confluence_chunk_search_insert ON archon_crawled_pages;
DROP TRIGGER IF EXISTS confluence_chunk_search_delete ON archon_crawled_pages;
DROP TRIGGER IF EXISTS confluence_chunk_search_update ON archon_crawled_pages;
DROP TRIGGER IF EXISTS confluence_chunk_search_truncate ON archon_crawled_pages;
DROP FUNCTION IF EXISTS confluence_chunk_search_insert();
DROP FUNCTION IF EXISTS confluence_chunk_search_delete();
DROP FUNCTION IF EXISTS confluence_chunk_search_update();
DROP FUNCTION IF EXISTS confluence_chunk_search_truncate();
DROP TABLE IF EXISTS confluence_chunk_search;
