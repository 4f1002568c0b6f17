//! The facts about a vendor that P3DN counts — legal form (a koperasi counts as UMKK
//! whatever its size), business capital and annual sales (its PP 7/2021 scale), region
//! (whether it is local) and tax status — change on an approved vendor only through a
//! curator. The vendor proposes a change; the approved values stay in force everywhere
//! (its profile, search, orders) until a curator approves the proposal, or rejects it
//! with a reason. One proposal waits at a time.

use crate::error::VendorError;
use crate::model::{LegalForm, TaxStatus, VendorStatus};
use crate::service::{audit_vendor, corrupt, mail_owners, require_curation, VendorSettings, VendorView};
use crate::store::{self, VendorRow};
use chrono::{DateTime, Utc};
use pasar_auth::model::{parse_name, Actor, Role};
use pasar_core::page::{Page, PageRequest};
use pasar_db::time::{from_db, to_db};
use pasar_db::{write_tx, DbConn};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The counted facts of a vendor, as approved or as proposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CountedFacts {
    pub legal_form: LegalForm,
    pub business_capital_idr: Option<i64>,
    pub annual_sales_idr: Option<i64>,
    pub region_code: Option<String>,
    pub tax_status: Option<TaxStatus>,
    /// End of the PP 55/2022 certificate, `YYYY-MM-DD`.
    pub pp55_valid_until: Option<String>,
}

impl CountedFacts {
    /// The facts `row` holds.
    pub(crate) fn of(row: &VendorRow) -> Result<Self, VendorError> {
        Ok(CountedFacts {
            legal_form: LegalForm::parse(&row.legal_form).map_err(corrupt)?,
            business_capital_idr: row.business_capital_idr,
            annual_sales_idr: row.annual_sales_idr,
            region_code: row.region_code.clone(),
            tax_status: row.tax_status.as_deref().map(TaxStatus::parse).transpose().map_err(corrupt)?,
            pp55_valid_until: row.pp55_valid_until.clone(),
        })
    }

    fn write_to(&self, row: &mut VendorRow) {
        row.legal_form = self.legal_form.as_str().into();
        row.business_capital_idr = self.business_capital_idr;
        row.annual_sales_idr = self.annual_sales_idr;
        row.region_code = self.region_code.clone();
        row.tax_status = self.tax_status.map(|t| t.as_str().into());
        row.pp55_valid_until = self.pp55_valid_until.clone();
    }
}

/// A proposed change waiting for a curator.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PendingFacts {
    /// The values that would replace the approved ones.
    pub proposed: CountedFacts,
    pub submitted_at: DateTime<Utc>,
}

/// Whether a vendor in `status` has been approved once, so that its counted facts are
/// curated.
fn curated(status: VendorStatus) -> bool {
    matches!(status, VendorStatus::Approved | VendorStatus::Suspended)
}

/// The proposal `row` holds, if any.
pub(crate) fn pending(row: &VendorRow) -> Result<Option<PendingFacts>, VendorError> {
    match (&row.pending_facts_json, row.pending_facts_at) {
        (Some(json), Some(at)) => {
            Ok(Some(PendingFacts { proposed: serde_json::from_str(json).map_err(corrupt)?, submitted_at: from_db(at) }))
        }
        _ => Ok(None),
    }
}

/// Called by the profile update after the changes were applied to `row`: on a curated
/// vendor, a change to the counted facts becomes a proposal and `row` keeps the
/// approved values. Returns the proposal made, if any.
pub(crate) fn hold_for_curator(
    before: &VendorRow,
    row: &mut VendorRow,
    now: DateTime<Utc>,
) -> Result<Option<CountedFacts>, VendorError> {
    let status = VendorStatus::parse(&before.status).map_err(corrupt)?;
    let (approved, proposed) = (CountedFacts::of(before)?, CountedFacts::of(row)?);
    if !curated(status) || approved == proposed {
        return Ok(None);
    }
    if row.pending_facts_at.is_some() {
        return Err(VendorError::InvalidState(
            "A change to the legal form, capital, sales, region or tax status is already waiting for the \
             curator; it must be decided before another is proposed."
                .into(),
        ));
    }
    approved.write_to(row);
    row.pending_facts_json = Some(serde_json::to_string(&proposed).map_err(corrupt)?);
    row.pending_facts_at = Some(to_db(now));
    row.facts_review_note = None;
    Ok(Some(proposed))
}

/// A vendor whose proposed change waits, as the curation desk sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FactsQueueItem {
    pub vendor_id: String,
    pub legal_name: String,
    /// The values in force.
    pub current: CountedFacts,
    pub proposed: CountedFacts,
    pub submitted_at: DateTime<Utc>,
    pub waiting_seconds: i64,
}

