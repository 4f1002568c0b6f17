ALTER TABLE login_throttle DROP COLUMN lockouts;
DROP TABLE password_resets;
