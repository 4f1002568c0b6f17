//! `pasar-load bank-sim`: plays the bank of SNAP virtual-account payments against a
//! running Pasar. It holds what a bank holds (its RSA private key, the client secret,
//! its client, partner and channel ids), signs the access-token request with
//! SHA256withRSA and every service call with HMAC-SHA512, and prints the SNAP
//! `responseCode` and message of each answer. With `--attack` it sends the calls a
//! forger or a careless bank would send and checks that each is refused with its code.

use crate::http::{self, Conn};
use anyhow::{bail, Context};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha512};
use std::path::Path;

pub const TOKEN: &str = "/v1.0/access-token/b2b";
pub const INQUIRY: &str = "/v1.0/transfer-va/inquiry";
pub const PAYMENT: &str = "/v1.0/transfer-va/payment";
pub const STATUS: &str = "/v1.0/transfer-va/status";

/// How far in the past a stale call is stamped: well outside any sensible window
/// (`payments.snap_timestamp_window_secs`, 300 by default).
const STALE_SECS: i64 = 3600;

/// The bank: its key, secret and ids.
#[derive(Clone)]
pub struct Bank {
    key: SigningKey<Sha256>,
    pub client_id: String,
    secret: Vec<u8>,
    pub partner_id: String,
    pub channel_id: String,
}

/// Reads an RSA private key in PEM: PKCS#8 (`openssl genpkey`) or PKCS#1.
pub fn private_key_from_pem(pem: &str) -> anyhow::Result<RsaPrivateKey> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    RsaPrivateKey::from_pkcs8_pem(pem.trim())
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem.trim()))
        .map_err(|e| anyhow::anyhow!("not an RSA private key in PEM: {e}"))
}

impl Bank {
    pub fn new(key: RsaPrivateKey, client_id: &str, secret: &[u8], partner_id: &str, channel_id: &str) -> Bank {
        Bank {
            key: SigningKey::new(key),
            client_id: client_id.to_owned(),
            secret: secret.to_vec(),
            partner_id: partner_id.to_owned(),
            channel_id: channel_id.to_owned(),
        }
    }

    /// The bank as the command line describes it: key and secret read from files.
    pub fn from_files(
        key: &Path,
        client_id: &str,
        secret: &Path,
        partner_id: &str,
        channel_id: &str,
    ) -> anyhow::Result<Bank> {
        let pem = std::fs::read_to_string(key).with_context(|| format!("reading {}", key.display()))?;
        let secret = std::fs::read_to_string(secret).with_context(|| format!("reading {}", secret.display()))?;
        let secret = secret.trim();
        anyhow::ensure!(secret.len() >= 16, "the client secret must be at least 16 characters");
        Ok(Bank::new(private_key_from_pem(&pem)?, client_id, secret.as_bytes(), partner_id, channel_id))
    }

