//! The test-app builder: starts the real `pasar` application (the same
//! [`pasar_server::Application`] the binary runs) on a random port, on SQLite and — when
//! `TEST_DATABASE_URL` is set — on PostgreSQL, each test in a database of its own so
//! that tests run in parallel. Helpers return `(status, JSON)` so tests read like a
//! user's session.

pub mod proxy;
pub mod smtp;
pub mod snap;

use awc::http::header::HeaderMap;
use pasar_core::clock::ShiftedClock;
use pasar_db::{Backend, DbPool};
use pasar_server::config::Config;
use pasar_server::{AdminSeed, Application};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

pub const ADMIN_EMAIL: &str = "admin@pasar.test";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
/// Every user the tests create gets this password.
pub const PASSWORD: &str = "password-for-tests";

pub use pasar_db::testing::{backends, TempPgDatabase as PgDatabase};

/// What a test can change before the app starts.
#[derive(Default, Clone)]
pub struct Options {
    /// Send mail to this SMTP URL instead of writing files.
    pub smtp_url: Option<String>,
    /// Largest JSON body.
    pub json_limit_bytes: Option<usize>,
    /// Largest uploaded file.
    pub upload_limit_bytes: Option<usize>,
    /// How often the worker looks for expiring documents.
    pub reminder_interval_secs: Option<u64>,
    /// Failed attempts before a message becomes a dead letter.
    pub outbox_max_attempts: Option<u16>,
    /// Search with Meilisearch (at `MEILI_URL`, through a proxy the test can unplug)
    /// instead of the embedded engine.
    pub meilisearch: bool,
    /// Keep files in the S3-compatible store at `TEST_S3_URL` (under a prefix of the
    /// test's own, through a proxy the test can unplug) instead of on the local disk.
    /// Check [`s3_available`] first.
    pub s3: bool,
    /// Take client addresses from `X-Forwarded-For`, so a test can speak from several
    /// addresses ([`TestApp::post_from`]).
    pub trust_forwarded_for: bool,
    /// `marketplace.time_zone` (default `Asia/Jakarta`).
    pub time_zone: Option<String>,
    /// `[payments]`: VA numbers and the bank's SNAP credentials.
    pub payments: Option<pasar_server::config::PaymentsConfig>,
}

/// Whether an S3-compatible store is there for tests (`TEST_S3_URL`); says so when it
/// is not, and fails when `PASAR_REQUIRE_S3=1` demands one.
pub fn s3_available() -> bool {
    pasar_server::files::testing::s3_from_env().is_some()
}

/// The search engines a test runs on: the embedded one always, Meilisearch when
/// `MEILI_URL` is set (and it says so when it is not).
pub fn search_engines() -> Vec<bool> {
    if std::env::var("MEILI_URL").is_ok_and(|u| !u.is_empty()) {
        vec![false, true]
    } else {
        println!("skipped: MEILI_URL is not set, so this ran on the embedded search engine only");
        vec![false]
    }
}

/// A reply: status, headers and the body parsed as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.body);
        self.body
    }

    /// Asserts a problem reply: status, content type and code.
    #[track_caller]
    pub fn expect_problem(self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.body);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "body: {}", self.body);
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["status"], status);
        assert!(self.body["type"].as_str().unwrap_or_default().starts_with("https://pasar.dev/problems/"));
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
        assert!(self.body["request_id"].is_string(), "problem without request id: {}", self.body);
        self.body
    }
}

/// The running application and a client for it.
pub struct TestApp {
    pub backend: Backend,
    pub base: String,
    pub config: Config,
    pub pool: DbPool,
    /// The search engine, to take it offline as an outage would.
    pub search: Arc<pasar_catalog::search::Switchable>,
    /// The application's clock: `advance_days` moves it forward.
    clock: Arc<ShiftedClock>,
    /// Between the app and Meilisearch, when the test searches with it.
    meili_proxy: Option<proxy::Proxy>,
    /// Between the app and the S3-compatible store, when files are kept there.
    s3_proxy: Option<proxy::Proxy>,
    client: awc::Client,
    handle: actix_web::dev::ServerHandle,
    // Dropped after the server handle is stopped (field order matters for Drop).
    _pg: Option<PgDatabase>,
    pub dir: tempfile::TempDir,
}

