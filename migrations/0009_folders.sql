-- Cloud folders: titled nodes of the page tree without a body. Pages below a folder carry its id in their
-- ancestors; this table gives it a title for breadcrumbs.
CREATE TABLE IF NOT EXISTS confluence_folders (
    source_id TEXT NOT NULL REFERENCES confluence_sources(source_id) ON DELETE CASCADE,
    folder_id TEXT COLLATE "C" NOT NULL,
    title TEXT NOT NULL,
    parent_id TEXT COLLATE "C",
    ancestors TEXT[] NOT NULL DEFAULT '{}',
    path TEXT COLLATE "C" NOT NULL,
    depth INTEGER NOT NULL,
    web_url TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (source_id, folder_id)
);
