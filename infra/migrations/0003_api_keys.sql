-- API keys for the gateway: who may submit and read jobs over HTTP. Only a SHA-256
-- of each key is stored; the key itself is shown once, when `sluice keys create`
-- makes it. A revoked key stays for the record (revoked_at set).
CREATE TABLE api_keys (
    key_id uuid PRIMARY KEY,
    name text NOT NULL CHECK (name ~ '^[A-Za-z0-9._-]{1,64}$'),
    key_prefix text NOT NULL,
    key_sha256 text NOT NULL CONSTRAINT api_keys_key_sha256_key UNIQUE CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
    scope text NOT NULL CHECK (scope IN ('read', 'write')),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz,
    CONSTRAINT api_keys_revoked_after_created CHECK (revoked_at >= created_at)
);

-- One active key per name; a name can be reused once its key is revoked.
CREATE UNIQUE INDEX api_keys_active_name_idx ON api_keys (name) WHERE revoked_at IS NULL;

COMMENT ON TABLE api_keys IS 'Keys that the gateway accepts as "Authorization: Bearer <key>"; managed with `sluice keys create|list|revoke`.';
COMMENT ON COLUMN api_keys.key_id IS 'Identifies the key row.';
COMMENT ON COLUMN api_keys.name IS 'Who or what holds the key (letters, digits, . _ -); unique among active keys.';
COMMENT ON COLUMN api_keys.key_prefix IS 'The first characters of the key, to recognise it in listings and logs without revealing it.';
COMMENT ON COLUMN api_keys.key_sha256 IS 'SHA-256 of the whole key, hex; the key itself is never stored.';
COMMENT ON COLUMN api_keys.scope IS 'read: GET requests only; write: may also submit jobs.';
COMMENT ON COLUMN api_keys.created_at IS 'When the key was created.';
COMMENT ON COLUMN api_keys.last_used_at IS 'When the gateway last accepted the key (updated at most once a minute).';
COMMENT ON COLUMN api_keys.revoked_at IS 'When the key was revoked; NULL while it is active.';

ALTER TABLE jobs ADD COLUMN submitted_by text;
COMMENT ON COLUMN jobs.submitted_by IS 'Name of the API key that submitted the job over HTTP; NULL for jobs published by scripts or submitted with authentication off.';

-- The view gains the column at its end (CREATE OR REPLACE VIEW may only append).
CREATE OR REPLACE VIEW job_history AS
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
    EXISTS (SELECT FROM job_results r WHERE r.job_id = j.job_id) AS has_results,
    j.submitted_by
FROM jobs j;

COMMENT ON COLUMN job_history.submitted_by IS 'Name of the API key that submitted the job over HTTP; NULL for scripts'' jobs.';
