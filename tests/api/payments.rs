//! Payment by virtual account, on both databases: the bendahara's VA, the bank's SNAP
//! calls (token, inquiry, payment, status) signed as a bank signs them, payment exactly
//! once, and every forged, stale, replayed or tampered call refused with its code.

use base64::Engine;
use hmac::{Hmac, Mac};
use pasar_tests::{backends, Options, Reply, TestApp, World};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha512};
use std::sync::OnceLock;

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";
const CLIENT_ID: &str = "bank-jatim-test";
const SECRET: &str = "client-secret-for-tests-only-0123456789";
const PARTNER: &str = "BJTM0001";
const INQUIRY: &str = "/v1.0/transfer-va/inquiry";
const PAYMENT: &str = "/v1.0/transfer-va/payment";
const STATUS: &str = "/v1.0/transfer-va/status";

/// The bank's RSA key pair, made once per test run (never stored in the repository),
/// and a stranger's.
fn keys() -> &'static (RsaPrivateKey, RsaPrivateKey) {
    static KEYS: OnceLock<(RsaPrivateKey, RsaPrivateKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = rand::thread_rng();
        (RsaPrivateKey::new(&mut rng, 2048).expect("a key"), RsaPrivateKey::new(&mut rng, 2048).expect("a key"))
    })
}

/// A second bank, with its own prefix (padded with zeros), key, secret and partner id.
const OTHER_CLIENT: &str = "bank-bri-test";
const OTHER_SECRET: &str = "another-bank-secret-for-tests-0123456";
const OTHER_PARTNER: &str = "BBRI0002";

/// Two banks: `jatim` (the first, so the default) and `bri`.
pub(crate) fn options() -> Options {
    let mut p = pasar_tests::default_config().payments;
    let pem = |k: &RsaPrivateKey| k.to_public_key().to_public_key_pem(LineEnding::LF).expect("PEM");
    p.banks = vec![
        pasar_server::config::BankConfig {
            snap_client_id: CLIENT_ID.into(),
            snap_client_secret: SECRET.into(),
            snap_bank_public_key: pem(&keys().0),
            snap_partner_id: PARTNER.into(),
            ..pasar_tests::bank("jatim", "Bank Jatim", "8808")
        },
        pasar_server::config::BankConfig {
            partner_service_id_padding: pasar_payment_virtual_account::model::Padding::Zero,
            snap_client_id: OTHER_CLIENT.into(),
            snap_client_secret: OTHER_SECRET.into(),
            snap_bank_public_key: pem(&keys().1),
            snap_partner_id: OTHER_PARTNER.into(),
            snap_signature_encoding: pasar_payment_virtual_account::snap::SignatureEncoding::Hex,
            ..pasar_tests::bank("bri", "BRI", "12345")
        },
    ];
    Options { payments: Some(p), ..Options::default() }
}

/// `yyyy-MM-ddTHH:mm:ss+07:00` at the application's time, `offset_secs` away.
fn stamp(app: &TestApp, offset_secs: i64) -> String {
    let at = app.now() + chrono::TimeDelta::seconds(offset_secs) + chrono::TimeDelta::hours(7);
    at.format("%Y-%m-%dT%H:%M:%S+07:00").to_string()
}

async fn send(app: &TestApp, path: &str, headers: &[(&str, String)], body: &[u8]) -> Reply {
    let mut req =
        awc::Client::new().post(format!("{}{path}", app.base)).insert_header(("content-type", "application/json"));
    for (name, value) in headers {
        req = req.insert_header((*name, value.as_str()));
    }
    let mut resp = req.send_body(body.to_vec()).await.expect("request sent");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.body().await.expect("body");
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    Reply { status, headers, body }
}

