//! The `pasar` server: configuration, start-up, background workers.
//!
//! [`Application::build`] does everything the binary does before serving — pool,
//! migrations, JWT secret, first administrator, listener, workers — so the black-box
//! tests start exactly what production runs.

pub mod config;
pub mod demo;
pub mod files;
pub mod mail;
pub mod outbox;
pub mod search;
pub mod webhook;
pub mod worker;

use anyhow::Context;
use config::{Config, LogFormat};
use pasar_api::{AppState, Limits};
use pasar_auth::service::{self as auth_service, Bootstrap};
use pasar_auth::JwtKeys;
use pasar_core::clock::{SharedClock, SystemClock};
use pasar_db::{migrate, DbPool};
use rand::RngCore;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Sets up logging once per process (later calls are ignored).
pub fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log.level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = match config.log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Opens the pool and brings the schema up to date.
pub fn open_database(config: &Config) -> anyhow::Result<DbPool> {
    let url = config.database_url()?;
    let pool = pasar_db::conn::pool(
        &url,
        config.database.pool_size,
        Duration::from_secs(config.database.acquire_timeout_secs),
    )
    .map_err(anyhow::Error::msg)?;
    let mut conn = pool.get().context("no database connection")?;
    let applied = migrate::run_pending(&mut conn).context("running migrations")?;
    for name in applied {
        tracing::info!(migration = %name, "applied migration");
    }
    // Documents issued before their register existed get their hash now (see
    // migration 2026-12-02-000020): once, and a restart finds nothing left to do.
    let orders = config.order_settings(std::sync::Arc::new(config.vendor_settings()));
    let registered = pasar_order::documents::backfill(&mut conn, &orders, chrono::Utc::now())
        .map_err(|e| anyhow::anyhow!("registering the documents of earlier orders: {e}"))?;
    if registered > 0 {
        tracing::info!(documents = registered, "registered the hashes of earlier documents");
    }
    Ok(pool)
}

