-- Who may read each page, for searches by principal. A page's readers are clauses of principal tokens
-- (user:<id>, group:<id>, anyone): a principal reads the page when every clause names one of its tokens. Distinct
-- clauses are stored once per source, and each page lists the ids of its clauses, so a search computes once which
-- clauses the principal satisfies and keeps a page when all of its clause ids are among them (an indexed <@).

CREATE TABLE IF NOT EXISTS confluence_reader_clauses (
    id BIGSERIAL PRIMARY KEY,
    source_id TEXT NOT NULL REFERENCES archon_sources(source_id) ON DELETE CASCADE,
    principals TEXT[] NOT NULL,
    CONSTRAINT confluence_reader_clauses_unique UNIQUE (source_id, principals)
);
CREATE INDEX IF NOT EXISTS confluence_reader_clauses_principals_idx
    ON confluence_reader_clauses USING GIN (principals);

-- NULL: readers unknown (permissions never synced for the page), which no principal may read.
ALTER TABLE confluence_pages ADD COLUMN IF NOT EXISTS reader_clauses BIGINT[];
CREATE INDEX IF NOT EXISTS confluence_pages_reader_clauses_idx ON confluence_pages USING GIN (reader_clauses);

ALTER TABLE confluence_sources ADD COLUMN IF NOT EXISTS sync_permissions BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE confluence_sources ADD COLUMN IF NOT EXISTS enforce_permissions BOOLEAN NOT NULL DEFAULT FALSE;
