-- Photos are curated like the rest of a product: a new photo stays with its vendor and
-- the curation desk until a curator approves the product (or the change) it came with.
-- Photos of products already published were public before this rule and stay so.
ALTER TABLE product_images ADD COLUMN approved_at TIMESTAMP;
UPDATE product_images SET approved_at = created_at
    WHERE product_id IN (SELECT id FROM products WHERE published_at IS NOT NULL);
