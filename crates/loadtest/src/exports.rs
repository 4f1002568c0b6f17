//! `pasar-load exports`: the order-line export at volume. The demo marketplace gets
//! `lines` generated one-line orders of one satker, written straight into the database
//! (`pasar seed-demo --bulk-orders`); then a fresh server is asked, through its HTTP
//! endpoint and as that satker's PP, for the XLSX and the CSV of every line. Each is
//! timed from the request to the last byte, the file is checked, and the server's peak
//! resident memory (`VmHWM` in `/proc/<pid>/status`) is read after each.

use crate::http;
use crate::{pasar, start, BATIK_CATEGORY};
use anyhow::{ensure, Context};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const PP_EMAIL: &str = "pp.sdn-kranggan1@mojokerto.test";
const DEMO_PASSWORD: &str = "pasar-demo-2026";

/// The goal of issue 12: 100,000 lines as XLSX in at most 5 s, under 200 MB resident.
const GOAL_SECS: f64 = 5.0;
const GOAL_MIB: f64 = 200.0;

pub struct Options<'a> {
    pub bin: &'a PathBuf,
    pub lines: usize,
    pub database_url: Option<&'a str>,
}

/// A line of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, key: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("{key} not found"))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
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
    // One published product for the generated orders (the demo publishes none).
    {
        let (server, _) = start(o.bin, dir.path(), o.database_url)?;
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        rt.block_on(async {
            let vendor = http::login(&server.addr, "batik@vendor.test", DEMO_PASSWORD).await?;
            let curator = http::login(&server.addr, "kurator@mojokerto.test", DEMO_PASSWORD).await?;
            let body = serde_json::json!({
                "name": "Batik Ekspor Beban", "category_id": BATIK_CATEGORY, "unit": "pcs",
                "unit_price_idr": 125_000, "stock": 1_000_000,
            });
            let call = |path: String, token: String, body: serde_json::Value| {
                let addr = server.addr.clone();
                async move {
                    let r = http::request(&addr, "POST", &path, Some(&token), Some(&body.to_string())).await?;
                    ensure!((200..300).contains(&r.status), "POST {path}: {}", String::from_utf8_lossy(&r.body));
                    Ok::<serde_json::Value, anyhow::Error>(serde_json::from_slice(&r.body)?)
                }
            };
            let p = call("/api/v1/products".into(), vendor.clone(), body).await?;
            let id = p["id"].as_str().context("product id")?.to_owned();
            call(format!("/api/v1/products/{id}/submit"), vendor, serde_json::json!({})).await?;
            call(format!("/api/v1/products/{id}/review"), curator, serde_json::json!({ "decision": "approve" }))
                .await?;
            Ok::<_, anyhow::Error>(())
        })?;
    }
    let seeded = Instant::now();
    let out = with_db(pasar(o.bin, dir.path()))
        .args(["seed-demo", "--force", "--bulk-orders", &o.lines.to_string()])
        .output()?;
    ensure!(out.status.success(), "seed-demo --bulk-orders failed: {}", String::from_utf8_lossy(&out.stderr));
    println!(
        "seeded {} one-line orders of SDN Kranggan 1 ({engine}) in {:.1} s",
        o.lines,
        seeded.elapsed().as_secs_f64()
    );

    let (server, _) = start(o.bin, dir.path(), o.database_url)?;
    let pid = server.child.id();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let pp = rt.block_on(http::login(&server.addr, PP_EMAIL, DEMO_PASSWORD))?;
    println!(
        "server ready: resident {:.1} MiB, peak so far {:.1} MiB",
        mib(status_kib(pid, "VmRSS")?),
        mib(status_kib(pid, "VmHWM")?)
    );

    let mut met = true;
    for format in ["xlsx", "csv"] {
        let path = format!("/api/v1/order-lines/export?format={format}");
        let started = Instant::now();
        let r = rt.block_on(http::request(&server.addr, "GET", &path, Some(&pp), None))?;
        let took = started.elapsed();
        ensure!(r.status == 200, "GET {path}: {} {}", r.status, String::from_utf8_lossy(&r.body));
        let rows = if format == "csv" {
            // The header and one line per row (no field of these rows spans lines).
            let n = r.body.iter().filter(|&&b| b == b'\n').count().saturating_sub(1);
            ensure!(n >= o.lines, "the CSV has {n} rows, not {}", o.lines);
            format!("{n} rows")
        } else {
            ensure!(r.body.starts_with(b"PK"), "the XLSX is not a ZIP archive");
            "a ZIP archive".to_owned()
        };
        let peak = mib(status_kib(pid, "VmHWM")?);
        println!(
            "GET {path} ({engine}, {} lines): {:.2} s to the last byte, {:.1} MiB ({rows}); server peak resident memory {:.1} MiB",
            o.lines,
            took.as_secs_f64(),
            r.body.len() as f64 / (1024.0 * 1024.0),
            peak
        );
        if format == "xlsx" {
            let ok = took <= Duration::from_secs_f64(GOAL_SECS) && peak < GOAL_MIB;
            met &= ok;
            println!(
                "  goal (100,000 lines as XLSX in at most {GOAL_SECS} s, under {GOAL_MIB} MB resident): {}",
                if ok { "met" } else { "NOT met" }
            );
        }
    }
    println!("resident memory after the exports: {:.1} MiB", mib(status_kib(pid, "VmRSS")?));
    drop(server);
    if !met {
        println!("(the goal is for {} lines; this run had {})", 100_000, o.lines);
    }
    Ok(())
}
