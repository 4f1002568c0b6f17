//! Access tokens: HS256 JWTs with a short life. Only HS256 is accepted, so a token
//! claiming `alg: none` or any other algorithm is refused; expiry is checked with no
//! leeway.

use crate::model::{Actor, Role};
use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use pasar_core::id::{OrganizationId, UserId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The user's organisation id.
    pub org: String,
    pub roles: Vec<Role>,
    pub iat: i64,
    /// `iat` in milliseconds: a password change refuses tokens issued before it, even
    /// within the same second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat_ms: Option<i64>,
    pub exp: i64,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(***)")
    }
}

impl JwtKeys {
    pub fn from_secret(secret: &[u8]) -> JwtKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_exp = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        JwtKeys { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), validation }
    }

    pub fn issue(&self, actor: &Actor, now: DateTime<Utc>, ttl: TimeDelta) -> Result<String, String> {
        let claims = Claims {
            sub: actor.user_id.to_string(),
            org: actor.organization_id.to_string(),
            roles: actor.roles.clone(),
            iat: now.timestamp(),
            iat_ms: Some(now.timestamp_millis()),
            exp: (now + ttl).timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// The actor a token claims to be and when it was issued (milliseconds since the
    /// epoch), or `None` for any token
    /// that is not ours, not HS256, or expired. The claims are then checked against the
    /// database (`service::current_actor`) before anyone acts on them.
    pub fn verify(&self, token: &str) -> Option<(Actor, i64)> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        let actor = Actor {
            user_id: UserId::parse(&data.claims.sub)?,
            organization_id: OrganizationId::parse(&data.claims.org)?,
            roles: data.claims.roles,
            request_id: None,
        };
        let issued_at_ms = data.claims.iat_ms.unwrap_or(data.claims.iat.saturating_mul(1000));
        Some((actor, issued_at_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn actor() -> Actor {
        Actor {
            user_id: UserId::new(),
            organization_id: OrganizationId::new(),
            roles: vec![Role::Ppk],
            request_id: None,
        }
    }

    #[test]
    fn round_trips_and_refuses_forgeries() {
        let keys = JwtKeys::from_secret(b"0123456789abcdef0123456789abcdef");
        let a = actor();
        let token = keys.issue(&a, Utc::now(), TimeDelta::minutes(5)).unwrap();
        let (back, _) = keys.verify(&token).unwrap();
        assert_eq!(back.user_id, a.user_id);
        assert_eq!(back.roles, vec![Role::Ppk]);

        let other = JwtKeys::from_secret(b"another secret of the same length!");
        assert!(other.verify(&token).is_none(), "wrong key");

        let expired = keys.issue(&a, Utc::now() - TimeDelta::hours(1), TimeDelta::minutes(5)).unwrap();
        assert!(keys.verify(&expired).is_none(), "expired");

        let payload = token.split('.').nth(1).unwrap();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(keys.verify(&format!("{none_header}.{payload}.")).is_none(), "alg none");
    }
}
