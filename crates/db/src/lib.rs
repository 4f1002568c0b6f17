//! The database room: one `schema.rs`, a connection that is either PostgreSQL or
//! SQLite ([`DbConn`]), the pool, embedded migrations, write transactions, the
//! hash-chained audit log, the mail outbox and idempotency keys.
//!
//! Rules that every caller follows (see `docs/DATABASE.md`):
//! - queries are plain functions over `&mut DbConn` and never open a transaction;
//! - a use case opens exactly one with [`write_tx`] and appends its audit entry inside it;
//! - where the two engines need different SQL, the `match` on [`DbConn`] is in a store
//!   function, never in a service.

pub mod audit;
pub mod calendar;
pub mod chores;
pub mod conn;
pub mod error;
pub mod idempotency;
pub mod migrate;
pub mod outbox;
pub mod personal;
pub mod schema;
pub mod search_queue;
pub mod testing;
pub mod time;
pub mod tx;
pub mod webhook;

pub use conn::{Backend, DbConn, DbPool, DbUrl, MultiBackend, PooledConn};
pub use error::DbError;
pub use tx::write_tx;

/// Runs the same diesel query on whichever engine `conn` holds. For the few query
/// forms (`ON CONFLICT`, row locks) that diesel builds per engine rather than for
/// [`DbConn`] itself.
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::DbConn::Pg($c) => $body,
            $crate::DbConn::Sqlite($c) => $body,
        }
    };
}

/// Reads the one row `query` selects in order to change it: `FOR UPDATE` on PostgreSQL,
/// so that a second writer waits and then sees the row as the first left it; a plain
/// read on SQLite, whose write transaction is exclusive already. Gives
/// `QueryResult<Option<_>>`. Every read-modify-write of a row goes through this (see
/// `docs/DATABASE.md`, "No lost update").
#[macro_export]
macro_rules! first_for_update {
    ($conn:expr, $query:expr) => {{
        use diesel::{OptionalExtension as _, QueryDsl as _, RunQueryDsl as _};
        match $conn {
            $crate::DbConn::Pg(c) => $query.for_update().first(c).optional(),
            $crate::DbConn::Sqlite(c) => $query.first(c).optional(),
        }
    }};
}
