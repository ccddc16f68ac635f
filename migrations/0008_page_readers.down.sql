-- Page readers go; chunk and Archon page metadata keep their confluence_readers key until the pages are rewritten.
ALTER TABLE confluence_sources DROP COLUMN IF EXISTS enforce_permissions;
ALTER TABLE confluence_sources DROP COLUMN IF EXISTS sync_permissions;
DROP INDEX IF EXISTS confluence_pages_reader_clauses_idx;
ALTER TABLE confluence_pages DROP COLUMN IF EXISTS reader_clauses;
DROP TABLE IF EXISTS confluence_reader_clauses;
