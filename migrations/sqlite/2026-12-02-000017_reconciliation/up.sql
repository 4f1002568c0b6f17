-- Several banks: every VA belongs to the bank whose prefix it carries, and only that
-- bank's SNAP calls can see it. VAs issued before this migration belong to the bank
-- configured first (`payments.banks[0]`), whose code was not recorded: ''.
ALTER TABLE virtual_accounts ADD COLUMN bank_code TEXT NOT NULL DEFAULT '';
CREATE INDEX virtual_accounts_bank_paid ON virtual_accounts (bank_code, paid_at);

-- External ids are kept for a week (the bank may ask about yesterday's), then purged.
CREATE INDEX snap_external_ids_created ON snap_external_ids (created_at);

-- A bank's daily statement compared with what Pasar recorded. Nothing is changed by a
-- reconciliation: the report says what differs, per day, for people to act on.
CREATE TABLE reconciliations (
    id               TEXT PRIMARY KEY,
    bank_code        TEXT NOT NULL,
    -- The statement's days (marketplace time zone), inclusive, `YYYY-MM-DD`.
    from_day         TEXT NOT NULL,
    to_day           TEXT NOT NULL,
    -- SHA-256 of the file as uploaded, so the report can be tied to its statement.
    file_sha256      TEXT NOT NULL,
    statement_rows   INTEGER NOT NULL,
    matched          INTEGER NOT NULL,
    unknown_in_pasar INTEGER NOT NULL,
    missing_at_bank  INTEGER NOT NULL,
    amount_differs   INTEGER NOT NULL,
    -- The whole report, per day, as JSON.
    report           TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX reconciliations_created ON reconciliations (created_at, id);
