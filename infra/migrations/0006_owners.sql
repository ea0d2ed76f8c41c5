-- Owners: every API key and every job belongs to an owner (a team). A key sees and
-- acts on its owner's jobs only, and its jobs' input_uri files are looked up in its
-- owner's input folder; a key with the admin scope sees every owner's jobs.
--
-- Existing keys and jobs belong to the owner 'default', as do jobs submitted with
-- authentication off and scripts' jobs published without a user_id: a deployment
-- that makes no other owner sees no change.
ALTER TABLE api_keys ADD COLUMN owner text NOT NULL DEFAULT 'default'
    CONSTRAINT api_keys_owner_name CHECK (owner ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$');
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scope_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scope_check CHECK (scope IN ('read', 'write', 'admin'));

COMMENT ON COLUMN api_keys.owner IS 'The owner (team) the key belongs to: it sees and acts on that owner''s jobs only, unless its scope is admin.';
COMMENT ON COLUMN api_keys.scope IS 'read: GET requests only; write: may also submit, cancel and retry jobs; admin: as write, over every owner''s jobs.';

ALTER TABLE jobs ADD COLUMN owner text NOT NULL DEFAULT 'default'
    CONSTRAINT jobs_owner_name CHECK (owner ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$');

COMMENT ON COLUMN jobs.owner IS 'The owner (team) of the job: its API key''s owner, or the user_id of a script''s message; ''default'' otherwise.';

-- An owner's listing, newest first, as GET /api/v1/jobs pages it.
CREATE INDEX jobs_owner_submitted_idx ON jobs (owner, submitted_at DESC, job_id DESC);

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
    j.submitted_by,
    j.owner
FROM jobs j;

COMMENT ON COLUMN job_history.owner IS 'The owner (team) of the job; see jobs.owner.';
