//! The append-only, hash-chained audit log.
//!
//! Each entry stores `prev_hash` (the hash of the entry before it in the chain) and its
//! own `hash`, a SHA-256 over `prev_hash` and every field of the entry, and its place in
//! the chain, `chain_pos` (1, 2, 3, … without gaps). Altering, deleting or inserting a row
//! anywhere breaks the chain at that row, and [`verify`] names it. Entries are appended
//! inside the business transaction, so a change and its audit entry are committed
//! together or not at all.
//!
//! **Sealing.** Linking an entry to the one before it needs the chain's head, which only
//! one writer may hold at a time. On SQLite the write transaction already serialises
//! writers, so [`append`] seals the entry at once. On PostgreSQL, holding the head
//! through every business transaction would queue all audited writes behind one lock
//! (and defeat group commit), so [`append`] writes the entry unsealed (`chain_pos`,
//! `prev_hash` and `hash` are NULL) and [`crate::write_tx`] seals it right after the
//! commit with [`seal_pending`]: one short transaction under an advisory lock that seals
//! every committed, unsealed entry in `seq` order. An entry whose sealing was cut short
//! (a crash between the two commits) is sealed by the next writer, by the periodic sealer
//! in the server, or by `pasar audit verify`. The database refuses every other change
//! to a row (a trigger): the only update allowed is sealing an unsealed entry once.

use crate::schema::audit_log;
use crate::{personal, time, DbConn};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use std::cell::Cell;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The advisory lock that makes sealers on PostgreSQL take turns (0x50415341, "PASA").
const SEAL_LOCK: i64 = 1_346_458_433;

/// How many entries one sealing transaction links at most.
const SEAL_BATCH: i64 = 500;

thread_local! {
    /// Set by [`append`] on PostgreSQL; [`crate::write_tx`] seals after the commit when
    /// it is set. Diesel is synchronous, so a transaction and its appends run on one
    /// thread.
    static UNSEALED: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current thread appended entries that are not sealed yet; clears the mark.
pub(crate) fn take_unsealed_mark() -> bool {
    UNSEALED.with(|c| c.replace(false))
}

/// An entry to append.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    /// The user who acted; `None` for the system itself (start-up, workers).
    pub actor_id: Option<&'a str>,
    /// `area.verb`, e.g. `user.create`, `auth.password_change`.
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<&'a str>,
}

/// An entry as stored. `chain_pos`, `prev_hash` and `hash` are `None` only for an entry
/// on PostgreSQL that is not sealed yet.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub seq: i64,
    pub occurred_at: chrono::NaiveDateTime,
    pub actor_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    pub chain_pos: Option<i64>,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewRow<'a> {
    occurred_at: chrono::NaiveDateTime,
    actor_id: Option<&'a str>,
    action: &'a str,
    entity_type: &'a str,
    entity_id: &'a str,
    before_json: Option<String>,
    after_json: Option<String>,
    request_id: Option<&'a str>,
    prev_hash: Option<String>,
    hash: Option<String>,
    chain_pos: Option<i64>,
}

struct Fields<'a> {
    occurred_at: chrono::NaiveDateTime,
    actor_id: Option<&'a str>,
    action: &'a str,
    entity_type: &'a str,
    entity_id: &'a str,
    before_json: Option<&'a str>,
    after_json: Option<&'a str>,
    request_id: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn of(row: &'a AuditRow) -> Self {
        Fields {
            occurred_at: row.occurred_at,
            actor_id: row.actor_id.as_deref(),
            action: &row.action,
            entity_type: &row.entity_type,
            entity_id: &row.entity_id,
            before_json: row.before_json.as_deref(),
            after_json: row.after_json.as_deref(),
            request_id: row.request_id.as_deref(),
        }
    }
}

/// SHA-256 over the previous hash and each field, every field length-prefixed so
/// that no two different entries encode alike.
fn chain_hash(prev_hash: &str, f: &Fields<'_>) -> String {
    let mut h = Sha256::new();
    let occurred = f.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let parts: [Option<&str>; 9] = [
        Some(prev_hash),
        Some(&occurred),
        f.actor_id,
        Some(f.action),
        Some(f.entity_type),
        Some(f.entity_id),
        f.before_json,
        f.after_json,
        f.request_id,
    ];
    for part in parts {
        match part {
            None => h.update(b"-1:"),
            Some(s) => {
                h.update(s.len().to_string().as_bytes());
                h.update(b":");
                h.update(s.as_bytes());
            }
        }
        h.update(b";");
    }
    hex::encode(h.finalize())
}

