DROP TABLE reconciliations;
DROP INDEX snap_external_ids_created;
DROP INDEX virtual_accounts_bank_paid;
ALTER TABLE virtual_accounts DROP COLUMN bank_code;
