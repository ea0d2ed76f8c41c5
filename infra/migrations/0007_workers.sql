-- Workers: every stage worker process writes its row when it starts and renews
-- last_seen_at every heartbeat; a graceful stop sets stopped_at. What a worker is doing
-- is not kept here: worker_status counts it from stage_attempts, the record the
-- sweeper already trusts, so the two cannot disagree.
CREATE TABLE workers (
    worker text NOT NULL,
    stage text NOT NULL CHECK (stage IN ('validate', 'normalize', 'spark', 'analyze')),
    host text NOT NULL,
    pid integer NOT NULL CHECK (pid > 0),
    version text NOT NULL,
    started_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    heartbeat_seconds double precision NOT NULL CHECK (heartbeat_seconds > 0),
    stopped_at timestamptz,
    -- One process may run several stages (the test harness does).
    PRIMARY KEY (worker, stage)
);

COMMENT ON TABLE workers IS 'One row per stage worker process (and stage), written by the process itself (a heartbeat). Read worker_status.';
COMMENT ON COLUMN workers.worker IS 'The process, as host:pid: the same text as stage_attempts.worker.';
COMMENT ON COLUMN workers.last_seen_at IS 'The process''s latest heartbeat.';
COMMENT ON COLUMN workers.heartbeat_seconds IS 'How often the process renews last_seen_at; three missed beats make it lost.';
COMMENT ON COLUMN workers.stopped_at IS 'When the process stopped gracefully; NULL while it runs, or if it died.';

-- The attempts of one worker process, for worker_status's counts.
CREATE INDEX stage_attempts_worker_idx ON stage_attempts (worker, started_at);

CREATE VIEW worker_status AS
SELECT
    w.worker,
    w.stage,
    w.host,
    w.pid,
    w.version,
    w.started_at,
    w.last_seen_at,
    w.stopped_at,
    CASE
        WHEN w.stopped_at IS NOT NULL THEN 'stopped'
        WHEN now() - w.last_seen_at > make_interval(secs => 3 * w.heartbeat_seconds) THEN 'lost'
        ELSE 'alive'
    END AS state,
    w.heartbeat_seconds,
    count(*) FILTER (WHERE a.outcome = 'running') AS attempts_in_flight,
    count(*) FILTER (WHERE a.outcome = 'succeeded') AS attempts_succeeded,
    count(*) FILTER (WHERE a.outcome IN ('failed', 'retried', 'abandoned')) AS attempts_failed,
    max(coalesce(a.finished_at, a.started_at)) AS last_attempt_at
FROM workers w
LEFT JOIN stage_attempts a ON a.worker = w.worker AND a.stage = w.stage AND a.started_at >= w.started_at
GROUP BY w.worker, w.stage;

COMMENT ON VIEW worker_status IS 'Each stage worker process: alive (a heartbeat within three intervals), lost (none since) or stopped (gracefully), with its attempts since it started. Stable interface.';
COMMENT ON COLUMN worker_status.state IS 'alive, lost (no heartbeat for three intervals: frozen, killed, or cut off from the database) or stopped.';
COMMENT ON COLUMN worker_status.attempts_in_flight IS 'Attempts this process is running now (stage_attempts with outcome running).';
COMMENT ON COLUMN worker_status.attempts_failed IS 'Attempts of this process that failed, were retried or were abandoned.';
COMMENT ON COLUMN workers.stage IS 'The stage the process works on: validate, normalize, spark or analyze.';
COMMENT ON COLUMN workers.host IS 'The host name the process runs on.';
COMMENT ON COLUMN workers.pid IS 'The process id on that host.';
COMMENT ON COLUMN workers.version IS 'The Sluice version the process runs.';
COMMENT ON COLUMN workers.started_at IS 'When the process started working.';
COMMENT ON COLUMN worker_status.worker IS 'The process, as host:pid (stage_attempts.worker).';
COMMENT ON COLUMN worker_status.stage IS 'The stage the process works on.';
COMMENT ON COLUMN worker_status.host IS 'The host name the process runs on.';
COMMENT ON COLUMN worker_status.pid IS 'The process id on that host.';
COMMENT ON COLUMN worker_status.version IS 'The Sluice version the process runs.';
COMMENT ON COLUMN worker_status.started_at IS 'When the process started working.';
COMMENT ON COLUMN worker_status.last_seen_at IS 'The process''s latest heartbeat.';
COMMENT ON COLUMN worker_status.stopped_at IS 'When the process stopped gracefully; NULL while it runs, or if it died.';
COMMENT ON COLUMN worker_status.heartbeat_seconds IS 'How often the process renews last_seen_at.';
COMMENT ON COLUMN worker_status.attempts_succeeded IS 'Attempts of this process that succeeded.';
COMMENT ON COLUMN worker_status.last_attempt_at IS 'When the process last began or finished an attempt.';
