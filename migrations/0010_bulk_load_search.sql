-- Bulk first loads, continued. Into an empty chunk table, the full-text index of this SDK
-- (confluence_crawled_pages_search_idx, the GIN index on content_search_vector when Archon's setup did not make its
-- own) is also built once after the load instead of row by row, as 0004 does for vector indexes: the store calls this
-- beside confluence_defer_indexes(dims), in the same transaction. The definition is kept in
-- confluence_deferred_indexes in the same transaction as the drop, so a crash leaves either the index or its
-- definition, and confluence_build_deferred_indexes() builds it; keyword searches meanwhile scan the stored tsvector
-- column. Archon's own indexes are never touched, and a table that already holds rows (another source's, or Archon's)
-- keeps its index: rebuilding it would cost more than the load saves. Returns how many indexes it deferred.
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