    /// A token request: `X-SIGNATURE` is SHA256withRSA over `client_id|X-TIMESTAMP`.
    pub async fn token(&self, conn: &mut Conn) -> anyhow::Result<(Answer, Option<String>)> {
        let ts = timestamp(0);
        let sig = self.token_signature(&ts);
        let headers = [("X-TIMESTAMP", ts.as_str()), ("X-CLIENT-KEY", self.client_id.as_str()), ("X-SIGNATURE", &sig)];
        let r = conn.send_with("POST", TOKEN, None, &headers, Some(r#"{"grantType":"client_credentials"}"#)).await?;
        let answer = Answer::of(r.status, &r.body);
        let token = answer.body["accessToken"].as_str().map(str::to_owned);
        Ok((answer, token))
    }

    /// Base64 of SHA256withRSA over `client_id|timestamp`.
    pub fn token_signature(&self, timestamp: &str) -> String {
        STANDARD.encode(self.key.sign(format!("{}|{timestamp}", self.client_id).as_bytes()).to_bytes())
    }

    /// The headers of a service call as `how` says to sign it.
    pub fn headers(&self, path: &str, token: &str, body: &str, how: &Call) -> Vec<(&'static str, String)> {
        let ts = timestamp(how.timestamp_offset);
        let signed = how.signed_body.as_deref().unwrap_or(body);
        let digest = hex::encode(Sha256::digest(signed.as_bytes()));
        let secret = how.secret.as_deref().unwrap_or(&self.secret);
        let mut mac = Hmac::<Sha512>::new_from_slice(secret).expect("HMAC takes a key of any length");
        mac.update(format!("POST:{path}:{token}:{digest}:{ts}").as_bytes());
        let sig = STANDARD.encode(mac.finalize().into_bytes());
        vec![
            ("X-TIMESTAMP", ts),
            ("X-SIGNATURE", sig),
            ("X-PARTNER-ID", self.partner_id.clone()),
            ("X-EXTERNAL-ID", how.external_id.clone()),
            ("CHANNEL-ID", self.channel_id.clone()),
        ]
    }

    /// A signed service call (`POST path` with the minified JSON `body`).
    pub async fn call(
        &self,
        conn: &mut Conn,
        path: &str,
        token: &str,
        body: &Value,
        how: &Call,
    ) -> anyhow::Result<Answer> {
        let body = body.to_string();
        let headers = self.headers(path, token, &body, how);
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = conn.send_with("POST", path, Some(token), &headers, Some(&body)).await?;
        Ok(Answer::of(r.status, &r.body))
    }
}

/// How a service call is signed; [`Call::honest`] is what a well-behaved bank does.
#[derive(Clone, Default)]
pub struct Call {
    pub external_id: String,
    /// Signed with this secret instead of the bank's.
    pub secret: Option<Vec<u8>>,
    /// Seconds added to the clock for `X-TIMESTAMP`.
    pub timestamp_offset: i64,
    /// Signed over this body instead of the one sent.
    pub signed_body: Option<String>,
}

impl Call {
    pub fn honest() -> Call {
        Call { external_id: external_id(), ..Call::default() }
    }
}

/// A fresh `X-EXTERNAL-ID`: digits only, unique enough for one partner and one day.
pub fn external_id() -> String {
    format!("{:018}", uuid::Uuid::now_v7().as_u128() % 1_000_000_000_000_000_000)
}

/// A fresh `inquiryRequestId` / `paymentRequestId`.
pub fn request_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// `yyyy-MM-ddTHH:mm:ss+07:00`, the bank's clock in Western Indonesian Time, moved by
/// `offset_secs`.
pub fn timestamp(offset_secs: i64) -> String {
    let at = chrono::Utc::now() + chrono::TimeDelta::seconds(offset_secs) + chrono::TimeDelta::hours(7);
    at.format("%Y-%m-%dT%H:%M:%S+07:00").to_string()
}

/// What Pasar answered.
pub struct Answer {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub body: Value,
}

impl Answer {
    fn of(status: u16, body: &[u8]) -> Answer {
        let body: Value =
            serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into()));
        let code = body["responseCode"].as_str().unwrap_or("-").to_owned();
        let message = body["responseMessage"].as_str().unwrap_or("").to_owned();
        Answer { status, code, message, body }
    }

    pub fn ok(&self) -> bool {
        self.code.starts_with("200")
    }
}

/// A VA number split as SNAP sends it: the 8-character `partnerServiceId` and the
/// customer number after it.
#[derive(Clone)]
pub struct Va {
    pub partner_service_id: String,
    pub customer_no: String,
}

impl Va {
    pub fn parse(number: &str) -> anyhow::Result<Va> {
        if number.len() <= 8 || !number.is_char_boundary(8) {
            bail!("--va: a VA number is the 8-character partnerServiceId and the customer number (quote the spaces)");
        }
        let (psid, customer) = number.split_at(8);
        anyhow::ensure!(customer.bytes().all(|b| b.is_ascii_digit()), "--va: the customer number must be digits");
        Ok(Va { partner_service_id: psid.to_owned(), customer_no: customer.to_owned() })
    }

    pub fn number(&self) -> String {
        format!("{}{}", self.partner_service_id, self.customer_no)
    }

    /// The request body naming this VA, with `extra` fields.
    pub fn body(&self, extra: Value) -> Value {
        let mut b = json!({
            "partnerServiceId": self.partner_service_id,
            "customerNo": self.customer_no,
            "virtualAccountNo": self.number(),
        });
        if let (Some(b), Value::Object(extra)) = (b.as_object_mut(), extra) {
            b.extend(extra);
        }
        b
    }

    pub fn inquiry(&self) -> Value {
        self.body(json!({ "inquiryRequestId": request_id() }))
    }

    pub fn payment(&self, payment_id: &str, value: &str) -> Value {
        self.body(json!({
            "paymentRequestId": payment_id,
            "paidAmount": { "value": value, "currency": "IDR" },
            "flagAdvise": "N",
        }))
    }
}

fn line(what: &str, a: &Answer) {
    println!("{what:<10} HTTP {} {:<8} {}", a.status, a.code, a.message);
}

/// The amount an inquiry answered, as SNAP writes it (`"1250000.00"`).
fn total(a: &Answer) -> Option<String> {
    a.body["virtualAccountData"]["totalAmount"]["value"].as_str().map(str::to_owned)
}

async fn take_token(bank: &Bank, conn: &mut Conn) -> anyhow::Result<String> {
    let (answer, token) = bank.token(conn).await?;
    line("token", &answer);
    match token {
        Some(t) if answer.ok() => Ok(t),
        _ => bail!("no access token: {}", answer.body),
    }
}

