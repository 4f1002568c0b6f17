//! The catalogue at scale: imports generated products through `pasar import-products
//! --publish` while the server runs, times how long until the search index holds them
//! all, then measures searches (a query and two filters) at the API. While the import
//! runs, one client logs in and another searches, one request at a time with a short
//! pause, to show what users meet meanwhile.

use crate::{http, pasar, rss_kib, start};
use anyhow::Context;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NOUNS: [&str; 24] = [
    "Kursi",
    "Meja",
    "Lemari",
    "Rak",
    "Kertas",
    "Pulpen",
    "Map",
    "Spidol",
    "Batik",
    "Kain",
    "Seragam",
    "Kemeja",
    "Kopi",
    "Teh",
    "Keripik",
    "Sambal",
    "Tas",
    "Vas",
    "Keranjang",
    "Lampu",
    "Printer",
    "Tinta",
    "Office Chair",
    "Paper",
];
const WORDS: [&str; 24] = [
    "Kantor",
    "Lipat",
    "Jati",
    "Tulis",
    "Cap",
    "Hitam",
    "Biru",
    "Premium",
    "Ekonomis",
    "Anyaman",
    "Kuningan",
    "Bambu",
    "Robusta",
    "Arabika",
    "Pedas",
    "Manis",
    "Sekolah",
    "Dinas",
    "Lengan Panjang",
    "Motif Surya",
    "A4",
    "Folio",
    "Ergonomic",
    "Recycled",
];

/// A buyer of the demo marketplace, and every demo login's password.
const BUYER: &str = "pp.sdn-kranggan1@mojokerto.test";
const DEMO_PASSWORD: &str = "pasar-demo-2026";

/// A vendor of the demo marketplace and the category slugs its KBLI codes open.
struct Seller {
    id: String,
    slugs: Vec<String>,
}

fn allows(prefixes: &[String], kbli: &[String]) -> bool {
    prefixes.is_empty() || kbli.iter().any(|k| prefixes.iter().any(|p| k.starts_with(p.as_str())))
}

async fn sellers(addr: &str) -> anyhow::Result<Vec<Seller>> {
    let cats: serde_json::Value =
        serde_json::from_slice(&http::request(addr, "GET", "/api/v1/categories", None, None).await?.body)?;
    let vendors: serde_json::Value =
        serde_json::from_slice(&http::request(addr, "GET", "/api/v1/vendors?limit=100", None, None).await?.body)?;
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_owned)).collect()
    };
    let mut out = Vec::new();
    for v in vendors["items"].as_array().context("vendor directory")? {
        let kbli = strings(&v["kbli_codes"]);
        let slugs: Vec<String> = cats
            .as_array()
            .context("categories")?
            .iter()
            .filter(|c| allows(&strings(&c["kbli_prefixes"]), &kbli))
            .filter_map(|c| c["slug"].as_str().map(str::to_owned))
            .collect();
        if !slugs.is_empty() {
            out.push(Seller { id: v["id"].as_str().context("vendor id")?.to_owned(), slugs });
        }
    }
    anyhow::ensure!(!out.is_empty(), "no approved vendor can list anything");
    Ok(out)
}

/// A CSV of `n` products for `seller`, numbered from `first`.
fn csv(seller: &Seller, first: usize, n: usize) -> String {
    let mut out =
        String::from("name,category,unit,unit_price_idr,stock,sku,tkdn_certificate,tkdn_bp,bmp_bp,tkdn_valid_until\n");
    for i in first..first + n {
        // A cheap deterministic spread of names, prices, stock and TKDN.
        let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let noun = NOUNS[(h >> 7) as usize % NOUNS.len()];
        let word = WORDS[(h >> 17) as usize % WORDS.len()];
        let word2 = WORDS[(h >> 27) as usize % WORDS.len()];
        let slug = &seller.slugs[(h >> 37) as usize % seller.slugs.len()];
        let price = 1_000 + (h >> 41) % 5_000_000;
        let stock = (h >> 23) % 50;
        let tkdn = match (h >> 13) % 4 {
            0 => String::from(",,,"),
            k => format!("TKDN-{i}/2026,{},{},2030-12-31", k * 1_800, (h >> 3) % 1_501),
        };
        let _ = writeln!(out, "{noun} {word} {word2} {i},{slug},pcs,{price},{stock},SKU-{i},{tkdn}");
    }
    out
}

