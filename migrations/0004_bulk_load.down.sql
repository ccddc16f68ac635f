-- Builds any index a bulk load left deferred, then removes what 0004 added.
DO $$
BEGIN
  IF to_regclass('confluence_deferred_indexes') IS NOT NULL THEN
    PERFORM confluence_build_deferred_indexes(NULL);
  END IF;
END
$$;
DROP FUNCTION IF EXISTS confluence_build_deferred_indexes(INTEGER);
DROP FUNCTION IF EXISTS confluence_defer_indexes(INTEGER);
DROP TABLE IF EXISTS confluence_deferred_indexes;
