-- Payment by bank virtual account (SNAP). One row per VA issued for an invoice; at most
-- one of an order's VAs is live (`active` and not past `expires_at`). A VA is paid once:
-- the payment sets `state = 'paid'` only where it is still `active`, and keeps the
-- bank's `payment_request_id` with the answer given, which a retry gets again.
CREATE TABLE virtual_accounts (
    id                  TEXT PRIMARY KEY,
    order_id            TEXT NOT NULL REFERENCES orders (id),
    -- `partner_service_id` (8 characters, padded) followed by `customer_no`.
    va_number           TEXT NOT NULL,
    partner_service_id  TEXT NOT NULL,
    customer_no         TEXT NOT NULL,
    invoice_number      TEXT NOT NULL,
    amount_idr          BIGINT NOT NULL CHECK (amount_idr > 0),
    -- `active`, `paid`, or `replaced` (expired, and another VA issued after it).
    state               TEXT NOT NULL,
    expires_at          TIMESTAMP NOT NULL,
    issued_by           TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    paid_at             TIMESTAMP,
    payment_request_id  TEXT,
    payment_reference   TEXT,
    -- The answer to the payment call, replayed to the bank's retries.
    payment_response    TEXT
);
CREATE UNIQUE INDEX virtual_accounts_number ON virtual_accounts (va_number);
CREATE INDEX virtual_accounts_order ON virtual_accounts (order_id, created_at);

-- Every `X-EXTERNAL-ID` a bank partner sent, per day (Asia/Jakarta by default): the
-- same id again with the same request gets the same answer, with another request 409.
CREATE TABLE snap_external_ids (
    partner_id       TEXT NOT NULL,
    day              TEXT NOT NULL,
    external_id      TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    response_status  INTEGER,
    response_body    TEXT,
    created_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (partner_id, day, external_id)
);
