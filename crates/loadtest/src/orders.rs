//! `pasar-load orders`: checkouts per second with many buyers at once, whether any
//! unit was sold twice, and a satker's order list with many orders in the database.

use crate::http::{self, Conn, Report};
use crate::{pasar, start, ADMIN_EMAIL, ADMIN_PASSWORD, BATIK_CATEGORY};
use anyhow::{ensure, Context};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The demo's first work unit and its PPK (see `pasar seed-demo`).
const PP_EMAIL: &str = "pp.sdn-kranggan1@mojokerto.test";
const PPK_EMAIL: &str = "ppk.sdn-kranggan1@mojokerto.test";
pub(crate) const DEMO_PASSWORD: &str = "pasar-demo-2026";
const STOCK: i64 = 1_000_000_000;

pub struct Options<'a> {
    pub bin: &'a PathBuf,
    pub buyers: usize,
    pub seconds: u64,
    pub orders: usize,
    pub list_connections: usize,
    pub database_url: Option<&'a str>,
}

async fn call(addr: &str, method: &str, path: &str, token: &str, body: Value) -> anyhow::Result<Value> {
    let r = http::request(addr, method, path, Some(token), Some(&body.to_string())).await?;
    ensure!((200..300).contains(&r.status), "{method} {path}: {} {}", r.status, String::from_utf8_lossy(&r.body));
    Ok(serde_json::from_slice(&r.body).unwrap_or(Value::Null))
}

async fn get(addr: &str, path: &str, token: &str) -> anyhow::Result<Value> {
    let r = http::request(addr, "GET", path, Some(token), None).await?;
    ensure!(r.status == 200, "GET {path}: {} {}", r.status, String::from_utf8_lossy(&r.body));
    Ok(serde_json::from_slice(&r.body)?)
}

/// Three published products with plenty of stock; their ids.
pub(crate) async fn products(addr: &str, vendor: &str, curator: &str) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for (n, price) in [(1, 125_000), (2, 48_500), (3, 310_000)] {
        let body = json!({
            "name": format!("Batik Pesanan Beban {n}"), "category_id": BATIK_CATEGORY, "unit": "pcs",
            "unit_price_idr": price, "stock": STOCK,
        });
        let p = call(addr, "POST", "/api/v1/products", vendor, body).await?;
        let id = p["id"].as_str().context("product id")?.to_owned();
        call(addr, "POST", &format!("/api/v1/products/{id}/submit"), vendor, json!({})).await?;
        call(addr, "POST", &format!("/api/v1/products/{id}/review"), curator, json!({ "decision": "approve" })).await?;
        ids.push(id);
    }
    Ok(ids)
}

