//! `pasar-load payments`: signed inquiry + payment pairs per second, as a bank sends
//! them, against a fresh server configured with a key pair and secret made for the run.
//!
//! The invoices are made first, through the API as the demo users make them (checkout,
//! approval, acceptance, delivery, BAST, countersignature, the bendahara's VA). Then
//! `connections` banks' connections each take an unpaid VA, ask about it and pay it,
//! back to back. The pair rate includes the simulator's signing (HMAC-SHA512 of each
//! call); the latency of one payment call is only the time from sending it to its
//! answer, so Pasar's figure does not carry the bank's work.

use crate::bank::{self, Bank, Call, Va};
use crate::http::{self, Conn, Report};
use crate::{pasar, start, ADMIN_EMAIL, ADMIN_PASSWORD, BATIK_CATEGORY};
use anyhow::{ensure, Context};
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const DEMO_PASSWORD: &str = "pasar-demo-2026";
const PPK_EMAIL: &str = "ppk.sdn-kranggan1@mojokerto.test";
const BENDAHARA_EMAIL: &str = "bendahara.sdn-kranggan1@mojokerto.test";
const PP_EMAIL: &str = "pp.sdn-kranggan1@mojokerto.test";
const CLIENT_ID: &str = "bank-load";
const PARTNER_ID: &str = "LOAD0001";

pub struct Options<'a> {
    pub bin: &'a PathBuf,
    pub connections: usize,
    pub seconds: u64,
    pub invoices: usize,
    pub database_url: Option<&'a str>,
}

async fn send(conn: &mut Conn, method: &str, path: &str, token: &str, body: Value) -> anyhow::Result<Value> {
    let key = bank::request_id();
    let headers: &[(&str, &str)] = if path.ends_with("/checkout") { &[("Idempotency-Key", &key)] } else { &[] };
    let body = body.to_string();
    // A busy database answers 503 with nothing done: wait a moment and send it again
    // (a checkout with the same Idempotency-Key), as a client should.
    let mut r = conn.send_with(method, path, Some(token), headers, Some(&body)).await?;
    for _ in 0..100 {
        if r.status != 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        r = conn.send_with(method, path, Some(token), headers, Some(&body)).await?;
    }
    ensure!((200..300).contains(&r.status), "{method} {path}: {} {}", r.status, String::from_utf8_lossy(&r.body));
    Ok(serde_json::from_slice(&r.body).unwrap_or(Value::Null))
}

struct Users {
    vendor: String,
    ppk: String,
    ppk_id: String,
    bendahara: String,
    product: String,
}

/// One order of one unit, from checkout to its VA; the VA as the bank names it.
async fn invoice(conn: &mut Conn, pp: &str, u: &Users) -> anyhow::Result<Va> {
    send(conn, "PUT", &format!("/api/v1/cart/lines/{}", u.product), pp, json!({ "quantity": 1 })).await?;
    let checkout = json!({
        "method": "e_purchasing", "rup_code": "45678912", "budget_line": "5.1.02.01.01.0024",
        "funding_source": "apbd", "delivery_address": "SDN Kranggan 1, Mojokerto",
        "delivery_date": "2099-01-15", "ppk_id": u.ppk_id,
    });
    let out = send(conn, "POST", "/api/v1/checkout", pp, checkout).await?;
    let id = out["orders"][0]["id"].as_str().context("order id")?.to_owned();
    let p = format!("/api/v1/orders/{id}");
    send(conn, "POST", &format!("{p}/approve"), &u.ppk, json!({})).await?;
    send(conn, "POST", &format!("{p}/accept"), &u.vendor, json!({})).await?;
    send(conn, "POST", &format!("{p}/shipments"), &u.vendor, json!({ "lines": [{ "line": 1, "quantity": 1 }] }))
        .await?;
    let receipt = json!({ "lines": [{ "line": 1, "accepted_quantity": 1, "condition": "good" }] });
    send(conn, "POST", &format!("{p}/receipt"), &u.ppk, receipt).await?;
    send(conn, "POST", &format!("{p}/bast"), &u.ppk, json!({ "bast_number": format!("BAST-{id}") })).await?;
    send(conn, "POST", &format!("{p}/bast/countersign"), &u.vendor, json!({})).await?;
    let va = send(conn, "POST", &format!("{p}/virtual-account"), &u.bendahara, json!({})).await?;
    Va::parse(va["virtual_account_no"].as_str().context("VA number")?)
}

