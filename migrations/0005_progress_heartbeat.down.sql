-- Interrupted operations become failed ones again; owner and heartbeat go.
DROP INDEX IF EXISTS archon_progress_running_idx;
UPDATE archon_progress SET state = 'failed' WHERE state = 'interrupted';
ALTER TABLE archon_progress DROP CONSTRAINT IF EXISTS archon_progress_state_check;
ALTER TABLE archon_progress ADD CONSTRAINT archon_progress_state_check
    CHECK (state IN ('running', 'completed', 'failed'));
ALTER TABLE archon_progress DROP COLUMN IF EXISTS heartbeat_at;
ALTER TABLE archon_progress DROP COLUMN IF EXISTS owner;
