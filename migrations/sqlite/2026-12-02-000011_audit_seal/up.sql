-- Each entry's place in the hash chain, 1, 2, 3, … without gaps. SQLite serialises
-- writers, so an entry is sealed (chain_pos, prev_hash and hash set) as it is written
-- and these columns are never NULL here; on PostgreSQL entries are sealed right after
-- their commit (see crates/db/src/audit.rs).
ALTER TABLE audit_log ADD COLUMN chain_pos INTEGER;

-- Until now the chain was linked in seq order.
DROP TRIGGER audit_log_no_update;
UPDATE audit_log SET chain_pos = n.pos
FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS pos FROM audit_log) AS n
WHERE audit_log.seq = n.seq;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE UNIQUE INDEX audit_log_chain_pos_idx ON audit_log (chain_pos);
