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
    pub marketplace: MarketplaceConfig,
    pub vendors: VendorsConfig,
    pub uploads: UploadsConfig,
    pub catalog: CatalogConfig,
    pub search: SearchConfig,
    pub log: LogConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    pub public_url: String,
    pub workers: usize,
    pub json_limit_bytes: usize,
    pub trust_forwarded_for: bool,
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
    pub max_failures_per_account: u16,
    pub max_failures_per_address: u16,
    pub failure_window_secs: u32,
    pub lockout_secs: u32,
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
pub struct MarketplaceConfig {
    pub name: String,
    pub region_codes: Vec<String>,
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
    Invalid { key: &'static str, message: String },
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

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key, message: message.into() }
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
        ] {
            if v == 0 {
                return Err(invalid(key, "must be more than 0"));
            }
        }
        if a.max_failures_per_account == 0 || a.max_failures_per_address == 0 {
            return Err(invalid("auth.max_failures_per_account", "failure limits must be at least 1"));
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
        if self.marketplace.name.trim().is_empty() {
            return Err(invalid("marketplace.name", "must not be empty"));
        }
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

    pub fn argon2(&self) -> pasar_auth::password::Argon2Params {
        pasar_auth::password::Argon2Params {
            memory_kib: self.auth.argon2_memory_kib,
            iterations: self.auth.argon2_iterations,
            parallelism: self.auth.argon2_parallelism,
        }
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
        }
    }

    pub fn auth_settings(&self) -> pasar_auth::AuthSettings {
        use chrono::TimeDelta;
        let a = &self.auth;
        pasar_auth::AuthSettings {
            access_ttl: TimeDelta::seconds(a.access_token_ttl_secs.into()),
            refresh_ttl: TimeDelta::seconds(a.refresh_token_ttl_secs.into()),
            max_failures_per_account: a.max_failures_per_account.into(),
            max_failures_per_address: a.max_failures_per_address.into(),
            failure_window: TimeDelta::seconds(a.failure_window_secs.into()),
            lockout: TimeDelta::seconds(a.lockout_secs.into()),
            argon2: self.argon2(),
            marketplace_name: self.marketplace.name.clone(),
            public_url: self.public_url(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env {
        // A prefix no real environment uses, so the process environment cannot leak in.
        for (k, v) in vars {
            std::env::set_var(format!("PASARTEST{}__{k}", std::process::id()), v);
        }
        Env::prefixed(&format!("PASARTEST{}__", std::process::id())).split("__")
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
    fn environment_overrides_and_bad_values_name_their_key() {
        let e = Config::load_from(None, env(&[("SERVER__BIND", "not-an-address")]), None).unwrap_err();
        assert!(e.to_string().contains("server.bind"), "{e}");
        std::env::remove_var(format!("PASARTEST{}__SERVER__BIND", std::process::id()));

        let e =
            Config::load_from(None, Env::prefixed("PASAR_NOTHING_").split("__"), Some("mysql://x".into())).unwrap_err();
        assert!(e.to_string().contains("database.url"), "{e}");

        let c =
            Config::load_from(None, Env::prefixed("PASAR_NOTHING_").split("__"), Some("postgres://u:p@h/db".into()))
                .unwrap();
        assert_eq!(c.database_url().unwrap().backend, pasar_db::Backend::Postgres);
    }
}
