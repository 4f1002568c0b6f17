//! argon2id password hashing (PHC strings, so parameters can change without
//! invalidating stored hashes).

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::Deserialize;
use std::sync::OnceLock;

/// argon2id cost. The default is OWASP's recommendation (19 MiB, 2 passes, 1 lane).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Argon2Params { memory_kib: 19_456, iterations: 2, parallelism: 1 }
    }
}

impl Argon2Params {
    pub fn validate(&self) -> Result<(), String> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, None).map(drop).map_err(|e| e.to_string())
    }

    fn hasher(&self) -> Argon2<'static> {
        // Validated at start-up by `validate`; fall back to the default if not.
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None).unwrap_or_default();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }
}

pub fn hash(password: &str, params: &Argon2Params) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    params.hasher().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches the stored PHC string.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Spends the same effort as a real verification, for unknown accounts, so that the
/// response time does not tell which emails are registered.
pub fn verify_dummy(password: &str, params: &Argon2Params) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("dummy password for timing", params).unwrap_or_default());
    let _ = verify(password, stored);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let p = Argon2Params { memory_kib: 1024, iterations: 1, parallelism: 1 };
        let a = hash("kopi tubruk pagi", &p).unwrap();
        let b = hash("kopi tubruk pagi", &p).unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert_ne!(a, b);
        assert!(verify("kopi tubruk pagi", &a));
        assert!(!verify("kopi tubruk sore", &a));
        assert!(!verify("anything", "not a phc string"));
    }
}
