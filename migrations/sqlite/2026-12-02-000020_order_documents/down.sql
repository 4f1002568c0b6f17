ALTER TABLE orders DROP COLUMN bast_content;
DROP TABLE order_documents;
