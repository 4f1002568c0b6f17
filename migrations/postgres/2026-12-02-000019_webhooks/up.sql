-- Webhook subscriptions: the pemda's other systems are told of order steps and
-- payments. Each event is queued in the outbox (kind `webhook`) inside the transaction
-- that caused it; the deliverer signs it with the subscription's secret at send time.
CREATE TABLE webhook_subscriptions (
    id                TEXT PRIMARY KEY,
    url               TEXT NOT NULL,
    description       TEXT NOT NULL,
    -- JSON array of event types or prefixes (`order.*`, `*`).
    events            TEXT NOT NULL,
    -- The HMAC-SHA256 key, shown once at creation and at each rotation. Kept in the
    -- clear: the deliverer needs it to sign.
    secret            TEXT NOT NULL,
    active            BOOLEAN NOT NULL,
    created_by        TEXT,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    secret_rotated_at TIMESTAMP NOT NULL,
    -- The outcome of the latest delivery attempt: HTTP status (NULL for a network
    -- error) and error text (NULL when it was accepted).
    last_attempt_at   TIMESTAMP,
    last_status       INTEGER,
    last_error        TEXT
);
CREATE INDEX webhook_subscriptions_active ON webhook_subscriptions (active);
