//! The one door into the catalogue's search queue for the rooms below it.
//!
//! The queue belongs to the catalogue: `pasar_catalog::search_queue` claims entries,
//! retries them, reports the backlog and rebuilds, and the catalogue's worker applies
//! them. A room below the catalogue cannot call it (the catalogue depends on the rooms,
//! never the other way), yet must queue its changes inside its own transaction:
//! vendor-onboarding queues a vendor whose status, name, scale or region changed, so
//! that every product of it is looked at again. This module is that seam and nothing
//! more: [`enqueue`] writes one entry (the catalogue's own changes come through it too;
//! only an import, inside the catalogue, writes its thousands of entries in one
//! statement). What an entry means, and everything done with it afterwards, is the
//! catalogue's.

use crate::schema::search_queue;
use crate::{per_backend, time, DbConn};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;

/// The kind of an entry for one product.
pub const PRODUCT: &str = "product";
/// The kind of an entry for every product of one vendor.
pub const VENDOR: &str = "vendor";

#[derive(Insertable)]
#[diesel(table_name = search_queue)]
struct NewEntry<'a> {
    entity_kind: &'a str,
    entity_id: &'a str,
    token: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    queued_at: NaiveDateTime,
}

/// Queues `(kind, id)` for the index. Call inside the business transaction.
pub fn enqueue(conn: &mut DbConn, now: DateTime<Utc>, kind: &str, id: &str) -> QueryResult<()> {
    let at = time::to_db(now);
    let entry = NewEntry {
        entity_kind: kind,
        entity_id: id,
        token: uuid::Uuid::now_v7().to_string(),
        attempts: 0,
        next_attempt_at: at,
        queued_at: at,
    };
    per_backend!(conn, |c| diesel::insert_into(search_queue::table)
        .values(&entry)
        .on_conflict((search_queue::entity_kind, search_queue::entity_id))
        .do_update()
        .set((
            search_queue::token.eq(excluded(search_queue::token)),
            search_queue::attempts.eq(0),
            search_queue::next_attempt_at.eq(excluded(search_queue::next_attempt_at)),
            search_queue::last_error.eq(None::<String>),
            search_queue::queued_at.eq(excluded(search_queue::queued_at)),
        ))
        .execute(c))
    .map(drop)
}

/// Queues every product of a vendor (its status, name, scale or region changed).
pub fn vendor(conn: &mut DbConn, now: DateTime<Utc>, id: &str) -> QueryResult<()> {
    enqueue(conn, now, VENDOR, id)
}