pub fn run(o: Options<'_>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    // The bank's key pair and the shared secret, made for this run only.
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)?;
    let public = dir.path().join("bank-public.pem");
    std::fs::write(&public, key.to_public_key().to_public_key_pem(LineEnding::LF)?)?;
    let secret = format!("load-secret-{:032x}", uuid::Uuid::now_v7().as_u128());
    let secret_file = dir.path().join("client-secret");
    std::fs::write(&secret_file, &secret)?;
    // One bank, given in the environment as figment reads a list of tables.
    let bank = format!(
        "[{{code=\"jatim\", name=\"Bank Jatim\", partner_service_id=\"8808\", snap_client_id=\"{CLIENT_ID}\", \
         snap_client_secret_file=\"{}\", snap_bank_public_key=\"{}\", snap_partner_id=\"{PARTNER_ID}\"}}]",
        secret_file.display(),
        public.display()
    );
    std::env::set_var("PASAR__PAYMENTS__BANKS", bank);
    let mut seed = pasar(o.bin, dir.path());
    if let Some(url) = o.database_url {
        seed.env("DATABASE_URL", url);
    }
    let out = seed.arg("seed-demo").output()?;
    ensure!(out.status.success(), "seed-demo failed: {}", String::from_utf8_lossy(&out.stderr));
    let engine = if o.database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    let (server, _) = start(o.bin, dir.path(), o.database_url)?;
    let addr = server.addr.clone();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;

    // The invoices, by `connections` PPs of one work unit at once.
    let started = Instant::now();
    let vas = rt.block_on(async {
        let admin = http::login(&addr, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
        let vendor = http::login(&addr, "batik@vendor.test", DEMO_PASSWORD).await?;
        let curator = http::login(&addr, "kurator@mojokerto.test", DEMO_PASSWORD).await?;
        let ppk = http::login(&addr, PPK_EMAIL, DEMO_PASSWORD).await?;
        let bendahara = http::login(&addr, BENDAHARA_EMAIL, DEMO_PASSWORD).await?;
        let pp = http::login(&addr, PP_EMAIL, DEMO_PASSWORD).await?;
        let mut conn = Conn::open(&addr).await?;
        let me = |t: String| {
            let addr = addr.clone();
            async move {
                let r = http::request(&addr, "GET", "/api/v1/me", Some(&t), None).await?;
                Ok::<Value, anyhow::Error>(serde_json::from_slice(&r.body)?)
            }
        };
        let ppk_id = me(ppk.clone()).await?["id"].as_str().context("PPK id")?.to_owned();
        let satker = me(pp.clone()).await?["organization"]["id"].as_str().context("satker")?.to_owned();
        let body = json!({ "name": "Batik Tagihan Beban", "category_id": BATIK_CATEGORY, "unit": "pcs",
                           "unit_price_idr": 250_000, "stock": o.invoices + 100 });
        let product = send(&mut conn, "POST", "/api/v1/products", &vendor, body).await?["id"]
            .as_str()
            .context("product id")?
            .to_owned();
        send(&mut conn, "POST", &format!("/api/v1/products/{product}/submit"), &vendor, json!({})).await?;
        let review = json!({ "decision": "approve" });
        send(&mut conn, "POST", &format!("/api/v1/products/{product}/review"), &curator, review).await?;
        let users = Arc::new(Users { vendor, ppk, ppk_id, bendahara, product });
        let run = std::process::id();
        let left = Arc::new(AtomicUsize::new(o.invoices));
        let mut tasks = Vec::new();
        for i in 0..o.connections.max(1) {
            let email = format!("pp-tagihan-{run}-{i}@mojokerto.test");
            let body = json!({ "organization_id": satker, "email": email, "name": format!("PP Tagihan {i}"),
                               "roles": ["pejabat_pengadaan"], "password": "load-buyer-password" });
            send(&mut conn, "POST", "/api/v1/users", &admin, body).await?;
            let token = http::login(&addr, &email, "load-buyer-password").await?;
            let (addr, users, left) = (addr.clone(), users.clone(), left.clone());
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::open(&addr).await?;
                let mut vas = Vec::new();
                while left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok() {
                    vas.push(invoice(&mut conn, &token, &users).await?);
                }
                Ok::<_, anyhow::Error>(vas)
            }));
        }
        let mut vas = Vec::new();
        for t in tasks {
            vas.extend(t.await??);
        }
        Ok::<_, anyhow::Error>(vas)
    })?;
    println!(
        "{} invoices awaiting payment ({engine}) made through the API in {:.1} s",
        vas.len(),
        started.elapsed().as_secs_f64()
    );

    // The bank: one token, `connections` connections, an unpaid VA each pair.
    let bank = Bank::new(key, CLIENT_ID, secret.as_bytes(), PARTNER_ID, "95231");
    let vas = Arc::new(vas);
    let next = Arc::new(AtomicUsize::new(0));
    let (pairs, inquiries, payments, errors, elapsed) = rt.block_on(async {
        let mut conn = Conn::open(&addr).await?;
        let (answer, token) = bank.token(&mut conn).await?;
        let token = token.with_context(|| format!("no token: {}", answer.body))?;
        let started = Instant::now();
        let deadline = started + Duration::from_secs(o.seconds);
        let mut tasks = Vec::new();
        for _ in 0..o.connections.max(1) {
            let (addr, bank, vas, next, token) = (addr.clone(), bank.clone(), vas.clone(), next.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::open(&addr).await?;
                let (mut pairs, mut inquiries, mut payments, mut errors) = (0usize, Vec::new(), Vec::new(), 0usize);
                while Instant::now() < deadline {
                    let Some(va) = vas.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                    let body = va.inquiry().to_string();
                    let headers = bank.headers(bank::INQUIRY, &token, &body, &Call::honest());
                    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let t = Instant::now();
                    let r = conn.send_with("POST", bank::INQUIRY, Some(&token), &headers, Some(&body)).await?;
                    inquiries.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                    let answer: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                    let data = &answer["virtualAccountData"];
                    let Some(amount) = data["totalAmount"]["value"].as_str().filter(|_| r.status == 200) else {
                        errors += 1;
                        continue;
                    };
                    let body = va.payment(&bank::request_id(), amount).to_string();
                    let headers = bank.headers(bank::PAYMENT, &token, &body, &Call::honest());
                    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let t = Instant::now();
                    let r = conn.send_with("POST", bank::PAYMENT, Some(&token), &headers, Some(&body)).await?;
                    payments.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                    let answer: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                    if answer["responseCode"] == "2002500" {
                        pairs += 1;
                    } else {
                        errors += 1;
                    }
                }
                Ok::<_, anyhow::Error>((pairs, inquiries, payments, errors))
            }));
        }
        let (mut pairs, mut inquiries, mut payments, mut errors) = (0, Vec::new(), Vec::new(), 0);
        for t in tasks {
            let (p, i, y, e) = t.await??;
            pairs += p;
            inquiries.extend(i);
            payments.extend(y);
            errors += e;
        }
        Ok::<_, anyhow::Error>((pairs, inquiries, payments, errors, started.elapsed()))
    })?;
    let c = o.connections;
    println!(
        "signed inquiry + payment pairs, {c} connections ({engine}): {:.0} pairs/s ({pairs} paid, {errors} refused, {:.1} s{})",
        pairs as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        if next.load(Ordering::Relaxed) >= vas.len() { ", ran out of invoices: raise --invoices" } else { "" }
    );
    println!("  (the rate includes the simulator's HMAC-SHA512 signing of both calls; the latencies below do not)");
    println!("  inquiry: {}", Report::new(inquiries, 0, elapsed));
    println!("  payment: {}", Report::new(payments, 0, elapsed));
    drop(server);
    Ok(())
}
