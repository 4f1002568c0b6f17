DROP TABLE p3dn_lines;