/// A connection, a token and an honest inquiry about `va`: what it owes, or an error
/// saying `refused` when the inquiry is not answered with success.
async fn inquire(addr: &str, bank: &Bank, va: &Va, refused: &str) -> anyhow::Result<(Conn, String, Answer, String)> {
    http::check_loopback(addr)?;
    let mut conn = Conn::open(addr).await?;
    let token = take_token(bank, &mut conn).await?;
    let inquiry = bank.call(&mut conn, INQUIRY, &token, &va.inquiry(), &Call::honest()).await?;
    line("inquiry", &inquiry);
    let Some(amount) = total(&inquiry).filter(|_| inquiry.ok()) else { bail!("{refused}") };
    Ok((conn, token, inquiry, amount))
}

/// Token, inquiry, payment of the inquired amount, status. An error if any is refused.
pub async fn pay(addr: &str, bank: &Bank, va: &Va) -> anyhow::Result<()> {
    let (mut conn, token, inquiry, amount) = inquire(addr, bank, va, "the inquiry was refused; nothing paid").await?;
    println!(
        "           VA {:?} owes Rp{amount} ({})",
        va.number(),
        inquiry.body["virtualAccountData"]["virtualAccountName"]
    );
    let payment_id = request_id();
    let payment = bank.call(&mut conn, PAYMENT, &token, &va.payment(&payment_id, &amount), &Call::honest()).await?;
    line("payment", &payment);
    let status_body = va.body(json!({ "paymentRequestId": payment_id }));
    let status = bank.call(&mut conn, STATUS, &token, &status_body, &Call::honest()).await?;
    line("status", &status);
    let data = &status.body["virtualAccountData"];
    if status.ok() {
        println!(
            "           paymentFlagStatus {} ({})",
            data["paymentFlagStatus"], data["paymentFlagReason"]["english"]
        );
    }
    anyhow::ensure!(payment.ok() && status.ok(), "the payment was not accepted");
    Ok(())
}

