//! What SNAP asks of a biller's security, as plain functions: the asymmetric signature of
//! the token request (SHA256withRSA), the symmetric signature of every service call
//! (HMAC-SHA512), Pasar's access tokens, response codes and amounts.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use sha2::{Digest, Sha256, Sha512};

/// How the bank encodes the HMAC of a service call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureEncoding {
    /// What the public client libraries send.
    #[default]
    Base64,
    /// Lower- or upper-case hex, as in the standard's own sample.
    Hex,
}

/// Reads the bank's public key: PEM text (SubjectPublicKeyInfo or PKCS#1).
pub fn public_key_from_pem(pem: &str) -> Result<RsaPublicKey, String> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    RsaPublicKey::from_public_key_pem(pem.trim())
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem.trim()))
        .map_err(|e| format!("not an RSA public key in PEM: {e}"))
}

/// Whether `signature` (base64) is the bank's SHA256withRSA over `client_id|timestamp`.
pub fn verify_token_request(key: &RsaPublicKey, client_id: &str, timestamp: &str, signature: &str) -> bool {
    let Ok(raw) = STANDARD.decode(signature.trim()) else { return false };
    let Ok(sig) = Signature::try_from(raw.as_slice()) else { return false };
    VerifyingKey::<Sha256>::new(key.clone()).verify(format!("{client_id}|{timestamp}").as_bytes(), &sig).is_ok()
}

/// `METHOD:path:token:lowerhex(sha256(body)):timestamp`, the text a service call signs.
pub fn string_to_sign(method: &str, path: &str, token: &str, body: &[u8], timestamp: &str) -> String {
    format!("{method}:{path}:{token}:{}:{timestamp}", hex::encode(Sha256::digest(body)))
}

fn hmac512(secret: &[u8]) -> Hmac<Sha512> {
    Hmac::<Sha512>::new_from_slice(secret).expect("HMAC takes a key of any length")
}

/// The signature of a service call, encoded as `encoding` (what the bank computes).
pub fn sign_service(secret: &[u8], string_to_sign: &str, encoding: SignatureEncoding) -> String {
    let mut mac = hmac512(secret);
    mac.update(string_to_sign.as_bytes());
    let out = mac.finalize().into_bytes();
    match encoding {
        SignatureEncoding::Base64 => STANDARD.encode(out),
        SignatureEncoding::Hex => hex::encode(out),
    }
}

/// Whether `signature` is the HMAC-SHA512 of `string_to_sign` under `secret`, compared
/// in constant time (`Mac::verify_slice`).
pub fn verify_service(secret: &[u8], string_to_sign: &str, signature: &str, encoding: SignatureEncoding) -> bool {
    let raw = match encoding {
        SignatureEncoding::Base64 => STANDARD.decode(signature.trim()).ok(),
        SignatureEncoding::Hex => hex::decode(signature.trim()).ok(),
    };
    let Some(raw) = raw else { return false };
    let mut mac = hmac512(secret);
    mac.update(string_to_sign.as_bytes());
    mac.verify_slice(&raw).is_ok()
}

/// How long an access token lives, as SNAP fixes it.
pub const TOKEN_SECONDS: i64 = 900;

fn token_mac(secret: &[u8], client_id: &str, expires: i64, nonce: &str) -> Hmac<Sha512> {
    let mut mac = hmac512(secret);
    mac.update(format!("pasar-snap-token|{client_id}|{expires}|{nonce}").as_bytes());
    mac
}

/// A bearer token for `client_id`, valid [`TOKEN_SECONDS`] from `now`: the expiry and a
/// random nonce, sealed by an HMAC under the client secret (so rotating the secret ends
/// every token, and nothing needs storing).
pub fn issue_token(secret: &[u8], client_id: &str, now: DateTime<Utc>) -> String {
    let expires = (now + TimeDelta::seconds(TOKEN_SECONDS)).timestamp();
    let nonce = hex::encode(rand::random::<[u8; 12]>());
    let tag = URL_SAFE_NO_PAD.encode(token_mac(secret, client_id, expires, &nonce).finalize().into_bytes());
    format!("{expires}.{nonce}.{tag}")
}

/// Whether `token` is one of ours for `client_id`, not expired at `now`.
pub fn verify_token(secret: &[u8], client_id: &str, token: &str, now: DateTime<Utc>) -> bool {
    let mut parts = token.splitn(3, '.');
    let (Some(exp), Some(nonce), Some(tag)) = (parts.next(), parts.next(), parts.next()) else { return false };
    let (Ok(expires), Ok(tag)) = (exp.parse::<i64>(), URL_SAFE_NO_PAD.decode(tag)) else { return false };
    if nonce.len() != 24 || token_mac(secret, client_id, expires, nonce).verify_slice(&tag).is_err() {
        return false;
    }
    now.timestamp() < expires
}

