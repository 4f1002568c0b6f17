//! `pasar-load ocds`: releases per second of the open-contracting feed.
//!
//! The orders are made first, through the API as the demo users make them: `connections`
//! PPs of one work unit each check out one unit at a time, the PPK signs, the vendor
//! countersigns (every tenth order also gets an addendum the vendor accepts), delivers,
//! both sign the BAST, the bendahara asks for a VA and the bank pays it (signed SNAP
//! calls). Each paid order is four releases (contract, countersignature, payment,
//! completion), five with an addendum. Then `connections` readers walk the whole feed
//! (`GET /api/v1/ocds/releases?limit=100`, following `links.next`) over and over for
//! the window; the figure is releases received per second. Releases are counted in the
//! raw body (one `initiationType` each), so the client's share of the cores stays small.

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
const CLIENT_ID: &str = "bank-ocds-load";
const PARTNER_ID: &str = "OCDS0001";
const PAGE: usize = 100;

pub struct Options<'a> {
    pub bin: &'a PathBuf,
    pub orders: usize,
    pub connections: usize,
    pub seconds: u64,
    pub database_url: Option<&'a str>,
}

async fn send(conn: &mut Conn, method: &str, path: &str, token: &str, body: Value) -> anyhow::Result<Value> {
    let key = bank::request_id();
    let headers: &[(&str, &str)] = if path.ends_with("/checkout") { &[("Idempotency-Key", &key)] } else { &[] };
    let body = body.to_string();
    // A busy database answers 503 with nothing done: wait a moment and send it again.
    let mut r = conn.send_with(method, path, Some(token), headers, Some(&body)).await?;
    for _ in 0..100 {
        if r.status != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
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
    bank: Bank,
    bank_token: String,
}

/// One order of one unit (two with an addendum), from checkout to paid.
async fn paid_order(conn: &mut Conn, pp: &str, u: &Users, amend: bool) -> anyhow::Result<()> {
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
    let quantity = if amend {
        let addendum = json!({ "lines": [{ "line": 1, "quantity": 2 }], "reason": "Tambahan satu unit" });
        send(conn, "POST", &format!("{p}/addenda"), &u.ppk, addendum).await?;
        send(conn, "POST", &format!("{p}/addenda/2/accept"), &u.vendor, json!({})).await?;
        2
    } else {
        1
    };
    let lines = json!({ "lines": [{ "line": 1, "quantity": quantity }] });
    send(conn, "POST", &format!("{p}/shipments"), &u.vendor, lines).await?;
    let receipt = json!({ "lines": [{ "line": 1, "accepted_quantity": quantity, "condition": "good" }] });
    send(conn, "POST", &format!("{p}/receipt"), &u.ppk, receipt).await?;
    send(conn, "POST", &format!("{p}/bast"), &u.ppk, json!({ "bast_number": format!("BAST-{id}") })).await?;
    send(conn, "POST", &format!("{p}/bast/countersign"), &u.vendor, json!({})).await?;
    let va = send(conn, "POST", &format!("{p}/virtual-account"), &u.bendahara, json!({})).await?;
    let va = Va::parse(va["virtual_account_no"].as_str().context("VA number")?)?;
    let asked = u.bank.call(conn, bank::INQUIRY, &u.bank_token, &va.inquiry(), &Call::honest()).await?;
    let amount = asked.body["virtualAccountData"]["totalAmount"]["value"].as_str().context("amount")?.to_owned();
    let paid = u
        .bank
        .call(conn, bank::PAYMENT, &u.bank_token, &va.payment(&bank::request_id(), &amount), &Call::honest())
        .await?;
    ensure!(paid.ok(), "the payment was refused: {}", paid.body);
    Ok(())
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}

/// The path and query of `links.next` in a release package, if any.
fn next_link(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let at = text.rfind("\"links\":{\"next\":\"")? + "\"links\":{\"next\":\"".len();
    let url = &text[at..at + text[at..].find('"')?];
    url.find("/api/").map(|i| url[i..].to_owned())
}

pub fn run(o: Options<'_>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)?;
    let public = dir.path().join("bank-public.pem");
    std::fs::write(&public, key.to_public_key().to_public_key_pem(LineEnding::LF)?)?;
    let secret = format!("load-secret-{:032x}", uuid::Uuid::now_v7().as_u128());
    let secret_file = dir.path().join("client-secret");
    std::fs::write(&secret_file, &secret)?;
    std::env::set_var(
        "PASAR__PAYMENTS__BANKS",
        format!(
            "[{{code=\"jatim\", name=\"Bank Jatim\", partner_service_id=\"8808\", snap_client_id=\"{CLIENT_ID}\", \
             snap_client_secret_file=\"{}\", snap_bank_public_key=\"{}\", snap_partner_id=\"{PARTNER_ID}\"}}]",
            secret_file.display(),
            public.display()
        ),
    );
    // Releases at once: the run reads the feed right after writing it.
    std::env::set_var("PASAR__OCDS__SETTLE_SECS", "0");
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

    let started = Instant::now();
    rt.block_on(async {
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
        let body = json!({ "name": "Batik Keterbukaan Beban", "category_id": BATIK_CATEGORY, "unit": "pcs",
                           "unit_price_idr": 250_000, "stock": 2 * o.orders + 100,
                           "local_content": { "certificate": "TKDN-LOAD/2026", "tkdn_bp": 4567, "bmp_bp": 800,
                                              "valid_until": "2099-12-31" } });
        let product = send(&mut conn, "POST", "/api/v1/products", &vendor, body).await?["id"]
            .as_str()
            .context("product")?
            .to_owned();
        send(&mut conn, "POST", &format!("/api/v1/products/{product}/submit"), &vendor, json!({})).await?;
        send(
            &mut conn,
            "POST",
            &format!("/api/v1/products/{product}/review"),
            &curator,
            json!({ "decision": "approve" }),
        )
        .await?;
        let bank = Bank::new(key, CLIENT_ID, secret.as_bytes(), PARTNER_ID, "95231");
        let (answer, token) = bank.token(&mut conn).await?;
        let bank_token = token.with_context(|| format!("no bank token: {}", answer.body))?;
        let users = Arc::new(Users { vendor, ppk, ppk_id, bendahara, product, bank, bank_token });
        let run = std::process::id();
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..o.connections.max(1) {
            let email = format!("pp-ocds-{run}-{i}@mojokerto.test");
            let body = json!({ "organization_id": satker, "email": email, "name": format!("PP OCDS {i}"),
                               "roles": ["pejabat_pengadaan"], "password": "load-buyer-password" });
            send(&mut conn, "POST", "/api/v1/users", &admin, body).await?;
            let token = http::login(&addr, &email, "load-buyer-password").await?;
            let (addr, users, next, total) = (addr.clone(), users.clone(), next.clone(), o.orders);
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::open(&addr).await?;
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        break;
                    }
                    paid_order(&mut conn, &token, &users, n % 10 == 9).await?;
                }
                Ok::<_, anyhow::Error>(())
            }));
        }
        for t in tasks {
            t.await??;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    println!(
        "{} paid orders ({engine}, every tenth amended) made through the API in {:.1} s",
        o.orders,
        started.elapsed().as_secs_f64()
    );

    // One walk first: how many releases the feed holds, and that it ends.
    let first = format!("/api/v1/ocds/releases?limit={PAGE}");
    let (total, pages) = rt.block_on(async {
        let mut conn = Conn::open(&addr).await?;
        let (mut total, mut pages, mut path) = (0usize, 0usize, Some(first.clone()));
        while let Some(p) = path {
            let r = conn.send_with("GET", &p, None, &[], None).await?;
            ensure!(r.status == 200, "GET {p}: {} {}", r.status, String::from_utf8_lossy(&r.body));
            total += count(&r.body, b"\"initiationType\"");
            pages += 1;
            path = next_link(&r.body);
        }
        Ok::<_, anyhow::Error>((total, pages))
    })?;
    let expected = o.orders * 4 + o.orders / 10;
    println!("the feed holds {total} releases in {pages} pages of {PAGE} (expected {expected})");
    ensure!(total == expected, "the feed holds {total} releases, not {expected}");

    // The readers: each walks the whole feed again and again.
    let window = Duration::from_secs(o.seconds);
    let started = Instant::now();
    let deadline = started + window;
    let results = rt.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..o.connections.max(1) {
            let (addr, first) = (addr.clone(), first.clone());
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::open(&addr).await?;
                let (mut releases, mut latencies, mut errors) = (0usize, Vec::new(), 0usize);
                let mut path = first.clone();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let r = conn.send_with("GET", &path, None, &[], None).await?;
                    if r.status != 200 {
                        errors += 1;
                        path = first.clone();
                        continue;
                    }
                    latencies.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                    releases += count(&r.body, b"\"initiationType\"");
                    path = next_link(&r.body).unwrap_or_else(|| first.clone());
                }
                Ok::<_, anyhow::Error>((releases, latencies, errors))
            }));
        }
        let (mut releases, mut latencies, mut errors) = (0, Vec::new(), 0);
        for t in tasks {
            let (r, l, e) = t.await??;
            releases += r;
            latencies.extend(l);
            errors += e;
        }
        Ok::<_, anyhow::Error>((releases, latencies, errors))
    })?;
    let elapsed = started.elapsed();
    let (releases, latencies, errors) = results;
    let pages = Report::new(latencies, errors, elapsed);
    let rate = releases as f64 / elapsed.as_secs_f64();
    println!(
        "GET {first} ({engine}), {} connections, {} s: {rate:.0} releases/s ({releases} releases; target 5,000: {})\n  \
         pages: {pages}",
        o.connections,
        o.seconds,
        if rate >= 5000.0 { "met" } else { "NOT met" }
    );
    drop(server);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_and_the_releases_are_read_from_the_raw_body() {
        let body = br#"{"releases":[{"initiationType":"tender"},{"initiationType":"tender"}],"links":{"next":"http://127.0.0.1:0/api/v1/ocds/releases?limit=100&cursor=abc"}}"#;
        assert_eq!(count(body, b"\"initiationType\""), 2);
        assert_eq!(next_link(body).as_deref(), Some("/api/v1/ocds/releases?limit=100&cursor=abc"));
        assert_eq!(next_link(br#"{"releases":[],"links":{}}"#), None);
    }
}
