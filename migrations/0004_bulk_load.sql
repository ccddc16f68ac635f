-- Bulk first loads. Maintaining an HNSW graph row by row costs far more than building it once, so a first load of
-- vectors of one dimension (into a table holding none of that dimension yet) may drop the vector indexes of that
-- column and build them again at its end. Each dropped index's definition is kept here in the same transaction as
-- the drop, so a crash at any point leaves either the index or its recorded definition, never neither; the next
-- sync (or confluence_build_deferred_indexes()) builds it again. Searches work meanwhile, by exact scan.
CREATE TABLE IF NOT EXISTS confluence_deferred_indexes (
    index_name TEXT PRIMARY KEY,
    dimensions INTEGER NOT NULL,
    definition TEXT NOT NULL,
    deferred_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- Drops every HNSW or IVFFlat index of this SDK (named confluence_*) on the embedding_<dims> column of
-- archon_crawled_pages, partial or not (0003's full HNSW index on embedding_1536 included), when no row holds a
-- vector of that dimension yet. Archon's own indexes are left as they are. Returns how many indexes are deferred
-- afterwards (of any dimension).
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

-- Builds the deferred indexes (of one dimension, or all when dims is NULL) and forgets them. Returns how many.
CREATE OR REPLACE FUNCTION confluence_build_deferred_indexes(dims INTEGER DEFAULT NULL) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
  idx RECORD;
  built INTEGER := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(4242018);
  FOR idx IN
    SELECT index_name, definition FROM confluence_deferred_indexes
    WHERE dims IS NULL OR dimensions = dims ORDER BY index_name
  LOOP
    IF to_regclass(idx.index_name) IS NULL THEN
      EXECUTE idx.definition;
    END IF;
    DELETE FROM confluence_deferred_indexes WHERE index_name = idx.index_name;
    built := built + 1;
  END LOOP;
  RETURN built;
END
$$;
