//! A bank for tests: its RSA key, client id, secret and partner id, the `[[payments.banks]]`
//! table that tells Pasar about it, and a payment of a VA signed as SNAP asks.

use crate::TestApp;
use base64::Engine;
use hmac::{Hmac, Mac};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha512};

pub struct TestBank {
    pub key: RsaPrivateKey,
    pub client_id: &'static str,
    pub secret: &'static str,
    pub partner: &'static str,
}

impl TestBank {
    /// A bank with a fresh key (1024 bits: quick to make, and verification does not care).
    pub fn new() -> TestBank {
        TestBank {
            key: RsaPrivateKey::new(&mut rand::thread_rng(), 1024).expect("a key"),
            client_id: "bank-test",
            secret: "client-secret-for-tests-only-0123456789",
            partner: "BTST0001",
        }
    }

    /// The bank as configuration, collecting under `psid`.
    pub fn config(&self, code: &str, psid: &str) -> pasar_server::config::BankConfig {
        pasar_server::config::BankConfig {
            snap_client_id: self.client_id.into(),
            snap_client_secret: self.secret.into(),
            snap_bank_public_key: self.key.to_public_key().to_public_key_pem(LineEnding::LF).expect("PEM"),
            snap_partner_id: self.partner.into(),
            ..crate::bank(code, code, psid)
        }
    }

    fn stamp(app: &TestApp) -> String {
        (app.now() + chrono::TimeDelta::hours(7)).format("%Y-%m-%dT%H:%M:%S+07:00").to_string()
    }

    async fn send(app: &TestApp, path: &str, headers: &[(&str, String)], body: &[u8]) -> Value {
        let mut headers: Vec<(&str, &[u8])> = headers.iter().map(|(k, v)| (*k, v.as_bytes())).collect();
        headers.push(("content-type", b"application/json"));
        app.request_bytes("POST", path, &headers, body.to_vec()).await.body
    }

    /// Takes a token and pays the VA `number` (as Pasar shows it) its `amount_idr`;
    /// the bank's answer.
    pub async fn pay(&self, app: &TestApp, number: &str, amount_idr: i64) -> Value {
        let ts = Self::stamp(app);
        let signature = SigningKey::<Sha256>::new(self.key.clone()).sign(format!("{}|{ts}", self.client_id).as_bytes());
        let sig = base64::engine::general_purpose::STANDARD.encode(signature.to_bytes());
        let headers = [("x-timestamp", ts), ("x-client-key", self.client_id.to_owned()), ("x-signature", sig)];
        let token = Self::send(app, "/v1.0/access-token/b2b", &headers, br#"{"grantType":"client_credentials"}"#).await;
        let token = token["accessToken"].as_str().expect("a token").to_owned();
        let body = serde_json::to_vec(&json!({
            "partnerServiceId": &number[..8], "customerNo": &number[8..], "virtualAccountNo": number,
            "paymentRequestId": format!("PAY-{}", rand::random::<u32>()),
            "paidAmount": { "value": format!("{amount_idr}.00"), "currency": "IDR" },
        }))
        .unwrap();
        let path = "/v1.0/transfer-va/payment";
        let ts = Self::stamp(app);
        let digest = hex::encode(Sha256::digest(&body));
        let mut mac = Hmac::<Sha512>::new_from_slice(self.secret.as_bytes()).unwrap();
        mac.update(format!("POST:{path}:{token}:{digest}:{ts}").as_bytes());
        let headers = [
            ("authorization", format!("Bearer {token}")),
            ("x-timestamp", ts),
            ("x-signature", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())),
            ("x-partner-id", self.partner.to_owned()),
            ("x-external-id", format!("{}", rand::random::<u32>())),
            ("channel-id", "95231".to_owned()),
        ];
        Self::send(app, path, &headers, &body).await
    }
}

impl Default for TestBank {
    fn default() -> Self {
        TestBank::new()
    }
}
