//! Embedded migrations: the same names in `migrations/postgres` and `migrations/sqlite`.

use crate::{DbConn, DbError};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
pub const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

fn err(e: Box<dyn std::error::Error + Send + Sync>) -> DbError {
    DbError::Migration(e.to_string())
}

/// Applies every pending migration; returns the names applied.
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let applied = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(POSTGRES).map_err(err)?,
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE).map_err(err)?,
    };
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Reverts every applied migration (tests and `pasar migrate --revert-all`).
pub fn revert_all(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let reverted = match conn {
        DbConn::Pg(c) => c.revert_all_migrations(POSTGRES).map_err(err)?,
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE).map_err(err)?,
    };
    Ok(reverted.iter().map(|v| v.to_string()).collect())
}

/// The versions of migrations applied so far.
pub fn applied(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let versions = match conn {
        DbConn::Pg(c) => c.applied_migrations().map_err(err)?,
        DbConn::Sqlite(c) => c.applied_migrations().map_err(err)?,
    };
    Ok(versions.iter().map(|v| v.to_string()).collect())
}

/// The migration folder names embedded for each engine, in order.
pub fn embedded_names() -> (Vec<String>, Vec<String>) {
    use diesel::migration::MigrationSource;
    let names = |m: &EmbeddedMigrations| -> Vec<String> {
        MigrationSource::<diesel::pg::Pg>::migrations(m)
            .map(|ms| ms.iter().map(|m| m.name().to_string()).collect())
            .unwrap_or_default()
    };
    let sqlite = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE)
        .map(|ms| ms.iter().map(|m| m.name().to_string()).collect())
        .unwrap_or_default();
    (names(&POSTGRES), sqlite)
}
