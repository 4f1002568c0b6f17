CREATE TABLE outbox_old (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
-- The old outbox knew no dead letters: they wait for delivery again.
INSERT INTO outbox_old (id, kind, recipient, subject, body, status, attempts, next_attempt_at,
                        locked_until, last_error, created_at, sent_at)
    SELECT id, kind, recipient, subject, COALESCE(json_extract(payload_json, '$.body'), ''),
           CASE WHEN status = 'dead' THEN 'pending' ELSE status END,
           CASE WHEN status = 'dead' THEN 0 ELSE attempts END,
           next_attempt_at, locked_until, last_error, created_at, sent_at
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_old RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
