ALTER TABLE product_images DROP COLUMN approved_at;
