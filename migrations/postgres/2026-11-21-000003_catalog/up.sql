-- The catalogue: a category tree (each category open to vendors holding given KBLI
-- codes), products with their local content, the approved version buyers see, and
-- the price history.

CREATE TABLE categories (
    id            TEXT PRIMARY KEY,
    parent_id     TEXT REFERENCES categories (id),
    slug          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    -- Comma-separated KBLI codes or prefixes (2 to 5 digits) a vendor must hold one of
    -- to list here; empty: open to every vendor.
    kbli_prefixes TEXT NOT NULL DEFAULT '',
    position      INTEGER NOT NULL DEFAULT 0,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX categories_parent_idx ON categories (parent_id);

CREATE TABLE products (
    id                     TEXT PRIMARY KEY,
    vendor_id              TEXT NOT NULL REFERENCES vendors (id),
    status                 TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'published', 'changes_submitted',
                                                           'rejected', 'taken_down')),
    name                   TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    category_id            TEXT NOT NULL REFERENCES categories (id),
    brand                  TEXT,
    sku                    TEXT,
    unit                   TEXT NOT NULL,
    unit_price_idr         BIGINT NOT NULL,
    min_order              INTEGER NOT NULL,
    stock                  INTEGER NOT NULL,
    weight_grams           INTEGER,
    specs_json             TEXT NOT NULL DEFAULT '{}',
    tkdn_certificate       TEXT,
    tkdn_bp                INTEGER,
    bmp_bp                 INTEGER,
    tkdn_valid_until       TEXT,
    tkdn_document_id       TEXT REFERENCES vendor_documents (id),
    -- The approved version of the fields that need review; what buyers see while a
    -- change to them waits for the curator. NULL until the first approval.
    published_name         TEXT,
    published_category_id  TEXT REFERENCES categories (id),
    published_tkdn_certificate TEXT,
    published_tkdn_bp      INTEGER,
    published_bmp_bp       INTEGER,
    published_tkdn_valid_until TEXT,
    published_at           TIMESTAMP,
    review_note            TEXT,
    submitted_at           TIMESTAMP,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    deleted_at             TIMESTAMP
);
CREATE INDEX products_vendor_idx ON products (vendor_id, id);
CREATE INDEX products_queue_idx ON products (status, submitted_at, id);
CREATE UNIQUE INDEX products_vendor_sku_idx ON products (vendor_id, sku) WHERE sku IS NOT NULL AND deleted_at IS NULL;

CREATE TABLE product_prices (
    id             TEXT PRIMARY KEY,
    product_id     TEXT NOT NULL REFERENCES products (id),
    unit_price_idr BIGINT NOT NULL,
    changed_by     TEXT REFERENCES users (id),
    changed_at     TIMESTAMP NOT NULL
);
CREATE INDEX product_prices_product_idx ON product_prices (product_id, changed_at);

-- A sensible default tree for a pemda marketplace.
INSERT INTO categories (id, parent_id, slug, name, kbli_prefixes, position, active, created_at, updated_at) VALUES
('0193a000-0000-7000-8000-000000000001', NULL, 'makanan-minuman', 'Makanan & Minuman', '10,11,463,472,561', 1, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000011', '0193a000-0000-7000-8000-000000000001', 'makanan-ringan', 'Makanan Ringan & Kue', '10,472,561', 1, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000012', '0193a000-0000-7000-8000-000000000001', 'minuman', 'Minuman', '11,463,472', 2, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000013', '0193a000-0000-7000-8000-000000000001', 'nasi-kotak-katering', 'Nasi Kotak & Katering', '561,562', 3, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000002', NULL, 'atk', 'Alat Tulis Kantor (ATK)', '170,181,222,4649,4761,4762', 2, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000021', '0193a000-0000-7000-8000-000000000002', 'kertas', 'Kertas & Map', '170,4761', 1, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000022', '0193a000-0000-7000-8000-000000000002', 'alat-tulis', 'Alat Tulis', '222,4649,4761', 2, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000003', NULL, 'batik-tekstil', 'Batik & Tekstil', '13,14,4641,4771', 3, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000031', '0193a000-0000-7000-8000-000000000003', 'batik', 'Batik', '1313,4771', 1, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000032', '0193a000-0000-7000-8000-000000000003', 'seragam', 'Seragam & Konveksi', '14,4771', 2, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000004', NULL, 'kerajinan', 'Kerajinan', '16,2393,25,32,4773', 4, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000005', NULL, 'elektronik', 'Elektronik & Komputer', '26,27,4651,4652,474', 5, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000006', NULL, 'furnitur', 'Furnitur', '31,4649,4759', 6, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000007', NULL, 'jasa', 'Jasa', '18,56,74,77,81,82,95', 7, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000071', '0193a000-0000-7000-8000-000000000007', 'percetakan', 'Percetakan & Fotokopi', '18,8219', 1, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00'),
('0193a000-0000-7000-8000-000000000072', '0193a000-0000-7000-8000-000000000007', 'kebersihan', 'Kebersihan & Perawatan', '81,95', 2, TRUE, '2026-11-21 00:00:00', '2026-11-21 00:00:00');
