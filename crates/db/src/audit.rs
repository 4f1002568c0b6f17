//! The append-only, hash-chained audit log.
//!
//! Each entry stores `prev_hash` (the previous entry's hash) and its own `hash`, a
//! SHA-256 over `prev_hash` and every field of the entry. Altering, deleting or
//! inserting a row anywhere but at the end breaks the chain at that row, and
//! [`verify`] names it. Entries are appended inside the business transaction, so a
//! change and its audit entry are committed together or not at all.

use crate::schema::audit_log;
use crate::{personal, time, DbConn};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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

/// An entry as stored.
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
    pub prev_hash: String,
    pub hash: String,
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
    prev_hash: String,
    hash: String,
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

/// Appends an entry. Must run inside a write transaction: on PostgreSQL it takes a
/// transaction-scoped advisory lock so that concurrent appenders chain one after the
/// other; on SQLite the write transaction already serialises them.
pub fn append(conn: &mut DbConn, now: DateTime<Utc>, entry: AuditEntry<'_>) -> QueryResult<i64> {
    if let DbConn::Pg(pg) = conn {
        // 0x50415341 = "PASA": the one lock key for the audit chain.
        diesel::sql_query("SELECT pg_advisory_xact_lock(1346458433)").execute(pg)?;
    }
    let prev_hash: String = audit_log::table
        .select(audit_log::hash)
        .order(audit_log::seq.desc())
        .first(conn)
        .optional()?
        .unwrap_or_else(|| GENESIS.to_owned());
    // Personal numbers are masked here, for every caller (see `crate::personal`).
    let before_json = personal::masked_json(entry.before, entry.entity_type, entry.entity_id);
    let after_json = personal::masked_json(entry.after, entry.entity_type, entry.entity_id);
    let occurred_at = time::to_db(pasar_core::clock::truncate_micros(now));
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
        })
        .execute(conn)?;
    audit_log::table.select(audit_log::seq).order(audit_log::seq.desc()).first(conn)
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    /// How many entries were checked.
    pub checked: u64,
    /// The first entry whose link is broken, with why; `None` when the chain holds.
    pub first_broken: Option<BrokenLink>,
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
    let mut after_seq = i64::MIN;
    let mut checked = 0u64;
    loop {
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::seq.gt(after_seq))
            .order(audit_log::seq.asc())
            .limit(BATCH)
            .select(AuditRow::as_select())
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after_seq = last.seq;
        for row in &rows {
            checked += 1;
            if row.prev_hash != expected_prev {
                return Ok(Verification {
                    checked,
                    first_broken: Some(BrokenLink {
                        seq: row.seq,
                        reason: "prev_hash does not match the hash of the entry before it \
                                 (an entry was removed, inserted or altered)"
                            .into(),
                    }),
                });
            }
            let recomputed = chain_hash(
                &row.prev_hash,
                &Fields {
                    occurred_at: row.occurred_at,
                    actor_id: row.actor_id.as_deref(),
                    action: &row.action,
                    entity_type: &row.entity_type,
                    entity_id: &row.entity_id,
                    before_json: row.before_json.as_deref(),
                    after_json: row.after_json.as_deref(),
                    request_id: row.request_id.as_deref(),
                },
            );
            if recomputed != row.hash {
                return Ok(Verification {
                    checked,
                    first_broken: Some(BrokenLink {
                        seq: row.seq,
                        reason: "the entry's content does not match its hash (the entry was altered)".into(),
                    }),
                });
            }
            expected_prev = row.hash.clone();
        }
    }
    Ok(Verification { checked, first_broken: None })
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