/// The chain's head: the last sealed position and its hash (`0` and [`GENESIS`] for an
/// empty chain).
fn head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
    let last: Option<(Option<i64>, Option<String>)> = audit_log::table
        .filter(audit_log::chain_pos.is_not_null())
        .order(audit_log::chain_pos.desc())
        .select((audit_log::chain_pos, audit_log::hash))
        .first(conn)
        .optional()?;
    Ok(match last {
        Some((Some(pos), Some(hash))) => (pos, hash),
        _ => (0, GENESIS.to_owned()),
    })
}

/// Appends an entry. Must run inside a write transaction (see the module's note on
/// sealing: on SQLite the entry is sealed here, on PostgreSQL right after the commit).
///
/// An entry whose action is a webhook event also queues that event for its
/// subscribers, in the same transaction ([`crate::webhook::fan_out`]).
pub fn append(conn: &mut DbConn, now: DateTime<Utc>, entry: AuditEntry<'_>) -> QueryResult<()> {
    crate::webhook::fan_out(conn, now, &entry)?;
    // Personal numbers are masked here, for every caller (see `crate::personal`).
    let before_json = personal::masked_json(entry.before, entry.entity_type, entry.entity_id);
    let after_json = personal::masked_json(entry.after, entry.entity_type, entry.entity_id);
    let occurred_at = time::to_db(pasar_core::clock::truncate_micros(now));
    let (chain_pos, prev_hash, hash) = match conn {
        DbConn::Pg(_) => {
            UNSEALED.with(|c| c.set(true));
            (None, None, None)
        }
        DbConn::Sqlite(_) => {
            let (pos, prev_hash) = head(conn)?;
            let hash = chain_hash(
                &prev_hash,
                &Fields {
                    occurred_at,
                    actor_id: entry.actor_id,
                    action: entry.action,
                    entity_type: entry.entity_type,
                    entity_id: entry.entity_id,
                    before_json: before_json.as_deref(),
                    after_json: after_json.as_deref(),
                    request_id: entry.request_id,
                },
            );
            (Some(pos + 1), Some(prev_hash), Some(hash))
        }
    };
    diesel::insert_into(audit_log::table)
        .values(NewRow {
            occurred_at,
            actor_id: entry.actor_id,
            action: entry.action,
            entity_type: entry.entity_type,
            entity_id: entry.entity_id,
            before_json,
            after_json,
            request_id: entry.request_id,
            prev_hash,
            hash,
            chain_pos,
        })
        .execute(conn)
        .map(drop)
}

