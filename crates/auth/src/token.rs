//! Opaque one-time tokens (refresh tokens, email verification, invitations): handed out
//! as `<id>.<secret>`; only the SHA-256 of the secret is stored, so a database leak does
//! not leak usable tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A freshly generated token.
pub struct OpaqueToken {
    /// The row id (a UUID v7).
    pub id: String,
    /// What the client gets: `<id>.<secret>`.
    pub presented: String,
    /// What is stored: lower-hex SHA-256 of the secret.
    pub hash: String,
}

impl OpaqueToken {
    pub fn generate() -> OpaqueToken {
        let id = uuid::Uuid::now_v7().to_string();
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let secret = URL_SAFE_NO_PAD.encode(secret);
        OpaqueToken { presented: format!("{id}.{secret}"), hash: sha256_hex(&secret), id }
    }
}

/// Splits a presented token into `(id, secret)`; `None` if it cannot be one of ours.
pub fn split(presented: &str) -> Option<(&str, &str)> {
    let (id, secret) = presented.trim().split_once('.')?;
    (uuid::Uuid::try_parse(id).is_ok() && !secret.is_empty() && secret.len() <= 100).then_some((id, secret))
}

/// Whether `secret` matches the stored hash, compared in constant time.
pub fn matches(secret: &str, stored_hash: &str) -> bool {
    let a = sha256_hex(secret);
    let (a, b) = (a.as_bytes(), stored_hash.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_only_its_own_hash() {
        let t = OpaqueToken::generate();
        let (id, secret) = split(&t.presented).unwrap();
        assert_eq!(id, t.id);
        assert!(matches(secret, &t.hash));
        assert!(!matches("other", &t.hash));
        assert!(split("nodot").is_none());
        assert!(split("not-a-uuid.secret").is_none());
    }
}
