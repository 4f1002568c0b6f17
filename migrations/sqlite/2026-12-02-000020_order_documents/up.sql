-- Every document an order issues (Surat Pesanan, BAST, invoice), found by its SHA-256:
-- the public page /verify/{hash} and the PDFs read it. The hash is taken when the
-- document is issued, over its text as kept on the order (`sp_content`, `bast_content`,
-- `invoice_json`); `total_idr` is the total the document states.
CREATE TABLE order_documents (
    sha256     TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders (id),
    -- `surat_pesanan`, `bast` or `invoice`.
    kind       TEXT NOT NULL,
    number     TEXT NOT NULL,
    issued_at  TIMESTAMP NOT NULL,
    total_idr  BIGINT NOT NULL,
    UNIQUE (order_id, kind)
);

-- The BAST as signed by the PPK, one fact per line, as the Surat Pesanan is kept.
ALTER TABLE orders ADD COLUMN bast_content TEXT;

-- Surat Pesanan signed before this migration already carry their hash. Their stated
-- total is the order's total now (an accepted addendum may have changed it since).
-- BASTs and invoices issued before it are hashed by `pasar` at start-up
-- (`pasar_order::documents::backfill`): the BAST's text is composed from its lines,
-- and SQLite has no SHA-256 function.
INSERT INTO order_documents (sha256, order_id, kind, number, issued_at, total_idr)
SELECT sp_sha256, id, 'surat_pesanan', sp_number, sp_signed_at, total_idr
FROM orders
WHERE sp_sha256 IS NOT NULL AND sp_number IS NOT NULL AND sp_signed_at IS NOT NULL;
