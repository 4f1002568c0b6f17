//! Configuration: `config/default.toml` (compiled in) < `--config FILE` < environment
//! (`PASAR__SECTION__KEY`, and `DATABASE_URL`). A wrong value stops start-up with a
//! message that names the key.

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use pasar_core::RegionCode;
use pasar_db::DbUrl;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The defaults, the same file as `config/default.toml` in the repository.
pub const DEFAULTS: &str = include_str!("../../../config/default.toml");

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub data: DataConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub mail: MailConfig,
    pub outbox: OutboxConfig,
    pub marketplace: MarketplaceConfig,
    pub vendors: VendorsConfig,
    pub uploads: UploadsConfig,
    pub files: FilesConfig,
    pub catalog: CatalogConfig,
    pub search: SearchConfig,
    pub calendar: CalendarConfig,
    pub orders: OrdersConfig,
    pub payments: PaymentsConfig,
    pub reports: pasar_report::ReportSettings,
    pub ocds: OcdsConfig,
    pub log: LogConfig,
}

/// The open-contracting feed (`[ocds]`): who publishes it, under which ocid prefix and
/// license.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcdsConfig {
    /// `ocds-` and the six characters registered with the OCDS Data Support Team,
    /// optionally followed by `-` and a part of one's own.
    pub ocid_prefix: String,
    /// Empty: `marketplace.name`.
    pub publisher_name: String,
    /// Empty: none.
    pub publisher_uri: String,
    /// The data's license, a URL; empty: none stated.
    pub license: String,
    /// A URL of the publication policy; empty: none.
    pub publication_policy: String,
    /// Seconds after its event before a release appears in the feed.
    pub settle_secs: u32,
}

/// Payment by virtual account: the VA numbers Pasar issues and the banks that call it
/// (SNAP). Secrets may come from files rather than this file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentsConfig {
    pub customer_no_digits: usize,
    pub va_valid_working_days: u32,
    /// How far `X-TIMESTAMP` may be from Pasar's clock, either way, for every bank.
    pub snap_timestamp_window_secs: u32,
    /// The banks; the first is used when the bendahara names none. Empty: no VA is issued.
    pub banks: Vec<BankConfig>,
}

/// One bank (`[[payments.banks]]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankConfig {
    /// A short code of our own: lower-case letters, digits and `-`.
    pub code: String,
    /// What people read; the code when empty.
    #[serde(default)]
    pub name: String,
    /// The bank's prefix of every VA number, 1 to 8 digits.
    pub partner_service_id: String,
    /// `space` or `zero`: how the prefix is padded to 8 characters.
    #[serde(default)]
    pub partner_service_id_padding: pasar_payment_virtual_account::model::Padding,
    /// Empty: the bank's calls are refused (VAs can be issued before it connects).
    #[serde(default)]
    pub snap_client_id: String,
    #[serde(default)]
    pub snap_client_secret: String,
    #[serde(default)]
    pub snap_client_secret_file: String,
    /// The bank's RSA public key: PEM text, or the path of a PEM file.
    #[serde(default)]
    pub snap_bank_public_key: String,
    #[serde(default)]
    pub snap_partner_id: String,
    #[serde(default)]
    pub snap_signature_encoding: pasar_payment_virtual_account::snap::SignatureEncoding,
}