/// The HS256 key: from configuration, else `<data.dir>/jwt-secret`, created on first
/// start (readable by the owner only).
pub fn jwt_secret(config: &Config) -> anyhow::Result<Vec<u8>> {
    if !config.auth.jwt_secret.is_empty() {
        return Ok(config.auth.jwt_secret.as_bytes().to_vec());
    }
    let path = config.data.dir.join("jwt-secret");
    if path.is_file() {
        let s = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let s = s.trim();
        anyhow::ensure!(s.len() >= 32, "{} is too short; delete it to generate a new one", path.display());
        return Ok(s.as_bytes().to_vec());
    }
    std::fs::create_dir_all(&config.data.dir).with_context(|| format!("creating {}", config.data.dir.display()))?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a JWT secret");
    Ok(secret.into_bytes())
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

/// Who the first administrator is, when the database has none yet.
#[derive(Debug, Clone)]
pub struct AdminSeed {
    pub email: String,
    /// `None`: generate one and show it once.
    pub password: Option<String>,
}

impl AdminSeed {
    /// From `PASAR_ADMIN_EMAIL` and `PASAR_ADMIN_PASSWORD`, with `admin@pasar.local`
    /// and a generated password where they are unset.
    pub fn from_env() -> AdminSeed {
        AdminSeed {
            email: std::env::var("PASAR_ADMIN_EMAIL")
                .ok()
                .filter(|e| !e.is_empty())
                .unwrap_or_else(|| "admin@pasar.local".into()),
            password: std::env::var("PASAR_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty()),
        }
    }
}

/// Creates the first administrator unless one exists.
pub fn ensure_admin(
    config: &Config,
    pool: &DbPool,
    clock: &SharedClock,
    seed: &AdminSeed,
) -> anyhow::Result<Bootstrap> {
    let mut conn = pool.get()?;
    auth_service::bootstrap_admin(
        &mut conn,
        &config.auth_settings(),
        clock.now(),
        &config.marketplace.name,
        auth_service::AdminAccount { email: &seed.email, name: "Administrator", password: seed.password.as_deref() },
        false,
    )
    .map_err(|e| anyhow::anyhow!("creating the first administrator: {e} {:?}", pasar_core::ErrorCode::field_errors(&e)))
}

/// Seals audit entries that a write left unsealed (a crash or a lost connection between
/// its commit and the sealing that follows it; see `pasar_db::audit`). On SQLite entries
/// are sealed as they are written, and this finds nothing.
fn audit_sealer(pool: DbPool) -> worker::Worker {
    worker::Worker::spawn("pasar-audit", Duration::from_secs(5), move || {
        let sealed = pool
            .get()
            .map_err(|e| e.to_string())
            .and_then(|mut conn| pasar_db::audit::seal_pending(&mut conn).map_err(|e| e.to_string()));
        match sealed {
            Ok(n) if n > 0 => tracing::info!(entries = n, "sealed audit entries left unsealed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sealing the audit log failed"),
        }
        false
    })
}

/// Loads each configured holiday list (`calendar.holidays`) whose year the database has
/// not seen yet. A year loaded before is left to the administrators' edits.
pub fn seed_calendar(config: &Config, pool: &DbPool, clock: &SharedClock) -> anyhow::Result<()> {
    let mut conn = pool.get()?;
    for (year, days) in config.configured_holidays()? {
        let added = pasar_auth::calendar::seed_year(&mut conn, clock.now(), year, &days)
            .map_err(|e| anyhow::anyhow!("loading the {year} holidays (calendar.holidays): {e}"))?;
        if let Some(n) = added {
            tracing::info!(year, days = n, "loaded the holiday calendar");
        }
    }
    Ok(())
}

/// A built, listening application, not yet serving.
pub struct Application {
    server: actix_web::dev::Server,
    addr: SocketAddr,
    outbox: worker::Worker,
    search_worker: worker::Worker,
    audit_sealer: worker::Worker,
    pub state: AppState,
    /// The search engine, which tests (and operators) can take offline.
    pub search: Arc<pasar_catalog::search::Switchable>,
    pub search_engine: String,
    pub bootstrap: Bootstrap,
    pub mail_transport: String,
}

impl Application {
    pub fn build(config: &Config, admin: &AdminSeed) -> anyhow::Result<Application> {
        Self::build_with_clock(config, admin, Arc::new(SystemClock))
    }

    /// Builds the application on the given clock (tests move time forward with one).
    pub fn build_with_clock(config: &Config, admin: &AdminSeed, clock: SharedClock) -> anyhow::Result<Application> {
        let files = files::open(config)?;
        let pool = open_database(config)?;
        let keys = JwtKeys::from_secret(&jwt_secret(config)?);
        let bootstrap = ensure_admin(config, &pool, &clock, admin)?;
        seed_calendar(config, &pool, &clock)?;
        let search = Arc::new(pasar_catalog::search::Switchable::new(search::open_index(config)?));
        if config.search.meilisearch_url.is_empty() && pool.get()?.backend() == pasar_db::Backend::Postgres {
            tracing::warn!(
                "the embedded search index belongs to this instance alone; if several instances share this \
                 database, set search.meilisearch_url so that they share one index"
            );
        }
        let vendors = Arc::new(config.vendor_settings());
        // Orders signed before the daily P3DN sums existed are summed once, in the
        // marketplace's time zone, all or nothing.
        let summed = pasar_db::write_tx(&mut *pool.get()?, |conn| {
            pasar_order::store::rebuild_p3dn_daily(conn, vendors.time_zone)
        })?;
        if summed > 0 {
            tracing::info!(lines = summed, "summed earlier P3DN lines by day");
        }
        let state = AppState {
            pool: pool.clone(),
            keys,
            auth: Arc::new(config.auth_settings()),
            vendors: vendors.clone(),
            orders: Arc::new(config.order_settings(vendors)),
            payments: Arc::new(config.payment_settings()?),
            reports: Arc::new(config.reports.clone()),
            files,
            clock: clock.clone(),
            limits: Limits {
                json_bytes: config.server.json_limit_bytes,
                upload_bytes: config.uploads.max_bytes,
                import_rows: config.catalog.import_max_rows,
            },
            trust_forwarded_for: config.server.trust_forwarded_for,
            search: search.clone(),
            idempotency_ttl: chrono::TimeDelta::hours(config.server.idempotency_key_hours.into()),
            ocds: Arc::new(config.ocds_settings()?),
        };
        let listener = TcpListener::bind(config.server.bind)
            .with_context(|| format!("cannot listen on {} (server.bind)", config.server.bind))?;
        let addr = listener.local_addr()?;
        let app_state = state.clone();
        let mut http =
            actix_web::HttpServer::new(move || pasar_api::app_with_pages(app_state.clone(), pasar_web::configure))
                .shutdown_timeout(10)
                .listen(listener)?;
        if config.server.workers > 0 {
            http = http.workers(config.server.workers);
        }
        let server = http.run();
        let transport =
            mail::Transport::from_config(&config.mail.smtp_url, config.outbox_dir()).map_err(anyhow::Error::msg)?;
        let mail_transport = transport.describe();
        let from = config.mail.from.parse().context("mail.from")?;
        let chores = outbox::Chores {
            vendors: state.vendors.clone(),
            reminder_interval: Duration::from_secs(config.vendors.reminder_interval_secs),
        };
        // Each kind of message has its deliverer here: bank calls join mail and webhooks.
        let deliverers = outbox::Deliverers::default()
            .with(mail::Mailer { transport, from })
            .with(webhook::WebhookDeliverer::new(pool.clone(), clock.clone())?);
        let outbox = outbox::start(pool.clone(), clock.clone(), deliverers, config.outbox_settings(), chores);
        let audit_sealer = audit_sealer(pool.clone());
        let search_worker = search::start(
            pool,
            clock,
            state.vendors.clone(),
            search::worker_index(config, search.clone())?,
            Duration::from_millis(config.search.poll_interval_ms),
        )?;
        let search_engine = search::describe(config);
        Ok(Application {
            server,
            addr,
            outbox,
            search_worker,
            audit_sealer,
            state,
            search,
            bootstrap,
            mail_transport,
            search_engine,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle that stops the server (tests, signals).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (Ctrl-C / SIGTERM stop it gracefully), then stops the workers.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application { server, mut outbox, mut search_worker, mut audit_sealer, .. } = self;
        let result = server.await;
        outbox.stop();
        search_worker.stop();
        audit_sealer.stop();
        result
    }
}
