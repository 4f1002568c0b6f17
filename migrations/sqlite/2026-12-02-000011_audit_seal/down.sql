DROP INDEX audit_log_chain_pos_idx;
ALTER TABLE audit_log DROP COLUMN chain_pos;
