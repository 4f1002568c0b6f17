//! The search index queue: what the search engine still has to learn, written inside the
//! business transaction that causes it, applied afterwards by a worker.
//!
//! One entry per entity (a product, or a vendor whose every product must be looked at
//! again). A change made before the worker comes round renews the entry's `token`; the
//! worker removes an entry only if it still holds the token it read, so a change made
//! while it worked is applied on the next round. Claims take a lease (`locked_until`),
//! with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two instances never apply the same
//! entry at once and an older state never overwrites a newer one.
//!
//! The catalogue owns the queue: this module and the worker in [`crate::search::sync`].
//! Rooms below the catalogue queue a change through `pasar_db::search_queue`, the
//! one function that writes an entry (see there why).

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use pasar_db::schema::search_queue;
use pasar_db::{time, DbConn};

pub use pasar_db::search_queue::{enqueue, vendor, PRODUCT, VENDOR};

/// An entry claimed by a worker.
#[derive(Debug, Clone, Queryable)]
pub struct Entry {
    pub entity_kind: String,
    pub entity_id: String,
    pub token: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// Queues a product. Call inside the business transaction.
pub fn product(conn: &mut DbConn, now: DateTime<Utc>, id: &str) -> QueryResult<()> {
    enqueue(conn, now, PRODUCT, id)
}

/// Claims up to `limit` due entries for `lease`. Call inside a write transaction and
/// apply them after it commits.
pub fn claim_due(conn: &mut DbConn, now: DateTime<Utc>, lease: TimeDelta, limit: i64) -> QueryResult<Vec<Entry>> {
    let now_db = time::to_db(now);
    let due = search_queue::table
        .filter(search_queue::next_attempt_at.le(now_db))
        .filter(search_queue::locked_until.is_null().or(search_queue::locked_until.le(now_db)))
        .order(search_queue::next_attempt_at.asc())
        .limit(limit)
        .select((
            search_queue::entity_kind,
            search_queue::entity_id,
            search_queue::token,
            search_queue::attempts,
            search_queue::last_error,
        ));
    let entries: Vec<Entry> = match conn {
        DbConn::Pg(pg) => due.for_update().skip_locked().load(pg)?,
        DbConn::Sqlite(sqlite) => due.load(sqlite)?,
    };
    for chunk in entries.chunks(500) {
        for kind in [PRODUCT, VENDOR] {
            let ids: Vec<&str> = chunk.iter().filter(|e| e.entity_kind == kind).map(|e| e.entity_id.as_str()).collect();
            if ids.is_empty() {
                continue;
            }
            diesel::update(
                search_queue::table
                    .filter(search_queue::entity_kind.eq(kind))
                    .filter(search_queue::entity_id.eq_any(ids)),
            )
            .set((
                search_queue::locked_until.eq(Some(time::to_db(now + lease))),
                search_queue::attempts.eq(search_queue::attempts + 1),
            ))
            .execute(conn)?;
        }
    }
    Ok(entries)
}

/// Removes an applied entry, unless a newer change renewed it meanwhile (then it is
/// released for the next round).
pub fn done(conn: &mut DbConn, entry: &Entry) -> QueryResult<()> {
    let key = search_queue::table
        .filter(search_queue::entity_kind.eq(&entry.entity_kind))
        .filter(search_queue::entity_id.eq(&entry.entity_id));
    let removed = diesel::delete(key.filter(search_queue::token.eq(&entry.token))).execute(conn)?;
    if removed == 0 {
        diesel::update(key).set(search_queue::locked_until.eq(None::<NaiveDateTime>)).execute(conn)?;
    }
    Ok(())
}

/// [`done`] for many entries, a few statements per 500.
pub fn done_many(conn: &mut DbConn, entries: &[Entry]) -> QueryResult<()> {
    for chunk in entries.chunks(500) {
        for kind in [PRODUCT, VENDOR] {
            let of_kind: Vec<&Entry> = chunk.iter().filter(|e| e.entity_kind == kind).collect();
            if of_kind.is_empty() {
                continue;
            }
            let ids: Vec<&str> = of_kind.iter().map(|e| e.entity_id.as_str()).collect();
            let tokens: Vec<&str> = of_kind.iter().map(|e| e.token.as_str()).collect();
            let key = search_queue::table
                .filter(search_queue::entity_kind.eq(kind))
                .filter(search_queue::entity_id.eq_any(&ids));
            // A renewed entry holds a token made after the claim, never one of these.
            diesel::delete(key.clone().filter(search_queue::token.eq_any(&tokens))).execute(conn)?;
            diesel::update(key).set(search_queue::locked_until.eq(None::<NaiveDateTime>)).execute(conn)?;
        }
    }
    Ok(())
}

/// [`failed`] for many entries.
pub fn failed_many(conn: &mut DbConn, entries: &[Entry], now: DateTime<Utc>, error: &str) -> QueryResult<()> {
    let error: String = error.chars().take(2_000).collect();
    let mut attempts: Vec<i32> = entries.iter().map(|e| e.attempts).collect();
    attempts.sort_unstable();
    attempts.dedup();
    for a in attempts {
        for chunk in entries.chunks(500) {
            for kind in [PRODUCT, VENDOR] {
                let ids: Vec<&str> = chunk
                    .iter()
                    .filter(|e| e.entity_kind == kind && e.attempts == a)
                    .map(|e| e.entity_id.as_str())
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                diesel::update(
                    search_queue::table
                        .filter(search_queue::entity_kind.eq(kind))
                        .filter(search_queue::entity_id.eq_any(&ids)),
                )
                .set((
                    search_queue::next_attempt_at.eq(time::to_db(now + backoff(a + 1))),
                    search_queue::locked_until.eq(None::<NaiveDateTime>),
                    search_queue::last_error.eq(Some(&error)),
                ))
                .execute(conn)?;
            }
        }
    }
    Ok(())
}

/// Records a failed attempt and schedules the next one.
pub fn failed(conn: &mut DbConn, entry: &Entry, now: DateTime<Utc>, error: &str) -> QueryResult<()> {
    let error: String = error.chars().take(2_000).collect();
    diesel::update(
        search_queue::table
            .filter(search_queue::entity_kind.eq(&entry.entity_kind))
            .filter(search_queue::entity_id.eq(&entry.entity_id)),
    )
    .set((
        search_queue::next_attempt_at.eq(time::to_db(now + backoff(entry.attempts + 1))),
        search_queue::locked_until.eq(None::<NaiveDateTime>),
        search_queue::last_error.eq(Some(error)),
    ))
    .execute(conn)
    .map(drop)
}

/// The wait before attempt `attempts + 1`: 1 s, 2 s, 4 s, … capped at 30 s. Short: a
/// search engine that is back should be caught up within half a minute.
pub fn backoff(attempts: i32) -> TimeDelta {
    let exp = attempts.clamp(1, 10) as u32 - 1;
    TimeDelta::seconds((1i64 << exp).min(30))
}

/// How many entries wait, and the oldest one's age in seconds (readiness and operators).
pub fn backlog(conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<(i64, i64)> {
    let n: i64 = search_queue::table.count().get_result(conn)?;
    let oldest: Option<NaiveDateTime> =
        search_queue::table.select(diesel::dsl::min(search_queue::queued_at)).first(conn)?;
    let age = oldest.map(|t| (time::to_db(now) - t).num_seconds().max(0)).unwrap_or(0);
    Ok((n, age))
}

/// Every entry as it stands: `(kind, id, token)`. A rebuild takes this before it reads
/// the products and then [`forget`]s exactly these.
pub fn snapshot(conn: &mut DbConn) -> QueryResult<Vec<(String, String, String)>> {
    search_queue::table.select((search_queue::entity_kind, search_queue::entity_id, search_queue::token)).load(conn)
}

/// Removes the entries of a [`snapshot`] that no change has renewed since: the rebuild
/// that followed the snapshot read their products after those changes committed.
pub fn forget(conn: &mut DbConn, entries: &[(String, String, String)]) -> QueryResult<usize> {
    let mut n = 0;
    for (kind, id, token) in entries {
        n += diesel::delete(
            search_queue::table
                .filter(search_queue::entity_kind.eq(kind))
                .filter(search_queue::entity_id.eq(id))
                .filter(search_queue::token.eq(token)),
        )
        .execute(conn)?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), TimeDelta::seconds(1));
        assert_eq!(backoff(3), TimeDelta::seconds(4));
        assert_eq!(backoff(9), TimeDelta::seconds(30));
    }
}
