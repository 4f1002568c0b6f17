//! Support for tests that need a real database: which engines this run covers, and
//! throwaway PostgreSQL databases. Used by the black-box suites; harmless in production.

use crate::Backend;
use std::sync::OnceLock;

/// The engines this run covers: SQLite always, PostgreSQL when `TEST_DATABASE_URL` is
/// set. With `PASAR_REQUIRE_POSTGRES=1` a missing PostgreSQL is a failure, not a skip.
pub fn backends() -> Vec<Backend> {
    let mut out = vec![Backend::Sqlite];
    match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(_) => out.push(Backend::Postgres),
        None => {
            if std::env::var("PASAR_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("PASAR_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set");
            }
            static ONCE: OnceLock<()> = OnceLock::new();
            ONCE.get_or_init(|| {
                eprintln!("note: TEST_DATABASE_URL is not set; PostgreSQL tests are skipped (SQLite only)");
            });
        }
    }
    out
}

/// A fresh PostgreSQL database on the `TEST_DATABASE_URL` server, dropped with this value.
pub struct TempPgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl TempPgDatabase {
    /// Panics when `TEST_DATABASE_URL` is unset or the server refuses: only for tests.
    pub fn create() -> TempPgDatabase {
        use diesel::{Connection, RunQueryDsl};
        let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
        let name = format!("pasar_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn = diesel::PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("cannot connect to TEST_DATABASE_URL: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).expect("create test database");
        let url = with_database(&admin_url, &name);
        TempPgDatabase { admin_url, name, url }
    }
}

impl Drop for TempPgDatabase {
    fn drop(&mut self) {
        use diesel::{Connection, RunQueryDsl};
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut conn);
        }
    }
}

/// `postgres://u@h:5432/postgres?x=y` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_name() {
        assert_eq!(super::with_database("postgres://u@h:1/postgres", "x"), "postgres://u@h:1/x");
        assert_eq!(
            super::with_database("postgres://u@h/postgres?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
