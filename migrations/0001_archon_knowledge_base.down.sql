-- Drops Archon's knowledge-base tables, but only when they hold nothing: inside an Archon database they belong
-- to Archon, and its data must survive a rollback of this SDK.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM archon_crawled_pages) OR EXISTS (SELECT 1 FROM archon_sources) THEN
    RAISE EXCEPTION 'archon_sources / archon_crawled_pages still hold rows (Archon''s own data, or Confluence data not yet rolled back); refusing to drop them';
  END IF;
END
$$;

DROP TABLE IF EXISTS archon_crawled_pages;
DROP TABLE IF EXISTS archon_sources;