/// A token request signed by `key` for `client_id`.
async fn token_reply(app: &TestApp, key: &RsaPrivateKey, client_id: &str) -> Reply {
    let ts = stamp(app, 0);
    let signature = SigningKey::<Sha256>::new(key.clone()).sign(format!("{client_id}|{ts}").as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(signature.to_bytes());
    let headers = [("x-timestamp", ts), ("x-client-key", client_id.to_owned()), ("x-signature", sig)];
    send(app, "/v1.0/access-token/b2b", &headers, br#"{"grantType":"client_credentials"}"#).await
}

pub(crate) async fn token(app: &TestApp) -> String {
    let r = token_reply(app, &keys().0, CLIENT_ID).await;
    assert_eq!(r.body["responseCode"], "2007300", "[{}] {}", app.name(), r.body);
    assert_eq!(r.body["expiresIn"], "900");
    r.body["accessToken"].as_str().unwrap().to_owned()
}

/// How a call is signed; the defaults are what an honest bank does.
struct Signed<'a> {
    token: &'a str,
    external_id: String,
    secret: &'a str,
    timestamp_offset: i64,
    /// Signed over this body instead of the one sent.
    signed_body: Option<&'a [u8]>,
    /// A header left out.
    without: Option<&'a str>,
    partner: &'a str,
    /// The HMAC in hex (the second bank) rather than base64.
    hex: bool,
}

fn honest(token: &str) -> Signed<'_> {
    Signed {
        token,
        external_id: ext(),
        secret: SECRET,
        timestamp_offset: 0,
        signed_body: None,
        without: None,
        partner: PARTNER,
        hex: false,
    }
}

/// An honest call of the second bank.
fn honest_bri(token: &str) -> Signed<'_> {
    Signed { secret: OTHER_SECRET, partner: OTHER_PARTNER, hex: true, ..honest(token) }
}

fn ext() -> String {
    format!("{}", rand::random::<u64>() % 1_000_000_000_000)
}

async fn call(app: &TestApp, path: &str, s: &Signed<'_>, body: &[u8]) -> Reply {
    let ts = stamp(app, s.timestamp_offset);
    let digest = hex::encode(Sha256::digest(s.signed_body.unwrap_or(body)));
    let mut mac = Hmac::<Sha512>::new_from_slice(s.secret.as_bytes()).unwrap();
    mac.update(format!("POST:{path}:{}:{digest}:{ts}", s.token).as_bytes());
    let mac = mac.finalize().into_bytes();
    let sig = if s.hex { hex::encode(mac) } else { base64::engine::general_purpose::STANDARD.encode(mac) };
    let headers = [
        ("authorization", format!("Bearer {}", s.token)),
        ("x-timestamp", ts),
        ("x-signature", sig),
        ("x-partner-id", s.partner.to_owned()),
        ("x-external-id", s.external_id.clone()),
        ("channel-id", "95231".to_owned()),
    ];
    let headers: Vec<_> = headers.into_iter().filter(|(name, _)| Some(*name) != s.without).collect();
    let r = send(app, path, &headers, body).await;
    assert!(r.header("x-timestamp").is_some(), "a SNAP reply carries X-TIMESTAMP: {}", r.body);
    assert_ne!(r.header("content-type"), Some("application/problem+json"));
    r
}

fn va_body(va: &Value, extra: Value) -> Vec<u8> {
    let mut b = json!({
        "partnerServiceId": va["partner_service_id"],
        "customerNo": va["customer_no"],
        "virtualAccountNo": va["virtual_account_no"],
    });
    b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    serde_json::to_vec(&b).unwrap()
}

fn pay_body(va: &Value, request_id: &str, value: &str) -> Vec<u8> {
    va_body(
        va,
        json!({ "paymentRequestId": request_id, "paidAmount": { "value": value, "currency": "IDR" }, "flagAdvise": "N" }),
    )
}

fn rupiah(va: &Value) -> String {
    format!("{}.00", va["amount_idr"])
}

pub(crate) struct Market {
    pub(crate) w: World,
    pub(crate) vendor: String,
    pub(crate) curator: String,
    pub(crate) pp_b: String,
}

pub(crate) async fn market(app: &TestApp) -> Market {
    let w = World::build(app).await;
    let curator = w.token("curator").to_owned();
    let (_, vendor) = app.approved_vendor(&curator, "jual@toko.test", "UD Tenun Ikat", "9120002000101").await;
    app.create_user(&w.admin, &w.satker_b, "pp@smpn2.test", &["pejabat_pengadaan"]).await;
    let pp_b = app.login("pp@smpn2.test", pasar_tests::PASSWORD).await;
    Market { w, vendor, curator, pp_b }
}

