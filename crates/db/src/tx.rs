//! Write transactions.
//!
//! On SQLite a plain (deferred) transaction that reads before it writes can fail with
//! `SQLITE_BUSY` when another connection writes meanwhile, and the busy timeout cannot
//! save it. Every write transaction therefore starts with `BEGIN IMMEDIATE` there,
//! taking the write lock up front, and waits its turn under the busy timeout.
//! PostgreSQL gets an ordinary transaction, and the audit entries it appended are
//! sealed into the audit chain right after it commits (see [`crate::audit`]).

use crate::{audit, DbConn};
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

/// Runs `f` in one transaction: committed if it returns `Ok`, rolled back otherwise.
/// Nested calls become savepoints.
pub fn write_tx<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let DbConn::Sqlite(sqlite) = conn else {
        return pg_write_tx(conn, f);
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

fn pg_write_tx<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let outermost = {
        let DbConn::Pg(pg) = &mut *conn else { unreachable!("called for PostgreSQL only") };
        AnsiTransactionManager::transaction_manager_status_mut(pg).transaction_depth().map_err(E::from)?.is_none()
    };
    if !outermost {
        return conn.transaction(f);
    }
    audit::take_unsealed_mark();
    let result = conn.transaction(f);
    if audit::take_unsealed_mark() && result.is_ok() {
        // The change is committed whatever happens here: an entry left unsealed is
        // sealed by the next writer or by the periodic sealer.
        if let Err(e) = audit::seal_pending(conn) {
            tracing::warn!(error = %e, "could not seal the audit log after a commit; it is sealed later");
        }
    }
    result
}
