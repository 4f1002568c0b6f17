DROP INDEX virtual_accounts_ocds_paid;
DROP INDEX addenda_ocds_accepted;
DROP INDEX orders_ocds_ended;
DROP INDEX orders_ocds_countersigned;
DROP INDEX orders_ocds_signed;
