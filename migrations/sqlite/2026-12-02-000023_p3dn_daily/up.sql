-- P3DN sums per day: what a report reads, so that a year of a pemda's orders is tens of
-- thousands of rows rather than a million lines. One row per local day (days since
-- 1970-01-01 in the marketplace's time zone), point (0 committed, 1 realised), and where
-- the money went; the sums of the p3dn_lines rows that fall there. Kept by adding each
-- change to an order's p3dn_lines (old rows subtracted, new rows added) in the same
-- transaction. Rows written before this migration are summed at start-up, where the
-- time zone is known (`pasar_order::store::rebuild_p3dn_daily`).
CREATE TABLE p3dn_daily (
    day             INTEGER NOT NULL,
    point           INTEGER NOT NULL,
    satker_id       TEXT NOT NULL,
    vendor_id       TEXT NOT NULL,
    category_id     TEXT NOT NULL,
    budget_line     TEXT NOT NULL,
    funding_source  TEXT NOT NULL,
    pemda_id        TEXT NOT NULL,
    opd_id          TEXT NOT NULL,
    total_idr       BIGINT NOT NULL,
    pdn_idr         BIGINT NOT NULL,
    umkk_idr        BIGINT NOT NULL,
    local_idr       BIGINT NOT NULL,
    -- Σ(line value × TKDN basis points).
    tkdn_idr_bp     BIGINT NOT NULL,
    -- Orders (their first lines) and orders in this category (their first lines in it).
    orders          BIGINT NOT NULL,
    category_orders BIGINT NOT NULL,
    PRIMARY KEY (day, point, satker_id, vendor_id, category_id, budget_line, funding_source)
);
