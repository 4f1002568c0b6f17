DROP TABLE p3dn_daily;
