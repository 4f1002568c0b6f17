//! Reading the audit log (administrators and auditors): entries newest first, filtered
//! by entity, action, actor and dates, and the verification of its hash chain. The log
//! itself is written by every use case with its change (`pasar_db::audit`).

use crate::model::Actor;
use crate::AuthError;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use pasar_core::page::{Page, PageRequest};
use pasar_core::Zone;
use pasar_db::audit::{self, AuditRow, Verification};
use pasar_db::{time, DbConn};
use serde::Serialize;

/// One entry as administrators and auditors read it. Personal numbers in `before` and
/// `after` are already masked when written.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    /// The entry's number, in the order entries were written.
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    /// The user who acted; none for the system (a chore, the bank's call).
    pub actor_id: Option<String>,
    #[schema(example = "organization.create")]
    pub action: String,
    #[schema(example = "organization")]
    pub entity_type: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    /// Whether the entry is linked into the chain yet (PostgreSQL seals just after the
    /// commit).
    pub sealed: bool,
}

impl AuditEntryView {
    fn from_row(row: AuditRow) -> AuditEntryView {
        let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        AuditEntryView {
            seq: row.seq,
            occurred_at: time::from_db(row.occurred_at),
            actor_id: row.actor_id,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            before: json(row.before_json),
            after: json(row.after_json),
            request_id: row.request_id,
            sealed: row.hash.is_some(),
        }
    }
}

/// What to look for; empty fields match everything. Dates are days of the marketplace's
/// time zone, `YYYY-MM-DD`, both included.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub actor_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

fn require_reader(actor: &Actor) -> Result<(), AuthError> {
    if actor.reads_everything() {
        Ok(())
    } else {
        Err(AuthError::Forbidden("Only administrators and auditors read the audit log."))
    }
}

fn day(field: &str, raw: &Option<String>) -> Result<Option<NaiveDate>, AuthError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => crate::calendar::parse_date(field, s).map(Some),
    }
}

fn text(raw: Option<String>) -> Option<String> {
    raw.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The entries matching `filter`, newest first (administrators and auditors).
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    zone: Zone,
    filter: AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditEntryView>, AuthError> {
    require_reader(actor)?;
    let mut errors = Vec::new();
    let from = day("from", &filter.from).map_err(|e| errors.push(e)).ok().flatten();
    let to = day("to", &filter.to).map_err(|e| errors.push(e)).ok().flatten();
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            errors.push(AuthError::field("to", "must not be before the first day"));
        }
    }
    if !errors.is_empty() {
        let fields = errors
            .into_iter()
            .flat_map(|e| match e {
                AuthError::Validation(v) => v,
                _ => Vec::new(),
            })
            .collect();
        return Err(AuthError::Validation(fields));
    }
    let before_seq = match &page.after {
        None => None,
        Some(key) => {
            Some(key.parse::<i64>().map_err(|_| AuthError::field("cursor", "is not a cursor this server issued"))?)
        }
    };
    let query = audit::Filter {
        entity_type: text(filter.entity_type),
        entity_id: text(filter.entity_id),
        action: text(filter.action),
        actor_id: text(filter.actor_id),
        from: from.map(|d| time::to_db(zone.start_of(d))),
        until: to.map(|d| time::to_db(zone.start_of(d + Duration::days(1)))),
        before_seq,
    };
    let rows = audit::list(conn, &query, page.fetch_limit())?;
    Ok(Page::from_rows(rows, page, |r| r.seq.to_string()).map(AuditEntryView::from_row))
}

/// Walks the whole chain and says whether it holds (administrators and auditors).
pub fn verify(conn: &mut DbConn, actor: &Actor) -> Result<Verification, AuthError> {
    require_reader(actor)?;
    Ok(audit::verify(conn)?)
}