/// Vendors whose proposed changes wait, oldest first (curators, administrators,
/// auditors).
pub fn queue(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    page: &PageRequest,
) -> Result<Page<FactsQueueItem>, VendorError> {
    if !actor.has_any(&[Role::Curator, Role::Admin, Role::Auditor]) {
        return Err(VendorError::Forbidden("Only curators, administrators and auditors see the curation queue."));
    }
    let after = match page.after.as_deref() {
        None => None,
        Some(k) => Some(
            crate::service::parse_queue_key(k)
                .ok_or_else(|| VendorError::field("cursor", "is not a cursor of this list"))?,
        ),
    };
    let rows = store::pending_facts_queue(conn, after, page.fetch_limit())?;
    let page = Page::from_rows(rows, page, |r: &VendorRow| crate::service::queue_key(r.pending_facts_at, &r.id));
    let items = page
        .items
        .into_iter()
        .map(|row| {
            let p = pending(&row)?.ok_or_else(|| corrupt("queued vendor without a pending change"))?;
            Ok(FactsQueueItem {
                current: CountedFacts::of(&row)?,
                waiting_seconds: (now - p.submitted_at).num_seconds().max(0),
                vendor_id: row.id,
                legal_name: row.legal_name,
                proposed: p.proposed,
                submitted_at: p.submitted_at,
            })
        })
        .collect::<Result<_, VendorError>>()?;
    Ok(Page { items, next_cursor: page.next_cursor })
}

/// A curator's decision on a proposed change.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactsReview {
    /// `approve` or `reject`.
    pub decision: String,
    /// Required to reject; shown to the vendor.
    pub reason: Option<String>,
    /// The `submitted_at` of the proposal the curator looked at: when given, a decision
    /// on a proposal made since is refused, so nothing is approved unseen.
    pub submitted_at: Option<DateTime<Utc>>,
}

/// Approves or rejects a vendor's proposed change (curators, administrators). Approval
/// puts the proposed values in force (scale, UMKK, locality follow, in search too);
/// either way the owners are told.
pub fn review(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    vendor_id: &str,
    input: FactsReview,
) -> Result<VendorView, VendorError> {
    require_curation(actor)?;
    let approve = match input.decision.as_str() {
        "approve" => true,
        "reject" => false,
        other => {
            return Err(VendorError::field(
                "decision",
                format!("unknown value '{}'; expected approve or reject", other.chars().take(40).collect::<String>()),
            ))
        }
    };
    let reason = match input.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        Some(r) => Some(parse_name(r, 2000).map_err(|m| VendorError::field("reason", m))?),
        None if !approve => return Err(VendorError::field("reason", "is required to reject")),
        None => None,
    };
    write_tx(conn, |conn| {
        let mut row = store::lock_vendor(conn, vendor_id)?.ok_or(VendorError::NotFound)?;
        let Some(p) = pending(&row)? else {
            return Err(VendorError::InvalidState("No change of this vendor is waiting for a decision.".into()));
        };
        if input.submitted_at.is_some_and(|seen| seen != p.submitted_at) {
            return Err(VendorError::InvalidState(
                "The vendor proposed another change since you looked; review it again.".into(),
            ));
        }
        let before = CountedFacts::of(&row)?;
        if approve {
            p.proposed.write_to(&mut row);
        }
        row.pending_facts_json = None;
        row.pending_facts_at = None;
        row.facts_review_note = reason.clone();
        row.updated_at = to_db(now);
        store::save_vendor(conn, &row)?;
        // Scale, UMKK and locality are part of the vendor's products' search entries.
        pasar_db::search_queue::vendor(conn, now, &row.id)?;
        let (action, subject, text) = if approve {
            (
                "vendor.facts_approve",
                "Your profile change was approved",
                "The curator approved your change to the legal form, capital, sales, region or tax status. \
                 It is in force from now on."
                    .to_owned(),
            )
        } else {
            (
                "vendor.facts_reject",
                "Your profile change was not approved",
                format!(
                    "The curator did not approve your change to the legal form, capital, sales, region or tax \
                     status. The approved values stay in force.\n\nReason: {}",
                    reason.as_deref().unwrap_or_default()
                ),
            )
        };
        mail_owners(conn, now, &settings.marketplace_name, &row, subject, &text)?;
        audit_vendor(
            conn,
            now,
            actor,
            vendor_id,
            action,
            Some(json!({ "facts": before })),
            json!({ "facts": CountedFacts::of(&row)?, "proposed": p.proposed, "reason": reason }),
        )?;
        VendorView::from_row(settings, row)
    })
}