/// The searches: a query (some with typos) and two filters each.
const QUERIES: [&str; 8] = [
    "q=kursi%20kantor&umkk=true&in_stock=true",
    "q=kurs%20kantr&category=furnitur&min_tkdn_bp=1800",
    "q=batik%20tulis&pdn_priority=true&in_stock=true",
    "q=kertas%20a4&category=atk&min_price=10000",
    "q=kopi%20robusta&umkk=true&max_price=1000000",
    "q=keranjang%20bambu&region=35.76&in_stock=true",
    "q=office%20chair&min_tkdn_bp=3600&umkk=true",
    "q=sambal%20pedas&category=makanan-minuman&in_stock=true",
];

/// Sends `make(n)` one request at a time, with `pause` between, until `stop`; the
/// latencies of the answered requests (2xx) and the number of the others.
async fn sample(
    addr: String,
    stop: Arc<AtomicBool>,
    pause: Duration,
    make: http::MakeRequest,
) -> anyhow::Result<http::Report> {
    let started = Instant::now();
    let (mut latencies, mut errors, mut n) = (Vec::new(), 0, 0);
    while !stop.load(Ordering::Relaxed) {
        let (method, path, body) = make(n);
        n += 1;
        let t = Instant::now();
        match http::request(&addr, method, &path, None, body.as_deref()).await {
            Ok(r) if (200..300).contains(&r.status) => {
                latencies.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32)
            }
            _ => errors += 1,
        }
        tokio::time::sleep(pause).await;
    }
    latencies.sort_unstable();
    Ok(http::Report { requests: latencies.len(), errors, elapsed: started.elapsed(), latencies })
}

