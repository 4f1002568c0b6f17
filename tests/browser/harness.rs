//! Real headless Chromium, driven through chromedriver (WebDriver) by `fantoccini`.
//!
//! One chromedriver per test binary, on a free loopback port, started at the first use
//! and killed with the process; one Chromium session per test with a fresh profile.
//! Without Chromium or chromedriver the tests say so and pass, unless
//! `PASAR_REQUIRE_BROWSER=1` (CI) makes that a failure. `AXE_CORE_JS` names axe-core's
//! `axe.min.js`, which [`Browser::axe`] runs in the page; `UPDATE_SCREENSHOTS=1` saves
//! screenshots to `docs/screenshots/`.

use fantoccini::{Client, ClientBuilder, Locator};
use pasar_tests::PASSWORD;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn required() -> bool {
    std::env::var("PASAR_REQUIRE_BROWSER").as_deref() == Ok("1")
}

fn first_existing(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

fn chromium() -> Option<PathBuf> {
    first_existing(
        "CHROMIUM",
        &["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"],
    )
}

fn chromedriver() -> Option<PathBuf> {
    first_existing("CHROMEDRIVER", &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"])
}

/// Whether the browser tests can run here; says why not (once), and fails under
/// `PASAR_REQUIRE_BROWSER=1`.
pub fn available() -> bool {
    let ok = chromium().is_some() && chromedriver().is_some();
    if !ok {
        let msg = "skipped: Chromium or chromedriver is missing (apt-get install chromium chromium-driver; \
                   or set CHROMIUM and CHROMEDRIVER)";
        assert!(!required(), "PASAR_REQUIRE_BROWSER=1 but {msg}");
        static ONCE: OnceLock<()> = OnceLock::new();
        ONCE.get_or_init(|| println!("{msg}"));
    }
    ok
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().unwrap().port()
}

/// The chromedriver of this test binary: its port. It is started by a thread that
/// lives as long as the process, with the kernel told to kill it when that thread
/// (and so the process) ends, so that no driver outlives the tests.
fn driver_port() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(|| {
        let path = chromedriver().expect("chromedriver (check available() first)");
        let port = free_port();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("chromedriver".into())
            .spawn(move || {
                use std::os::unix::process::CommandExt;
                let mut cmd = Command::new(&path);
                cmd.arg(format!("--port={port}"))
                    .arg("--allowed-ips=127.0.0.1")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
                unsafe {
                    cmd.pre_exec(|| {
                        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                        Ok(())
                    });
                }
                let child = cmd.spawn();
                let started = child.is_ok();
                tx.send(child.map(|_| ()).map_err(|e| e.to_string())).ok();
                if started {
                    loop {
                        std::thread::park();
                    }
                }
            })
            .expect("a thread for chromedriver");
        rx.recv().expect("chromedriver thread").unwrap_or_else(|e| panic!("cannot start {port}: {e}"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        port
    })
}

/// A Chromium session on the app at `base`.
pub struct Browser {
    pub client: Client,
    pub base: String,
    _profile: tempfile::TempDir,
}

/// How a browser is set up.
#[derive(Clone, Copy)]
pub struct Setup {
    pub javascript: bool,
    pub width: u32,
}

impl Default for Setup {
    fn default() -> Self {
        Setup { javascript: true, width: 1280 }
    }
}

impl Browser {
    pub async fn open(base: &str, setup: Setup) -> Browser {
        let profile = tempfile::tempdir().expect("a profile folder");
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--hide-scrollbars".into(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={},900", setup.width),
        ];
        if !setup.javascript {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        let mut options = json!({ "binary": chromium().expect("chromium").display().to_string(), "args": args });
        if !setup.javascript {
            options["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        caps.insert("pageLoadStrategy".into(), json!("normal"));
        let port = driver_port();
        let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(caps);
        let mut last = None;
        for _ in 0..3 {
            match builder.connect(&format!("http://127.0.0.1:{port}")).await {
                Ok(client) => {
                    return Browser { client, base: base.trim_end_matches('/').to_owned(), _profile: profile };
                }
                Err(e) => {
                    last = Some(e.to_string());
                    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
        panic!("no Chromium session: {}", last.unwrap_or_default());
    }

    /// Runs `body` with a browser and closes the browser afterwards, whether or not
    /// `body` panicked.
    pub async fn with<F, Fut>(base: &str, setup: Setup, body: F)
    where
        F: FnOnce(Browser) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        use futures_util::FutureExt;
        let browser = Browser::open(base, setup).await;
        let client = browser.client.clone();
        let outcome = std::panic::AssertUnwindSafe(body(browser)).catch_unwind().await;
        let _ = client.close().await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }

    pub async fn go(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
    }

    /// The path and query the browser is at.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub async fn text(&self, css: &str) -> String {
        let el = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css} on the page: {e}"));
        el.text().await.expect("text")
    }

    /// The texts of every element `css` finds.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for el in self.client.find_all(Locator::Css(css)).await.expect("find_all") {
            out.push(el.text().await.expect("text"));
        }
        out
    }

    pub async fn h1(&self) -> String {
        self.text("h1").await
    }

    pub async fn exists(&self, css: &str) -> bool {
        !self.client.find_all(Locator::Css(css)).await.expect("find_all").is_empty()
    }

    pub async fn value(&self, css: &str) -> String {
        let el = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}"));
        el.prop("value").await.expect("value").unwrap_or_default()
    }

    /// Types `text` into the field `css` (emptied first).
    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no field {css}: {e}"));
        el.clear().await.expect("clear");
        el.send_keys(text).await.expect("type");
    }

    /// The id of the current document's root element: it changes when a new page loads.
    async fn document_id(&self) -> Option<String> {
        let el = self.client.find(Locator::Css("html")).await.ok()?;
        Some(el.element_id().to_string())
    }

    /// Waits until the page that was `before` has been replaced by another.
    async fn wait_for_new_page(&self, before: Option<String>, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let now = self.document_id().await;
            if now.is_some() && now != before {
                return;
            }
            assert!(Instant::now() < deadline, "no new page after {what}");
            actix_web::rt::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Clicks `css` (a link or a submit button) and waits for the next page.
    pub async fn click(&self, css: &str) {
        let before = self.document_id().await;
        let el = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("nothing to click at {css}: {e}"));
        el.click().await.unwrap_or_else(|e| panic!("clicking {css}: {e}"));
        self.wait_for_new_page(before, css).await;
    }

    /// Ticks a checkbox (or clicks anything else that does not leave the page).
    pub async fn tick(&self, css: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("nothing at {css}: {e}"));
        el.click().await.unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    /// Clicks the link whose text is `text` and waits for the next page.
    pub async fn click_link(&self, text: &str) {
        let before = self.document_id().await;
        let el = self.client.find(Locator::LinkText(text)).await.unwrap_or_else(|e| panic!("no link '{text}': {e}"));
        el.click().await.unwrap_or_else(|e| panic!("clicking '{text}': {e}"));
        self.wait_for_new_page(before, text).await;
    }

    /// Runs axe-core in the page and fails on any serious or critical violation. Without
    /// `AXE_CORE_JS` it says so and passes (fails under `PASAR_REQUIRE_BROWSER=1`).
    pub async fn axe(&self, page: &str) {
        let Some(source) = axe_source() else { return };
        self.client.execute(source, vec![]).await.expect("axe-core loads");
        let script = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
               .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                                        nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5) }))))
               .catch(e => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));
        "#;
        let found = self.client.execute_async(script, vec![]).await.expect("axe runs");
        let bad: Vec<&Value> = found
            .as_array()
            .map(|a| a.iter().filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical"))).collect())
            .unwrap_or_default();
        assert!(
            bad.is_empty(),
            "axe-core: serious or critical violations on {page}: {}",
            serde_json::to_string_pretty(&bad).unwrap_or_default()
        );
    }

    /// Saves the page at 360 px and 1280 px wide to `docs/screenshots/<name>-<width>.png`
    /// when `UPDATE_SCREENSHOTS=1`.
    pub async fn screenshots(&self, name: &str) {
        if std::env::var("UPDATE_SCREENSHOTS").as_deref() != Ok("1") {
            return;
        }
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
        std::fs::create_dir_all(&dir).expect("docs/screenshots");
        for width in [360u32, 1280] {
            let height = if width == 360 { 780 } else { 900 };
            self.client.set_window_size(width, height).await.expect("window size");
            // The whole page: as tall as its content.
            let full = self
                .client
                .execute("return Math.ceil(document.documentElement.scrollHeight);", vec![])
                .await
                .ok()
                .and_then(|v| v.as_u64())
                .unwrap_or(height as u64)
                .clamp(height as u64, 4000) as u32;
            self.client.set_window_size(width, full).await.expect("window size");
            let png = self.client.screenshot().await.expect("screenshot");
            std::fs::write(dir.join(format!("{name}-{width}.png")), png).expect("write screenshot");
        }
        self.client.set_window_size(1280, 900).await.expect("window size");
    }
}