/// `yyyy-MM-ddTHH:mm:ss+07:00`: `now` on the wall clock of `zone`, as SNAP writes times.
pub fn timestamp(now: DateTime<Utc>, zone: pasar_core::Zone) -> String {
    let local = zone.date(now).and_time(zone.time_of_day(now));
    let offset = (local - now.naive_utc()).num_minutes();
    let sign = if offset < 0 { '-' } else { '+' };
    format!("{}{sign}{:02}:{:02}", local.format("%Y-%m-%dT%H:%M:%S"), offset.abs() / 60, offset.abs() % 60)
}

/// A SNAP `responseCode`: HTTP status, service code, case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub status: u16,
    pub service: u8,
    pub case: u8,
}

impl Code {
    pub const fn new(status: u16, service: u8, case: u8) -> Code {
        Code { status, service, case }
    }

    pub fn as_string(self) -> String {
        format!("{}{:02}{:02}", self.status, self.service, self.case)
    }
}

/// Service codes.
pub const TOKEN: u8 = 73;
pub const INQUIRY: u8 = 24;
pub const PAYMENT: u8 = 25;
pub const STATUS: u8 = 26;

/// The most a single VA may carry, in rupiah (Rp1 trillion): anything larger is refused
/// as malformed.
pub const MAX_AMOUNT_IDR: i64 = 1_000_000_000_000;

/// Whole rupiah from a SNAP amount (`{"value":"1250000.00","currency":"IDR"}`), or the
/// reason it is refused.
pub fn rupiah(value: &str, currency: &str) -> Result<i64, &'static str> {
    if currency != "IDR" {
        return Err("currency must be IDR");
    }
    let Some((whole, cents)) = value.split_once('.') else {
        return Err("value must have two decimals, e.g. 1250000.00");
    };
    if cents.len() != 2 || !cents.bytes().all(|b| b.is_ascii_digit()) {
        return Err("value must have two decimals, e.g. 1250000.00");
    }
    if whole.is_empty() || whole.len() > 13 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err("value must be a positive amount of at most Rp1,000,000,000,000");
    }
    if cents != "00" {
        return Err("value must be whole rupiah (.00)");
    }
    let n: i64 = whole.parse().map_err(|_| "value must be a number")?;
    if n <= 0 || n > MAX_AMOUNT_IDR {
        return Err("value must be a positive amount of at most Rp1,000,000,000,000");
    }
    Ok(n)
}

/// A rupiah amount as SNAP writes it.
pub fn amount(idr: i64) -> serde_json::Value {
    serde_json::json!({ "value": format!("{idr}.00"), "currency": "IDR" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_whole_positive_rupiah_with_two_decimals() {
        assert_eq!(rupiah("1250000.00", "IDR"), Ok(1_250_000));
        for bad in ["1250000", "1250000.5", "1250000.50", "-1.00", "0.00", "99999999999999.00", "1e5.00", " 1.00"] {
            assert!(rupiah(bad, "IDR").is_err(), "{bad}");
        }
        assert!(rupiah("1.00", "USD").is_err());
        assert_eq!(amount(5)["value"], "5.00");
    }

    #[test]
    fn a_service_signature_is_checked_in_either_encoding() {
        let sts = string_to_sign("POST", "/v1.0/transfer-va/payment", "tok", b"{}", "2026-12-02T10:00:00+07:00");
        assert!(sts.starts_with("POST:/v1.0/transfer-va/payment:tok:44136fa355b3678a"));
        for enc in [SignatureEncoding::Base64, SignatureEncoding::Hex] {
            let sig = sign_service(b"secret", &sts, enc);
            assert!(verify_service(b"secret", &sts, &sig, enc));
            assert!(!verify_service(b"other", &sts, &sig, enc));
            assert!(!verify_service(b"secret", &format!("{sts}x"), &sig, enc));
        }
        assert!(!verify_service(b"secret", &sts, "not base64!", SignatureEncoding::Base64));
    }

    #[test]
    fn tokens_expire_and_belong_to_their_client_and_secret() {
        let now = Utc::now();
        let t = issue_token(b"s", "bank", now);
        assert!(verify_token(b"s", "bank", &t, now + TimeDelta::seconds(899)));
        assert!(!verify_token(b"s", "bank", &t, now + TimeDelta::seconds(900)));
        assert!(!verify_token(b"s", "other", &t, now));
        assert!(!verify_token(b"t", "bank", &t, now));
        assert!(!verify_token(b"s", "bank", "garbage", now));
    }

    #[test]
    fn codes_read_as_snap_writes_them() {
        assert_eq!(Code::new(404, PAYMENT, 14).as_string(), "4042514");
        assert_eq!(Code::new(200, TOKEN, 0).as_string(), "2007300");
        let at = DateTime::parse_from_rfc3339("2026-12-02T03:04:05Z").unwrap().with_timezone(&Utc);
        assert_eq!(timestamp(at, pasar_core::Zone::JAKARTA), "2026-12-02T10:04:05+07:00");
    }
}