/// The shipped defaults (`config/default.toml`), untouched by the environment.
pub fn default_config() -> Config {
    Config::load_from(None, figment::providers::Env::prefixed("PASAR_TESTS_IGNORE__"), None)
        .expect("default configuration")
}

/// A bank for `[[payments.banks]]`: `code` with the prefix `psid`, not yet connected.
pub fn bank(code: &str, name: &str, psid: &str) -> pasar_server::config::BankConfig {
    pasar_server::config::BankConfig {
        code: code.into(),
        name: name.into(),
        partner_service_id: psid.into(),
        partner_service_id_padding: Default::default(),
        snap_client_id: String::new(),
        snap_client_secret: String::new(),
        snap_client_secret_file: String::new(),
        snap_bank_public_key: String::new(),
        snap_partner_id: String::new(),
        snap_signature_encoding: Default::default(),
    }
}

impl TestApp {
    pub async fn start(backend: Backend, options: Options) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let pg = (backend == Backend::Postgres).then(PgDatabase::create);
        let mut config = default_config();
        config.server.bind = "127.0.0.1:0".parse().unwrap();
        config.server.workers = 2;
        config.data.dir = dir.path().to_path_buf();
        config.database.url = match &pg {
            Some(db) => db.url.clone(),
            None => format!("sqlite://{}", dir.path().join("pasar.db").display()),
        };
        config.mail.poll_interval_ms = 50;
        config.search.poll_interval_ms = 50;
        if let Some(url) = &options.smtp_url {
            config.mail.smtp_url = url.clone();
        }
        if let Some(limit) = options.json_limit_bytes {
            config.server.json_limit_bytes = limit;
        }
        if let Some(limit) = options.upload_limit_bytes {
            config.uploads.max_bytes = limit;
        }
        config.server.trust_forwarded_for = options.trust_forwarded_for;
        if let Some(secs) = options.reminder_interval_secs {
            config.vendors.reminder_interval_secs = secs;
        }
        if let Some(n) = options.outbox_max_attempts {
            config.outbox.max_attempts = n;
        }
        if let Some(zone) = &options.time_zone {
            config.marketplace.time_zone = zone.clone();
        }
        if let Some(payments) = &options.payments {
            config.payments = payments.clone();
        }
        let meili_proxy = if options.meilisearch {
            let url = std::env::var("MEILI_URL").expect("MEILI_URL");
            let target = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
            let proxy = proxy::Proxy::start(target);
            config.search.meilisearch_url = format!("http://{}", proxy.addr);
            config.search.meilisearch_api_key = std::env::var("MEILI_MASTER_KEY").unwrap_or_default();
            config.search.meilisearch_index = format!("test_{}", uuid::Uuid::now_v7().simple());
            Some(proxy)
        } else {
            None
        };
        let s3_proxy = if options.s3 {
            let files = pasar_server::files::testing::s3_from_env().expect("TEST_S3_URL (check s3_available first)");
            let target = files.s3_endpoint.trim_start_matches("http://").trim_end_matches('/').to_owned();
            let proxy = proxy::Proxy::start(target);
            config.files = pasar_server::config::FilesConfig { s3_endpoint: format!("http://{}", proxy.addr), ..files };
            Some(proxy)
        } else {
            None
        };
        config.validate().expect("test configuration is valid");
        let seed = AdminSeed { email: ADMIN_EMAIL.into(), password: Some(ADMIN_PASSWORD.into()) };
        let clock = Arc::new(ShiftedClock::default());
        let app = Application::build_with_clock(&config, &seed, clock.clone()).expect("application starts");
        let base = format!("http://{}", app.addr());
        let pool = app.state.pool.clone();
        let handle = app.handle();
        let search = app.search.clone();
        actix_web::rt::spawn(app.run_until_stopped());
        let client = awc::Client::builder().timeout(Duration::from_secs(60)).disable_redirects().finish();
        TestApp { backend, base, config, pool, search, clock, meili_proxy, s3_proxy, client, handle, _pg: pg, dir }
    }

    /// Moves the application's clock `days` ahead, as if that much time had passed.
    pub fn advance_days(&self, days: i64) {
        self.clock.advance(chrono::TimeDelta::days(days));
    }

    /// Moves the application's clock ahead by `by`.
    pub fn advance(&self, by: chrono::TimeDelta) {
        self.clock.advance(by);
    }

    /// The time as the application sees it.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        use pasar_core::clock::Clock;
        self.clock.now()
    }

    /// Moves the application's clock `secs` seconds ahead.
    pub fn advance_secs(&self, secs: i64) {
        self.clock.advance(chrono::TimeDelta::seconds(secs));
    }

    /// Sets the application's clock to `at` (which must not be in the past), as if the
    /// wall clock read that instant now.
    pub fn set_now(&self, at: chrono::DateTime<chrono::Utc>) {
        use pasar_core::Clock;
        let ahead = at - self.clock.now();
        assert!(ahead >= chrono::TimeDelta::zero(), "the test clock only moves forward");
        self.clock.advance(ahead);
    }

    /// Starts another instance of the application on the same database and data folder
    /// (its own port, its own embedded search index), after `adjust` changes its
    /// configuration: what a restart, or a second server, does at start-up. Returns its
    /// base URL and a handle that stops it.
    pub async fn start_another(&self, adjust: impl FnOnce(&mut Config)) -> (String, actix_web::dev::ServerHandle) {
        let mut config = self.config.clone();
        config.search.dir =
            self.dir.path().join(format!("search-{}", uuid::Uuid::now_v7().simple())).display().to_string();
        adjust(&mut config);
        config.validate().expect("configuration of the other instance is valid");
        let seed = AdminSeed { email: ADMIN_EMAIL.into(), password: Some(ADMIN_PASSWORD.into()) };
        let app = Application::build_with_clock(&config, &seed, self.clock.clone()).expect("another instance starts");
        let base = format!("http://{}", app.addr());
        let handle = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        (base, handle)
    }

    /// A GET to another instance (see [`TestApp::start_another`]).
    pub async fn get_from(&self, base: &str, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.client.get(format!("{base}{path}"));
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        Self::reply(req.send().await.expect("request sent")).await
    }

    pub fn name(&self) -> &'static str {
        match (self.backend, self.meili_proxy.is_some()) {
            (Backend::Sqlite, false) => "sqlite",
            (Backend::Postgres, false) => "postgres",
            (Backend::Sqlite, true) => "sqlite+meilisearch",
            (Backend::Postgres, true) => "postgres+meilisearch",
        }
    }

    /// Stops or restarts the search engine: Meilisearch is unplugged at the network,
    /// the embedded engine switched off in the process.
    pub fn search_down(&self, down: bool) {
        match &self.meili_proxy {
            Some(p) => p.set_down(down),
            None => self.search.set_down(down),
        }
    }

    /// Unplugs the S3-compatible store (or plugs it back in), as an outage would.
    pub fn files_down(&self, down: bool) {
        self.s3_proxy.as_ref().expect("started with Options::s3").set_down(down);
    }

    /// Any request; `body` is sent as JSON when given.
    pub async fn request(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        let resp = match body {
            Some(b) => req.send_json(&b).await,
            None => req.send().await,
        };
        Self::reply(resp.expect("request sent")).await
    }

    /// A request with extra headers (raw bytes, so that malformed values can be sent too);
    /// `body` is sent as JSON when given.
    pub async fn request_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &[u8])],
        body: Option<Value>,
    ) -> Reply {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        for (name, value) in headers {
            let value = awc::http::header::HeaderValue::from_bytes(value).expect("a header value");
            req = req.append_header((*name, value));
        }
        let resp = match body {
            Some(b) => req.send_json(&b).await,
            None => req.send().await,
        };
        Self::reply(resp.expect("request sent")).await
    }

    /// A request with a raw body and content type.
    pub async fn request_raw(&self, method: &str, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        self.request_bytes(method, path, &[("content-type", content_type.as_bytes())], body).await
    }

    /// A request with a raw body and the given headers.
    pub async fn request_bytes(&self, method: &str, path: &str, headers: &[(&str, &[u8])], body: Vec<u8>) -> Reply {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, format!("{}{}", self.base, path));
        for (name, value) in headers {
            let value = awc::http::header::HeaderValue::from_bytes(value).expect("a header value");
            req = req.append_header((*name, value));
        }
        Self::reply(req.send_body(body).await.expect("request sent")).await
    }

    async fn reply<S>(mut resp: awc::ClientResponse<S>) -> Reply
    where
        S: futures_core::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
    {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.body().limit(20 << 20).await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply { status, headers, body }
    }

    /// A JSON POST from the client address `from` (an `X-Forwarded-For`, which the app
    /// believes only with [`Options::trust_forwarded_for`]).
    pub async fn post_from(&self, from: &str, path: &str, body: Value) -> Reply {
        let resp = self
            .client
            .post(format!("{}{}", self.base, path))
            .insert_header(("x-forwarded-for", from))
            .send_json(&body)
            .await;
        Self::reply(resp.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request("GET", path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request("POST", path, token, Some(body)).await
    }

    /// Logs in; returns the whole token pair.
    pub async fn login_pair(&self, email: &str, password: &str) -> Value {
        self.post("/api/v1/auth/login", None, json!({ "email": email, "password": password })).await.expect(200)
    }

    /// Logs in; returns the access token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        self.login_pair(email, password).await["access_token"].as_str().expect("access token").to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Creates a staff user (a second curator, administrator, …) in the administrator's
    /// own organisation, the platform's; returns its id.
    pub async fn create_platform_user(&self, admin: &str, email: &str, roles: &[&str]) -> String {
        let me = self.get("/api/v1/me", Some(admin)).await.expect(200);
        let platform = me["organization"]["id"].as_str().expect("organization id").to_owned();
        self.create_user(admin, &platform, email, roles).await
    }

    /// Creates an organisation as `token`; returns its id.
    pub async fn create_org(&self, token: &str, kind: &str, name: &str, parent: Option<&str>) -> String {
        let region = (kind != "vendor").then_some("35.76");
        let body = json!({ "kind": kind, "name": name, "parent_id": parent, "region_code": region });
        let org = self.post("/api/v1/organizations", Some(token), body).await.expect(201);
        org["id"].as_str().expect("id").to_owned()
    }

    /// Creates a user with [`PASSWORD`]; returns the user's id.
    pub async fn create_user(&self, token: &str, org: &str, email: &str, roles: &[&str]) -> String {
        let body = json!({ "organization_id": org, "email": email, "name": email.split('@').next().unwrap(),
                           "roles": roles, "password": PASSWORD });
        let user = self.post("/api/v1/users", Some(token), body).await.expect(201);
        user["id"].as_str().expect("id").to_owned()
    }

    /// A connection to this app's database, for checks a user cannot make over HTTP.
    pub fn db(&self) -> pasar_db::PooledConn {
        self.pool.get().expect("db connection")
    }

    /// Waits until `check` holds, polling; panics after `secs`.
    pub async fn eventually<F: FnMut() -> bool>(&self, secs: u64, what: &str, mut check: F) {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        while !check() {
            assert!(std::time::Instant::now() < deadline, "[{}] timed out waiting for: {what}", self.name());
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting and let the workers go; the database is dropped after.
        let stop = self.handle.stop(false);
        drop(stop);
    }
}

/// A small organisation tree with one user per role, for access-control tests.
pub struct World {
    pub admin: String,
    pub pemda: String,
    pub opd: String,
    pub satker_a: String,
    pub satker_b: String,
    pub vendor_a: String,
    pub vendor_b: String,
    /// role name → (user id, access token)
    pub users: Vec<(&'static str, String, String)>,
}

impl World {
    pub async fn build(app: &TestApp) -> World {
        let admin = app.admin_token().await;
        let pemda = app.create_org(&admin, "pemda", "Pemerintah Kota Mojokerto", None).await;
        let opd = app.create_org(&admin, "opd", "Dinas Pendidikan", Some(&pemda)).await;
        let satker_a = app.create_org(&admin, "satker", "SDN Kranggan 1", Some(&opd)).await;
        let satker_b = app.create_org(&admin, "satker", "SMPN 2 Mojokerto", Some(&opd)).await;
        let vendor_a = app.create_org(&admin, "vendor", "UD Batik Majapahit", None).await;
        let vendor_b = app.create_org(&admin, "vendor", "Koperasi Onde-Onde", None).await;
        let specs: [(&'static str, &str, &str); 8] = [
            ("curator", "curator@pasar.test", pemda.as_str()),
            ("auditor", "auditor@pasar.test", pemda.as_str()),
            ("vendor_owner", "owner@batik.test", vendor_a.as_str()),
            ("vendor_staff", "staff@batik.test", vendor_a.as_str()),
            ("pejabat_pengadaan", "pp@sdn1.test", satker_a.as_str()),
            ("ppk", "ppk@sdn1.test", satker_a.as_str()),
            ("bendahara", "bendahara@sdn1.test", satker_a.as_str()),
            ("vendor_owner_b", "owner@onde.test", vendor_b.as_str()),
        ];
        let mut users = Vec::new();
        for (role, email, org) in specs {
            let real_role = role.trim_end_matches("_b");
            let id = app.create_user(&admin, org, email, &[real_role]).await;
            let token = app.login(email, PASSWORD).await;
            users.push((role, id, token));
        }
        World { admin, pemda, opd, satker_a, satker_b, vendor_a, vendor_b, users }
    }

    pub fn token(&self, role: &str) -> &str {
        &self.users.iter().find(|(r, _, _)| *r == role).expect("role").2
    }

    pub fn user_id(&self, role: &str) -> &str {
        &self.users.iter().find(|(r, _, _)| *r == role).expect("role").1
    }
}

impl TestApp {
    /// Ids of organisations of one kind, straight from the database.
    pub async fn get_ids_of_kind(&self, kind: &str) -> Vec<String> {
        use diesel::prelude::*;
        use pasar_db::schema::organizations::dsl;
        let mut conn = self.db();
        dsl::organizations
            .filter(dsl::kind.eq(kind))
            .select(dsl::id)
            .order(dsl::id.asc())
            .load(&mut *conn)
            .expect("query")
    }
}

/// The one-time token (`<uuid>.<secret>`) on a line of its own in a mail's text.
pub fn token_in(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|l| l.len() > 40 && l.split_once('.').is_some_and(|(id, _)| uuid::Uuid::try_parse(id).is_ok()))
        .map(str::to_owned)
}

/// A tiny but real PDF, for uploads.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
/// The start of a real PNG.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

impl TestApp {
    /// A multipart/form-data request: text fields, then an optional file
    /// `(file name, declared content type, bytes)`.
    pub async fn multipart(
        &self,
        method: &str,
        path: &str,
        token: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> Reply {
        let boundary = "----pasar-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        if let Some((file_name, content_type, bytes)) = file {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let resp = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("content-type", format!("multipart/form-data; boundary={boundary}")))
            .send_body(body)
            .await;
        Self::reply(resp.expect("request sent")).await
    }

    /// A raw GET returning status, content type and bytes (downloads).
    pub async fn download(&self, path: &str, token: &str) -> (u16, String, Vec<u8>) {
        let mut resp = self
            .client
            .get(format!("{}{}", self.base, path))
            .insert_header(("authorization", format!("Bearer {token}")))
            .send()
            .await
            .expect("request sent");
        let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let bytes = resp.body().limit(20 << 20).await.expect("body").to_vec();
        (resp.status().as_u16(), ct, bytes)
    }

    /// Mails queued for `to` (the outbox's headers: their content goes once delivered),
    /// oldest first.
    pub fn mails_to(&self, to: &str) -> Vec<pasar_db::outbox::OutboxMessage> {
        let mut all = pasar_db::outbox::latest(&mut self.db(), 1000).expect("outbox");
        all.retain(|m| m.recipient == to);
        all.reverse();
        all
    }

    /// The text of the latest mail to `to` whose subject contains `subject`, as the
    /// person receives it: waits for its delivery and reads the `.eml` file the app
    /// wrote. (With `Options::smtp_url`, read the `SmtpSink` instead.)
    pub async fn delivered_mail(&self, to: &str, subject: &str) -> String {
        assert!(self.config.mail.smtp_url.is_empty(), "this app sends through SMTP: read the mail from the sink");
        let mut id = None;
        self.eventually(20, &format!("a mail to {to} about '{subject}' delivered"), || {
            id = self.mails_to(to).into_iter().rev().find(|m| m.subject.contains(subject)).and_then(|m| {
                let file = self.config.outbox_dir().join(format!("{}.eml", m.id));
                (m.status == "sent" && file.is_file()).then_some(file)
            });
            id.is_some()
        })
        .await;
        let path = id.expect("delivered");
        let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        smtp::message_text(&raw)
    }

    /// The token of the latest verification mail to `to`, as delivered.
    pub async fn verification_token(&self, to: &str) -> String {
        token_in(&self.delivered_mail(to, "Confirm your email").await).expect("token line")
    }

    /// Registers a vendor and verifies its owner; returns `(vendor id, owner token)`.
    pub async fn register_vendor(&self, email: &str, legal_name: &str, legal_form: &str) -> (String, String) {
        let body = json!({ "email": email, "password": PASSWORD, "owner_name": "Pemilik", "legal_name": legal_name, "legal_form": legal_form });
        self.post("/api/v1/vendors/register", None, body).await.expect(202);
        let token = self.verification_token(email).await;
        self.post("/api/v1/auth/verify-email", None, json!({ "token": token })).await.expect(200);
        let access = self.login(email, PASSWORD).await;
        let me = self.get("/api/v1/me", Some(&access)).await.expect(200);
        (me["organization"]["id"].as_str().expect("vendor id").to_owned(), access)
    }

    /// Fills in a complete profile (NIB from `nib`) and uploads the required documents.
    pub async fn complete_vendor(&self, vendor: &str, token: &str, nib: &str) {
        let profile = json!({
            "nib": nib, "npwp": "01.234.567.8-901.000", "kbli_codes": ["13134", "47711"],
            "address": { "street": "Jl. Majapahit 17", "region_code": "35.76.01", "postal_code": "61318" },
            "contact": { "phone": "0812-3456-7890" },
            "business_capital_idr": 350_000_000, "tax_status": "non_pkp",
            "bank_account": { "bank_name": "Bank Jatim", "account_number": "0011223344", "account_holder": "UD Batik" }
        });
        self.request("PATCH", &format!("/api/v1/vendors/{vendor}"), Some(token), Some(profile)).await.expect(200);
        for kind in ["nib", "npwp", "bank_account"] {
            let fields = [("kind", kind), ("number", "123"), ("valid_until", "2099-12-31")];
            self.multipart(
                "POST",
                &format!("/api/v1/vendors/{vendor}/documents"),
                token,
                &fields,
                Some(("doc.pdf", "application/pdf", PDF)),
            )
            .await
            .expect(201);
        }
    }

    /// Registers, completes, submits and approves a vendor (curated by `curator`).
    pub async fn approved_vendor(&self, curator: &str, email: &str, legal_name: &str, nib: &str) -> (String, String) {
        let (vendor, token) = self.register_vendor(email, legal_name, "ud").await;
        self.complete_vendor(&vendor, &token, nib).await;
        self.post(&format!("/api/v1/vendors/{vendor}/submit"), Some(&token), json!({})).await.expect(200);
        self.post(&format!("/api/v1/vendors/{vendor}/claim"), Some(curator), json!({})).await.expect(200);
        self.post(&format!("/api/v1/vendors/{vendor}/review"), Some(curator), json!({ "decision": "approve" }))
            .await
            .expect(200);
        (vendor, token)
    }
}