/// Buying rules: deadlines in working days, dated ceilings, dated taxes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrdersConfig {
    pub ppk_approval_working_days: u32,
    pub vendor_confirmation_working_days: u32,
    pub ceilings: Vec<pasar_order::settings::Ceilings>,
    pub tax: pasar_order::tax::TaxRules,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    pub public_url: String,
    pub workers: usize,
    pub json_limit_bytes: usize,
    pub trust_forwarded_for: bool,
    pub idempotency_key_hours: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: String,
    pub pool_size: u32,
    pub acquire_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub jwt_secret: String,
    pub access_token_ttl_secs: u32,
    pub refresh_token_ttl_secs: u32,
    pub max_failures_per_account_and_address: u16,
    pub max_failures_per_account: u16,
    pub max_failures_per_address: u16,
    pub failure_window_secs: u32,
    pub lockout_secs: u32,
    pub max_lockout_secs: u32,
    pub password_reset_ttl_secs: u32,
    pub password_resets_per_email: u16,
    pub password_resets_per_address: u16,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    pub from: String,
    pub smtp_url: String,
    pub outbox_dir: String,
    pub poll_interval_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxConfig {
    pub max_attempts: u16,
    pub retention_days: u16,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketplaceConfig {
    pub name: String,
    pub region_codes: Vec<String>,
    /// An IANA zone name; see [`Config::time_zone`].
    pub time_zone: String,
}

/// The configured holiday lists, per year (`[calendar.holidays]`, keys are years).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    #[serde(default)]
    pub holidays: std::collections::BTreeMap<String, Vec<HolidayConfig>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayConfig {
    /// `YYYY-MM-DD`
    pub date: String,
    pub name: String,
    /// `national_holiday` or `cuti_bersama`
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorsConfig {
    pub required_documents: Vec<String>,
    pub mikro_capital_idr: i64,
    pub kecil_capital_idr: i64,
    pub menengah_capital_idr: i64,
    pub mikro_sales_idr: i64,
    pub kecil_sales_idr: i64,
    pub menengah_sales_idr: i64,
    pub reminder_interval_secs: u64,
    pub registrations_per_address: u16,
    pub claim_hours: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadsConfig {
    pub max_bytes: usize,
}

/// Where uploaded files are kept: `<data.dir>/files`, or an S3-compatible bucket when
/// `s3_bucket` is set.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesConfig {
    pub s3_bucket: String,
    /// Empty: AWS S3 in `s3_region`.
    pub s3_endpoint: String,
    pub s3_region: String,
    pub s3_access_key_id: String,
    pub s3_secret_access_key: String,
    /// `https://endpoint/bucket/key`; `false`: `https://bucket.endpoint/key`.
    pub s3_path_style: bool,
    /// Allow an `http://` endpoint (a store on the same host or private network).
    pub s3_allow_http: bool,
    /// Every key goes under this folder of the bucket (several deployments, one bucket).
    pub s3_prefix: String,
}

impl std::fmt::Debug for FilesConfig {
    // By hand, so that the secret never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilesConfig")
            .field("s3_bucket", &self.s3_bucket)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_region", &self.s3_region)
            .field("s3_access_key_id", &self.s3_access_key_id)
            .field("s3_secret_access_key", &if self.s3_secret_access_key.is_empty() { "" } else { "[secret]" })
            .field("s3_path_style", &self.s3_path_style)
            .field("s3_allow_http", &self.s3_allow_http)
            .field("s3_prefix", &self.s3_prefix)
            .finish()
    }
}

impl FilesConfig {
    /// The endpoint as people read it: the configured one, or AWS's for the region.
    pub fn endpoint(&self) -> String {
        if self.s3_endpoint.is_empty() {
            format!("https://s3.{}.amazonaws.com", self.s3_region)
        } else {
            self.s3_endpoint.trim_end_matches('/').to_owned()
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.s3_bucket.is_empty() {
            let set = [
                ("files.s3_endpoint", &self.s3_endpoint),
                ("files.s3_access_key_id", &self.s3_access_key_id),
                ("files.s3_secret_access_key", &self.s3_secret_access_key),
                ("files.s3_prefix", &self.s3_prefix),
            ];
            if let Some((key, _)) = set.iter().find(|(_, v)| !v.is_empty()) {
                return Err(invalid("files.s3_bucket", format!("must be set when {key} is (or empty {key})")));
            }
            return Ok(());
        }
        let b = self.s3_bucket.as_bytes();
        let bucket_ok = (3..=63).contains(&b.len())
            && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'.'))
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric();
        if !bucket_ok {
            return Err(invalid(
                "files.s3_bucket",
                "must be 3 to 63 lowercase letters, digits, - or ., beginning and ending with a letter or digit",
            ));
        }
        let e = &self.s3_endpoint;
        if !(e.is_empty() || e.starts_with("https://") || e.starts_with("http://")) {
            return Err(invalid("files.s3_endpoint", "must start with https:// or http:// (or be empty for AWS)"));
        }
        if e.starts_with("http://") && !self.s3_allow_http {
            return Err(invalid(
                "files.s3_allow_http",
                "must be true for an http:// files.s3_endpoint (unencrypted: for a store on this host or a private network only)",
            ));
        }
        if self.s3_region.trim().is_empty() {
            return Err(invalid(
                "files.s3_region",
                "must not be empty (any name, e.g. us-east-1, for a store that ignores it)",
            ));
        }
        if self.s3_access_key_id.is_empty() {
            return Err(invalid("files.s3_access_key_id", "must be set when files.s3_bucket is"));
        }
        if self.s3_secret_access_key.is_empty() {
            return Err(invalid("files.s3_secret_access_key", "must be set when files.s3_bucket is"));
        }
        let prefix = self.s3_prefix.trim_matches('/');
        if !prefix.is_empty() && pasar_core::storage::check_key(prefix).is_err() {
            return Err(invalid(
                "files.s3_prefix",
                "must be folder names of letters, digits, -, _ or . separated by /",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogConfig {
    /// Most rows one CSV import through the API may have (the command line has no limit).
    pub import_max_rows: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    pub meilisearch_url: String,
    pub meilisearch_api_key: String,
    pub meilisearch_index: String,
    pub dir: String,
    pub poll_interval_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    pub level: String,
}

/// A configuration that cannot be used, with the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {}", describe(.0))]
    Parse(Box<figment::Error>),
    #[error("invalid configuration: {key}: {message}")]
    Invalid { key: String, message: String },
}

/// Each error as `section.key: what is wrong (where the value came from)`, with the key
/// spelt as in the TOML file whichever source it came from.
fn describe(e: &figment::Error) -> String {
    e.clone()
        .into_iter()
        .map(|err| {
            let key = err.path.join(".").to_lowercase();
            let source = err.metadata.as_ref().map(|m| format!(" (from {})", m.name)).unwrap_or_default();
            if key.is_empty() {
                format!("{}{source}", err.kind)
            } else {
                format!("{key}: {}{source}", err.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), message: message.into() }
}

impl Config {
    /// Loads from the defaults, `file` if given, and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_from(file, Env::prefixed("PASAR__").split("__"), std::env::var("DATABASE_URL").ok())
    }

    /// Loads from the defaults, `file` and the given sources (tests pass their own).
    pub fn load_from(file: Option<&Path>, env: Env, database_url: Option<String>) -> Result<Config, ConfigError> {
        let mut figment = Figment::new().merge(Toml::string(DEFAULTS));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(invalid("--config", format!("{} is not a readable file", path.display())));
            }
            figment = figment.merge(Toml::file(path));
        }
        figment = figment.merge(env);
        if let Some(url) = database_url.filter(|u| !u.is_empty()) {
            figment = figment.merge(("database.url", url));
        }
        let config: Config = figment.extract().map_err(|e| ConfigError::Parse(Box::new(e)))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what types alone cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.database_url()?;
        if self.database.pool_size == 0 {
            return Err(invalid("database.pool_size", "must be at least 1"));
        }
        let url = &self.server.public_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(invalid("server.public_url", "must start with http:// or https://"));
        }
        if self.server.idempotency_key_hours == 0 {
            return Err(invalid("server.idempotency_key_hours", "must be more than 0"));
        }
        self.reports.targets.check().map_err(|e| invalid("reports.targets", &e))?;
        if self.server.json_limit_bytes < 1024 {
            return Err(invalid("server.json_limit_bytes", "must be at least 1024"));
        }
        let a = &self.auth;
        if !a.jwt_secret.is_empty() && a.jwt_secret.len() < 32 {
            return Err(invalid("auth.jwt_secret", "must be at least 32 characters (or empty to generate one)"));
        }
        for (key, v) in [
            ("auth.access_token_ttl_secs", a.access_token_ttl_secs),
            ("auth.refresh_token_ttl_secs", a.refresh_token_ttl_secs),
            ("auth.failure_window_secs", a.failure_window_secs),
            ("auth.lockout_secs", a.lockout_secs),
            ("auth.password_reset_ttl_secs", a.password_reset_ttl_secs),
        ] {
            if v == 0 {
                return Err(invalid(key, "must be more than 0"));
            }
        }
        for (key, v) in [
            ("auth.max_failures_per_account_and_address", a.max_failures_per_account_and_address),
            ("auth.max_failures_per_account", a.max_failures_per_account),
            ("auth.max_failures_per_address", a.max_failures_per_address),
            ("auth.password_resets_per_email", a.password_resets_per_email),
            ("auth.password_resets_per_address", a.password_resets_per_address),
        ] {
            if v == 0 {
                return Err(invalid(key, "must be at least 1"));
            }
        }
        if a.max_lockout_secs < a.lockout_secs {
            return Err(invalid("auth.max_lockout_secs", "must be at least auth.lockout_secs"));
        }
        self.argon2()
            .validate()
            .map_err(|m| invalid("auth.argon2_memory_kib", format!("argon2 parameters are invalid: {m}")))?;
        self.mail.from.parse::<lettre::message::Mailbox>().map_err(|e| invalid("mail.from", e.to_string()))?;
        if !self.mail.smtp_url.is_empty() {
            lettre::SmtpTransport::from_url(&self.mail.smtp_url)
                .map_err(|e| invalid("mail.smtp_url", e.to_string()))?;
        }
        if self.mail.poll_interval_ms == 0 {
            return Err(invalid("mail.poll_interval_ms", "must be more than 0"));
        }
        if self.outbox.max_attempts == 0 {
            return Err(invalid("outbox.max_attempts", "must be at least 1"));
        }
        if self.outbox.retention_days == 0 {
            return Err(invalid("outbox.retention_days", "must be at least 1"));
        }
        if self.marketplace.name.trim().is_empty() {
            return Err(invalid("marketplace.name", "must not be empty"));
        }
        self.time_zone()?;
        self.configured_holidays()?;
        for code in &self.marketplace.region_codes {
            RegionCode::parse(code).map_err(|m| invalid("marketplace.region_codes", format!("'{code}' is not {m}")))?;
        }
        for kind in &self.vendors.required_documents {
            pasar_vendor_onboarding::model::DocumentKind::parse(kind)
                .map_err(|m| invalid("vendors.required_documents", m))?;
        }
        let v = &self.vendors;
        let ascending = |a: i64, b: i64, c: i64| 0 < a && a < b && b < c;
        if !ascending(v.mikro_capital_idr, v.kecil_capital_idr, v.menengah_capital_idr)
            || !ascending(v.mikro_sales_idr, v.kecil_sales_idr, v.menengah_sales_idr)
        {
            return Err(invalid(
                "vendors.mikro_capital_idr",
                "scale ceilings must be positive and rise from mikro to menengah",
            ));
        }
        if v.claim_hours == 0 {
            return Err(invalid("vendors.claim_hours", "must be more than 0"));
        }
        if v.reminder_interval_secs == 0 {
            return Err(invalid("vendors.reminder_interval_secs", "must be more than 0"));
        }
        let search = &self.search;
        let url = &search.meilisearch_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(invalid("search.meilisearch_url", "must start with http:// or https:// (or be empty)"));
        }
        let index_ok = !search.meilisearch_index.is_empty()
            && search.meilisearch_index.len() <= 100
            && search.meilisearch_index.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !index_ok {
            return Err(invalid("search.meilisearch_index", "must be 1 to 100 letters, digits, - or _"));
        }
        if search.poll_interval_ms == 0 {
            return Err(invalid("search.poll_interval_ms", "must be more than 0"));
        }
        if self.catalog.import_max_rows == 0 {
            return Err(invalid("catalog.import_max_rows", "must be at least 1"));
        }
        if self.uploads.max_bytes < 1024 {
            return Err(invalid("uploads.max_bytes", "must be at least 1024"));
        }
        self.files.validate()?;
        self.payment_settings()?;
        self.ocds_settings()?;
        tracing_subscriber::EnvFilter::try_new(&self.log.level).map_err(|e| invalid("log.level", e.to_string()))?;
        Ok(())
    }

    pub fn database_url(&self) -> Result<DbUrl, ConfigError> {
        if self.database.url.trim().is_empty() {
            let path = self.data.dir.join("pasar.db");
            return DbUrl::parse(&format!("sqlite://{}", path.display())).map_err(|m| invalid("data.dir", m));
        }
        DbUrl::parse(&self.database.url).map_err(|m| invalid("database.url", m))
    }

    /// Where people reach this server: `server.public_url`, else `http://<server.bind>`.
    pub fn public_url(&self) -> String {
        if self.server.public_url.is_empty() {
            format!("http://{}", self.server.bind)
        } else {
            self.server.public_url.trim_end_matches('/').to_owned()
        }
    }

    /// Where the embedded search engine keeps its index: `search.dir`, else
    /// `<data.dir>/search`.
    pub fn search_dir(&self) -> PathBuf {
        if self.search.dir.is_empty() {
            self.data.dir.join("search")
        } else {
            PathBuf::from(&self.search.dir)
        }
    }

    pub fn outbox_dir(&self) -> PathBuf {
        if self.mail.outbox_dir.is_empty() {
            self.data.dir.join("outbox")
        } else {
            PathBuf::from(&self.mail.outbox_dir)
        }
    }

    pub fn outbox_settings(&self) -> crate::outbox::Settings {
        crate::outbox::Settings {
            max_attempts: self.outbox.max_attempts.into(),
            retention: chrono::TimeDelta::days(self.outbox.retention_days.into()),
            poll: std::time::Duration::from_millis(self.mail.poll_interval_ms),
        }
    }

    pub fn argon2(&self) -> pasar_auth::password::Argon2Params {
        pasar_auth::password::Argon2Params {
            memory_kib: self.auth.argon2_memory_kib,
            iterations: self.auth.argon2_iterations,
            parallelism: self.auth.argon2_parallelism,
        }
    }

    /// The marketplace's time zone (`marketplace.time_zone`).
    pub fn time_zone(&self) -> Result<pasar_core::Zone, ConfigError> {
        pasar_core::Zone::parse(&self.marketplace.time_zone).map_err(|m| invalid("marketplace.time_zone", m))
    }

    /// The configured holiday lists (`calendar.holidays`), by year, each checked: the key
    /// is a year, every date a day of that year listed once, every kind known, every
    /// name given.
    pub fn configured_holidays(&self) -> Result<Vec<(i32, Vec<pasar_auth::calendar::ConfiguredHoliday>)>, ConfigError> {
        use pasar_auth::calendar::{ConfiguredHoliday, MAX_NAME_CHARS};
        use pasar_core::calendar::HolidayKind;
        let key = "calendar.holidays";
        let mut out = Vec::new();
        for (year, days) in &self.calendar.holidays {
            let y: i32 = year
                .parse()
                .ok()
                .filter(|y| (1970..=9999).contains(y))
                .ok_or_else(|| invalid(key, format!("'{year}' is not a year")))?;
            let mut list: Vec<ConfiguredHoliday> = Vec::with_capacity(days.len());
            for h in days {
                let date = chrono::NaiveDate::parse_from_str(&h.date, "%Y-%m-%d")
                    .ok()
                    .filter(|d| chrono::Datelike::year(d) == y)
                    .ok_or_else(|| {
                        invalid(key, format!("{year}: '{}' is not a date (YYYY-MM-DD) in {year}", h.date))
                    })?;
                if list.iter().any(|o| o.date == date) {
                    return Err(invalid(key, format!("{year}: {date} is listed twice")));
                }
                let kind = HolidayKind::parse(&h.kind).map_err(|m| invalid(key, format!("{date}: kind {m}")))?;
                let name = h.name.trim();
                if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
                    return Err(invalid(key, format!("{date}: name must be 1 to {MAX_NAME_CHARS} characters")));
                }
                list.push(ConfiguredHoliday { date, name: name.to_owned(), kind });
            }
            out.push((y, list));
        }
        Ok(out)
    }

    pub fn vendor_settings(&self) -> pasar_vendor_onboarding::service::VendorSettings {
        use pasar_core::Rupiah;
        let v = &self.vendors;
        pasar_vendor_onboarding::service::VendorSettings {
            scale: pasar_vendor_onboarding::model::ScaleThresholds {
                mikro_capital: Rupiah(v.mikro_capital_idr),
                kecil_capital: Rupiah(v.kecil_capital_idr),
                menengah_capital: Rupiah(v.menengah_capital_idr),
                mikro_sales: Rupiah(v.mikro_sales_idr),
                kecil_sales: Rupiah(v.kecil_sales_idr),
                menengah_sales: Rupiah(v.menengah_sales_idr),
            },
            // Validated above.
            region_codes: self.marketplace.region_codes.iter().filter_map(|c| RegionCode::parse(c).ok()).collect(),
            required_documents: v
                .required_documents
                .iter()
                .filter_map(|k| pasar_vendor_onboarding::model::DocumentKind::parse(k).ok())
                .collect(),
            marketplace_name: self.marketplace.name.clone(),
            registrations_per_address: v.registrations_per_address.max(1).into(),
            claim: chrono::TimeDelta::hours(v.claim_hours.into()),
            // Validated above.
            time_zone: self.time_zone().unwrap_or_default(),
        }
    }

    pub fn order_settings(
        &self,
        vendors: std::sync::Arc<pasar_vendor_onboarding::service::VendorSettings>,
    ) -> pasar_order::OrderSettings {
        let o = &self.orders;
        pasar_order::OrderSettings {
            vendors,
            ceilings: o.ceilings.clone(),
            ppk_days: o.ppk_approval_working_days,
            vendor_days: o.vendor_confirmation_working_days,
            tax: o.tax.clone(),
            ..Default::default()
        }
    }

    /// The payment settings, with the banks' secrets and keys read (from files if so
    /// configured).
    pub fn payment_settings(&self) -> Result<pasar_payment_virtual_account::PaymentSettings, ConfigError> {
        use pasar_payment_virtual_account::PaymentSettings;
        let p = &self.payments;
        if !(8..=20).contains(&p.customer_no_digits) {
            return Err(invalid("payments.customer_no_digits", "must be 8 to 20"));
        }
        if p.va_valid_working_days == 0 {
            return Err(invalid("payments.va_valid_working_days", "must be at least 1"));
        }
        if p.snap_timestamp_window_secs == 0 {
            return Err(invalid("payments.snap_timestamp_window_secs", "must be more than 0"));
        }
        let mut banks: Vec<pasar_payment_virtual_account::Bank> = Vec::with_capacity(p.banks.len());
        for (i, b) in p.banks.iter().enumerate() {
            let bank = bank_settings(b, &format!("payments.banks[{i}]"), p.snap_timestamp_window_secs)?;
            let clash = banks.iter().find_map(|o| {
                let same_client =
                    |x: &pasar_payment_virtual_account::Bank, y: &pasar_payment_virtual_account::Bank| match (
                        &x.snap, &y.snap,
                    ) {
                        (Some(a), Some(b)) if a.client_id == b.client_id => Some("snap_client_id"),
                        (Some(a), Some(b)) if a.partner_id == b.partner_id => Some("snap_partner_id"),
                        _ => None,
                    };
                if o.code == bank.code {
                    Some("code")
                } else if o.partner_service_id == bank.partner_service_id {
                    Some("partner_service_id")
                } else {
                    same_client(o, &bank)
                }
            });
            if let Some(field) = clash {
                return Err(invalid(format!("payments.banks[{i}].{field}"), "must differ from every other bank's"));
            }
            banks.push(bank);
        }
        Ok(PaymentSettings {
            banks,
            customer_no_digits: p.customer_no_digits,
            valid_working_days: p.va_valid_working_days,
            zone: self.time_zone()?,
        })
    }

    /// The open-contracting feed's settings (`[ocds]`), checked.
    pub fn ocds_settings(&self) -> Result<pasar_report::ocds::OcdsSettings, ConfigError> {
        use pasar_report::ocds::OcdsSettings;
        let o = &self.ocds;
        if !OcdsSettings::valid_prefix(&o.ocid_prefix) {
            return Err(invalid(
                "ocds.ocid_prefix",
                "must be 'ocds-' and six lower-case letters or digits (as registered), optionally '-' and more",
            ));
        }
        let url = |key: &str, v: &str| -> Result<Option<String>, ConfigError> {
            let v = v.trim();
            if v.is_empty() {
                Ok(None)
            } else if v.starts_with("http://") || v.starts_with("https://") {
                Ok(Some(v.to_owned()))
            } else {
                Err(invalid(key, "must start with http:// or https:// (or be empty)"))
            }
        };
        let name = o.publisher_name.trim();
        Ok(OcdsSettings {
            ocid_prefix: o.ocid_prefix.clone(),
            publisher_name: if name.is_empty() { self.marketplace.name.clone() } else { name.to_owned() },
            publisher_uri: url("ocds.publisher_uri", &o.publisher_uri)?,
            license: url("ocds.license", &o.license)?,
            publication_policy: url("ocds.publication_policy", &o.publication_policy)?,
            public_url: self.public_url(),
            settle: chrono::TimeDelta::seconds(o.settle_secs.into()),
            zone: self.time_zone()?,
        })
    }

    pub fn auth_settings(&self) -> pasar_auth::AuthSettings {
        use chrono::TimeDelta;
        let a = &self.auth;
        pasar_auth::AuthSettings {
            access_ttl: TimeDelta::seconds(a.access_token_ttl_secs.into()),
            refresh_ttl: TimeDelta::seconds(a.refresh_token_ttl_secs.into()),
            max_failures_per_account_and_address: a.max_failures_per_account_and_address.into(),
            max_failures_per_account: a.max_failures_per_account.into(),
            max_failures_per_address: a.max_failures_per_address.into(),
            failure_window: TimeDelta::seconds(a.failure_window_secs.into()),
            lockout: TimeDelta::seconds(a.lockout_secs.into()),
            max_lockout: TimeDelta::seconds(a.max_lockout_secs.into()),
            password_reset_ttl: TimeDelta::seconds(a.password_reset_ttl_secs.into()),
            password_resets_per_email: a.password_resets_per_email.into(),
            password_resets_per_address: a.password_resets_per_address.into(),
            argon2: self.argon2(),
            marketplace_name: self.marketplace.name.clone(),
            public_url: self.public_url(),
        }
    }
}

