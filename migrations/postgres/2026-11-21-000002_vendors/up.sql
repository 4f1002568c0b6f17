-- Vendor onboarding: vendor profiles (one per vendor organisation), their legal
-- documents, curation decisions, email verification and staff invitations.

-- Two vendors may share a trade name; their NIB tells them apart. Keep names unique
-- only among government organisations.
DROP INDEX organizations_name_per_parent_idx;
CREATE UNIQUE INDEX organizations_name_per_parent_idx ON organizations (kind, COALESCE(parent_id, ''), lower(name))
    WHERE kind <> 'vendor';

CREATE TABLE vendors (
    id                     TEXT PRIMARY KEY REFERENCES organizations (id),
    status                 TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'in_review', 'revision_requested',
                                                           'approved', 'rejected', 'suspended')),
    legal_name             TEXT NOT NULL,
    trade_name             TEXT,
    legal_form             TEXT NOT NULL,
    nib                    TEXT,
    npwp                   TEXT,
    kbli_codes             TEXT NOT NULL DEFAULT '',
    street                 TEXT,
    region_code            TEXT,
    postal_code            TEXT,
    contact_name           TEXT,
    contact_phone          TEXT,
    contact_email          TEXT,
    business_capital_idr   BIGINT,
    annual_sales_idr       BIGINT,
    tax_status             TEXT,
    pp55_valid_until       TEXT,
    bank_name              TEXT,
    bank_account_number    TEXT,
    bank_account_holder    TEXT,
    claimed_by             TEXT REFERENCES users (id),
    claimed_at             TIMESTAMP,
    submitted_at           TIMESTAMP,
    decided_at             TIMESTAMP,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL
);
CREATE INDEX vendors_queue_idx ON vendors (status, submitted_at, id);
-- One active vendor per NIB. Drafts and rejected vendors do not hold theirs, so nobody
-- can block a business by typing its NIB into a draft; the first to submit wins.
CREATE UNIQUE INDEX vendors_nib_idx ON vendors (nib) WHERE status NOT IN ('draft', 'rejected');

CREATE TABLE vendor_documents (
    id             TEXT PRIMARY KEY,
    vendor_id      TEXT NOT NULL REFERENCES vendors (id),
    kind           TEXT NOT NULL CHECK (kind IN ('nib', 'npwp', 'halal', 'pirt', 'bpom', 'sni', 'tkdn',
                                                 'bank_account', 'other')),
    number         TEXT,
    valid_until    TEXT,
    storage_key    TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size_bytes     BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    uploaded_by    TEXT NOT NULL REFERENCES users (id),
    replaced_by    TEXT,
    reminded_30_at TIMESTAMP,
    reminded_7_at  TIMESTAMP,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX vendor_documents_vendor_idx ON vendor_documents (vendor_id, kind);
CREATE INDEX vendor_documents_expiry_idx ON vendor_documents (valid_until);

CREATE TABLE vendor_reviews (
    id           TEXT PRIMARY KEY,
    vendor_id    TEXT NOT NULL REFERENCES vendors (id),
    curator_id   TEXT NOT NULL REFERENCES users (id),
    decision     TEXT NOT NULL,
    reason       TEXT,
    remarks_json TEXT NOT NULL DEFAULT '[]',
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX vendor_reviews_vendor_idx ON vendor_reviews (vendor_id);

CREATE TABLE email_verifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX email_verifications_user_idx ON email_verifications (user_id, created_at);

CREATE TABLE vendor_invitations (
    id          TEXT PRIMARY KEY,
    vendor_id   TEXT NOT NULL REFERENCES vendors (id),
    email       TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    invited_by  TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP
);
CREATE INDEX vendor_invitations_vendor_idx ON vendor_invitations (vendor_id);
