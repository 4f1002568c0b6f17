-- A product's unit is reviewed like its name: buyers and orders see the approved one.
ALTER TABLE products ADD COLUMN published_unit TEXT;
UPDATE products SET published_unit = unit WHERE published_name IS NOT NULL;

-- The facts that P3DN counts (legal form, capital, annual sales, region, tax status)
-- change on an approved vendor only through a curator: the proposed values wait here
-- while the approved ones stay in force.
ALTER TABLE vendors ADD COLUMN pending_facts_json TEXT;
ALTER TABLE vendors ADD COLUMN pending_facts_at TIMESTAMP;
ALTER TABLE vendors ADD COLUMN facts_review_note TEXT;
CREATE INDEX vendors_pending_facts_idx ON vendors (pending_facts_at) WHERE pending_facts_at IS NOT NULL;
