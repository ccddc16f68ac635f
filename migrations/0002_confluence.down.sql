-- Removes the Confluence chunks, the Confluence sources' archon_sources rows and every table of 0002.
-- Archon's own sources and chunks are left alone.
DELETE FROM archon_crawled_pages c
    USING confluence_sources s
    WHERE c.source_id = s.source_id;
DELETE FROM archon_crawled_pages WHERE (metadata ->> 'page_id') IS NOT NULL AND metadata ->> 'source_type' = 'confluence';
DELETE FROM archon_sources a USING confluence_sources s WHERE a.source_id = s.source_id;

DROP INDEX IF EXISTS confluence_chunks_page_idx;
DROP INDEX IF EXISTS confluence_chunks_model_dimension_idx;
DROP INDEX IF EXISTS confluence_chunks_hash_idx;
DROP INDEX IF EXISTS confluence_chunks_embedding_384_hnsw;
DROP INDEX IF EXISTS confluence_chunks_embedding_768_hnsw;
DROP INDEX IF EXISTS confluence_chunks_embedding_1024_hnsw;
DROP INDEX IF EXISTS confluence_chunks_embedding_1536_hnsw;
DROP INDEX IF EXISTS confluence_chunks_embedding_3072_hnsw;

DROP TABLE IF EXISTS confluence_credentials;
DROP TABLE IF EXISTS archon_progress;
DROP TABLE IF EXISTS confluence_sync_state;
DROP TABLE IF EXISTS confluence_embedding_cache;
DROP TABLE IF EXISTS confluence_pages;
DROP TABLE IF EXISTS confluence_sources;
