-- Tables of @archon/confluence-worker, created in the worker's schema (the one pg-boss uses), which replaces
-- __SCHEMA__ before this runs. Idempotent: every worker applies it at start.

-- Per source: the state of its latest sync, its last error, and whether scheduled syncs are paused by failure.
CREATE TABLE IF NOT EXISTS __SCHEMA__.source_status (
    source_id TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('running', 'retrying', 'succeeded', 'failed', 'cancelled')),
    operation_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    trigger TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1,
    worker_id TEXT,
    error_code TEXT,
    error_message TEXT,
    error_at TIMESTAMPTZ,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    succeeded_at TIMESTAMPTZ,
    metrics JSONB,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- One row per attempt: who ran which operation when, and how it ended.
CREATE TABLE IF NOT EXISTS __SCHEMA__.sync_runs (
    id BIGSERIAL PRIMARY KEY,
    source_id TEXT NOT NULL,
    operation_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    mode TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    finished_at TIMESTAMPTZ,
    outcome TEXT,
    resumed BOOLEAN,
    error_code TEXT
);
CREATE INDEX IF NOT EXISTS sync_runs_source_idx ON __SCHEMA__.sync_runs (source_id, started_at DESC);

-- Shared token buckets, one per Confluence site, so all workers together stay under the site's rate limit.
CREATE TABLE IF NOT EXISTS __SCHEMA__.rate_buckets (
    site TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    refilled_at TIMESTAMPTZ NOT NULL
);
