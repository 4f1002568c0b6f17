DROP INDEX outbox_status_idx;
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
-- The old outbox knew no dead letters: they wait for delivery again.
UPDATE outbox SET status = 'pending', attempts = 0 WHERE status = 'dead';
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'sent'));
ALTER TABLE outbox ADD COLUMN body TEXT NOT NULL DEFAULT '';
UPDATE outbox SET body = COALESCE(payload_json::json ->> 'body', '');
ALTER TABLE outbox ALTER COLUMN body DROP DEFAULT;
ALTER TABLE outbox DROP COLUMN payload_json;
ALTER TABLE outbox DROP COLUMN expires_at;
ALTER TABLE outbox DROP COLUMN dead_at;
