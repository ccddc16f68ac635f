-- Sync operations carry the process that runs them and its last heartbeat, so a row left `running` by a process
-- that died can be told apart from a live sync and marked `interrupted`.
ALTER TABLE archon_progress ADD COLUMN IF NOT EXISTS owner TEXT;
ALTER TABLE archon_progress ADD COLUMN IF NOT EXISTS heartbeat_at TIMESTAMPTZ;
ALTER TABLE archon_progress DROP CONSTRAINT IF EXISTS archon_progress_state_check;
ALTER TABLE archon_progress ADD CONSTRAINT archon_progress_state_check
    CHECK (state IN ('running', 'completed', 'failed', 'interrupted'));
CREATE INDEX IF NOT EXISTS archon_progress_running_idx ON archon_progress (heartbeat_at) WHERE state = 'running';
