//! `pasar-load reports`: the P3DN report over many signed order lines. Seeds the demo,
//! adds generated orders over every demo work unit (`seed-demo --bulk-orders
//! --lines-per-order --every-satker`), then times the report as an auditor would ask
//! for it: the whole pemda over the past year, without and with each breakdown.

use crate::http;
use crate::orders::{products, DEMO_PASSWORD};
use crate::{pasar, start, ADMIN_EMAIL, ADMIN_PASSWORD};
use anyhow::{ensure, Context};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Options<'a> {
    pub bin: &'a PathBuf,
    /// Order lines counted by the report (half of the generated orders are signed).
    pub lines: usize,
    pub lines_per_order: usize,
    pub seconds: u64,
    pub database_url: Option<&'a str>,
}

pub fn run(o: Options<'_>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let with_db = |mut cmd: Command| {
        if let Some(url) = o.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd
    };
    let engine = if o.database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    let out = with_db(pasar(o.bin, dir.path())).arg("seed-demo").output()?;
    ensure!(out.status.success(), "seed-demo failed: {}", String::from_utf8_lossy(&out.stderr));
    // Products to buy: the demo's batik vendor publishes three.
    {
        let (server, _) = start(o.bin, dir.path(), o.database_url)?;
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        rt.block_on(async {
            let vendor = http::login(&server.addr, "batik@vendor.test", DEMO_PASSWORD).await?;
            let curator = http::login(&server.addr, "kurator@mojokerto.test", DEMO_PASSWORD).await?;
            products(&server.addr, &vendor, &curator).await
        })?;
    }
    // Completed and invoiced orders are signed: half of what is generated.
    let orders = (2 * o.lines).div_ceil(o.lines_per_order.max(1));
    let seeded = Instant::now();
    let out = with_db(pasar(o.bin, dir.path()))
        .args(["seed-demo", "--force", "--every-satker", "--bulk-orders", &orders.to_string()])
        .args(["--lines-per-order", &o.lines_per_order.to_string()])
        .output()?;
    ensure!(out.status.success(), "seed-demo --bulk-orders failed: {}", String::from_utf8_lossy(&out.stderr));
    println!(
        "added {orders} orders of {} lines over every demo satker ({engine}) in {:.1} s",
        o.lines_per_order,
        seeded.elapsed().as_secs_f64()
    );
    let (server, _) = start(o.bin, dir.path(), o.database_url)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let token = rt.block_on(http::login(&server.addr, ADMIN_EMAIL, ADMIN_PASSWORD))?;
    let today = chrono::Utc::now().date_naive();
    let range = format!("from={}&to={today}", today - chrono::TimeDelta::days(366));
    let first =
        rt.block_on(http::request(&server.addr, "GET", &format!("/api/v1/reports/p3dn?{range}"), Some(&token), None))?;
    ensure!(first.status == 200, "report: {} {}", first.status, String::from_utf8_lossy(&first.body));
    let report: serde_json::Value = serde_json::from_slice(&first.body)?;
    let counted = rt.block_on(async {
        let r = http::request(
            &server.addr,
            "GET",
            &format!("/api/v1/reports/p3dn/lines?{range}&limit=1"),
            Some(&token),
            None,
        )
        .await?;
        let v: serde_json::Value = serde_json::from_slice(&r.body)?;
        v["count"].as_i64().context("count")
    })?;
    println!(
        "the report counts {counted} committed lines, Rp{} committed, Rp{} realised",
        report["committed"]["total_idr"], report["realised"]["total_idr"]
    );
    let window = Duration::from_secs(o.seconds);
    for by in ["", "opd", "satker", "category", "vendor", "budget_line", "funding_source"] {
        let path = if by.is_empty() {
            format!("/api/v1/reports/p3dn?{range}")
        } else {
            format!("/api/v1/reports/p3dn?{range}&group_by={by}")
        };
        let r = rt.block_on(http::drive(&server.addr, &path, Some(&token), 1, window))?;
        let by = if by.is_empty() { "no breakdown" } else { by };
        println!("GET /api/v1/reports/p3dn, past year, {by} ({engine}, {counted} lines), 1 connection: {r}");
    }
    Ok(())
}
