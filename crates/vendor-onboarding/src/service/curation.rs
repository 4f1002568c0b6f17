//! Curation: the queue, claiming a vendor, the review, suspension and the vendor's
//! timeline.

use super::{
    corrupt, derived, mail_owners, missing_for_submission, save_transition, visible_vendor, VendorSettings, VendorView,
};
use crate::error::VendorError;
use crate::model::{Decision, LegalForm, VendorStatus};
use crate::store::{self, VendorRow};
use chrono::{DateTime, Utc};
use pasar_auth::model::{parse_name, Actor, Role};
use pasar_core::clock::local_date;
use pasar_core::error::FieldErrors;
use pasar_core::id::OrganizationId;
use pasar_core::page::{Page, PageRequest};
use pasar_db::audit::{self};
use pasar_db::time::{from_db, to_db};
use pasar_db::{write_tx, DbConn};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// One vendor in the curation queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueItem {
    pub id: OrganizationId,
    pub legal_name: String,
    pub trade_name: Option<String>,
    pub legal_form: LegalForm,
    pub status: VendorStatus,
    pub region_code: Option<String>,
    pub local: bool,
    pub umkk: bool,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Seconds since submission.
    pub waiting_seconds: i64,
    /// The curator who claimed it, if any.
    pub claimed_by: Option<String>,
    /// When the claim runs out and another curator may take the vendor over.
    pub claim_expires_at: Option<DateTime<Utc>>,
}

/// Encodes a queue's keyset `(waiting since, id)` into a cursor key; read back with
/// [`parse_queue_key`].
pub(crate) fn queue_key(since: Option<chrono::NaiveDateTime>, id: &str) -> String {
    let at = since.map(|t| t.and_utc().timestamp_micros()).unwrap_or(0);
    format!("{at}|{id}")
}

pub(crate) fn parse_queue_key(key: &str) -> Option<(chrono::NaiveDateTime, String)> {
    let (at, id) = key.split_once('|')?;
    let at = DateTime::from_timestamp_micros(at.parse().ok()?)?.naive_utc();
    Some((at, id.to_owned()))
}

/// The curation queue: vendors in `status`, oldest first, with their waiting time
/// (curators, administrators and auditors).
pub fn queue(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    status: VendorStatus,
    page: &PageRequest,
) -> Result<Page<QueueItem>, VendorError> {
    if !actor.has_any(&[Role::Curator, Role::Admin, Role::Auditor]) {
        return Err(VendorError::Forbidden("Only curators, administrators and auditors see the curation queue."));
    }
    let after = match page.after.as_deref() {
        None => None,
        Some(k) => {
            Some(parse_queue_key(k).ok_or_else(|| VendorError::field("cursor", "is not a cursor of this list"))?)
        }
    };
    let rows = store::queue(conn, status.as_str(), after, page.fetch_limit())?;
    let page = Page::from_rows(rows, page, |r: &VendorRow| queue_key(r.submitted_at, &r.id));
    let items = page
        .items
        .into_iter()
        .map(|row| {
            let form = LegalForm::parse(&row.legal_form).map_err(corrupt)?;
            let (_, umkk, local) = derived(settings, &row, form);
            Ok(QueueItem {
                id: row.id.parse().map_err(|_| corrupt("vendor id"))?,
                waiting_seconds: row.submitted_at.map(|t| (now - from_db(t)).num_seconds().max(0)).unwrap_or(0),
                submitted_at: row.submitted_at.map(from_db),
                status: VendorStatus::parse(&row.status).map_err(corrupt)?,
                legal_name: row.legal_name,
                trade_name: row.trade_name,
                legal_form: form,
                region_code: row.region_code,
                local,
                umkk,
                claim_expires_at: row
                    .claimed_at
                    .filter(|_| row.claimed_by.is_some())
                    .map(|t| from_db(t) + settings.claim),
                claimed_by: row.claimed_by,
            })
        })
        .collect::<Result<_, VendorError>>()?;
    Ok(Page { items, next_cursor: page.next_cursor })
}

pub(crate) fn require_curation(actor: &Actor) -> Result<(), VendorError> {
    if actor.has_any(&[Role::Curator, Role::Admin]) {
        Ok(())
    } else {
        Err(VendorError::Forbidden("Only curators and administrators do this."))
    }
}

