-- Job history: one row per job, one per stage attempt, the figures each stage
-- recorded, and the final summary. People query these tables by hand, so the names
-- are a public interface: change them only in a new migration, and keep the views
-- job_history and stage_latency stable.
--
-- States, stages and causes are text with CHECK constraints rather than enum types,
-- so that a later migration can add a value with a plain ALTER TABLE.

CREATE TABLE jobs (
    job_id uuid PRIMARY KEY,
    source text NOT NULL CHECK (source IN ('http', 'amqp', 'cli')),
    status text NOT NULL DEFAULT 'queued' CHECK (status IN (
        'queued', 'validating', 'normalizing', 'processing', 'analyzing',
        'completed', 'failed', 'cancelled'
    )),
    config jsonb NOT NULL DEFAULT '{}',
    record_count integer CHECK (record_count >= 0),
    -- A plain UNIQUE: NULLs never collide, and `ON CONFLICT (idempotency_key)` works
    -- without repeating a partial index's predicate.
    idempotency_key text CONSTRAINT jobs_idempotency_key_key UNIQUE,
    trace_id text,
    submitted_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    failed_stage text CHECK (failed_stage IN ('validate', 'normalize', 'spark', 'analyze')),
    error text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT jobs_finished_after_submitted CHECK (finished_at >= submitted_at),
    CONSTRAINT jobs_failed_stage_only_when_failed CHECK (failed_stage IS NULL OR status = 'failed'),
    -- A cancelled job may say why it was cancelled.
    CONSTRAINT jobs_error_only_when_failed_or_cancelled CHECK (error IS NULL OR status IN ('failed', 'cancelled'))
);

COMMENT ON TABLE jobs IS 'One row per job: where it came from, its state, and when it moved. Stable interface: prefer the job_history view for reading.';
COMMENT ON COLUMN jobs.job_id IS 'The job''s id, chosen by the submitter or the gateway; every message and artifact names the job by it.';
COMMENT ON COLUMN jobs.source IS 'How the job entered: http (gateway API), amqp (published straight to the submit exchange) or cli (sluice command).';
COMMENT ON COLUMN jobs.status IS 'queued, validating, normalizing, processing (Spark), analyzing, then completed; or failed (see failed_stage and error) or cancelled.';
COMMENT ON COLUMN jobs.config IS 'The processing options the job was submitted with (JSON object; {} when none).';
COMMENT ON COLUMN jobs.record_count IS 'Number of input records; NULL until the validator has counted them.';
COMMENT ON COLUMN jobs.idempotency_key IS 'Submitter-supplied key (or AMQP message id) that makes a resubmission return the same job; unique when present.';
COMMENT ON COLUMN jobs.trace_id IS 'Correlation id carried by every message and log line of the job.';
COMMENT ON COLUMN jobs.submitted_at IS 'When the job was accepted.';
COMMENT ON COLUMN jobs.started_at IS 'When the first stage started working on the job; NULL while queued.';
COMMENT ON COLUMN jobs.finished_at IS 'When the job reached completed, failed or cancelled; NULL before. Never before submitted_at.';
COMMENT ON COLUMN jobs.failed_stage IS 'The stage that failed the job (validate, normalize, spark, analyze); set only when status is failed.';
COMMENT ON COLUMN jobs.error IS 'Why the job failed or was cancelled, for people; set only when status is failed or cancelled.';
COMMENT ON COLUMN jobs.updated_at IS 'When the row last changed; maintained by a trigger on every UPDATE.';

CREATE FUNCTION jobs_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION jobs_touch_updated_at() IS 'Keeps jobs.updated_at current without every writer having to remember it.';

CREATE TRIGGER jobs_touch_updated_at BEFORE UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION jobs_touch_updated_at();

CREATE INDEX jobs_status_submitted_at_idx ON jobs (status, submitted_at DESC);
CREATE INDEX jobs_submitted_at_idx ON jobs (submitted_at DESC);
CREATE INDEX jobs_finished_at_idx ON jobs (finished_at);