/// Seals every committed entry that is not sealed yet, in `seq` order, and returns how
/// many it sealed. Runs its own short transactions, so call it outside one. A no-op on
/// SQLite, where [`append`] seals.
pub fn seal_pending(conn: &mut DbConn) -> QueryResult<usize> {
    let DbConn::Pg(_) = conn else { return Ok(0) };
    let mut sealed = 0;
    loop {
        let n = conn.transaction(|conn| {
            let DbConn::Pg(pg) = conn else { unreachable!("checked above") };
            // Sealers take turns under the lock, so none may hold it while waiting for
            // the disk: the seal commits without waiting for its WAL flush. That is safe
            // because a seal is derived from entries already durable. A crash can lose
            // only the latest seals (WAL is flushed in order), and those entries are
            // then sealed again, in the same way.
            diesel::sql_query("SET LOCAL synchronous_commit = off").execute(pg)?;
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({SEAL_LOCK})")).execute(pg)?;
            let unsealed: Vec<AuditRow> = audit_log::table
                .filter(audit_log::hash.is_null())
                .order(audit_log::seq.asc())
                .limit(SEAL_BATCH)
                .select(AuditRow::as_select())
                .load(conn)?;
            if unsealed.is_empty() {
                return Ok::<_, diesel::result::Error>(0);
            }
            let (mut pos, mut prev) = head(conn)?;
            for row in &unsealed {
                pos += 1;
                let hash = chain_hash(&prev, &Fields::of(row));
                diesel::update(audit_log::table.find(row.seq))
                    .set((audit_log::chain_pos.eq(pos), audit_log::prev_hash.eq(&prev), audit_log::hash.eq(&hash)))
                    .execute(conn)?;
                prev = hash;
            }
            Ok(unsealed.len())
        })?;
        sealed += n;
        if n < SEAL_BATCH as usize {
            return Ok(sealed);
        }
    }
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    /// How many entries were checked.
    pub checked: u64,
    /// The first entry whose link is broken, with why; `None` when the chain holds.
    pub first_broken: Option<BrokenLink>,
    /// Entries committed but not sealed yet (only on PostgreSQL, for a moment after their
    /// commit); they are not part of the chain until sealed.
    pub unsealed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

/// Walks the whole chain in order and reports the first broken link.
pub fn verify(conn: &mut DbConn) -> QueryResult<Verification> {
    const BATCH: i64 = 1_000;
    let mut expected_prev = GENESIS.to_owned();
    let mut expected_pos = 1i64;
    let mut checked = 0u64;
    let broken = |checked, seq, reason: &str| Verification {
        checked,
        first_broken: Some(BrokenLink { seq, reason: reason.to_owned() }),
        unsealed: 0,
    };
    loop {
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::chain_pos.ge(expected_pos))
            .order(audit_log::chain_pos.asc())
            .limit(BATCH)
            .select(AuditRow::as_select())
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            checked += 1;
            if row.chain_pos != Some(expected_pos) || row.prev_hash.as_deref() != Some(expected_prev.as_str()) {
                return Ok(broken(
                    checked,
                    row.seq,
                    "prev_hash does not match the hash of the entry before it \
                     (an entry was removed, inserted or altered)",
                ));
            }
            let recomputed = chain_hash(&expected_prev, &Fields::of(row));
            if row.hash.as_deref() != Some(recomputed.as_str()) {
                return Ok(broken(
                    checked,
                    row.seq,
                    "the entry's content does not match its hash (the entry was altered)",
                ));
            }
            expected_prev = recomputed;
            expected_pos += 1;
        }
    }
    let unsealed: i64 = audit_log::table.filter(audit_log::hash.is_null()).count().get_result(conn)?;
    Ok(Verification { checked, first_broken: None, unsealed: unsealed as u64 })
}

/// The entries about one entity, oldest first.
pub fn for_entity(conn: &mut DbConn, entity_type: &str, entity_id: &str) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::entity_type.eq(entity_type))
        .filter(audit_log::entity_id.eq(entity_id))
        .order(audit_log::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)
}

/// What [`list`] keeps: every given field must match exactly; `from` and `until` bound
/// `occurred_at` (UTC, `until` excluded); `before_seq` pages back from a later entry.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub actor_id: Option<String>,
    pub from: Option<chrono::NaiveDateTime>,
    pub until: Option<chrono::NaiveDateTime>,
    pub before_seq: Option<i64>,
}

/// Entries matching `filter`, newest first, at most `limit`.
pub fn list(conn: &mut DbConn, filter: &Filter, limit: i64) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(v) = &filter.entity_type {
        q = q.filter(audit_log::entity_type.eq(v.clone()));
    }
    if let Some(v) = &filter.entity_id {
        q = q.filter(audit_log::entity_id.eq(v.clone()));
    }
    if let Some(v) = &filter.action {
        q = q.filter(audit_log::action.eq(v.clone()));
    }
    if let Some(v) = &filter.actor_id {
        q = q.filter(audit_log::actor_id.eq(v.clone()));
    }
    if let Some(v) = filter.from {
        q = q.filter(audit_log::occurred_at.ge(v));
    }
    if let Some(v) = filter.until {
        q = q.filter(audit_log::occurred_at.lt(v));
    }
    if let Some(v) = filter.before_seq {
        q = q.filter(audit_log::seq.lt(v));
    }
    q.order(audit_log::seq.desc()).limit(limit).load(conn)
}
