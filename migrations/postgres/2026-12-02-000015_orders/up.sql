-- E-purchasing: carts, orders and everything an order collects on its way from checkout
-- to payment. Money is whole rupiah (BIGINT), shares are basis points. Facts that reports
-- count are frozen on each order line at the Surat Pesanan and never read again from the
-- product or the vendor.

-- A buyer's cart, in the buyer's own satker.
CREATE TABLE cart_lines (
    user_id     TEXT NOT NULL REFERENCES users (id),
    product_id  TEXT NOT NULL REFERENCES products (id),
    quantity    BIGINT NOT NULL CHECK (quantity > 0),
    added_at    TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, product_id)
);

-- A satker's budget (pagu) for one budget line (kode rekening) in one fiscal year.
CREATE TABLE budgets (
    satker_id    TEXT NOT NULL REFERENCES organizations (id),
    fiscal_year  INTEGER NOT NULL,
    budget_line  TEXT NOT NULL,
    amount_idr   BIGINT NOT NULL CHECK (amount_idr >= 0),
    updated_by   TEXT NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (satker_id, fiscal_year, budget_line)
);

-- Gap-free document numbers: one row per scope (`sp/<satker>/<year>`,
-- `invoice/<vendor>/<year>`), advanced inside the transaction that issues the document,
-- so a rolled-back issue gives its number back.
CREATE TABLE number_sequences (
    scope       TEXT PRIMARY KEY,
    last_value  BIGINT NOT NULL
);

CREATE TABLE orders (
    id                    TEXT PRIMARY KEY,
    -- One checkout makes one order per vendor; they share this reference.
    checkout_ref          TEXT NOT NULL,
    satker_id             TEXT NOT NULL REFERENCES organizations (id),
    vendor_id             TEXT NOT NULL REFERENCES vendors (id),
    buyer_id              TEXT NOT NULL REFERENCES users (id),
    ppk_id                TEXT NOT NULL REFERENCES users (id),
    state                 TEXT NOT NULL,
    method                TEXT NOT NULL,
    rup_code              TEXT NOT NULL,
    budget_line           TEXT NOT NULL,
    funding_source        TEXT NOT NULL,
    fiscal_year           INTEGER NOT NULL,
    delivery_address      TEXT NOT NULL,
    delivery_date         TEXT NOT NULL,
    note                  TEXT,
    -- Sum of quantity × HST, and of quantity × agreed price (what the budget counts).
    hst_total_idr         BIGINT NOT NULL,
    total_idr             BIGINT NOT NULL,
    -- The deadline of whoever must act next (PPK, then vendor), or NULL.
    due_at                TIMESTAMP,
    sp_number             TEXT,
    sp_sha256             TEXT,
    sp_content            TEXT,
    sp_signed_at          TIMESTAMP,
    -- The signing record (method, signer, provider reference) as JSON.
    sp_signature          TEXT,
    vendor_signed_at      TIMESTAMP,
    bast_number           TEXT,
    bast_signed_at        TIMESTAMP,
    bast_vendor_signed_at TIMESTAMP,
    invoice_number        TEXT,
    invoice_json          TEXT,
    invoiced_at           TIMESTAMP,
    cancel_reason         TEXT,
    ended_at              TIMESTAMP,
    rating                INTEGER,
    rating_comment        TEXT,
    rated_at              TIMESTAMP,
    -- Raised by every accepted addendum.
    version               INTEGER NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
-- Lists run newest first by id (UUID v7 ids sort by creation time).
CREATE INDEX orders_satker ON orders (satker_id, id);
CREATE INDEX orders_vendor ON orders (vendor_id, id);
CREATE INDEX orders_checkout ON orders (checkout_ref);
CREATE INDEX orders_due ON orders (due_at) WHERE due_at IS NOT NULL;
-- Numbers run per satker (Surat Pesanan) and per vendor (invoice).
CREATE UNIQUE INDEX orders_sp_number ON orders (satker_id, sp_number);
CREATE UNIQUE INDEX orders_invoice_number ON orders (vendor_id, invoice_number);
CREATE INDEX orders_budget ON orders (satker_id, fiscal_year, budget_line);

CREATE TABLE order_lines (
    order_id              TEXT NOT NULL REFERENCES orders (id),
    line_no               INTEGER NOT NULL,
    product_id            TEXT NOT NULL REFERENCES products (id),
    quantity              BIGINT NOT NULL CHECK (quantity > 0),
    hst_unit_price_idr    BIGINT NOT NULL,
    unit_price_idr        BIGINT NOT NULL,
    shipped_quantity      BIGINT NOT NULL DEFAULT 0,
    accepted_quantity     BIGINT,
    condition             TEXT,
    inspection_note       TEXT,
    -- The catalogue's facts (name, unit, TKDN, BMP, certificate, PDN class, the vendor's
    -- scale, UMKK and locality) as JSON: taken at checkout, frozen at the Surat Pesanan.
    facts_json            TEXT NOT NULL,
    frozen_at             TIMESTAMP,
    -- The frozen facts reports group and sum by.
    product_name          TEXT NOT NULL,
    unit                  TEXT NOT NULL,
    tkdn_bp               INTEGER NOT NULL,
    bmp_bp                INTEGER NOT NULL,
    pdn_class             TEXT NOT NULL,
    umkk                  BOOLEAN NOT NULL,
    local_vendor          BOOLEAN NOT NULL,
    vendor_scale          TEXT,
    vendor_region_code    TEXT,
    category_id           TEXT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

-- Every round of a negotiation, kept.
CREATE TABLE negotiation_rounds (
    order_id    TEXT NOT NULL REFERENCES orders (id),
    round       INTEGER NOT NULL,
    party       TEXT NOT NULL,
    action      TEXT NOT NULL,
    -- [{ "line": n, "unit_price_idr": p }, …] for an offer or a counter-offer.
    prices_json TEXT,
    note        TEXT,
    actor_id    TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (order_id, round)
);

CREATE TABLE shipments (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES orders (id),
    lines_json  TEXT NOT NULL,
    courier     TEXT,
    tracking    TEXT,
    actor_id    TEXT NOT NULL,
    shipped_at  TIMESTAMP NOT NULL
);
CREATE INDEX shipments_order ON shipments (order_id);

-- Changes after the Surat Pesanan: the PPK proposes, the vendor accepts or rejects.
CREATE TABLE addenda (
    order_id     TEXT NOT NULL REFERENCES orders (id),
    version      INTEGER NOT NULL,
    state        TEXT NOT NULL,
    changes_json TEXT NOT NULL,
    reason       TEXT NOT NULL,
    proposed_by  TEXT NOT NULL,
    proposed_at  TIMESTAMP NOT NULL,
    decided_by   TEXT,
    decided_at   TIMESTAMP,
    PRIMARY KEY (order_id, version)
);