/// Forged, replayed, stale, tampered, unknown-VA and wrong-amount calls against an
/// unpaid VA; prints what Pasar answered against the code SNAP expects. An error if any
/// answer differs, or if the VA ended up paid.
pub async fn attack(addr: &str, bank: &Bank, va: &Va) -> anyhow::Result<()> {
    let refused = "--attack needs an unpaid, live VA to attack; the inquiry was refused";
    let (mut conn, token, _, amount) = inquire(addr, bank, va, refused).await?;
    let whole: i64 = amount.trim_end_matches(".00").parse().context("the inquired amount")?;

    let other = va.body(json!({ "inquiryRequestId": request_id() }));
    let replayed_id = external_id();
    let mut unknown = va.clone();
    unknown.customer_no = unknown.customer_no.chars().map(|c| if c == '9' { '0' } else { '9' }).collect();
    let cases: Vec<(&str, &str, String, Value, Call, &str)> = vec![
        (
            "forged: signed with another secret",
            INQUIRY,
            token.clone(),
            va.inquiry(),
            Call { secret: Some(b"not-the-client-secret-0123456789".to_vec()), ..Call::honest() },
            "4012400",
        ),
        (
            "stale: X-TIMESTAMP an hour old",
            INQUIRY,
            token.clone(),
            va.inquiry(),
            Call { timestamp_offset: -STALE_SECS, ..Call::honest() },
            "4012400",
        ),
        (
            "tampered: amount changed after signing",
            PAYMENT,
            token.clone(),
            va.payment(&request_id(), &format!("{}.00", whole + 1)),
            Call { signed_body: Some(va.payment(&request_id(), &amount).to_string()), ..Call::honest() },
            "4012500",
        ),
        (
            "a token Pasar never issued",
            INQUIRY,
            format!("{}.{}.forged", chrono::Utc::now().timestamp() + 900, "0".repeat(24)),
            va.inquiry(),
            Call::honest(),
            "4012401",
        ),
        (
            "replay: first use of an X-EXTERNAL-ID",
            INQUIRY,
            token.clone(),
            va.body(json!({ "inquiryRequestId": request_id() })),
            Call { external_id: replayed_id.clone(), ..Call::default() },
            "2002400",
        ),
        (
            "replay: same X-EXTERNAL-ID, other body",
            INQUIRY,
            token.clone(),
            other,
            Call { external_id: replayed_id, ..Call::default() },
            "4092400",
        ),
        ("unknown VA (inquiry)", INQUIRY, token.clone(), unknown.inquiry(), Call::honest(), "4042412"),
        (
            "unknown VA (payment)",
            PAYMENT,
            token.clone(),
            unknown.payment(&request_id(), &amount),
            Call::honest(),
            "4042512",
        ),
        (
            "wrong amount: one rupiah short",
            PAYMENT,
            token.clone(),
            va.payment(&request_id(), &format!("{}.00", whole - 1)),
            Call::honest(),
            "4042513",
        ),
        (
            "fractional rupiah",
            PAYMENT,
            token.clone(),
            va.payment(&request_id(), &format!("{}.50", whole - 1)),
            Call::honest(),
            "4002501",
        ),
    ];

    println!();
    println!("{:<42} {:<8} {:<8} {:<4} message", "attack", "expected", "answered", "");
    let mut failures = 0;
    for (what, path, token, body, how, expected) in cases {
        let a = bank.call(&mut conn, path, &token, &body, &how).await?;
        let ok = a.code == expected;
        failures += usize::from(!ok);
        println!("{what:<42} {expected:<8} {:<8} {:<4} {}", a.code, if ok { "ok" } else { "DIFF" }, a.message);
    }
    let status = bank.call(&mut conn, STATUS, &token, &va.body(json!({})), &Call::honest()).await?;
    let flag = status.body["virtualAccountData"]["paymentFlagStatus"].as_str().unwrap_or("-").to_owned();
    let unpaid = status.ok() && flag == "01";
    failures += usize::from(!unpaid);
    println!(
        "{:<42} {:<8} {:<8} {:<4} {} (paymentFlagStatus {flag})",
        "status afterwards: still not paid",
        "2002600",
        status.code,
        if unpaid { "ok" } else { "DIFF" },
        status.message
    );
    anyhow::ensure!(failures == 0, "{failures} answer(s) differ from what SNAP expects");
    println!("every attack was refused with its code; the VA is still unpaid");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pasar_payment_virtual_account::snap;

    fn bank() -> (Bank, RsaPrivateKey) {
        let key = RsaPrivateKey::new(&mut rand::thread_rng(), 1024).expect("a key");
        (Bank::new(key.clone(), "bank-test", b"client-secret-0123456789", "BANK0001", "95231"), key)
    }

    fn header<'a>(headers: &'a [(&'static str, String)], name: &str) -> &'a str {
        headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str()).expect(name)
    }

    #[test]
    fn the_simulator_signs_what_pasar_verifies() {
        let (bank, key) = bank();
        let ts = timestamp(0);
        let public = key.to_public_key();
        assert!(snap::verify_token_request(&public, "bank-test", &ts, &bank.token_signature(&ts)));
        assert!(!snap::verify_token_request(&public, "other-bank", &ts, &bank.token_signature(&ts)));

        let body = r#"{"a":1}"#;
        let h = bank.headers(PAYMENT, "tok", body, &Call::honest());
        let sts = snap::string_to_sign("POST", PAYMENT, "tok", body.as_bytes(), header(&h, "X-TIMESTAMP"));
        let enc = snap::SignatureEncoding::Base64;
        assert!(snap::verify_service(b"client-secret-0123456789", &sts, header(&h, "X-SIGNATURE"), enc));
        assert!(header(&h, "X-EXTERNAL-ID").bytes().all(|b| b.is_ascii_digit()));

        // What --attack sends must not verify.
        let forged = Call { secret: Some(b"another-secret-0123456789".to_vec()), ..Call::honest() };
        let h = bank.headers(PAYMENT, "tok", body, &forged);
        let sts = snap::string_to_sign("POST", PAYMENT, "tok", body.as_bytes(), header(&h, "X-TIMESTAMP"));
        assert!(!snap::verify_service(b"client-secret-0123456789", &sts, header(&h, "X-SIGNATURE"), enc));
        let tampered = Call { signed_body: Some(r#"{"a":2}"#.into()), ..Call::honest() };
        let h = bank.headers(PAYMENT, "tok", body, &tampered);
        let sts = snap::string_to_sign("POST", PAYMENT, "tok", body.as_bytes(), header(&h, "X-TIMESTAMP"));
        assert!(!snap::verify_service(b"client-secret-0123456789", &sts, header(&h, "X-SIGNATURE"), enc));
    }

    #[test]
    fn a_va_number_splits_as_snap_sends_it() {
        let va = Va::parse("    88081033341120406925").unwrap();
        assert_eq!(va.partner_service_id, "    8808");
        assert_eq!(va.customer_no, "1033341120406925");
        assert_eq!(va.body(json!({}))["virtualAccountNo"], "    88081033341120406925");
        assert!(Va::parse("8808").is_err());
        assert!(Va::parse("    8808abc").is_err());
        let ts = timestamp(0);
        assert!(ts.ends_with("+07:00") && ts.len() == 25, "{ts}");
    }
}
