-- The outbox carries kinds beyond mail (webhooks, bank calls): each message keeps a
-- header operators read (kind, recipient, subject) and a payload only its deliverer
-- reads. The payload is removed once the message is delivered, because it may hold a
-- one-time secret (a verification or invitation link); the header stays until the
-- retention chore deletes the row. A message that fails `outbox.max_attempts` times
-- becomes `dead` and waits for an operator. `expires_at` is when the message stops being
-- useful (its link expires): it is not delivered after that, and a dead letter loses
-- its payload then.
ALTER TABLE outbox ADD COLUMN payload_json TEXT;
ALTER TABLE outbox ADD COLUMN expires_at TIMESTAMP;
ALTER TABLE outbox ADD COLUMN dead_at TIMESTAMP;
UPDATE outbox SET payload_json = json_build_object('body', body)::text WHERE status = 'pending';
-- Mails already delivered kept their one-time links: they go with the column.
ALTER TABLE outbox DROP COLUMN body;
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'sent', 'dead'));
-- Operators list by status and kind, oldest first.
CREATE INDEX outbox_status_idx ON outbox (status, kind, id);
