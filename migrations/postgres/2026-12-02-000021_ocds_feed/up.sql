-- The open-contracting feed (GET /api/v1/ocds/releases) reads its releases in date
-- order from four kinds of event: the Surat Pesanan signed, countersigned by the vendor,
-- an accepted addendum, a payment, and the order's end. Each page is a keyset read
-- (date, order, …) > cursor on each of them, so each needs an index in that order.
CREATE INDEX orders_ocds_signed ON orders (sp_signed_at, id) WHERE sp_signed_at IS NOT NULL;
CREATE INDEX orders_ocds_countersigned ON orders (vendor_signed_at, id) WHERE vendor_signed_at IS NOT NULL;
CREATE INDEX orders_ocds_ended ON orders (ended_at, id) WHERE ended_at IS NOT NULL AND sp_signed_at IS NOT NULL;
CREATE INDEX addenda_ocds_accepted ON addenda (decided_at, order_id, version) WHERE state = 'accepted';
CREATE INDEX virtual_accounts_ocds_paid ON virtual_accounts (paid_at, order_id, id) WHERE state = 'paid';