/// An order of satker A for `qty` of a product at `price`, taken all the way to its invoice.
pub(crate) async fn invoiced(app: &TestApp, m: &Market, name: &str, price: i64, qty: i64) -> String {
    let body = json!({
        "name": name, "category_id": BATIK, "unit": "pcs", "unit_price_idr": price, "stock": 100,
        "local_content": { "certificate": "TKDN-77/2026", "tkdn_bp": 4500, "bmp_bp": 1000, "valid_until": "2030-01-01" },
    });
    let p = app.post("/api/v1/products", Some(&m.vendor), body).await.expect(201);
    let product = p["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/products/{product}/submit"), Some(&m.vendor), json!({})).await.expect(200);
    app.post(&format!("/api/v1/products/{product}/review"), Some(&m.curator), json!({ "decision": "approve" }))
        .await
        .expect(200);
    let (pp, ppk) = (m.w.token("pejabat_pengadaan"), m.w.token("ppk"));
    app.request("PUT", &format!("/api/v1/cart/lines/{product}"), Some(pp), Some(json!({ "quantity": qty })))
        .await
        .expect(200);
    let checkout = json!({
        "method": "e_purchasing", "rup_code": "45678912", "budget_line": "5.1.02.01.01.0024",
        "funding_source": "apbd", "delivery_address": "SDN Kranggan 1, Jl. Kranggan 5, Mojokerto",
        "delivery_date": "2027-01-15", "ppk_id": m.w.user_id("ppk"),
    });
    let key = uuid::Uuid::now_v7().to_string();
    let out = app
        .request_with("POST", "/api/v1/checkout", Some(pp), &[("idempotency-key", key.as_bytes())], Some(checkout))
        .await
        .expect(201);
    let id = out["orders"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/orders/{id}");
    app.post(&format!("{path}/approve"), Some(ppk), json!({})).await.expect(200);
    app.post(&format!("{path}/accept"), Some(&m.vendor), json!({})).await.expect(200);
    app.post(&format!("{path}/shipments"), Some(&m.vendor), json!({ "lines": [{ "line": 1, "quantity": qty }] }))
        .await
        .expect(200);
    let receipt = json!({ "lines": [{ "line": 1, "accepted_quantity": qty, "condition": "good" }] });
    app.post(&format!("{path}/receipt"), Some(ppk), receipt).await.expect(200);
    app.post(&format!("{path}/bast"), Some(ppk), json!({ "bast_number": format!("BAST-{name}") })).await.expect(200);
    let inv = app.post(&format!("{path}/bast/countersign"), Some(&m.vendor), json!({})).await.expect(200);
    assert_eq!(inv["state"], "invoiced");
    id
}

async fn order_state(app: &TestApp, m: &Market, id: &str) -> Value {
    app.get(&format!("/api/v1/orders/{id}"), Some(m.w.token("ppk"))).await.expect(200)["state"].clone()
}

fn audit_count(app: &TestApp, action: &str, entity: &str) -> i64 {
    use diesel::prelude::*;
    use pasar_db::schema::audit_log::dsl;
    dsl::audit_log
        .filter(dsl::action.eq(action))
        .filter(dsl::entity_id.eq(entity))
        .count()
        .get_result(&mut *app.db())
        .unwrap()
}

