DROP TABLE snap_external_ids;
DROP TABLE virtual_accounts;
