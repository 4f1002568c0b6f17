//! One connection type over both engines, and the pool.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use std::time::Duration;

/// A connection to PostgreSQL (production) or SQLite (zero-setup default).
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Pg(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// A database URL, with the engine decided by its scheme rather than by trial:
/// `postgres://…` / `postgresql://…`, or `sqlite://path`, `sqlite::memory:`, or a
/// plain file path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbUrl {
    pub backend: Backend,
    /// What the driver is given: the PostgreSQL URL, or the SQLite path.
    pub target: String,
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<DbUrl, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("is empty".into());
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl { backend: Backend::Postgres, target: url.to_owned() });
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if url.contains("://") && !url.starts_with("sqlite://") {
            return Err(format!(
                "has an unsupported scheme (use postgres://… or sqlite://…): {}",
                url.split("://").next().unwrap_or_default()
            ));
        }
        if path.is_empty() {
            return Err("names no SQLite file".into());
        }
        Ok(DbUrl { backend: Backend::Sqlite, target: path.to_owned() })
    }

    /// The SQLite file, if this is a file-backed SQLite database.
    pub fn sqlite_file(&self) -> Option<&str> {
        (self.backend == Backend::Sqlite && !self.target.starts_with(':') && !self.target.starts_with("file:"))
            .then_some(self.target.as_str())
    }

    /// The URL with any password hidden, for logs and messages.
    pub fn redacted(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("sqlite://{}", self.target),
            Backend::Postgres => match (self.target.find("://"), self.target.rfind('@')) {
                (Some(s), Some(at)) if at > s => {
                    let creds = &self.target[s + 3..at];
                    let user = creds.split(':').next().unwrap_or_default();
                    format!("{}://{}:***@{}", &self.target[..s], user, &self.target[at + 1..])
                }
                _ => self.target.clone(),
            },
        }
    }
}

/// Opens connections for the pool and sets each SQLite connection up the same way:
/// foreign keys enforced, WAL so readers never block the writer, and a busy timeout
/// so that concurrent writers wait instead of failing.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DbUrl,
}

pub const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 10000; \
     PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL;";

pub fn establish(url: &DbUrl) -> ConnectionResult<DbConn> {
    match url.backend {
        Backend::Postgres => diesel::PgConnection::establish(&url.target).map(DbConn::Pg),
        Backend::Sqlite => {
            let mut conn = diesel::SqliteConnection::establish(&url.target)?;
            conn.batch_execute(SQLITE_PRAGMAS).map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
            Ok(DbConn::Sqlite(conn))
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        establish(&self.url).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::connection::TransactionManager;
        std::thread::panicking()
            || <<DbConn as Connection>::TransactionManager as TransactionManager<DbConn>>::is_broken_transaction_manager(
                conn,
            )
    }
}

pub type DbPool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Builds the pool and opens its first connection, so that a wrong URL or an
/// unreachable server is reported at start-up, not at the first request.
pub fn pool(url: &DbUrl, max_size: u32, acquire_timeout: Duration) -> Result<DbPool, String> {
    if let Some(file) = url.sqlite_file() {
        if let Some(dir) = std::path::Path::new(file).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
        }
    }
    // An in-memory SQLite database exists once per connection: keep exactly one.
    let max_size = if url.backend == Backend::Sqlite && url.sqlite_file().is_none() { 1 } else { max_size.max(1) };
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(acquire_timeout)
        .build_unchecked(Manager { url: url.clone() });
    drop(pool.get().map_err(|e| format!("cannot connect to {}: {e}", url.redacted()))?);
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_engine_by_scheme() {
        assert_eq!(DbUrl::parse("postgres://u:p@h/db").unwrap().backend, Backend::Postgres);
        assert_eq!(DbUrl::parse("postgresql://h/db").unwrap().backend, Backend::Postgres);
        let s = DbUrl::parse("sqlite://data/pasar.db").unwrap();
        assert_eq!((s.backend, s.target.as_str()), (Backend::Sqlite, "data/pasar.db"));
        assert_eq!(DbUrl::parse("./x.db").unwrap().sqlite_file(), Some("./x.db"));
        assert_eq!(DbUrl::parse("sqlite::memory:").unwrap().sqlite_file(), None);
        assert!(DbUrl::parse("mysql://h/db").is_err());
        assert!(DbUrl::parse("").is_err());
    }

    #[test]
    fn redaction_hides_the_password() {
        let u = DbUrl::parse("postgres://pasar:s3cret@db:5432/pasar").unwrap();
        assert_eq!(u.redacted(), "postgres://pasar:***@db:5432/pasar");
    }
}
