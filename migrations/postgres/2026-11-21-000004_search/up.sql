-- What the search index still has to learn. The database is the truth: every product or
-- vendor change that can alter what buyers find queues an entry here in its own
-- transaction, and a worker applies it to the search engine with retry. One entry per
-- entity: a second change before the worker comes round only renews it (`token`).
CREATE TABLE search_queue (
    entity_kind     TEXT NOT NULL CHECK (entity_kind IN ('product', 'vendor')),
    entity_id       TEXT NOT NULL,
    -- Renewed by every change; the worker removes the entry only if it still holds the
    -- token it read, so a change made while it worked is not lost.
    token           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP,
    last_error      TEXT,
    queued_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (entity_kind, entity_id)
);
CREATE INDEX search_queue_due_idx ON search_queue (next_attempt_at);

-- Product photos, in display order; the first is the cover.
CREATE TABLE product_images (
    id            TEXT PRIMARY KEY,
    product_id    TEXT NOT NULL REFERENCES products (id),
    position      INTEGER NOT NULL,
    storage_key   TEXT NOT NULL,
    thumb_key     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    uploaded_by   TEXT NOT NULL REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX product_images_product_idx ON product_images (product_id, position);