pub fn run(o: Options<'_>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let with_db = |mut cmd: Command| {
        if let Some(url) = o.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd
    };
    let out = with_db(pasar(o.bin, dir.path())).arg("seed-demo").output()?;
    ensure!(out.status.success(), "seed-demo failed: {}", String::from_utf8_lossy(&out.stderr));
    let engine = if o.database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (server, _) = start(o.bin, dir.path(), o.database_url)?;
    let addr = server.addr.clone();

    // The buyers: PPs of one satker, each with a cart of three lines from one vendor.
    let (product_ids, buyers, ppk_id) = rt.block_on(async {
        let admin = http::login(&addr, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
        let vendor = http::login(&addr, "batik@vendor.test", DEMO_PASSWORD).await?;
        let curator = http::login(&addr, "kurator@mojokerto.test", DEMO_PASSWORD).await?;
        let ids = products(&addr, &vendor, &curator).await?;
        let pp = http::login(&addr, PP_EMAIL, DEMO_PASSWORD).await?;
        let satker = get(&addr, "/api/v1/me", &pp).await?["organization"]["id"].as_str().context("satker")?.to_owned();
        let ppk = http::login(&addr, PPK_EMAIL, DEMO_PASSWORD).await?;
        let ppk_id = get(&addr, "/api/v1/me", &ppk).await?["id"].as_str().context("ppk id")?.to_owned();
        let run = std::process::id();
        let mut buyers = Vec::new();
        for i in 0..o.buyers {
            let email = format!("pp-beban-{run}-{i}@mojokerto.test");
            let body = json!({ "organization_id": satker, "email": email, "name": format!("PP Beban {i}"),
                               "roles": ["pejabat_pengadaan"], "password": "load-buyer-password" });
            call(&addr, "POST", "/api/v1/users", &admin, body).await?;
            buyers.push(http::login(&addr, &email, "load-buyer-password").await?);
        }
        Ok::<_, anyhow::Error>((ids, buyers, ppk_id))
    })?;

    // Each buyer fills its cart and checks out, back to back, for the window.
    let checkout = json!({
        "method": "e_purchasing", "rup_code": "45678912", "budget_line": "5.1.02.01.01.0024",
        "funding_source": "apbd", "delivery_address": "SDN Kranggan 1, Mojokerto",
        "delivery_date": "2099-01-15", "ppk_id": ppk_id,
    })
    .to_string();
    let units = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(o.seconds);
    let results = rt.block_on(async {
        let mut tasks = Vec::new();
        for (b, token) in buyers.iter().enumerate() {
            let (addr, token, ids, body) = (addr.clone(), token.clone(), product_ids.clone(), checkout.clone());
            let (units, refused) = (units.clone(), refused.clone());
            tasks.push(tokio::spawn(async move {
                let mut conn = Conn::open(&addr).await?;
                let (mut latencies, mut errors, mut n) = (Vec::new(), 0usize, 0u64);
                while Instant::now() < deadline {
                    for id in &ids {
                        let line = json!({ "quantity": 1 + n % 3 }).to_string();
                        let r = conn
                            .send_with("PUT", &format!("/api/v1/cart/lines/{id}"), Some(&token), &[], Some(&line))
                            .await?;
                        ensure!(r.status == 200, "cart: {} {}", r.status, String::from_utf8_lossy(&r.body));
                    }
                    let key = format!("load-{b}-{n}");
                    let t = Instant::now();
                    let r = conn
                        .send_with("POST", "/api/v1/checkout", Some(&token), &[("Idempotency-Key", &key)], Some(&body))
                        .await?;
                    match r.status {
                        201 => {
                            latencies.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                            units.fetch_add(3 * (1 + n % 3), Ordering::Relaxed);
                        }
                        409 => {
                            refused.fetch_add(1, Ordering::Relaxed);
                            errors += 1;
                        }
                        _ => errors += 1,
                    }
                    n += 1;
                }
                Ok::<_, anyhow::Error>((latencies, errors))
            }));
        }
        let (mut all, mut errors) = (Vec::new(), 0);
        for t in tasks {
            let (l, e) = t.await??;
            all.extend(l);
            errors += e;
        }
        Ok::<_, anyhow::Error>((all, errors))
    })?;
    let report = Report::new(results.0, results.1, started.elapsed());
    println!(
        "POST /api/v1/checkout ({engine}), 3 lines from one vendor, {} buyers, {} s: {report}\n  \
         = {:.0} orders/s; {} refused for stock",
        o.buyers,
        o.seconds,
        report.requests as f64 / report.elapsed.as_secs_f64(),
        refused.load(Ordering::Relaxed)
    );

    // Every unit the buyers were told they bought left the stock, and no more.
    let sold_by_server: i64 = rt.block_on(async {
        let vendor = http::login(&addr, "batik@vendor.test", DEMO_PASSWORD).await?;
        let mut sold = 0;
        for id in &product_ids {
            sold += STOCK
                - get(&addr, &format!("/api/v1/products/{id}"), &vendor).await?["stock"].as_i64().context("stock")?;
        }
        Ok::<_, anyhow::Error>(sold)
    })?;
    let told = units.load(Ordering::Relaxed) as i64;
    println!(
        "units confirmed to buyers {told}, units gone from stock {sold_by_server}: {} oversold",
        sold_by_server - told
    );
    ensure!(sold_by_server == told, "stock and orders disagree");
    drop(server);

    if o.orders > 0 {
        let seeded = Instant::now();
        let out = with_db(pasar(o.bin, dir.path()))
            .args(["seed-demo", "--force", "--bulk-orders", &o.orders.to_string()])
            .output()?;
        ensure!(out.status.success(), "seed-demo --bulk-orders failed: {}", String::from_utf8_lossy(&out.stderr));
        println!("added {} orders of SDN Kranggan 1 in {:.1} s", o.orders, seeded.elapsed().as_secs_f64());
        let (server, _) = start(o.bin, dir.path(), o.database_url)?;
        let pp = rt.block_on(http::login(&server.addr, PP_EMAIL, DEMO_PASSWORD))?;
        let path = "/api/v1/orders?limit=20";
        let window = Duration::from_secs(o.seconds.min(10));
        let one = rt.block_on(http::drive(&server.addr, path, Some(&pp), 1, window))?;
        println!("GET {path} as the satker's PP ({engine}, {} orders), 1 connection: {one}", o.orders);
        let many = rt.block_on(http::drive(&server.addr, path, Some(&pp), o.list_connections, window))?;
        println!("GET {path} ({engine}), {} connections: {many}", o.list_connections);
        let filtered = "/api/v1/orders?limit=20&state=cancelled";
        let f = rt.block_on(http::drive(&server.addr, filtered, Some(&pp), 1, window))?;
        println!("GET {filtered} ({engine}), 1 connection: {f}");
    }
    Ok(())
}
