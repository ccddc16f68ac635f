-- Blog posts and their chunks go (they have no place without a content type); chunks and Archon page rows lose the
-- key; sources and progress lose the columns.
DROP INDEX IF EXISTS confluence_chunk_content_type_idx;
DELETE FROM archon_crawled_pages c USING confluence_pages p
WHERE p.content_type = 'blogpost' AND c.source_id = p.source_id
  AND (c.metadata ->> 'confluence_page_id') = p.page_id;
DELETE FROM archon_page_metadata m USING confluence_pages p
WHERE p.content_type = 'blogpost' AND m.id = confluence_page_uuid(p.source_id, p.page_id);
DELETE FROM confluence_pages WHERE content_type = 'blogpost';
UPDATE archon_crawled_pages SET metadata = metadata - 'content_type'
WHERE (metadata ->> 'confluence_page_id') IS NOT NULL AND metadata ? 'content_type';
UPDATE archon_page_metadata SET metadata = metadata - 'content_type'
WHERE (metadata ->> 'confluence_page_id') IS NOT NULL AND metadata ? 'content_type';
ALTER TABLE archon_progress DROP COLUMN IF EXISTS content_types;
ALTER TABLE confluence_sources DROP COLUMN IF EXISTS content;
ALTER TABLE confluence_pages DROP CONSTRAINT IF EXISTS confluence_pages_content_type_check;
ALTER TABLE confluence_pages DROP COLUMN IF EXISTS content_type;