CREATE TABLE stage_attempts (
    job_id uuid NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    stage text NOT NULL CHECK (stage IN ('validate', 'normalize', 'spark', 'analyze')),
    attempt integer NOT NULL CHECK (attempt >= 1),
    worker text NOT NULL,
    device text,
    enqueued_at timestamptz NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    outcome text NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'succeeded', 'failed', 'retried', 'abandoned')),
    error_cause text CHECK (error_cause IN (
        'invalid_data', 'timeout', 'worker_lost', 'broker_unavailable', 'database_unavailable',
        'spark_driver_crash', 'gpu_error', 'internal_error'
    )),
    error text,
    records_in integer CHECK (records_in >= 0),
    records_out integer CHECK (records_out >= 0),
    PRIMARY KEY (job_id, stage, attempt),
    CONSTRAINT stage_attempts_finished_after_started CHECK (finished_at >= started_at),
    CONSTRAINT stage_attempts_running_is_unfinished CHECK (outcome <> 'running' OR finished_at IS NULL)
);

COMMENT ON TABLE stage_attempts IS 'One row per attempt of a stage on a job, with who ran it and when; a retried stage has several. Stable interface: prefer the stage_latency view for timings.';
COMMENT ON COLUMN stage_attempts.job_id IS 'The job (jobs.job_id); attempts are deleted with their job.';
COMMENT ON COLUMN stage_attempts.stage IS 'validate, normalize, spark or analyze.';
COMMENT ON COLUMN stage_attempts.attempt IS 'Attempt number of this stage for this job, from 1.';
COMMENT ON COLUMN stage_attempts.worker IS 'The worker process that ran the attempt, as host:pid.';
COMMENT ON COLUMN stage_attempts.device IS 'Where the computation ran, e.g. cpu or cuda:0; NULL when the stage has no such choice.';
COMMENT ON COLUMN stage_attempts.enqueued_at IS 'When the message that started this attempt was published.';
COMMENT ON COLUMN stage_attempts.started_at IS 'When the worker began the attempt; started_at - enqueued_at is the queue wait.';
COMMENT ON COLUMN stage_attempts.finished_at IS 'When the attempt ended; NULL while running.';
COMMENT ON COLUMN stage_attempts.outcome IS 'running, succeeded, failed (the job failed here), retried (failed, another attempt follows) or abandoned (the worker vanished).';
COMMENT ON COLUMN stage_attempts.error_cause IS 'Machine-readable failure class: invalid_data, timeout, worker_lost, broker_unavailable, database_unavailable, spark_driver_crash, gpu_error, internal_error; NULL unless the attempt failed.';
COMMENT ON COLUMN stage_attempts.error IS 'The failure, for people; NULL unless the attempt failed.';
COMMENT ON COLUMN stage_attempts.records_in IS 'Records the stage read; NULL when not known.';
COMMENT ON COLUMN stage_attempts.records_out IS 'Records the stage wrote; NULL when not known.';

CREATE INDEX stage_attempts_stage_started_at_idx ON stage_attempts (stage, started_at);

CREATE TABLE job_metrics (
    job_id uuid NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    stage text NOT NULL CHECK (stage IN ('validate', 'normalize', 'spark', 'analyze', 'job')),
    name text NOT NULL CHECK (name <> ''),
    value double precision NOT NULL,
    unit text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, stage, name)
);

COMMENT ON TABLE job_metrics IS 'Named figures a stage (or the whole job) measured; one value per job, stage and name, so a rerun overwrites rather than duplicates.';
COMMENT ON COLUMN job_metrics.job_id IS 'The job (jobs.job_id); metrics are deleted with their job.';
COMMENT ON COLUMN job_metrics.stage IS 'The stage that measured it (validate, normalize, spark, analyze), or job for whole-job figures.';
COMMENT ON COLUMN job_metrics.name IS 'What was measured, e.g. rdd_seconds, dataframe_seconds, throughput, estimated_cost.';
COMMENT ON COLUMN job_metrics.value IS 'The measurement, in unit.';
COMMENT ON COLUMN job_metrics.unit IS 'Unit of value, e.g. seconds, records, records_per_second, usd.';
COMMENT ON COLUMN job_metrics.recorded_at IS 'When the value was recorded.';

CREATE INDEX job_metrics_name_stage_idx ON job_metrics (name, stage);

