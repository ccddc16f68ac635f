-- Confluence sync tables. Everything here is named confluence_* (plus archon_progress) and is removed by the
-- matching .down.sql; Archon's own tables only gain partial indexes that cover Confluence chunks alone.

-- Which archon_sources rows are Confluence spaces, and how to sync them. Credentials live elsewhere.
CREATE TABLE IF NOT EXISTS confluence_sources (
    source_id TEXT PRIMARY KEY REFERENCES archon_sources(source_id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    deployment TEXT NOT NULL CHECK (deployment IN ('cloud', 'datacenter')),
    base_url TEXT NOT NULL,
    space_key TEXT NOT NULL,
    deletion_strategy TEXT NOT NULL CHECK (deletion_strategy IN ('listing', 'full-only', 'never')),
    remove_archived BOOLEAN NOT NULL DEFAULT TRUE,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS confluence_pages (
    source_id TEXT NOT NULL REFERENCES archon_sources(source_id) ON DELETE CASCADE,
    page_id TEXT COLLATE "C" NOT NULL,
    space_key TEXT NOT NULL,
    title TEXT NOT NULL,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    parent_id TEXT COLLATE "C",
    ancestors TEXT[] NOT NULL DEFAULT '{}',
    -- Materialized path /rootId/.../pageId; "C" collation so ordering and prefix matching are bytewise.
    path TEXT COLLATE "C" NOT NULL,
    depth INTEGER NOT NULL,
    web_url TEXT NOT NULL,
    author_id TEXT,
    created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ,
    labels TEXT[] NOT NULL DEFAULT '{}',
    -- Converter metadata: jiraKeys, mentions, pageLinks, attachments, externalLinks, headings, macros, ...
    metadata JSONB NOT NULL DEFAULT '{}'::jsonb,
    markdown TEXT NOT NULL,
    indexed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source_id, page_id)
);

CREATE INDEX IF NOT EXISTS confluence_pages_path_idx ON confluence_pages (source_id, path text_pattern_ops);
CREATE INDEX IF NOT EXISTS confluence_pages_parent_idx ON confluence_pages (source_id, parent_id);
CREATE INDEX IF NOT EXISTS confluence_pages_labels_idx ON confluence_pages USING GIN (labels);
CREATE INDEX IF NOT EXISTS confluence_pages_jira_keys_idx ON confluence_pages USING GIN ((metadata -> 'jiraKeys'));
CREATE INDEX IF NOT EXISTS confluence_pages_mentions_idx ON confluence_pages USING GIN ((metadata -> 'mentions'));
CREATE INDEX IF NOT EXISTS confluence_pages_author_idx ON confluence_pages (author_id);
CREATE INDEX IF NOT EXISTS confluence_pages_updated_idx ON confluence_pages (updated_at);

-- Chunks are archon_crawled_pages rows whose metadata carries page_id; these partial indexes cover only them.
CREATE INDEX IF NOT EXISTS confluence_chunks_page_idx
    ON archon_crawled_pages (source_id, (metadata ->> 'page_id')) WHERE (metadata ->> 'page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunks_model_dimension_idx
    ON archon_crawled_pages (embedding_model, embedding_dimension) WHERE (metadata ->> 'page_id') IS NOT NULL;

-- HNSW cosine indexes. pgvector indexes `vector` up to 2,000 dimensions, so 3,072-dimension vectors are indexed
-- as half precision (halfvec, up to 4,000; pgvector 0.7+) and the store queries them through the same expression.
-- On older pgvector the 3,072 column has no index and its searches are exact scans.
CREATE INDEX IF NOT EXISTS confluence_chunks_embedding_384_hnsw ON archon_crawled_pages
    USING hnsw (embedding_384 vector_cosine_ops) WHERE (metadata ->> 'page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunks_embedding_768_hnsw ON archon_crawled_pages
    USING hnsw (embedding_768 vector_cosine_ops) WHERE (metadata ->> 'page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunks_embedding_1024_hnsw ON archon_crawled_pages
    USING hnsw (embedding_1024 vector_cosine_ops) WHERE (metadata ->> 'page_id') IS NOT NULL;
CREATE INDEX IF NOT EXISTS confluence_chunks_embedding_1536_hnsw ON archon_crawled_pages
    USING hnsw (embedding_1536 vector_cosine_ops) WHERE (metadata ->> 'page_id') IS NOT NULL;
DO $$
BEGIN
  IF to_regtype('halfvec') IS NOT NULL THEN
    CREATE INDEX IF NOT EXISTS confluence_chunks_embedding_3072_hnsw ON archon_crawled_pages
        USING hnsw ((embedding_3072::halfvec(3072)) halfvec_cosine_ops) WHERE (metadata ->> 'page_id') IS NOT NULL;
  END IF;
END
$$;

-- Finds stored vectors by text hash (findEmbeddings), so unchanged texts are never embedded twice.
CREATE INDEX IF NOT EXISTS confluence_chunks_hash_idx
    ON archon_crawled_pages (embedding_model, embedding_dimension, (metadata ->> 'chunk_hash'))
    WHERE (metadata ->> 'page_id') IS NOT NULL;

-- Vectors of chunks that were deleted or replaced, by model, dimension and text hash: a text is never embedded
-- twice, even after its source was deleted and re-created. Live chunks are not copied here (that would write
-- every vector twice); findEmbeddings looks in both. Not tied to any source on purpose.
CREATE TABLE IF NOT EXISTS confluence_embedding_cache (
    embedding_model TEXT NOT NULL,
    dimensions INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    embedding VECTOR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (embedding_model, dimensions, content_hash)
);

-- Watermark, checkpoint of a running (or crashed) sync, and pages to retry.
CREATE TABLE IF NOT EXISTS confluence_sync_state (
    source_id TEXT PRIMARY KEY REFERENCES archon_sources(source_id) ON DELETE CASCADE,
    watermark TIMESTAMPTZ,
    last_mode TEXT CHECK (last_mode IN ('full', 'incremental')),
    last_completed_at TIMESTAMPTZ,
    checkpoint JSONB,
    failed_pages JSONB NOT NULL DEFAULT '{}'::jsonb,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- Progress of sync operations, one row per operation id.
CREATE TABLE IF NOT EXISTS archon_progress (
    operation_id TEXT PRIMARY KEY,
    operation_type TEXT NOT NULL DEFAULT 'confluence_sync',
    source_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'completed', 'failed')),
    mode TEXT,
    stage TEXT,
    total INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    indexed INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    percent DOUBLE PRECISION NOT NULL DEFAULT 0,
    message TEXT,
    error_code TEXT,
    started_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    finished_at TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS archon_progress_source_idx ON archon_progress (source_id, updated_at DESC);

-- Confluence credentials, AES-256-GCM encrypted (base64 fields); key_id names the key that encrypted them.
CREATE TABLE IF NOT EXISTS confluence_credentials (
    source_id TEXT PRIMARY KEY,
    type TEXT NOT NULL CHECK (type IN ('basic', 'bearer')),
    email TEXT,
    key_id TEXT NOT NULL,
    iv TEXT NOT NULL,
    auth_tag TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
