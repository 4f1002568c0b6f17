-- The outbox carries kinds beyond mail (webhooks, bank calls): each message keeps a
-- header operators read (kind, recipient, subject) and a payload only its deliverer
-- reads. The payload is removed once the message is delivered, because it may hold a
-- one-time secret (a verification or invitation link); the header stays until the
-- retention chore deletes the row. A message that fails `outbox.max_attempts` times
-- becomes `dead` and waits for an operator. `expires_at` is when the message stops being
-- useful (its link expires): it is not delivered after that, and a dead letter loses
-- its payload then.
-- SQLite cannot change a CHECK constraint: the table is rebuilt.
CREATE TABLE outbox_new (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    payload_json    TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP,
    last_error      TEXT,
    expires_at      TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    dead_at         TIMESTAMP
);
-- Mails already delivered kept their one-time links: only pending ones keep a body.
INSERT INTO outbox_new (id, kind, recipient, subject, payload_json, status, attempts, next_attempt_at,
                        locked_until, last_error, created_at, sent_at)
    SELECT id, kind, recipient, subject,
           CASE WHEN status = 'pending' THEN json_object('body', body) END,
           status, attempts, next_attempt_at, locked_until, last_error, created_at, sent_at
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
-- Operators list by status and kind, oldest first.
CREATE INDEX outbox_status_idx ON outbox (status, kind, id);
