-- Product imports. A file's rows are written in short batches while they stay out of
-- sight (the products are stored soft-deleted, with `import_id`), and are made visible
-- together in one short transaction that marks the import `done`. An import that failed,
-- or whose process died, is removed with everything it staged.
CREATE TABLE product_imports (
    id          TEXT PRIMARY KEY,
    vendor_id   TEXT NOT NULL REFERENCES vendors (id),
    state       TEXT NOT NULL CHECK (state IN ('staging', 'done')),
    row_count   INTEGER NOT NULL,
    publish     BOOLEAN NOT NULL,
    created_by  TEXT REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    -- Touched by every batch: a staging import left alone for long was abandoned.
    updated_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX product_imports_state_idx ON product_imports (state, updated_at);

-- The import that created the product (NULL: created one by one).
ALTER TABLE products ADD COLUMN import_id TEXT;
CREATE INDEX products_import_idx ON products (import_id) WHERE import_id IS NOT NULL;