pub fn run(
    bin: &PathBuf,
    products: usize,
    connections: usize,
    seconds: u64,
    database_url: Option<&str>,
) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let dir = tempfile::tempdir()?;
    let with_db = |mut cmd: std::process::Command| {
        if let Some(url) = database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd
    };
    let out = with_db(pasar(bin, dir.path())).arg("seed-demo").output()?;
    anyhow::ensure!(out.status.success(), "seed-demo failed: {}", String::from_utf8_lossy(&out.stderr));
    let (server, _) = start(bin, dir.path(), database_url)?;
    let pid = server.child.id();
    let sellers = rt.block_on(sellers(&server.addr))?;
    let per = products.div_ceil(sellers.len());
    let mut files = Vec::new();
    for (k, s) in sellers.iter().enumerate() {
        let n = per.min(products - (k * per).min(products));
        if n == 0 {
            break;
        }
        let path = dir.path().join(format!("products-{k}.csv"));
        std::fs::write(&path, csv(s, k * per, n))?;
        files.push((s.id.clone(), path));
    }
    println!(
        "{products} generated products for {} vendors; importing with --publish while the server runs",
        files.len()
    );

    // Users meanwhile: a buyer logging in (every 100 ms) and searching (every 20 ms).
    let stop = Arc::new(AtomicBool::new(false));
    let login_body = serde_json::json!({ "email": BUYER, "password": DEMO_PASSWORD }).to_string();
    let login: http::MakeRequest =
        Arc::new(move |_| ("POST", "/api/v1/auth/login".to_owned(), Some(login_body.clone())));
    let search: http::MakeRequest =
        Arc::new(|n| ("GET", format!("/api/v1/products?{}", QUERIES[n as usize % QUERIES.len()]), None));
    let logins = rt.spawn(sample(server.addr.clone(), stop.clone(), Duration::from_millis(100), login));
    let searches = rt.spawn(sample(server.addr.clone(), stop.clone(), Duration::from_millis(20), search));

    let started = Instant::now();
    let mut peak = rss_kib(pid)?;
    for (vendor, path) in &files {
        let out = with_db(pasar(bin, dir.path()))
            .args(["import-products", "--publish", "--vendor", vendor])
            .arg(path)
            .output()
            .context("running pasar import-products")?;
        anyhow::ensure!(out.status.success(), "import failed: {}", String::from_utf8_lossy(&out.stderr));
        peak = peak.max(rss_kib(pid)?);
    }
    let imported = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (logins, searches) = (rt.block_on(logins)??, rt.block_on(searches)??);
    println!("import of {products} products (database, audit, price history, queue): {:.1} s", imported.as_secs_f64());
    println!("  logins during the import (one at a time, every 100 ms): {logins}");
    println!("  searches during the import (one at a time, every 20 ms): {searches}");
    let total = |rt: &tokio::runtime::Runtime| -> anyhow::Result<u64> {
        let r = rt.block_on(http::request(&server.addr, "GET", "/api/v1/products?per_page=1", None, None))?;
        let v: serde_json::Value = serde_json::from_slice(&r.body)?;
        Ok(v["total"].as_u64().unwrap_or(0))
    };
    while total(&rt)? < products as u64 {
        anyhow::ensure!(started.elapsed() < Duration::from_secs(900), "the index did not catch up in 15 minutes");
        peak = peak.max(rss_kib(pid)?);
        std::thread::sleep(Duration::from_millis(100));
    }
    let indexed = started.elapsed();
    println!(
        "import + indexing until every product is searchable: {:.1} s (indexing finished {:.1} s after the import)",
        indexed.as_secs_f64(),
        (indexed - imported).as_secs_f64()
    );
    println!("server resident memory: peak {:.1} MiB during import and indexing", peak as f64 / 1024.0);

    let make: http::MakeRequest =
        std::sync::Arc::new(|n| ("GET", format!("/api/v1/products?{}", QUERIES[n as usize % QUERIES.len()]), None));
    for q in QUERIES {
        let r = rt.block_on(http::request(&server.addr, "GET", &format!("/api/v1/products?{q}"), None, None))?;
        let v: serde_json::Value = serde_json::from_slice(&r.body)?;
        println!("  {q}: {} → {} matches", r.status, v["total"]);
    }
    let one = rt.block_on(http::drive_with(&server.addr, None, 1, Duration::from_secs(seconds), make.clone()))?;
    println!("search (a query and two filters), 1 connection, {seconds} s: {one}");
    let many = rt.block_on(http::drive_with(&server.addr, None, connections, Duration::from_secs(seconds), make))?;
    println!("search (a query and two filters), {connections} connections, {seconds} s: {many}");
    println!("server resident memory after the search load: {:.1} MiB", rss_kib(pid)? as f64 / 1024.0);

    // The same searches as people make them: the results page, rendered on the server.
    let make: http::MakeRequest =
        std::sync::Arc::new(|n| ("GET", format!("/produk?{}", QUERIES[n as usize % QUERIES.len()]), None));
    let one = rt.block_on(http::drive_with(&server.addr, None, 1, Duration::from_secs(seconds), make.clone()))?;
    println!("search results page (HTML), 1 connection, {seconds} s: {one}");
    let many = rt.block_on(http::drive_with(&server.addr, None, connections, Duration::from_secs(seconds), make))?;
    println!("search results page (HTML), {connections} connections, {seconds} s: {many}");
    let (bytes, requests, foreign) = rt.block_on(first_load(&server.addr, "/produk?q=kursi%20kantor"))?;
    println!(
        "search page first load, gzip: {:.1} KB in {requests} requests ({})",
        bytes as f64 / 1000.0,
        if foreign.is_empty() { "none to another host".to_owned() } else { format!("to other hosts: {foreign:?}") }
    );
    Ok(())
}

/// What a browser with an empty cache transfers to show `path`: the page and every
/// stylesheet, script, icon or image it names (compressed as the server sends them), and
/// any address it names on another host.
async fn first_load(addr: &str, path: &str) -> anyhow::Result<(usize, usize, Vec<String>)> {
    let gzip = [("Accept-Encoding", "gzip")];
    let page = http::Conn::open(addr).await?.send_with("GET", path, None, &gzip, None).await?;
    anyhow::ensure!(page.status == 200, "{path}: {}", page.status);
    let html = String::from_utf8_lossy(&http::request(addr, "GET", path, None, None).await?.body).into_owned();
    let (mut bytes, mut requests, mut foreign) = (page.body.len(), 1, Vec::new());
    for attr in ["href=\"", "src=\""] {
        for piece in html.split(attr).skip(1) {
            let url = piece.split('"').next().unwrap_or_default();
            if url.starts_with("http://") || url.starts_with("https://") || url.starts_with("//") {
                foreign.push(url.to_owned());
            } else if url.starts_with("/static/") {
                let r = http::Conn::open(addr).await?.send_with("GET", url, None, &gzip, None).await?;
                bytes += r.body.len();
                requests += 1;
            }
        }
    }
    Ok((bytes, requests, foreign))
}
