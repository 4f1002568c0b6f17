//! Write transactions.
//!
//! On SQLite a plain (deferred) transaction that reads before it writes can fail with
//! `SQLITE_BUSY` when another connection writes meanwhile, and the busy timeout cannot
//! save it. Every write transaction therefore starts with `BEGIN IMMEDIATE` there,
//! taking the write lock up front, and waits its turn under the busy timeout.
//! PostgreSQL gets an ordinary transaction.

use crate::DbConn;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

/// Runs `f` in one transaction: committed if it returns `Ok`, rolled back otherwise.
/// Nested calls become savepoints.
pub fn write_tx<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let DbConn::Sqlite(sqlite) = conn else {
        return conn.transaction(f);
    };
    let depth = AnsiTransactionManager::transaction_manager_status_mut(sqlite).transaction_depth().map_err(E::from)?;
    if depth.is_some() {
        return conn.transaction(f);
    }
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE").map_err(E::from)?;
    let result = f(conn);
    let DbConn::Sqlite(sqlite) = conn else { unreachable!("the connection cannot change engine inside a transaction") };
    match result {
        Ok(value) => match AnsiTransactionManager::commit_transaction(sqlite) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = AnsiTransactionManager::rollback_transaction(sqlite);
                Err(E::from(e))
            }
        },
        Err(e) => {
            // The caller's error is the one worth reporting; a failed rollback leaves the
            // connection marked broken, and the pool discards it.
            let _ = AnsiTransactionManager::rollback_transaction(sqlite);
            Err(e)
        }
    }
}