/// One bank's settings, its secret and key read; `at` names it in errors.
fn bank_settings(
    b: &BankConfig,
    at: &str,
    window_secs: u32,
) -> Result<pasar_payment_virtual_account::Bank, ConfigError> {
    use pasar_payment_virtual_account::{snap, Bank, BankSettings};
    let code = b.code.trim();
    if code.is_empty()
        || code.len() > 32
        || !code.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
    {
        return Err(invalid(format!("{at}.code"), "must be 1 to 32 lower-case letters, digits or '-'"));
    }
    let psid = b.partner_service_id.trim();
    if psid.is_empty() || psid.len() > 8 || !psid.bytes().all(|c| c.is_ascii_digit()) {
        return Err(invalid(format!("{at}.partner_service_id"), "must be 1 to 8 digits"));
    }
    let snap = if b.snap_client_id.trim().is_empty() {
        None
    } else {
        let secret = if b.snap_client_secret_file.is_empty() {
            b.snap_client_secret.clone()
        } else {
            std::fs::read_to_string(&b.snap_client_secret_file)
                .map_err(|e| invalid(format!("{at}.snap_client_secret_file"), format!("cannot be read: {e}")))?
                .trim()
                .to_owned()
        };
        if secret.len() < 16 {
            return Err(invalid(format!("{at}.snap_client_secret"), "must be at least 16 characters"));
        }
        let key = b.snap_bank_public_key.trim();
        let pem = if key.starts_with("-----BEGIN") {
            key.to_owned()
        } else {
            std::fs::read_to_string(key)
                .map_err(|e| invalid(format!("{at}.snap_bank_public_key"), format!("cannot read {key}: {e}")))?
        };
        let public_key =
            snap::public_key_from_pem(&pem).map_err(|e| invalid(format!("{at}.snap_bank_public_key"), e))?;
        if b.snap_partner_id.trim().is_empty() {
            return Err(invalid(format!("{at}.snap_partner_id"), "must be set with snap_client_id"));
        }
        Some(BankSettings {
            client_id: b.snap_client_id.trim().to_owned(),
            client_secret: secret.into_bytes(),
            public_key,
            partner_id: b.snap_partner_id.trim().to_owned(),
            signature_encoding: b.snap_signature_encoding,
            timestamp_window_secs: window_secs.into(),
        })
    };
    Ok(Bank {
        code: code.to_owned(),
        name: if b.name.trim().is_empty() { code.to_owned() } else { b.name.trim().to_owned() },
        partner_service_id: psid.to_owned(),
        padding: b.partner_service_id_padding,
        snap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env {
        // A prefix of this call's own, which no real environment uses: tests run in
        // parallel and share the process environment.
        static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let prefix = format!("PASARTEST{}X{n}__", std::process::id());
        for (k, v) in vars {
            std::env::set_var(format!("{prefix}{k}"), v);
        }
        Env::prefixed(&prefix).split("__")
    }

    #[test]
    fn defaults_run_on_sqlite_under_data() {
        let c = Config::load_from(None, Env::prefixed("PASAR_NOTHING_").split("__"), None).unwrap();
        assert_eq!(c.server.bind.to_string(), "127.0.0.1:8080");
        let url = c.database_url().unwrap();
        assert_eq!(url.backend, pasar_db::Backend::Sqlite);
        assert_eq!(url.target, "data/pasar.db");
        assert_eq!(c.outbox_dir(), PathBuf::from("data/outbox"));
    }

    #[test]
    fn banks_come_from_the_environment_and_must_differ() {
        let banks = r#"[{code="jatim", name="Bank Jatim", partner_service_id="8808"}, {code="bri", partner_service_id="12345", partner_service_id_padding="zero"}]"#;
        let c = Config::load_from(None, env(&[("PAYMENTS__BANKS", banks)]), None).unwrap();
        let p = c.payment_settings().unwrap();
        assert_eq!(p.banks.len(), 2);
        assert_eq!(p.bank(None).unwrap().code, "jatim", "the first is the default");
        assert_eq!(p.bank(Some("bri")).unwrap().padded_prefix(), "00012345");
        assert_eq!(p.bank(Some("bri")).unwrap().name, "bri", "the code stands in for a missing name");
        assert!(p.bank(Some("jatim")).unwrap().snap.is_none(), "not connected yet");
        // Checked as the configuration loads.
        let named = |banks: &str| match Config::load_from(None, env(&[("PAYMENTS__BANKS", banks)]), None) {
            Err(ConfigError::Invalid { key, .. }) => key,
            other => panic!("{other:?}"),
        };
        let twice = r#"[{code="jatim", partner_service_id="8808"}, {code="jatim", partner_service_id="9909"}]"#;
        assert_eq!(named(twice), "payments.banks[1].code");
        let same_prefix = r#"[{code="a", partner_service_id="8808"}, {code="b", partner_service_id="8808"}]"#;
        assert_eq!(named(same_prefix), "payments.banks[1].partner_service_id");
        assert_eq!(named(r#"[{code="Bank Jatim", partner_service_id="8808"}]"#), "payments.banks[0].code");
        assert_eq!(named(r#"[{code="j", partner_service_id="123456789"}]"#), "payments.banks[0].partner_service_id");
        let short = r#"[{code="j", partner_service_id="1", snap_client_id="c", snap_client_secret="short"}]"#;
        assert_eq!(named(short), "payments.banks[0].snap_client_secret");
    }

    #[test]
    fn s3_settings_are_checked_and_the_secret_is_never_shown() {
        let base = Config::load_from(None, Env::prefixed("PASAR_NOTHING_").split("__"), None).unwrap();
        assert!(base.files.s3_bucket.is_empty(), "the local disk is the default");
        let good = FilesConfig {
            s3_bucket: "pasar-files".into(),
            s3_endpoint: "https://s3.example.go.id".into(),
            s3_access_key_id: "pasar".into(),
            s3_secret_access_key: "very-secret-key".into(),
            ..base.files.clone()
        };
        good.validate().unwrap();
        let named = |files: FilesConfig| match files.validate() {
            Err(ConfigError::Invalid { key, .. }) => key,
            other => panic!("{other:?}"),
        };
        assert_eq!(named(FilesConfig { s3_bucket: "Pasar_Files".into(), ..good.clone() }), "files.s3_bucket");
        assert_eq!(named(FilesConfig { s3_endpoint: "s3.example.go.id".into(), ..good.clone() }), "files.s3_endpoint");
        let http = FilesConfig { s3_endpoint: "http://127.0.0.1:8333".into(), ..good.clone() };
        assert_eq!(named(http.clone()), "files.s3_allow_http");
        FilesConfig { s3_allow_http: true, ..http }.validate().unwrap();
        assert_eq!(named(FilesConfig { s3_access_key_id: "".into(), ..good.clone() }), "files.s3_access_key_id");
        assert_eq!(
            named(FilesConfig { s3_secret_access_key: "".into(), ..good.clone() }),
            "files.s3_secret_access_key"
        );
        assert_eq!(named(FilesConfig { s3_prefix: "a/../b".into(), ..good.clone() }), "files.s3_prefix");
        FilesConfig { s3_prefix: "/mojokerto/2026/".into(), ..good.clone() }.validate().unwrap();
        // Credentials without a bucket are a mistake, not a silent local disk.
        assert_eq!(named(FilesConfig { s3_bucket: "".into(), ..good.clone() }), "files.s3_bucket");
        assert!(!format!("{good:?}").contains("very-secret-key"));
    }

    #[test]
    fn environment_overrides_and_bad_values_name_their_key() {
        let e = Config::load_from(None, env(&[("SERVER__BIND", "not-an-address")]), None).unwrap_err();
        assert!(e.to_string().contains("server.bind"), "{e}");

        let e =
            Config::load_from(None, Env::prefixed("PASAR_NOTHING_").split("__"), Some("mysql://x".into())).unwrap_err();
        assert!(e.to_string().contains("database.url"), "{e}");

        let c =
            Config::load_from(None, Env::prefixed("PASAR_NOTHING_").split("__"), Some("postgres://u:p@h/db".into()))
                .unwrap();
        assert_eq!(c.database_url().unwrap().backend, pasar_db::Backend::Postgres);
    }

    #[test]
    fn a_bad_time_zone_names_its_key() {
        let c = Config::load_from(None, Env::prefixed("PASAR_NOTHING_").split("__"), None).unwrap();
        assert_eq!(c.time_zone().unwrap(), pasar_core::Zone::JAKARTA);
        let e = Config::load_from(None, env(&[("MARKETPLACE__TIME_ZONE", "Asia/Surabaya")]), None).unwrap_err();
        assert!(e.to_string().contains("marketplace.time_zone"), "{e}");
    }

    /// The seeded lists are those of the decrees: counts, and every cuti bersama on a
    /// weekday (a cuti bersama on a weekend would be a typing error).
    #[test]
    fn the_default_holiday_lists_match_the_decrees() {
        use chrono::Datelike;
        use pasar_core::calendar::HolidayKind;
        let c = Config::load_from(None, Env::prefixed("PASAR_NOTHING_").split("__"), None).unwrap();
        let lists = c.configured_holidays().unwrap();
        let years: Vec<i32> = lists.iter().map(|(y, _)| *y).collect();
        assert_eq!(years, vec![2026, 2027]);
        for (year, days, national, cuti) in [(2026, &lists[0].1, 17, 8), (2027, &lists[1].1, 18, 8)] {
            let count = |k| days.iter().filter(|h| h.kind == k).count();
            assert_eq!(count(HolidayKind::NationalHoliday), national, "{year}");
            assert_eq!(count(HolidayKind::CutiBersama), cuti, "{year}");
            for h in days.iter().filter(|h| h.kind == HolidayKind::CutiBersama) {
                assert!(!pasar_core::calendar::is_weekend(h.date), "{} falls on a weekend", h.date);
            }
        }
        let d = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let idul_fitri: Vec<_> = lists[0].1.iter().filter(|h| h.name.contains("Idul Fitri")).map(|h| h.date).collect();
        assert_eq!(idul_fitri, (20..=24).map(|day| d(2026, 3, day)).collect::<Vec<_>>());
        assert_eq!(lists[0].1[0].date.weekday(), chrono::Weekday::Thu); // 1 January 2026
    }

    #[test]
    fn the_outbox_gives_up_after_ten_attempts_and_keeps_sent_mail_thirty_days() {
        let c = Config::load_from(None, Env::prefixed("PASAR_NOTHING_").split("__"), None).unwrap();
        assert_eq!((c.outbox.max_attempts, c.outbox.retention_days), (10, 30));
        // A prefix of its own: tests run in parallel and share the process environment.
        let prefix = format!("PASARTESTOUTBOX{}__", std::process::id());
        std::env::set_var(format!("{prefix}OUTBOX__MAX_ATTEMPTS"), "0");
        let e = Config::load_from(None, Env::prefixed(&prefix).split("__"), None).unwrap_err();
        assert!(e.to_string().contains("outbox.max_attempts"), "{e}");
        std::env::remove_var(format!("{prefix}OUTBOX__MAX_ATTEMPTS"));
    }
}
