//! A small HTTP/1.1 keep-alive client: enough to drive pasar without measuring a
//! heavyweight client instead of the server.

use anyhow::{bail, Context};
use std::fmt;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Load is only ever sent to this machine.
pub fn check_loopback(addr: &str) -> anyhow::Result<()> {
    let host = addr.rsplit_once(':').map(|(h, _)| h).unwrap_or(addr);
    if !(host == "localhost" || host.starts_with("127.") || host == "[::1]") {
        bail!("{addr} is not a loopback address; pasar-load only drives servers on this machine");
    }
    Ok(())
}

pub struct Conn {
    stream: BufReader<TcpStream>,
}

impl Conn {
    pub async fn open(addr: &str) -> anyhow::Result<Conn> {
        let stream = TcpStream::connect(addr).await.with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        Ok(Conn { stream: BufReader::new(stream) })
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> anyhow::Result<Response> {
        self.send_with(method, path, token, &[], body).await
    }

    /// A request with extra headers.
    pub async fn send_with(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> anyhow::Result<Response> {
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: pasar\r\n");
        if let Some(t) = token {
            req.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        for (name, value) in headers {
            req.push_str(&format!("{name}: {value}\r\n"));
        }
        let body = body.unwrap_or("");
        if !body.is_empty() {
            req.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        req.push_str(body);
        self.stream.get_mut().write_all(req.as_bytes()).await?;

        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status: u16 = line.split_whitespace().nth(1).context("no status line")?.parse()?;
        let mut length = 0usize;
        let mut chunked = false;
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await? == 0 {
                bail!("connection closed in headers");
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse()?;
                }
                if k.eq_ignore_ascii_case("transfer-encoding") && v.trim().eq_ignore_ascii_case("chunked") {
                    chunked = true;
                }
            }
        }
        if chunked {
            // A streamed (e.g. compressed) body: chunks until the empty one. The bytes are
            // kept as sent, so a compressed body stays compressed.
            let mut body = Vec::new();
            loop {
                line.clear();
                self.stream.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or("0"), 16)?;
                let mut chunk = vec![0; size + 2];
                self.stream.read_exact(&mut chunk).await?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
            return Ok(Response { status, body });
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await?;
        Ok(Response { status, body })
    }
}

/// One request on a fresh connection.
pub async fn request(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> anyhow::Result<Response> {
    Conn::open(addr).await?.send(method, path, token, body).await
}

pub async fn login(addr: &str, email: &str, password: &str) -> anyhow::Result<String> {
    let body = serde_json::json!({ "email": email, "password": password }).to_string();
    let r = request(addr, "POST", "/api/v1/auth/login", None, Some(&body)).await?;
    anyhow::ensure!(r.status == 200, "login failed: {} {}", r.status, String::from_utf8_lossy(&r.body));
    let v: serde_json::Value = serde_json::from_slice(&r.body)?;
    Ok(v["access_token"].as_str().context("no access token")?.to_owned())
}

pub struct Report {
    pub requests: usize,
    pub errors: usize,
    pub elapsed: Duration,
    /// Sorted latencies in microseconds.
    pub latencies: Vec<u32>,
}

impl Report {
    pub fn new(mut latencies: Vec<u32>, errors: usize, elapsed: Duration) -> Report {
        latencies.sort_unstable();
        Report { requests: latencies.len(), errors, elapsed, latencies }
    }

    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[i] as f64 / 1000.0
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.0} req/s ({} requests, {} errors), latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.requests as f64 / self.elapsed.as_secs_f64(),
            self.requests,
            self.errors,
            self.percentile(0.50),
            self.percentile(0.99),
            self.latencies.last().copied().unwrap_or(0) as f64 / 1000.0
        )
    }
}

/// What one request of a load run sends: method, path, optional JSON body.
pub type MakeRequest = std::sync::Arc<dyn Fn(u64) -> (&'static str, String, Option<String>) + Send + Sync>;

/// `connections` keep-alive connections sending `GET path` back to back for `window`.
pub async fn drive(
    addr: &str,
    path: &str,
    token: Option<&str>,
    connections: usize,
    window: Duration,
) -> anyhow::Result<Report> {
    let path = path.to_owned();
    drive_with(addr, token, connections, window, std::sync::Arc::new(move |_| ("GET", path.clone(), None))).await
}

/// `connections` keep-alive connections sending `make(n)` (n counts up across all of
/// them) back to back for `window`; any 2xx counts as success.
pub async fn drive_with(
    addr: &str,
    token: Option<&str>,
    connections: usize,
    window: Duration,
    make: MakeRequest,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let deadline = started + window;
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..connections.max(1) {
        let (addr, token, make, counter) = (addr.to_owned(), token.map(str::to_owned), make.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut conn = Conn::open(&addr).await?;
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let (method, path, body) = make(n);
                let t = Instant::now();
                match conn.send(method, &path, token.as_deref(), body.as_deref()).await {
                    Ok(r) if (200..300).contains(&r.status) => {
                        latencies.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32)
                    }
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        conn = Conn::open(&addr).await?;
                    }
                }
            }
            Ok::<_, anyhow::Error>((latencies, errors))
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await??;
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    all.sort_unstable();
    Ok(Report { requests: all.len(), errors, elapsed, latencies: all })
}
