-- Password reset by mail: one-time tokens, only the SHA-256 of the secret is kept.
-- A newer request revokes the older tokens of the same user.
CREATE TABLE password_resets (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id, created_at);

-- Lockouts in a row for one throttle key: each one lasts longer (capped).
ALTER TABLE login_throttle ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;
