CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
DROP INDEX audit_log_unsealed_idx;
DROP INDEX audit_log_chain_pos_idx;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_sealed_whole;
ALTER TABLE audit_log DROP COLUMN chain_pos;
-- Fails while an entry is unsealed: run `pasar audit verify` (it seals) first.
ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL;
ALTER TABLE audit_log ALTER COLUMN hash SET NOT NULL;
