-- Where a job submitted straight onto the queue wants its summary: the analyzer
-- publishes it to reply_to with the submitter's correlation_id.
ALTER TABLE jobs
    ADD COLUMN reply_to text,
    ADD COLUMN correlation_id text;

COMMENT ON COLUMN jobs.reply_to IS 'AMQP queue that receives the job summary when the job finishes (jobs published by scripts); NULL when nobody waits on a queue.';
COMMENT ON COLUMN jobs.correlation_id IS 'The submitter''s AMQP correlation_id, copied onto the reply so it can be matched to its request.';
