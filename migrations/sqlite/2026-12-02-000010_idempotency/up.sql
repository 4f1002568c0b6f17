-- Idempotency-Key: the first answer to a write, kept for a while so that a client that
-- sends the same request again (a retry after a timeout, a double click) gets that
-- answer instead of a second order or product. One row per (caller, key); inserting it
-- is the claim, so two requests with one key can never both do the work.
CREATE TABLE idempotency_keys (
    actor_id         TEXT NOT NULL,
    client_key       TEXT NOT NULL,
    -- SHA-256 over the method, the path and the body: the same key with another request
    -- is refused.
    request_hash     TEXT NOT NULL,
    -- The attempt holding the claim; the answer is stored only by the attempt that
    -- still holds it, in the transaction that does the work.
    token            TEXT NOT NULL,
    -- NULL while the first request is still being served.
    response_status  INTEGER,
    -- JSON list of [name, value] pairs (content type, location).
    response_headers TEXT,
    response_body    BLOB,
    created_at       TIMESTAMP NOT NULL,
    -- Until then the claim holds; after it (the process died) a retry takes over.
    locked_until     TIMESTAMP NOT NULL,
    expires_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (actor_id, client_key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
