-- Hand-offs: the message that carries a job on from a finished attempt (the next
-- stage's first attempt, or this stage's next attempt) is published after the
-- attempt's outcome is committed. handed_off_at records the broker's confirm of it.
-- An attempt whose hand-off is still owed a while after it finished (its worker died
-- between the commit and the publish) is handed off by its stage's sweeper.
ALTER TABLE stage_attempts ADD COLUMN handed_off_at timestamptz;

COMMENT ON COLUMN stage_attempts.handed_off_at IS 'When the broker confirmed the message that carries the job on from this attempt (the next stage''s, or this stage''s next attempt), or when none was owed any more (the last stage; the job already over). NULL while running, and while the hand-off is owed.';

-- Attempts that finished before this column existed were handed off by their workers.
UPDATE stage_attempts SET handed_off_at = finished_at WHERE outcome <> 'running';

CREATE INDEX stage_attempts_owed_handoff_idx ON stage_attempts (stage, finished_at)
    WHERE handed_off_at IS NULL AND outcome IN ('succeeded', 'retried', 'abandoned');
