//! The append-only, hash-chained audit log.
//!
//! Each entry stores `prev_hash` (the previous entry's hash) and its own `hash`, a
//! SHA-256 over `prev_hash` and every field of the entry. Altering, deleting or
//! inserting a row anywhere but at the end breaks the chain at that row, and
//! [`verify`] names it. Entries are appended inside the business transaction, so a
//! change and its audit entry are committed together or not at all.
//!
//! Personal identifiers (NPWP, NIK, bank account and phone numbers) never reach the log in
//! full: [`append`] masks them wherever they appear in `before`/`after`, by field name
//! ([`PERSONAL_FIELDS`]), and keeps a digest beside each so that a change stays provable.

use crate::schema::audit_log;
use crate::{time, DbConn};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Fields whose values are personal identifiers: NPWP, NIK, bank account numbers and
/// phone numbers. Wherever one of these names appears in an entry's `before` or `after`
/// (at any depth), [`append`] stores its value masked to the last four characters and
/// adds `<field>_sha256`, the [`digest`] of the full value. Name any new field holding
/// such a number here, or give it one of these names.
pub const PERSONAL_FIELDS: &[&str] = &[
    "npwp",
    "nik",
    "ktp",
    "account_number",
    "bank_account_number",
    "phone",
    "phone_number",
    "contact_phone",
    "mobile",
    "whatsapp",
];

/// Document kinds whose `number` is one of those identifiers: in an object with
/// `"kind": "npwp"` (or one of these), `number` is masked too.
pub const PERSONAL_DOCUMENT_KINDS: &[&str] = &["npwp", "nik", "ktp", "bank_account"];

/// The masked form: every character but the last four replaced by `*` (all of them
/// when the value is that short).
pub fn mask(value: &str) -> String {
    let n = value.chars().count();
    let keep = if n > 4 { 4 } else { 0 };
    value.chars().enumerate().map(|(i, c)| if i < n - keep { '*' } else { c }).collect()
}

/// SHA-256 (hex) of `<entity_type>/<entity_id>/<value>`: whoever knows a value can show
/// that it is the one recorded for that entity (and that a change changed it), while the
/// same number on two entities gives two unrelated digests. Identifiers are short
/// numbers, so a digest is no secret against someone who tries every number for one
/// entity: the log itself stays for auditors only.
pub fn digest(entity_type: &str, entity_id: &str, value: &str) -> String {
    let mut h = Sha256::new();
    h.update(entity_type.as_bytes());
    h.update(b"/");
    h.update(entity_id.as_bytes());
    h.update(b"/");
    h.update(value.as_bytes());
    hex::encode(h.finalize())
}

fn scalar_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Masks every personal identifier in `value` (see [`PERSONAL_FIELDS`]), at any depth.
pub fn mask_personal(value: &mut serde_json::Value, entity_type: &str, entity_id: &str) {
    use serde_json::Value;
    match value {
        Value::Array(items) => items.iter_mut().for_each(|v| mask_personal(v, entity_type, entity_id)),
        Value::Object(map) => {
            let document = map
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| PERSONAL_DOCUMENT_KINDS.contains(&k.to_ascii_lowercase().as_str()));
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let lower = key.to_ascii_lowercase();
                let personal = PERSONAL_FIELDS.contains(&lower.as_str()) || (document && lower == "number");
                let Some(v) = map.get_mut(&key) else { continue };
                if !personal {
                    mask_personal(v, entity_type, entity_id);
                    continue;
                }
                let digests = match v {
                    Value::Array(items) => {
                        let mut digests = Vec::new();
                        for item in items.iter_mut() {
                            let text = scalar_text(item);
                            digests.push(text.as_deref().map_or(Value::Null, |t| {
                                *item = Value::String(mask(t));
                                Value::String(digest(entity_type, entity_id, t))
                            }));
                        }
                        Some(Value::Array(digests))
                    }
                    other => scalar_text(other).map(|t| {
                        *other = Value::String(mask(&t));
                        Value::String(digest(entity_type, entity_id, &t))
                    }),
                };
                if let Some(d) = digests {
                    map.insert(format!("{key}_sha256"), d);
                }
            }
        }
        _ => {}
    }
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

/// Appends an entry, with its personal identifiers masked ([`mask_personal`]). Must run
/// inside a write transaction: on PostgreSQL it takes a transaction-scoped advisory lock
/// so that concurrent appenders chain one after the other; on SQLite the write
/// transaction already serialises them.
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
    let masked = |v: Option<serde_json::Value>| {
        v.map(|mut v| {
            mask_personal(&mut v, entry.entity_type, entry.entity_id);
            v.to_string()
        })
    };
    let before_json = masked(entry.before);
    let after_json = masked(entry.after);
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn personal_identifiers_are_masked_at_any_depth_with_a_digest() {
        let mut v = json!({
            "npwp": "012345678901000",
            "contact": { "phone": "+6281234567890", "email": "a@b.test" },
            "bank_account": { "bank_name": "Bank Jatim", "account_number": "0011223344" },
            "documents": [ { "kind": "npwp", "number": "01.234.567.8-901.000" }, { "kind": "nib", "number": "9120001000011" } ],
            "nik": null,
        });
        mask_personal(&mut v, "vendor", "v1");
        assert_eq!(v["npwp"], "***********1000");
        assert_eq!(v["npwp_sha256"], digest("vendor", "v1", "012345678901000"));
        assert_eq!(v["contact"]["phone"], "**********7890");
        assert_eq!(v["contact"]["email"], "a@b.test");
        assert_eq!(v["bank_account"]["account_number"], "******3344");
        assert_eq!(v["bank_account"]["bank_name"], "Bank Jatim");
        assert_eq!(v["documents"][0]["number"], "****************.000");
        assert!(v["documents"][0]["number_sha256"].is_string());
        assert_eq!(v["documents"][1]["number"], "9120001000011", "an NIB is public");
        assert_eq!(v["nik"], serde_json::Value::Null);
        assert!(v.get("nik_sha256").is_none());
        let text = v.to_string();
        for secret in ["012345678901000", "81234567890", "0011223344", "567.8-901"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_ne!(digest("vendor", "v1", "x"), digest("vendor", "v2", "x"));
        assert_eq!(mask("1234"), "****");
    }
}
