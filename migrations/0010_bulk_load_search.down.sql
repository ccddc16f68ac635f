-- Builds any index a bulk load left deferred (the full-text index included), then restores 0004's function.
SELECT confluence_build_deferred_indexes(NULL);

CREATE OR REPLACE FUNCTION confluence_defer_indexes(dims INTEGER) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
  idx RECORD;
  deferred INTEGER;
BEGIN
  IF dims NOT IN (384, 768, 1024, 1536, 3072) THEN
    RAISE EXCEPTION 'unsupported dimension %', dims;
  END IF;
  PERFORM pg_advisory_xact_lock(4242018);
  IF NOT EXISTS (SELECT 1 FROM archon_crawled_pages WHERE embedding_dimension = dims) THEN
    FOR idx IN
      SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_am am ON am.oid = c.relam
      WHERE i.indrelid = 'archon_crawled_pages'::regclass
        AND am.amname IN ('hnsw', 'ivfflat')
        AND c.relname LIKE 'confluence\_%'
        AND pg_get_indexdef(i.indexrelid) ~ ('\membedding_' || dims || '\M')
    LOOP
      INSERT INTO confluence_deferred_indexes (index_name, dimensions, definition)
      VALUES (idx.name, dims, idx.definition) ON CONFLICT (index_name) DO NOTHING;
      EXECUTE 'DROP INDEX ' || idx.name;
    END LOOP;
  END IF;
  SELECT count(*) INTO deferred FROM confluence_deferred_indexes;
  RETURN deferred;
END
$$;
