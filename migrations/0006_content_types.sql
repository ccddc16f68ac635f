-- Blog posts and comments. A confluence_pages row is a page or a blog post; every Confluence chunk says what it comes
-- from in metadata.content_type (page, blogpost or comment: a page's discussion), which Archon's metadata filter can
-- match and the store's content-type filter uses. Sources say which content they index; sync progress counts each
-- content type.
ALTER TABLE confluence_pages ADD COLUMN IF NOT EXISTS content_type TEXT NOT NULL DEFAULT 'page';
ALTER TABLE confluence_pages DROP CONSTRAINT IF EXISTS confluence_pages_content_type_check;
ALTER TABLE confluence_pages ADD CONSTRAINT confluence_pages_content_type_check
    CHECK (content_type IN ('page', 'blogpost'));

ALTER TABLE confluence_sources ADD COLUMN IF NOT EXISTS content JSONB;

ALTER TABLE archon_progress ADD COLUMN IF NOT EXISTS content_types JSONB;

-- Chunks written before this migration are page chunks.
UPDATE archon_crawled_pages SET metadata = metadata || '{"content_type": "page"}'::jsonb
WHERE (metadata ->> 'confluence_page_id') IS NOT NULL AND NOT (metadata ? 'content_type');
UPDATE archon_page_metadata SET metadata = COALESCE(metadata, '{}'::jsonb) || '{"content_type": "page"}'::jsonb
WHERE (metadata ->> 'confluence_page_id') IS NOT NULL AND NOT (metadata ? 'content_type');

CREATE INDEX IF NOT EXISTS confluence_chunk_content_type_idx
    ON archon_crawled_pages (source_id, (metadata ->> 'content_type'))
    WHERE (metadata ->> 'confluence_page_id') IS NOT NULL;
