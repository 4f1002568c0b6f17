-- P3DN realisation reads one narrow row per order line: the line's frozen facts, where
-- the money went (pemda, OPD, satker, vendor, category, budget line, funding source), and
-- the two moments it counts at. A row is written when the Surat Pesanan is signed
-- (committed), rewritten when an addendum changes the line, and completed when the
-- invoice is paid (realised). It is a projection of `orders` and `order_lines`, written
-- in the same transaction as the change it reflects; reports scan it without joins.
CREATE TABLE p3dn_lines (
    order_id        TEXT NOT NULL REFERENCES orders (id),
    line_no         INTEGER NOT NULL,
    pemda_id        TEXT NOT NULL,
    opd_id          TEXT NOT NULL,
    satker_id       TEXT NOT NULL,
    vendor_id       TEXT NOT NULL,
    category_id     TEXT NOT NULL,
    budget_line     TEXT NOT NULL,
    funding_source  TEXT NOT NULL,
    -- When the Surat Pesanan was signed, and the line's value then: quantity × agreed
    -- unit price, before PPN (as amended by accepted addenda).
    committed_at    TIMESTAMP NOT NULL,
    committed_idr   BIGINT NOT NULL,
    -- When the invoice was paid, and the line's value on it: accepted quantity × agreed
    -- unit price, before PPN. 0 until paid.
    realised_at     TIMESTAMP,
    realised_idr    BIGINT NOT NULL,
    tkdn_bp         INTEGER NOT NULL,
    pdn             BOOLEAN NOT NULL,
    umkk            BOOLEAN NOT NULL,
    local_vendor    BOOLEAN NOT NULL,
    -- Counting orders without COUNT(DISTINCT): the order's first line, and its first
    -- line in this category.
    order_first     BOOLEAN NOT NULL,
    category_first  BOOLEAN NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
CREATE INDEX p3dn_lines_committed ON p3dn_lines (committed_at);
CREATE INDEX p3dn_lines_realised ON p3dn_lines (realised_at);

-- Orders signed before this migration. The first paid VA of an order is its payment.
INSERT INTO p3dn_lines
SELECT l.order_id, l.line_no,
       COALESCE(opd.parent_id, ''), COALESCE(s.parent_id, ''), o.satker_id,
       o.vendor_id, l.category_id, o.budget_line, o.funding_source,
       o.sp_signed_at, l.quantity * l.unit_price_idr,
       (SELECT MIN(va.paid_at) FROM virtual_accounts va WHERE va.order_id = o.id AND va.state = 'paid'),
       CASE WHEN EXISTS (SELECT 1 FROM virtual_accounts va WHERE va.order_id = o.id AND va.state = 'paid')
            THEN COALESCE(l.accepted_quantity, 0) * l.unit_price_idr ELSE 0 END,
       l.tkdn_bp, l.pdn_class <> 'import', l.umkk, l.local_vendor,
       l.line_no = (SELECT MIN(x.line_no) FROM order_lines x WHERE x.order_id = l.order_id),
       l.line_no = (SELECT MIN(x.line_no) FROM order_lines x
                    WHERE x.order_id = l.order_id AND x.category_id = l.category_id)
FROM order_lines l
JOIN orders o ON o.id = l.order_id
JOIN organizations s ON s.id = o.satker_id
LEFT JOIN organizations opd ON opd.id = s.parent_id
WHERE o.sp_signed_at IS NOT NULL;