/// A curator takes a submitted vendor for review, so two curators never review the same
/// vendor at once. A claim holds for `settings.claim`; after that any curator may claim
/// the vendor again, taking it over (the first may then no longer decide).
pub fn claim(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
) -> Result<VendorView, VendorError> {
    require_curation(actor)?;
    write_tx(conn, |conn| {
        let mut row = store::lock_vendor(conn, id)?.ok_or(VendorError::NotFound)?;
        let status = VendorStatus::parse(&row.status).map_err(corrupt)?;
        let me = actor.user_id.to_string();
        let previous = row.claimed_by.clone().filter(|_| status == VendorStatus::InReview);
        if status == VendorStatus::InReview {
            let until = row.claimed_at.map(|t| from_db(t) + settings.claim);
            if until.is_some_and(|until| until > now) {
                let who = if previous.as_deref() == Some(me.as_str()) { "You have" } else { "Another curator has" };
                let until = until.map(|t| format!(" until {}", t.to_rfc3339())).unwrap_or_default();
                return Err(VendorError::InvalidState(format!("{who} claimed this vendor{until}.")));
            }
        } else if !status.can_become(VendorStatus::InReview) {
            return Err(VendorError::InvalidState(format!(
                "Only a submitted vendor can be claimed; this one is {status}."
            )));
        }
        row.status = VendorStatus::InReview.as_str().into();
        row.claimed_by = Some(me);
        row.claimed_at = Some(to_db(now));
        let detail = json!({ "taken_over_from": previous.filter(|p| *p != actor.user_id.to_string()) });
        let row = save_transition(conn, now, actor, row, status, "vendor.claim", detail)?;
        VendorView::from_row(settings, row)
    })
}

/// A curator's decision, as the client sent it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// `approve`, `request_revision` or `reject`.
    #[schema(schema_with = vendor_decisions)]
    pub decision: String,
    /// Required to reject; shown to the vendor.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
    /// What to fix, per profile field or document (`documents.halal`); required to
    /// request a revision.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub remarks: Vec<Remark>,
}

fn vendor_decisions() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["approve", "request_revision", "reject"]))
        .build()
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Remark {
    /// A profile field (`nib`) or a document (`documents.halal`).
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub field: String,
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub message: String,
}

/// Decides on a vendor under review (the curator who claimed it, or an administrator).
pub fn review(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    input: ReviewInput,
) -> Result<VendorView, VendorError> {
    require_curation(actor)?;
    let mut e = FieldErrors::new();
    let decision = e.check("decision", Decision::parse(&input.decision));
    let reason = match input.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        Some(r) => e.check("reason", parse_name(r, 2000)),
        None => None,
    };
    if input.remarks.len() > 50 {
        e.add("remarks", "at most 50 remarks");
    }
    for (i, r) in input.remarks.iter().enumerate() {
        if r.field.trim().is_empty() || r.field.chars().count() > 100 {
            e.add(format!("remarks[{i}].field"), "must name a profile field or a document (documents.<kind>)");
        }
        if r.message.trim().is_empty() || r.message.chars().count() > 1000 {
            e.add(format!("remarks[{i}].message"), "must be 1 to 1000 characters");
        }
    }
    match decision {
        Some(Decision::Reject) if reason.is_none() => e.add("reason", "is required to reject"),
        Some(Decision::RequestRevision) if input.remarks.is_empty() => {
            e.add("remarks", "name at least one thing to revise")
        }
        _ => {}
    }
    e.finish().map_err(VendorError::invalid)?;
    let decision = decision.expect("checked");

    write_tx(conn, |conn| {
        let mut row = store::lock_vendor(conn, id)?.ok_or(VendorError::NotFound)?;
        let status = VendorStatus::parse(&row.status).map_err(corrupt)?;
        if status != VendorStatus::InReview {
            return Err(VendorError::InvalidState(format!(
                "Only a vendor under review can be decided on; this one is {status} (claim it first)."
            )));
        }
        let me = actor.user_id.to_string();
        if row.claimed_by.as_deref() != Some(me.as_str()) && !actor.has(Role::Admin) {
            return Err(VendorError::InvalidState("Another curator has claimed this vendor.".into()));
        }
        if decision == Decision::Approve {
            // Documents may have expired while the vendor waited in the queue.
            let documents = store::current_document_validity(conn, id)?;
            let missing = missing_for_submission(settings, &row, &documents, local_date(now, settings.time_zone));
            if !missing.is_empty() {
                let list = missing.iter().map(|m| m.field.as_str()).collect::<Vec<_>>().join(", ");
                return Err(VendorError::InvalidState(format!(
                    "The vendor no longer meets the requirements ({list}); request a revision instead."
                )));
            }
        }
        let next = match decision {
            Decision::Approve => VendorStatus::Approved,
            Decision::RequestRevision => VendorStatus::RevisionRequested,
            Decision::Reject => VendorStatus::Rejected,
        };
        row.status = next.as_str().into();
        row.decided_at = Some(to_db(now));
        let remarks_json = serde_json::to_string(&input.remarks).unwrap_or_else(|_| "[]".into());
        store::insert_review(conn, id, &me, decision.as_str(), reason.as_deref(), &remarks_json, now)?;
        let details = json!({ "decision": decision, "reason": reason, "remarks": input.remarks });
        let row = save_transition(conn, now, actor, row, status, "vendor.review", details)?;
        let (subject, text) = match decision {
            Decision::Approve => (
                "Your vendor registration is approved".to_string(),
                format!("{} is approved and may now list products.", row.legal_name),
            ),
            Decision::RequestRevision => {
                let list: Vec<String> = input.remarks.iter().map(|r| format!("- {}: {}", r.field, r.message)).collect();
                (
                    "Please revise your vendor registration".to_string(),
                    format!(
                        "The curator asks you to revise {} before it can be approved:\n\n{}{}\n\nFix these, then submit again.",
                        row.legal_name,
                        list.join("\n"),
                        reason.as_deref().map(|r| format!("\n\n{r}")).unwrap_or_default()
                    ),
                )
            }
            Decision::Reject => (
                "Your vendor registration was rejected".to_string(),
                format!("{} was rejected: {}", row.legal_name, reason.as_deref().unwrap_or_default()),
            ),
        };
        mail_owners(conn, now, &settings.marketplace_name, &row, &subject, &text)?;
        VendorView::from_row(settings, row)
    })
}

