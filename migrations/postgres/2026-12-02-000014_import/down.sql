DROP INDEX products_import_idx;
ALTER TABLE products DROP COLUMN import_id;
DROP TABLE product_imports;
