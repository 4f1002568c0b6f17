DROP INDEX vendors_pending_facts_idx;
ALTER TABLE vendors DROP COLUMN facts_review_note;
ALTER TABLE vendors DROP COLUMN pending_facts_at;
ALTER TABLE vendors DROP COLUMN pending_facts_json;
ALTER TABLE products DROP COLUMN published_unit;