#[actix_web::test]
async fn the_bendahara_gets_a_va_and_the_bank_pays_it_once() {
    for backend in backends() {
        let app = TestApp::start(backend, options()).await;
        let m = market(&app).await;
        let id = invoiced(&app, &m, "Kain Tenun", 450_000, 3).await;
        let va_path = format!("/api/v1/orders/{id}/virtual-account");
        let invoice = app.get(&format!("/api/v1/orders/{id}/invoice"), Some(m.w.token("bendahara"))).await.expect(200);
        let bendahara = m.w.token("bendahara").to_owned();

        // Only the satker's bendahara asks; others who see the order 403, strangers 404.
        app.get(&va_path, Some(&bendahara)).await.expect_problem(404, "not_found");
        for who in ["pejabat_pengadaan", "ppk", "auditor"] {
            app.post(&va_path, Some(m.w.token(who)), json!({})).await.expect_problem(403, "forbidden");
        }
        app.post(&va_path, Some(&m.vendor), json!({})).await.expect_problem(403, "forbidden");
        for stranger in [m.pp_b.as_str(), m.w.token("vendor_owner_b"), m.curator.as_str()] {
            app.post(&va_path, Some(stranger), json!({})).await.expect_problem(404, "not_found");
        }
        assert_eq!(order_state(&app, &m, &id).await, "invoiced");
        let va = app.post(&va_path, Some(&bendahara), json!({})).await.expect(201);
        assert_eq!(va["amount_idr"], invoice["payable_idr"], "[{}] {va}", app.name());
        assert_eq!(va["state"], "active");
        let number = va["virtual_account_no"].as_str().unwrap();
        assert_eq!(number.len(), 24, "{number:?}");
        assert!(number.starts_with("    8808"), "{number:?}");
        assert!(number[8..].bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(order_state(&app, &m, &id).await, "awaiting_payment");
        app.post(&va_path, Some(&bendahara), json!({})).await.expect_problem(409, "invalid_state");
        for who in [m.w.token("pejabat_pengadaan"), m.w.token("auditor"), m.vendor.as_str(), bendahara.as_str()] {
            assert_eq!(app.get(&va_path, Some(who)).await.expect(200)["virtual_account_no"], va["virtual_account_no"]);
        }
        for stranger in [m.pp_b.as_str(), m.w.token("vendor_owner_b")] {
            app.get(&va_path, Some(stranger)).await.expect_problem(404, "not_found");
        }

        // The bank asks, then pays the exact amount.
        let token = token(&app).await;
        let q = va_body(&va, json!({ "inquiryRequestId": "INQ-1" }));
        let asked = call(&app, INQUIRY, &honest(&token), &q).await;
        assert_eq!(asked.status, 200, "{}", asked.body);
        assert_eq!(asked.body["responseCode"], "2002400");
        assert_eq!(asked.body["virtualAccountData"]["totalAmount"]["value"], rupiah(&va));
        assert_eq!(asked.body["virtualAccountData"]["virtualAccountTrxType"], "C");

        let paid = call(&app, PAYMENT, &honest(&token), &pay_body(&va, "PAY-1", &rupiah(&va))).await;
        assert_eq!(paid.status, 200, "{}", paid.body);
        assert_eq!(paid.body["responseCode"], "2002500");
        assert_eq!(paid.body["virtualAccountData"]["paymentFlagStatus"], "00");
        assert_eq!(order_state(&app, &m, &id).await, "completed");
        assert_eq!(app.get(&va_path, Some(&m.vendor)).await.expect(200)["state"], "paid");
        assert_eq!(audit_count(&app, "order.pay", &id), 1);
        assert_eq!(audit_count(&app, "order.complete", &id), 1);
        assert_eq!(app.mails_to("bendahara@sdn1.test").iter().filter(|m| m.subject.contains("lunas")).count(), 1);
        assert_eq!(app.mails_to("jual@toko.test").iter().filter(|m| m.subject.contains("lunas")).count(), 1);

        // The bank's retry gets the first answer; another payment is refused; nothing changes.
        let retry = call(&app, PAYMENT, &honest(&token), &pay_body(&va, "PAY-1", &rupiah(&va))).await;
        assert_eq!((retry.status, &retry.body), (200, &paid.body));
        let other = call(&app, PAYMENT, &honest(&token), &pay_body(&va, "PAY-2", &rupiah(&va))).await;
        assert_eq!((other.status, other.body["responseCode"].as_str()), (404, Some("4042514")), "{}", other.body);
        let again = call(&app, INQUIRY, &honest(&token), &va_body(&va, json!({ "inquiryRequestId": "INQ-2" }))).await;
        assert_eq!(again.body["responseCode"], "4042414");
        let status = call(&app, STATUS, &honest(&token), &va_body(&va, json!({ "paymentRequestId": "PAY-1" }))).await;
        assert_eq!(status.body["responseCode"], "2002600", "{}", status.body);
        assert_eq!(status.body["virtualAccountData"]["paymentFlagStatus"], "00");
        assert_eq!(audit_count(&app, "order.pay", &id), 1);
        app.post(&va_path, Some(&bendahara), json!({})).await.expect_problem(409, "invalid_state");
    }
}

#[actix_web::test]
async fn sixty_four_copies_of_one_payment_pay_once() {
    for backend in backends() {
        let app = TestApp::start(backend, options()).await;
        let m = market(&app).await;
        let id = invoiced(&app, &m, "Kain Tenun", 450_000, 2).await;
        let va = app
            .post(&format!("/api/v1/orders/{id}/virtual-account"), Some(m.w.token("bendahara")), json!({}))
            .await
            .expect(201);
        let token = token(&app).await;
        let body = pay_body(&va, "PAY-RACE", &rupiah(&va));
        // Some copies share an X-EXTERNAL-ID (the same request again), most do not.
        let ids: Vec<String> = (0..64).map(|i| format!("77{}", i % 48)).collect();
        let replies = futures_util::future::join_all(ids.iter().map(|e| {
            let s = Signed { external_id: e.clone(), ..honest(&token) };
            let body = body.clone();
            let app = &app;
            async move { call(app, PAYMENT, &s, &body).await }
        }))
        .await;
        for r in &replies {
            assert_eq!(r.status, 200, "[{}] {}", app.name(), r.body);
            assert_eq!(r.body, replies[0].body, "every copy gets the first answer");
        }
        assert_eq!(audit_count(&app, "order.pay", &id), 1, "[{}] paid once", app.name());
        assert_eq!(audit_count(&app, "order.complete", &id), 1);
        assert_eq!(app.mails_to("bendahara@sdn1.test").iter().filter(|m| m.subject.contains("lunas")).count(), 1);
        assert_eq!(order_state(&app, &m, &id).await, "completed");
    }
}

#[actix_web::test]
async fn forged_stale_replayed_and_wrong_calls_get_their_codes_and_change_nothing() {
    for backend in backends() {
        let app = TestApp::start(backend, options()).await;
        let m = market(&app).await;
        let bendahara = m.w.token("bendahara").to_owned();
        let a = invoiced(&app, &m, "Kain Tenun", 450_000, 3).await;
        let b = invoiced(&app, &m, "Selendang", 150_000, 1).await;
        let va_a =
            app.post(&format!("/api/v1/orders/{a}/virtual-account"), Some(&bendahara), json!({})).await.expect(201);
        let va_b =
            app.post(&format!("/api/v1/orders/{b}/virtual-account"), Some(&bendahara), json!({})).await.expect(201);
        assert_ne!(va_a["virtual_account_no"], va_b["virtual_account_no"]);

        // The token: only the bank's key, only its client id.
        assert_eq!(token_reply(&app, &keys().1, CLIENT_ID).await.body["responseCode"], "4017300");
        assert_eq!(token_reply(&app, &keys().0, "someone-else").await.body["responseCode"], "4017300");
        let token = token(&app).await;
        let good = pay_body(&va_a, "PAY-A", &rupiah(&va_a));
        let code = |r: &Reply| r.body["responseCode"].as_str().unwrap_or_default().to_owned();

        let cases: Vec<(&str, Signed, Vec<u8>, &str)> = vec![
            (
                "another secret",
                Signed { secret: "another-secret-of-32-characters!!", ..honest(&token) },
                good.clone(),
                "4012500",
            ),
            (
                "body changed after signing",
                Signed { signed_body: Some(&good), ..honest(&token) },
                pay_body(&va_a, "PAY-A", "1.00"),
                "4012500",
            ),
            ("stale timestamp", Signed { timestamp_offset: -301, ..honest(&token) }, good.clone(), "4012500"),
            ("a forged token", honest("1999999999.000000000000000000000000.AAAA"), good.clone(), "4012501"),
            ("another invoice's VA", honest(&token), pay_body(&va_b, "PAY-A", &rupiah(&va_a)), "4042513"),
            ("a wrong amount", honest(&token), pay_body(&va_a, "PAY-A", "1.00"), "4042513"),
            (
                "an unknown VA",
                honest(&token),
                pay_body(
                    &json!({ "partner_service_id": "    8808", "customer_no": "1", "virtual_account_no": "    88081" }),
                    "PAY-A",
                    "1.00",
                ),
                "4042512",
            ),
            ("malformed JSON", honest(&token), b"{\"partnerServiceId\":".to_vec(), "4002501"),
            (
                "fractional rupiah",
                honest(&token),
                pay_body(&va_a, "PAY-A", &format!("{}.50", va_a["amount_idr"])),
                "4002501",
            ),
            ("a negative amount", honest(&token), pay_body(&va_a, "PAY-A", "-1350000.00"), "4002501"),
            ("a huge amount", honest(&token), pay_body(&va_a, "PAY-A", "99999999999999999999.00"), "4002501"),
            ("no X-EXTERNAL-ID", Signed { without: Some("x-external-id"), ..honest(&token) }, good.clone(), "4002502"),
            ("no CHANNEL-ID", Signed { without: Some("channel-id"), ..honest(&token) }, good.clone(), "4002502"),
            ("no signature", Signed { without: Some("x-signature"), ..honest(&token) }, good.clone(), "4002502"),
            ("no amount", honest(&token), va_body(&va_a, json!({ "paymentRequestId": "PAY-A" })), "4002502"),
        ];
        for (what, signed, body, expected) in &cases {
            let r = call(&app, PAYMENT, signed, body).await;
            assert_eq!(code(&r), *expected, "[{}] {what}: {}", app.name(), r.body);
            assert_eq!(r.status.to_string(), expected[..3], "[{}] {what}", app.name());
            if code(&r).starts_with("400") {
                assert!(
                    r.body["responseMessage"].as_str().unwrap().contains("Field"),
                    "{what}: names the field: {}",
                    r.body
                );
            }
        }

        // An X-EXTERNAL-ID once a day: the same request replays, another is a conflict.
        let first = call(
            &app,
            INQUIRY,
            &Signed { external_id: "4242".into(), ..honest(&token) },
            &va_body(&va_a, json!({ "inquiryRequestId": "Q1" })),
        )
        .await;
        assert_eq!(code(&first), "2002400");
        let same = call(
            &app,
            INQUIRY,
            &Signed { external_id: "4242".into(), ..honest(&token) },
            &va_body(&va_a, json!({ "inquiryRequestId": "Q1" })),
        )
        .await;
        assert_eq!(same.body, first.body);
        let reused = call(&app, PAYMENT, &Signed { external_id: "4242".into(), ..honest(&token) }, &good).await;
        assert_eq!(code(&reused), "4092500", "{}", reused.body);

        // Nothing was paid.
        assert_eq!(order_state(&app, &m, &a).await, "awaiting_payment");
        assert_eq!(order_state(&app, &m, &b).await, "awaiting_payment");
        assert_eq!(audit_count(&app, "order.pay", &a) + audit_count(&app, "order.pay", &b), 0);

        // The token expires after 900 seconds.
        app.advance_secs(901);
        let late = call(&app, PAYMENT, &honest(&token), &good).await;
        assert_eq!(code(&late), "4012501");

        // An expired VA answers "expired"; the bendahara issues another, which pays.
        app.advance_days(10);
        let token = self::token(&app).await;
        let expired = call(&app, PAYMENT, &honest(&token), &good).await;
        assert_eq!(code(&expired), "4042519", "{}", expired.body);
        let path_a = format!("/api/v1/orders/{a}/virtual-account");
        assert_eq!(app.get(&path_a, Some(&bendahara)).await.expect(200)["state"], "expired");
        let fresh = app.post(&path_a, Some(&bendahara), json!({})).await.expect(201);
        assert_ne!(fresh["virtual_account_no"], va_a["virtual_account_no"]);
        assert_eq!(audit_count(&app, "order.reissue_virtual_account", &a), 1);
        let old = call(&app, PAYMENT, &honest(&token), &good).await;
        assert_eq!(code(&old), "4042519");
        let ok = call(&app, PAYMENT, &honest(&token), &pay_body(&fresh, "PAY-A2", &rupiah(&fresh))).await;
        assert_eq!(code(&ok), "2002500", "{}", ok.body);
        assert_eq!(order_state(&app, &m, &a).await, "completed");
        assert_eq!(order_state(&app, &m, &b).await, "awaiting_payment");
    }
}

/// Pays `va` through the first bank.
pub(crate) async fn pay(app: &TestApp, token: &str, va: &Value, request_id: &str) {
    let r = call(app, PAYMENT, &honest(token), &pay_body(va, request_id, &rupiah(va))).await;
    assert_eq!(r.body["responseCode"], "2002500", "[{}] {}", app.name(), r.body);
}

#[actix_web::test]
async fn each_bank_sees_only_its_own_vas() {
    for backend in backends() {
        let app = TestApp::start(backend, options()).await;
        let m = market(&app).await;
        let bendahara = m.w.token("bendahara").to_owned();
        let a = invoiced(&app, &m, "Kain Tenun", 450_000, 1).await;
        let b = invoiced(&app, &m, "Selendang", 150_000, 1).await;
        let path = |id: &str| format!("/api/v1/orders/{id}/virtual-account");
        let r = app.post(&path(&a), Some(&bendahara), json!({ "bank": "mandiri" })).await;
        assert_eq!(r.expect_problem(422, "validation_failed")["errors"][0]["field"], "bank");
        let va_a = app.post(&path(&a), Some(&bendahara), json!({})).await.expect(201);
        assert_eq!((va_a["bank"].as_str(), va_a["bank_name"].as_str()), (Some("jatim"), Some("Bank Jatim")));
        let va_b = app.post(&path(&b), Some(&bendahara), json!({ "bank": "bri" })).await.expect(201);
        assert_eq!(va_b["bank"], "bri");
        let number_b = va_b["virtual_account_no"].as_str().unwrap();
        assert!(number_b.starts_with("00012345"), "zero-padded prefix: {number_b:?}");

        // Each bank's token is its own: the first bank's key does not serve the second.
        assert_eq!(token_reply(&app, &keys().0, OTHER_CLIENT).await.body["responseCode"], "4017300");
        let r = token_reply(&app, &keys().1, OTHER_CLIENT).await;
        assert_eq!(r.body["responseCode"], "2007300", "{}", r.body);
        let bri = r.body["accessToken"].as_str().unwrap().to_owned();
        let jatim = token(&app).await;
        // A token of one bank under the other's partner id and secret is refused.
        let crossed = Signed { token: &jatim, ..honest_bri(&jatim) };
        let q = |va: &Value| va_body(va, json!({ "inquiryRequestId": "Q" }));
        assert_eq!(call(&app, INQUIRY, &crossed, &q(&va_b)).await.body["responseCode"], "4012401");
        // Another bank's VA is unknown.
        assert_eq!(call(&app, INQUIRY, &honest_bri(&bri), &q(&va_a)).await.body["responseCode"], "4042412");
        assert_eq!(call(&app, INQUIRY, &honest(&jatim), &q(&va_b)).await.body["responseCode"], "4042412");
        let wrong = call(&app, PAYMENT, &honest(&jatim), &pay_body(&va_b, "P-B", &rupiah(&va_b))).await;
        assert_eq!(wrong.body["responseCode"], "4042512");
        assert_eq!(order_state(&app, &m, &b).await, "awaiting_payment");
        // Each pays its own.
        let ok = call(&app, PAYMENT, &honest_bri(&bri), &pay_body(&va_b, "P-B", &rupiah(&va_b))).await;
        assert_eq!(ok.body["responseCode"], "2002500", "{}", ok.body);
        pay(&app, &jatim, &va_a, "P-A").await;
        assert_eq!(order_state(&app, &m, &a).await, "completed");
        assert_eq!(order_state(&app, &m, &b).await, "completed");
    }
}

async fn post_statement(app: &TestApp, token: Option<&str>, query: &str, csv: &str) -> Reply {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers: Vec<(&str, &[u8])> = vec![("content-type", b"text/csv")];
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_bytes()));
    }
    app.request_bytes("POST", &format!("/api/v1/reconciliations{query}"), &headers, csv.as_bytes().to_vec()).await
}

