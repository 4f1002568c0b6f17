//! `pasar-load`: measures the `pasar` binary the way an operator would see it.
//!
//! ```text
//! cargo build --release -p pasar-server -p pasar-loadtest
//! target/release/pasar-load all --bin target/release/pasar
//! ```
//!
//! `all` starts a fresh server (SQLite in a temporary folder) several times to time
//! start-up to ready, reads its idle resident memory, then drives `GET /health/ready`
//! and `GET /api/v1/me` with 64 keep-alive connections and reports requests per second
//! and latency percentiles. `http` drives one endpoint of a server already running.
//! Every run is bounded in time and talks to loopback only.

mod bank;
mod exports;
mod http;
mod ocds;
mod orders;
mod payments;
mod reports;
mod search;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(name = "pasar-load", about = "Start-up time, memory and throughput of pasar")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start a fresh server and measure everything.
    All {
        /// The pasar binary (build it with --release).
        #[arg(long, default_value = "target/release/pasar")]
        bin: PathBuf,
        /// Concurrent connections.
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Seconds per endpoint.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// How many cold starts to time.
        #[arg(long, default_value_t = 5)]
        starts: usize,
        /// Run the server on this database instead of a fresh SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Vendor onboarding: registrations per second, and the curation queue with many
    /// vendors waiting.
    Vendors {
        #[arg(long, default_value = "target/release/pasar")]
        bin: PathBuf,
        /// Concurrent registering clients.
        #[arg(long, default_value_t = 8)]
        connections: usize,
        /// Concurrent curators reading the queue.
        #[arg(long, default_value_t = 32)]
        queue_connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Vendors waiting for curation while the queue is measured.
        #[arg(long, default_value_t = 10_000)]
        waiting: usize,
    },
    /// The catalogue at scale: import generated products (published) while the server
    /// runs, time until search finds them all, then search with a query and two filters.
    Search {
        #[arg(long, default_value = "target/release/pasar")]
        bin: PathBuf,
        #[arg(long, default_value_t = 100_000)]
        products: usize,
        #[arg(long, default_value_t = 32)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Use this Meilisearch (e.g. http://127.0.0.1:7700) instead of the embedded engine.
        #[arg(long)]
        meilisearch_url: Option<String>,
        /// Run on this database (an empty one, e.g. postgres://…) instead of a fresh SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Audited writes: a vendor's clients create products back to back (each one
    /// transaction with its audit entry, price history and search-queue entry), then the
    /// audit chain is verified.
    Writes {
        #[arg(long, default_value = "target/release/pasar")]
        bin: PathBuf,
        #[arg(long, default_value_t = 16)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Run on this (empty) database instead of a fresh SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Buying: checkouts per second of a 3-line, one-vendor cart by many buyers at once
    /// (and whether any unit was sold twice), then a satker's order list with many
    /// orders in the database.
    Orders {
        #[arg(long, default_value = "target/release/pasar")]
        bin: PathBuf,
        /// Concurrent buyers, each a PP of the same satker with a cart of its own.
        #[arg(long, default_value_t = 64)]
        buyers: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Orders in the database when the order list is measured (0: skip it).
        #[arg(long, default_value_t = 100_000)]
        orders: usize,
        /// Concurrent readers of the order list.
        #[arg(long, default_value_t = 32)]
        list_connections: usize,
        /// Run on this (empty) database instead of a fresh SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Play the bank of SNAP virtual-account payments against a running pasar: take a
    /// token, ask about a VA, pay it for the amount asked and ask its status; with
    /// --attack, send forged, replayed, stale and tampered calls instead and check each
    /// is refused with its SNAP code.
    BankSim {
        /// e.g. 127.0.0.1:8080 (loopback only)
        #[arg(long)]
        addr: String,
        /// The VA number as Pasar shows it: 8-character partnerServiceId (quote the
        /// spaces) and customer number.
        #[arg(long)]
        va: String,
        /// The bank's RSA private key (PEM, PKCS#8 or PKCS#1); Pasar holds its public key.
        #[arg(long)]
        private_key: PathBuf,
        /// payments.snap_client_id
        #[arg(long)]
        client_id: String,
        /// A file holding payments.snap_client_secret.
        #[arg(long)]
        client_secret_file: PathBuf,
        /// payments.snap_partner_id (X-PARTNER-ID)
        #[arg(long)]
        partner_id: String,
        /// CHANNEL-ID
        #[arg(long, default_value = "95231")]
        channel_id: String,
        /// Send forged, replayed, stale, tampered, unknown-VA and wrong-amount calls
        /// (to an unpaid VA) and exit non-zero if any answer is not the expected code.
        #[arg(long)]
        attack: bool,
    },
    /// Payment by virtual account: signed inquiry + payment pairs per second as a bank
    /// sends them, and the latency of one payment call, against a fresh server given a
    /// key pair and secret made for the run.
    Payments {
        #[arg(long, default_value = "target/release/pasar")]
        bin: PathBuf,
        /// The bank's concurrent connections.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Invoices made (through the API) before the bank starts paying; each pair pays one.
        #[arg(long, default_value_t = 4000)]
        invoices: usize,
        /// Run on this (empty) database instead of a fresh SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The P3DN report over many signed order lines, on a fresh server seeded with
    /// generated orders over every demo work unit.
    Reports {
        #[arg(long, default_value = "target/release/pasar")]
        bin: PathBuf,
        /// Order lines the report counts.
        #[arg(long, default_value_t = 1_000_000)]
        lines: usize,
        #[arg(long, default_value_t = 8)]
        lines_per_order: usize,
        /// Seconds per breakdown.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Run on this (empty) database instead of a fresh SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The open-contracting feed: paid orders made through the API (checkout to the
    /// bank's payment, every tenth with an addendum), then releases per second of
    /// `GET /api/v1/ocds/releases?limit=100` walked through `links.next`.
    Ocds {
        #[arg(long, default_value = "target/release/pasar")]
        bin: PathBuf,
        /// Paid orders made before the feed is read (four or five releases each).
        #[arg(long, default_value_t = 1000)]
        orders: usize,
        /// Concurrent buyers while making orders, and concurrent readers of the feed.
        #[arg(long, default_value_t = 4)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Run on this (empty) database instead of a fresh SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Exports: generated order lines written straight into the database, then the
    /// XLSX and CSV of all of them through the real endpoint, timed, with the server's
    /// peak resident memory.
    Exports {
        #[arg(long, default_value = "target/release/pasar")]
        bin: PathBuf,
        /// Order lines in the database (one per generated order).
        #[arg(long, default_value_t = 100_000)]
        lines: usize,
        /// Run on this (empty) database instead of a fresh SQLite file.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Drive one endpoint of a running server.
    Http {
        /// e.g. 127.0.0.1:8080 (loopback only)
        #[arg(long)]
        addr: String,
        #[arg(long, default_value = "/health/ready")]
        path: String,
        /// A bearer token to send.
        #[arg(long)]
        token: Option<String>,
        #[arg(long, default_value_t = 64)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

pub(crate) const ADMIN_EMAIL: &str = "load@pasar.test";
pub(crate) const ADMIN_PASSWORD: &str = "load-test-password";

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment every pasar process of a run gets.
pub(crate) fn pasar(bin: &PathBuf, dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.env("PASAR__DATA__DIR", dir)
        .env("PASAR__LOG__LEVEL", "warn")
        .env("PASAR_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("PASAR_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env_remove("DATABASE_URL");
    cmd
}

/// Starts pasar on a random loopback port; returns once `/health/ready` answers 200,
/// with the time that took.
pub(crate) fn start(
    bin: &PathBuf,
    dir: &std::path::Path,
    database_url: Option<&str>,
) -> anyhow::Result<(Server, Duration)> {
    let mut cmd = pasar(bin, dir);
    cmd.env("PASAR__SERVER__BIND", "127.0.0.1:0").stdout(Stdio::piped()).stderr(Stdio::null());
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().with_context(|| format!("starting {}", bin.display()))?;
    let mut lines = BufReader::new(child.stdout.take().context("stdout")?).lines();
    let addr = loop {
        let Some(line) = lines.next() else { bail!("pasar exited before listening") };
        if let Some(rest) = line?.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap_or_default().to_owned();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        loop {
            if let Ok(r) = http::request(&addr, "GET", "/health/ready", None, None).await {
                if r.status == 200 {
                    return Ok::<_, anyhow::Error>(());
                }
            }
            anyhow::ensure!(started.elapsed() < Duration::from_secs(60), "not ready after 60 s");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })?;
    let elapsed = started.elapsed();
    Ok((Server { child, addr }, elapsed))
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .context("VmRSS not found")
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::Http { addr, path, token, connections, seconds } => {
            http::check_loopback(&addr)?;
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            let report =
                rt.block_on(http::drive(&addr, &path, token.as_deref(), connections, Duration::from_secs(seconds)))?;
            println!("GET {path}: {report}");
        }
        Cmd::BankSim { addr, va, private_key, client_id, client_secret_file, partner_id, channel_id, attack } => {
            http::check_loopback(&addr)?;
            let bank = bank::Bank::from_files(&private_key, &client_id, &client_secret_file, &partner_id, &channel_id)?;
            let va = bank::Va::parse(&va)?;
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            if attack {
                rt.block_on(bank::attack(&addr, &bank, &va))?
            } else {
                rt.block_on(bank::pay(&addr, &bank, &va))?
            }
        }
        Cmd::Reports { bin, lines, lines_per_order, seconds, database_url } => reports::run(reports::Options {
            bin: &bin,
            lines,
            lines_per_order,
            seconds,
            database_url: database_url.as_deref(),
        })?,
        Cmd::Ocds { bin, orders, connections, seconds, database_url } => {
            ocds::run(ocds::Options { bin: &bin, orders, connections, seconds, database_url: database_url.as_deref() })?
        }
        Cmd::Payments { bin, connections, seconds, invoices, database_url } => payments::run(payments::Options {
            bin: &bin,
            connections,
            seconds,
            invoices,
            database_url: database_url.as_deref(),
        })?,
        Cmd::All { bin, connections, seconds, starts, database_url } => {
            println!(
                "pasar-load: {} ({} cores)",
                bin.display(),
                std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
            );
            let mut times = Vec::new();
            for _ in 0..starts.max(1) {
                let dir = tempfile::tempdir()?;
                let (server, took) = start(&bin, dir.path(), database_url.as_deref())?;
                times.push(took);
                drop(server);
            }
            times.sort();
            println!(
                "start-up to ready (empty database, migrations included): median {:.0} ms, min {:.0} ms, max {:.0} ms over {} starts",
                ms(times[times.len() / 2]),
                ms(times[0]),
                ms(times[times.len() - 1]),
                times.len()
            );

            let dir = tempfile::tempdir()?;
            let (server, _) = start(&bin, dir.path(), database_url.as_deref())?;
            std::thread::sleep(Duration::from_secs(2));
            println!("idle resident memory: {:.1} MiB", rss_kib(server.child.id())? as f64 / 1024.0);

            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            let token = rt.block_on(http::login(&server.addr, ADMIN_EMAIL, ADMIN_PASSWORD))?;
            let window = Duration::from_secs(seconds);
            let ready = rt.block_on(http::drive(&server.addr, "/health/ready", None, connections, window))?;
            println!("GET /health/ready, {connections} connections, {seconds} s: {ready}");
            let me = rt.block_on(http::drive(&server.addr, "/api/v1/me", Some(&token), connections, window))?;
            println!("GET /api/v1/me, {connections} connections, {seconds} s: {me}");
            println!("resident memory after load: {:.1} MiB", rss_kib(server.child.id())? as f64 / 1024.0);
        }
        Cmd::Search { bin, products, connections, seconds, meilisearch_url, database_url } => {
            if let Some(url) = meilisearch_url {
                // A fresh index per run, so that runs do not see each other's products.
                std::env::set_var("PASAR__SEARCH__MEILISEARCH_URL", url);
                std::env::set_var("PASAR__SEARCH__MEILISEARCH_INDEX", format!("load_{}", std::process::id()));
            }
            search::run(&bin, products, connections, seconds, database_url.as_deref())?
        }
        Cmd::Vendors { bin, connections, queue_connections, seconds, waiting } => {
            vendors(&bin, connections, queue_connections, seconds, waiting)?
        }
        Cmd::Orders { bin, buyers, seconds, orders, list_connections, database_url } => orders::run(orders::Options {
            bin: &bin,
            buyers,
            seconds,
            orders,
            list_connections,
            database_url: database_url.as_deref(),
        })?,
        Cmd::Exports { bin, lines, database_url } => {
            exports::run(exports::Options { bin: &bin, lines, database_url: database_url.as_deref() })?
        }
        Cmd::Writes { bin, connections, seconds, database_url } => {
            writes(&bin, connections, seconds, database_url.as_deref())?
        }
    }
    Ok(())
}

/// Products created per second by `connections` clients of one demo vendor, then
/// `pasar audit verify` over everything they wrote.
fn writes(bin: &PathBuf, connections: usize, seconds: u64, database_url: Option<&str>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let with_db = |mut cmd: Command| {
        if let Some(url) = database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd
    };
    let out = with_db(pasar(bin, dir.path())).arg("seed-demo").output()?;
    anyhow::ensure!(out.status.success(), "seed-demo failed: {}", String::from_utf8_lossy(&out.stderr));
    let (server, _) = start(bin, dir.path(), database_url)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let vendor = rt.block_on(http::login(&server.addr, "batik@vendor.test", "pasar-demo-2026"))?;
    let run = std::process::id();
    let make: http::MakeRequest = std::sync::Arc::new(move |n| {
        let body = serde_json::json!({
            "name": format!("Kain Batik Beban {run}-{n}"), "category_id": BATIK_CATEGORY, "unit": "pcs",
            "unit_price_idr": 100_000 + n % 1000, "stock": 10,
        });
        ("POST", "/api/v1/products".to_owned(), Some(body.to_string()))
    });
    let report =
        rt.block_on(http::drive_with(&server.addr, Some(&vendor), connections, Duration::from_secs(seconds), make))?;
    let engine = if database_url.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("POST /api/v1/products ({engine}), {connections} clients, {seconds} s: {report}");
    drop(server);
    let verified = Instant::now();
    let out = with_db(pasar(bin, dir.path())).args(["audit", "verify"]).output()?;
    println!(
        "pasar audit verify ({:.1} s): {}",
        verified.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&out.stdout).trim()
    );
    anyhow::ensure!(out.status.success(), "the audit chain does not verify");
    Ok(())
}

/// The seeded batik category, which the demo's batik vendor may list in.
pub(crate) const BATIK_CATEGORY: &str = "0193a000-0000-7000-8000-000000000031";

/// Registrations per second (argon2 dominates), then the curation queue's response
/// time with `waiting` vendors submitted.
fn vendors(
    bin: &PathBuf,
    connections: usize,
    queue_connections: usize,
    seconds: u64,
    waiting: usize,
) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let dir = tempfile::tempdir()?;
    // Every registration comes from this one address: lift the per-address limit.
    std::env::set_var("PASAR__VENDORS__REGISTRATIONS_PER_ADDRESS", "65000");
    let (server, _) = start(bin, dir.path(), None)?;
    std::env::remove_var("PASAR__VENDORS__REGISTRATIONS_PER_ADDRESS");
    let run = std::process::id();
    let make: http::MakeRequest = std::sync::Arc::new(move |n| {
        let body = serde_json::json!({
            "email": format!("owner-{run}-{n}@vendor.test"), "password": "vendor-password-1",
            "owner_name": "Pemilik", "legal_name": format!("UD Beban {n}"), "legal_form": "ud"
        });
        ("POST", "/api/v1/vendors/register".to_owned(), Some(body.to_string()))
    });
    let report = rt.block_on(http::drive_with(&server.addr, None, connections, Duration::from_secs(seconds), make))?;
    println!(
        "POST /api/v1/vendors/register, {connections} clients, {seconds} s: {report}\n  \
         (each registration hashes a password with argon2id m=19456 KiB, t=2, p=1: the default auth.argon2_* settings)"
    );
    drop(server);

    let seeded = Instant::now();
    let out = pasar(bin, dir.path()).args(["seed-demo", "--bulk-vendors", &waiting.to_string()]).output()?;
    anyhow::ensure!(out.status.success(), "seed-demo failed: {}", String::from_utf8_lossy(&out.stderr));
    println!("seeded {waiting} vendors waiting for curation in {:.1} s", seeded.elapsed().as_secs_f64());
    let (server, _) = start(bin, dir.path(), None)?;
    let curator = rt.block_on(http::login(&server.addr, "kurator@mojokerto.test", "pasar-demo-2026"))?;
    let path = "/api/v1/curation/vendors?status=submitted&limit=20";
    let one = rt.block_on(http::drive(&server.addr, path, Some(&curator), 1, Duration::from_secs(seconds.min(5))))?;
    println!("GET {path} with {waiting} waiting, 1 connection: {one}");
    let many =
        rt.block_on(http::drive(&server.addr, path, Some(&curator), queue_connections, Duration::from_secs(seconds)))?;
    println!("GET {path} with {waiting} waiting, {queue_connections} connections: {many}");
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