/// Suspends an approved vendor, or reinstates a suspended one (administrators), with a
/// reason the vendor is told.
pub fn set_suspended(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    suspend: bool,
    reason: &str,
) -> Result<VendorView, VendorError> {
    if !actor.has(Role::Admin) {
        return Err(VendorError::Forbidden("Only administrators suspend and reinstate vendors."));
    }
    let reason = parse_name(reason, 2000).map_err(|m| VendorError::field("reason", m))?;
    let (next, action) = if suspend {
        (VendorStatus::Suspended, "vendor.suspend")
    } else {
        (VendorStatus::Approved, "vendor.reinstate")
    };
    write_tx(conn, |conn| {
        let mut row = store::lock_vendor(conn, id)?.ok_or(VendorError::NotFound)?;
        let status = VendorStatus::parse(&row.status).map_err(corrupt)?;
        let from = if suspend { VendorStatus::Approved } else { VendorStatus::Suspended };
        if status != from {
            return Err(VendorError::InvalidState(format!("A vendor that is {status} cannot become {next}.")));
        }
        row.status = next.as_str().into();
        let row = save_transition(conn, now, actor, row, status, action, json!({ "reason": reason }))?;
        let (subject, text) = if suspend {
            ("Your vendor account is suspended", format!("{} is suspended and cannot sell: {reason}", row.legal_name))
        } else {
            ("Your vendor account is reinstated", format!("{} may sell again: {reason}", row.legal_name))
        };
        mail_owners(conn, now, &settings.marketplace_name, &row, subject, &text)?;
        VendorView::from_row(settings, row)
    })
}

/// One step of a vendor's timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// e.g. `vendor.submit`, `vendor.review`.
    pub action: String,
    /// The status after this step, where it changed.
    pub status: Option<String>,
    pub decision: Option<String>,
    pub reason: Option<String>,
    pub remarks: Vec<Remark>,
}

/// The vendor's timeline from the audit log: its own users, curators, administrators
/// and auditors.
pub fn history(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<Vec<HistoryEntry>, VendorError> {
    visible_vendor(conn, actor, id)?;
    let rows = audit::for_entity(conn, "vendor", id)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let after: serde_json::Value =
                r.after_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default();
            let text = |k: &str| after.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            HistoryEntry {
                at: from_db(r.occurred_at),
                action: r.action,
                status: text("status"),
                decision: text("decision"),
                reason: text("reason"),
                remarks: after.get("remarks").and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default(),
            }
        })
        .collect())
}