#[actix_web::test]
async fn a_bank_statement_reconciles_day_by_day_and_changes_nothing() {
    for backend in backends() {
        let app = TestApp::start(backend, options()).await;
        let m = market(&app).await;
        let bendahara = m.w.token("bendahara").to_owned();
        let mut vas = Vec::new();
        let mut ids = Vec::new();
        for (name, price) in [("Kain", 100_000), ("Selendang", 200_000), ("Sarung", 300_000), ("Taplak", 400_000)] {
            let id = invoiced(&app, &m, name, price, 1).await;
            let va = app
                .post(&format!("/api/v1/orders/{id}/virtual-account"), Some(&bendahara), json!({}))
                .await
                .expect(201);
            ids.push(id);
            vas.push(va);
        }
        let other = invoiced(&app, &m, "Tas", 50_000, 1).await;
        let va_bri = app
            .post(&format!("/api/v1/orders/{other}/virtual-account"), Some(&bendahara), json!({ "bank": "bri" }))
            .await
            .expect(201);
        let jatim = token(&app).await;
        // Paid in Pasar: 0, 2 and 3 at the first bank; 1 stays unpaid.
        for i in [0, 2, 3] {
            pay(&app, &jatim, &vas[i], &format!("PAY-{i}")).await;
        }
        let r = token_reply(&app, &keys().1, OTHER_CLIENT).await;
        let bri = r.body["accessToken"].as_str().unwrap().to_owned();
        let paid = call(&app, PAYMENT, &honest_bri(&bri), &pay_body(&va_bri, "P-BRI", &rupiah(&va_bri))).await;
        assert_eq!(paid.body["responseCode"], "2002500");

        // The bank's statement: 0 exact (the number as banks print it, without the
        // padding), 1 which Pasar has not recorded as paid, 2 with another amount, a number
        // nobody issued; 3 is missing.
        let plain = |va: &Value| va["virtual_account_no"].as_str().unwrap().trim().to_owned();
        let now = (app.now() + chrono::TimeDelta::hours(7)).format("%Y-%m-%d %H:%M:%S").to_string();
        let amount = |va: &Value, plus: i64| format!("{}.00", va["amount_idr"].as_i64().unwrap() + plus);
        let csv = format!(
            "va_number,amount,paid_at,bank_reference\n{},{},{now},REF0\n{},{},{now},REF1\n{},{},{now},REF2\n88089999999999999999,5000.00,{now},REF9\n",
            plain(&vas[0]), amount(&vas[0], 0), plain(&vas[1]), amount(&vas[1], 0), plain(&vas[2]), amount(&vas[2], 1000),
        );
        let states_before: Vec<Value> =
            futures_util::future::join_all(ids.iter().map(|id| order_state(&app, &m, id))).await;

        // Who may: administrators reconcile; auditors and buyers may not.
        for who in ["auditor", "pejabat_pengadaan", "bendahara"] {
            post_statement(&app, Some(m.w.token(who)), "?bank=jatim", &csv).await.expect_problem(403, "forbidden");
        }
        post_statement(&app, None, "?bank=jatim", &csv).await.expect_problem(401, "unauthenticated");
        let admin = m.w.admin.clone();
        let r = post_statement(&app, Some(&admin), "", &csv).await.expect_problem(400, "invalid_query");
        assert_eq!(r["errors"][0]["field"], "bank");
        let r =
            post_statement(&app, Some(&admin), "?bank=mandiri", &csv).await.expect_problem(422, "validation_failed");
        assert_eq!(r["errors"][0]["field"], "bank");
        let bad = "va_number,amount,paid_at\n8808,12.50,2026-12-02 10:00:00\n8808,abc,yesterday\n";
        let r = post_statement(&app, Some(&admin), "?bank=jatim", bad).await.expect_problem(422, "validation_failed");
        let fields: Vec<&str> = r["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["rows[1].amount", "rows[2].amount", "rows[2].paid_at"], "{r}");
        let r = post_statement(&app, Some(&admin), "?bank=jatim", "va_number,paid_at\n").await;
        assert_eq!(r.expect_problem(422, "validation_failed")["errors"][0]["field"], "header.amount");

        let report = post_statement(&app, Some(&admin), "?bank=jatim", &csv).await.expect(201);
        assert_eq!(report["bank"], "jatim");
        assert_eq!(report["statement_rows"], 4);
        let t = &report["totals"];
        assert_eq!(
            (&t["matched"], &t["unknown_in_pasar"], &t["amount_differs"], &t["missing_at_bank"]),
            (&json!(1), &json!(2), &json!(1), &json!(1)),
            "[{}] {report}",
            app.name()
        );
        assert_eq!(report["balanced"], false);
        let day = &report["days"][0];
        let outcome_of = |number: &str| {
            day["items"].as_array().unwrap().iter().find(|i| i["virtual_account_no"] == number).unwrap()["outcome"]
                .clone()
        };
        assert_eq!(outcome_of(&plain(&vas[0])), "matched");
        assert_eq!(outcome_of(&plain(&vas[1])), "unknown_in_pasar");
        assert_eq!(outcome_of(&plain(&vas[2])), "amount_differs");
        assert_eq!(outcome_of(&plain(&vas[3])), "missing_at_bank");
        assert_eq!(outcome_of("88089999999999999999"), "unknown_in_pasar");
        assert!(
            !day["items"].as_array().unwrap().iter().any(|i| i["virtual_account_no"] == plain(&va_bri)),
            "another bank's payments are not this statement's"
        );

        // Kept for administrators and auditors, audited; nothing else changed.
        let id = report["id"].as_str().unwrap();
        for who in [admin.as_str(), m.w.token("auditor")] {
            let list = app.get("/api/v1/reconciliations", Some(who)).await.expect(200);
            assert_eq!(list["items"][0]["id"], id);
            assert_eq!(list["items"][0]["missing_at_bank"], 1);
            let again = app.get(&format!("/api/v1/reconciliations/{id}"), Some(who)).await.expect(200);
            assert_eq!(again["days"], report["days"]);
        }
        for who in [m.w.token("pejabat_pengadaan"), m.vendor.as_str()] {
            app.get("/api/v1/reconciliations", Some(who)).await.expect_problem(403, "forbidden");
            app.get(&format!("/api/v1/reconciliations/{id}"), Some(who)).await.expect_problem(403, "forbidden");
        }
        assert_eq!(audit_count(&app, "payment.reconcile", id), 1);
        let states_after: Vec<Value> =
            futures_util::future::join_all(ids.iter().map(|id| order_state(&app, &m, id))).await;
        assert_eq!(states_before, states_after);
        assert_eq!(
            app.get(&format!("/api/v1/orders/{}/virtual-account", ids[1]), Some(&bendahara)).await.expect(200)["state"],
            "active"
        );
    }
}
