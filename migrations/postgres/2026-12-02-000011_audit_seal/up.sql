-- Audit entries are sealed into the hash chain right after their transaction commits,
-- instead of under one lock held through every audited transaction (which queued all
-- audited writes behind each other and defeated group commit). An entry is written with
-- chain_pos, prev_hash and hash NULL and sealed once; chain_pos is its place in the
-- chain, 1, 2, 3, … without gaps.
ALTER TABLE audit_log ALTER COLUMN prev_hash DROP NOT NULL;
ALTER TABLE audit_log ALTER COLUMN hash DROP NOT NULL;
ALTER TABLE audit_log ADD COLUMN chain_pos BIGINT;

-- Until now the chain was linked in seq order.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
UPDATE audit_log SET chain_pos = n.pos
FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS pos FROM audit_log) AS n
WHERE audit_log.seq = n.seq;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;

ALTER TABLE audit_log ADD CONSTRAINT audit_log_sealed_whole
    CHECK ((chain_pos IS NULL) = (hash IS NULL) AND (hash IS NULL) = (prev_hash IS NULL));
CREATE UNIQUE INDEX audit_log_chain_pos_idx ON audit_log (chain_pos);
CREATE INDEX audit_log_unsealed_idx ON audit_log (seq) WHERE hash IS NULL;

-- The one change the log accepts: sealing an unsealed entry, once, leaving every field
-- of the entry as it was.
CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
        AND NEW.seq = OLD.seq
        AND NEW.occurred_at = OLD.occurred_at
        AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
        AND NEW.action = OLD.action
        AND NEW.entity_type = OLD.entity_type
        AND NEW.entity_id = OLD.entity_id
        AND NEW.before_json IS NOT DISTINCT FROM OLD.before_json
        AND NEW.after_json IS NOT DISTINCT FROM OLD.after_json
        AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