CREATE TABLE job_results (
    job_id uuid PRIMARY KEY REFERENCES jobs (job_id) ON DELETE CASCADE,
    summary jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE job_results IS 'The analyzer''s summary of a completed job, one row per job.';
COMMENT ON COLUMN job_results.job_id IS 'The job (jobs.job_id); the result is deleted with its job.';
COMMENT ON COLUMN job_results.summary IS 'The job summary as JSON: quality, per-stage latency and queue wait, throughput, RDD vs DataFrame comparison, cost estimate.';
COMMENT ON COLUMN job_results.created_at IS 'When the summary was stored.';

-- The views are the stable surface for people and dashboards. They refuse writes
-- (an automatically updatable view would let DELETE FROM stage_latency delete attempts).
CREATE FUNCTION sluice_refuse_view_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'view % is read-only; write to its tables instead', TG_TABLE_NAME
        USING ERRCODE = 'feature_not_supported';
END
$$;
COMMENT ON FUNCTION sluice_refuse_view_write() IS 'Makes the job_history and stage_latency views read-only.';

CREATE VIEW job_history AS
SELECT
    j.job_id,
    j.source,
    j.status,
    j.record_count,
    j.submitted_at,
    j.started_at,
    j.finished_at,
    extract(epoch FROM j.finished_at - j.submitted_at)::double precision AS duration_seconds,
    j.failed_stage,
    j.error,
    EXISTS (SELECT FROM job_results r WHERE r.job_id = j.job_id) AS has_results
FROM jobs j;

CREATE TRIGGER job_history_read_only INSTEAD OF INSERT OR UPDATE OR DELETE ON job_history
    FOR EACH ROW EXECUTE FUNCTION sluice_refuse_view_write();

COMMENT ON VIEW job_history IS 'Stable interface: one row per job with its outcome and duration. Read-only.';
COMMENT ON COLUMN job_history.job_id IS 'The job''s id.';
COMMENT ON COLUMN job_history.source IS 'How the job entered: http, amqp or cli.';
COMMENT ON COLUMN job_history.status IS 'queued, validating, normalizing, processing, analyzing, completed, failed or cancelled.';
COMMENT ON COLUMN job_history.record_count IS 'Number of input records; NULL until counted.';
COMMENT ON COLUMN job_history.submitted_at IS 'When the job was accepted.';
COMMENT ON COLUMN job_history.started_at IS 'When the first stage started; NULL while queued.';
COMMENT ON COLUMN job_history.finished_at IS 'When the job completed, failed or was cancelled; NULL before.';
COMMENT ON COLUMN job_history.duration_seconds IS 'finished_at - submitted_at in seconds (queue waits included); NULL while unfinished.';
COMMENT ON COLUMN job_history.failed_stage IS 'The stage that failed the job; NULL unless failed.';
COMMENT ON COLUMN job_history.error IS 'Why the job failed or was cancelled; NULL otherwise.';
COMMENT ON COLUMN job_history.has_results IS 'Whether job_results holds a summary for the job.';

CREATE VIEW stage_latency AS
SELECT
    a.job_id,
    a.stage,
    a.attempt,
    a.worker,
    a.device,
    a.outcome,
    a.records_in,
    a.records_out,
    extract(epoch FROM a.started_at - a.enqueued_at)::double precision AS queue_wait_seconds,
    extract(epoch FROM a.finished_at - a.started_at)::double precision AS service_seconds,
    a.started_at,
    a.finished_at
FROM stage_attempts a;

CREATE TRIGGER stage_latency_read_only INSTEAD OF INSERT OR UPDATE OR DELETE ON stage_latency
    FOR EACH ROW EXECUTE FUNCTION sluice_refuse_view_write();

COMMENT ON VIEW stage_latency IS 'Stable interface: one row per stage attempt with its queue wait and service time. Read-only.';
COMMENT ON COLUMN stage_latency.job_id IS 'The job''s id.';
COMMENT ON COLUMN stage_latency.stage IS 'validate, normalize, spark or analyze.';
COMMENT ON COLUMN stage_latency.attempt IS 'Attempt number, from 1.';
COMMENT ON COLUMN stage_latency.worker IS 'The worker that ran the attempt, as host:pid.';
COMMENT ON COLUMN stage_latency.device IS 'Where it ran, e.g. cpu or cuda:0; NULL when not applicable.';
COMMENT ON COLUMN stage_latency.outcome IS 'running, succeeded, failed, retried or abandoned.';
COMMENT ON COLUMN stage_latency.records_in IS 'Records the stage read; NULL when not known.';
COMMENT ON COLUMN stage_latency.records_out IS 'Records the stage wrote; NULL when not known.';
COMMENT ON COLUMN stage_latency.queue_wait_seconds IS 'started_at - enqueued_at in seconds: time the message waited in the queue.';
COMMENT ON COLUMN stage_latency.service_seconds IS 'finished_at - started_at in seconds: time the worker spent; NULL while running.';
COMMENT ON COLUMN stage_latency.started_at IS 'When the worker began the attempt.';
COMMENT ON COLUMN stage_latency.finished_at IS 'When the attempt ended; NULL while running.';