/// axe-core's source, from `AXE_CORE_JS`.
fn axe_source() -> Option<&'static str> {
    static SOURCE: OnceLock<Option<String>> = OnceLock::new();
    SOURCE
        .get_or_init(|| match std::env::var("AXE_CORE_JS").ok().filter(|p| !p.is_empty()) {
            Some(path) => Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("AXE_CORE_JS={path}: {e}"))),
            None => {
                let msg =
                    "axe-core checks skipped: AXE_CORE_JS is not set (npm install axe-core; point it at axe.min.js)";
                assert!(!required(), "PASAR_REQUIRE_BROWSER=1 but {msg}");
                println!("{msg}");
                None
            }
        })
        .as_deref()
}

impl Browser {
    /// Chooses `value` in the select `css`.
    pub async fn choose(&self, css: &str, value: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no select {css}: {e}"));
        el.select_by_value(value).await.unwrap_or_else(|e| panic!("choosing {value} in {css}: {e}"));
    }

    /// Sets a date input (typing into one depends on the browser's locale).
    pub async fn set_date(&self, css: &str, date: &str) {
        let script = "document.querySelector(arguments[0]).value = arguments[1];";
        self.client
            .execute(script, vec![css.into(), date.into()])
            .await
            .unwrap_or_else(|e| panic!("{css} = {date}: {e}"));
    }

    /// Puts the file at `path` into the file input `css`.
    pub async fn attach(&self, css: &str, path: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no file input {css}: {e}"));
        el.send_keys(path).await.expect("attach a file");
    }

    /// Logs out if someone is logged in, then logs in as `email` (the tests' password)
    /// and lands on `back`.
    pub async fn login_as(&self, email: &str, back: &str) {
        self.login_with(email, PASSWORD, back).await;
    }

    /// [`Browser::login_as`] with another password.
    pub async fn login_with(&self, email: &str, password: &str, back: &str) {
        // From a page without the header (a printed document), go where the logout is.
        if !self.exists(".site-nav").await {
            self.go("/").await;
        }
        if self.exists(".site-nav form button").await {
            self.click(".site-nav form button").await;
        }
        self.go(&format!("/masuk?kembali={}", back.replace('/', "%2F"))).await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("main form button[type=submit]").await;
        assert_eq!(self.path().await, back, "logged in as {email}");
    }
}
