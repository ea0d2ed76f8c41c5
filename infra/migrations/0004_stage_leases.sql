-- Leases: a running attempt belongs to its worker until lease_expires_at, which the
-- worker pushes forward while it works (a heartbeat). An attempt whose lease ran out
-- is abandoned by a sweeper, which queues the stage's next attempt; the old worker, if
-- it comes back, can no longer record an outcome (its attempt is no longer running).
ALTER TABLE stage_attempts ADD COLUMN lease_expires_at timestamptz;

COMMENT ON COLUMN stage_attempts.lease_expires_at IS 'While running: until when the attempt is its worker''s; the worker renews it while it works, and a sweeper abandons the attempt once it has passed.';

CREATE INDEX stage_attempts_running_lease_idx ON stage_attempts (stage, lease_expires_at) WHERE outcome = 'running';
