-- Builds any index a bulk load left deferred (the full-text index included), then removes what 0010 added.
SELECT confluence_build_deferred_indexes(NULL);
DROP FUNCTION IF EXISTS confluence_defer_search_index(INTEGER);
