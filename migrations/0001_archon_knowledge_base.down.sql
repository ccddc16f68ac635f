-- Drops Archon's knowledge-base tables only when this SDK alone made them and they hold nothing. Inside an Archon
-- database (archon_settings exists) they belong to Archon, and when they hold rows someone else's data is in them:
-- either way they stay, and the rollback still succeeds.
DO $$
BEGIN
  IF to_regclass('archon_settings') IS NOT NULL THEN
    RAISE NOTICE 'archon_sources / archon_crawled_pages belong to Archon here; left in place';
  ELSIF EXISTS (SELECT 1 FROM archon_crawled_pages) OR EXISTS (SELECT 1 FROM archon_sources)
      OR (to_regclass('archon_page_metadata') IS NOT NULL) THEN
    RAISE NOTICE 'archon_sources / archon_crawled_pages still hold rows (or are referenced); left in place';
  ELSE
    DROP TABLE archon_crawled_pages;
    DROP TABLE archon_sources;
  END IF;
END
$$;
