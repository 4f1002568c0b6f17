//! The vendor's profile as its own users change it, submission to the curator, and the
//! public directory of approved vendors.

use super::{
    audit_vendor, corrupt, mail_owners, save_transition, visible_vendor, Address, BankAccount, Contact,
    PublicVendorView, VendorReply, VendorSettings, VendorView,
};
use crate::error::VendorError;
use crate::model::{
    lapsed, parse_account_number, parse_date, parse_phone, parse_postal_code, Kbli, LegalForm, Nib, Npwp, TaxStatus,
    VendorStatus,
};
use crate::store::{self, VendorRow};
use chrono::{DateTime, Utc};
use pasar_auth::access::{relation, Relation};
use pasar_auth::model::{parse_name, Actor, Email};
use pasar_auth::service as auth;
use pasar_core::clock::local_date;
use pasar_core::error::FieldErrors;
use pasar_core::page::{Page, PageRequest};
use pasar_core::{FieldError, RegionCode, Rupiah};
use pasar_db::time::to_db;
use pasar_db::{write_tx, DbConn};
use serde::Deserialize;
use serde_json::json;

/// The vendor as the caller may see it: in full for its own users and staff roles, the
/// public profile of an approved vendor for everyone else, otherwise not found.
pub fn get_vendor(
    conn: &mut DbConn,
    settings: &VendorSettings,
    actor: Option<&Actor>,
    id: &str,
) -> Result<VendorReply, VendorError> {
    let rel = relation(actor, id);
    let row = store::find_vendor(conn, id)?.ok_or(VendorError::NotFound)?;
    if rel == Relation::Public {
        if row.status != VendorStatus::Approved.as_str() {
            return Err(VendorError::NotFound);
        }
        return Ok(VendorReply::Public(PublicVendorView::from_row(settings, row)?));
    }
    Ok(VendorReply::Full(Box::new(VendorView::from_row(settings, row)?)))
}

/// Changes to a vendor profile, as the client sent them; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VendorChanges {
    pub legal_name: Option<String>,
    pub trade_name: Option<String>,
    pub legal_form: Option<String>,
    /// 13 digits.
    pub nib: Option<String>,
    /// 15 or 16 digits; dots and dashes allowed.
    pub npwp: Option<String>,
    /// 5 digits each.
    pub kbli_codes: Option<Vec<String>>,
    pub address: Option<Address>,
    pub contact: Option<Contact>,
    pub business_capital_idr: Option<i64>,
    pub annual_sales_idr: Option<i64>,
    pub tax_status: Option<String>,
    pub pp55_valid_until: Option<String>,
    pub bank_account: Option<BankAccount>,
}

impl VendorChanges {
    /// The legal name and identifiers, fixed once the vendor is submitted. (The legal
    /// form is a counted fact: see `crate::facts`.)
    fn touches_identity(&self) -> bool {
        self.legal_name.is_some() || self.nib.is_some() || self.npwp.is_some() || self.kbli_codes.is_some()
    }
}

fn optional_text(errors: &mut FieldErrors, field: &str, value: Option<&str>, max: usize) -> Option<Option<String>> {
    value.map(|v| if v.trim().is_empty() { None } else { errors.check(field, parse_name(v, max)) })
}

/// Applies `changes` to `row`, collecting every invalid field.
fn apply_changes(row: &mut VendorRow, changes: &VendorChanges) -> Result<(), Vec<FieldError>> {
    let mut e = FieldErrors::new();
    if let Some(v) = &changes.legal_name {
        if let Some(v) = e.check("legal_name", parse_name(v, 200)) {
            row.legal_name = v;
        }
    }
    if let Some(v) = optional_text(&mut e, "trade_name", changes.trade_name.as_deref(), 200) {
        row.trade_name = v;
    }
    if let Some(v) = &changes.legal_form {
        if let Some(v) = e.check("legal_form", LegalForm::parse(v)) {
            row.legal_form = v.as_str().into();
        }
    }
    if let Some(v) = &changes.nib {
        if let Some(v) = e.check("nib", Nib::parse(v)) {
            row.nib = Some(v.as_str().into());
        }
    }
    if let Some(v) = &changes.npwp {
        if let Some(v) = e.check("npwp", Npwp::parse(v)) {
            row.npwp = Some(v.as_str().into());
        }
    }
    if let Some(list) = &changes.kbli_codes {
        if list.len() > 20 {
            e.add("kbli_codes", "at most 20 codes");
        }
        let mut codes: Vec<String> = Vec::new();
        for (i, c) in list.iter().enumerate() {
            if let Some(k) = e.check(&format!("kbli_codes[{i}]"), Kbli::parse(c)) {
                if !codes.iter().any(|x| x == k.as_str()) {
                    codes.push(k.as_str().into());
                }
            }
        }
        row.kbli_codes = codes.join(",");
    }
    if let Some(a) = &changes.address {
        if let Some(v) = optional_text(&mut e, "address.street", a.street.as_deref(), 300) {
            row.street = v;
        }
        if let Some(r) = &a.region_code {
            match RegionCode::parse(r) {
                Ok(code) if code.as_str().split('.').count() >= 2 => row.region_code = Some(code.as_str().into()),
                Ok(_) => e.add("address.region_code", "must name at least the kabupaten/kota (e.g. 35.76)"),
                Err(m) => e.add("address.region_code", m),
            }
        }
        if let Some(p) = &a.postal_code {
            if let Some(v) = e.check("address.postal_code", parse_postal_code(p)) {
                row.postal_code = Some(v);
            }
        }
    }
    if let Some(c) = &changes.contact {
        if let Some(v) = optional_text(&mut e, "contact.name", c.name.as_deref(), 200) {
            row.contact_name = v;
        }
        if let Some(p) = &c.phone {
            if let Some(v) = e.check("contact.phone", parse_phone(p)) {
                row.contact_phone = Some(v);
            }
        }
        if let Some(m) = &c.email {
            if let Some(v) = e.check("contact.email", Email::parse(m)) {
                row.contact_email = Some(v.to_string());
            }
        }
    }
    for (field, value, target) in [
        ("business_capital_idr", changes.business_capital_idr, &mut row.business_capital_idr),
        ("annual_sales_idr", changes.annual_sales_idr, &mut row.annual_sales_idr),
    ] {
        if let Some(v) = value {
            if let Some(v) = e.check(field, Rupiah::parse_price(v)) {
                *target = Some(v.0);
            }
        }
    }
    if let Some(t) = &changes.tax_status {
        if let Some(v) = e.check("tax_status", TaxStatus::parse(t)) {
            row.tax_status = Some(v.as_str().into());
        }
    }
    if let Some(d) = &changes.pp55_valid_until {
        if let Some(v) = e.check("pp55_valid_until", parse_date(d)) {
            row.pp55_valid_until = Some(v.to_string());
        }
    }
    if row.tax_status.as_deref() == Some("pp55") && row.pp55_valid_until.is_none() {
        e.add("pp55_valid_until", "is required for the PP 55 tax status");
    }
    if let Some(b) = &changes.bank_account {
        if let Some(v) = optional_text(&mut e, "bank_account.bank_name", b.bank_name.as_deref(), 100) {
            row.bank_name = v;
        }
        if let Some(n) = &b.account_number {
            if let Some(v) = e.check("bank_account.account_number", parse_account_number(n)) {
                row.bank_account_number = Some(v);
            }
        }
        if let Some(v) = optional_text(&mut e, "bank_account.account_holder", b.account_holder.as_deref(), 200) {
            row.bank_account_holder = v;
        }
    }
    e.finish()
}

/// Updates the profile (the vendor's own users). The legal identity can change only in
/// draft or when a revision was requested; while under review nothing changes; staff
/// may not touch the bank account.
pub fn update_vendor(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    changes: VendorChanges,
) -> Result<VendorView, VendorError> {
    write_tx(conn, |conn| {
        let (mut row, rel) = visible_vendor(conn, actor, id)?;
        match rel {
            Relation::Owner | Relation::Staff => {}
            Relation::Curation | Relation::Auditor => {
                return Err(VendorError::Forbidden("Only the vendor's own users edit its profile."))
            }
            Relation::Public => return Err(VendorError::NotFound),
        }
        if rel == Relation::Staff && changes.bank_account.is_some() {
            return Err(VendorError::Forbidden("Only the vendor's owner changes the bank account."));
        }
        let status = VendorStatus::parse(&row.status).map_err(corrupt)?;
        match status {
            VendorStatus::Submitted | VendorStatus::InReview => {
                return Err(VendorError::InvalidState(format!(
                    "The profile is {status} and cannot change until the curator decides."
                )))
            }
            VendorStatus::Rejected => return Err(VendorError::InvalidState("The vendor was rejected.".into())),
            _ if changes.touches_identity() && !status.identity_editable() => {
                return Err(VendorError::InvalidState(format!(
                    "The legal identity (name, NIB, NPWP, KBLI) of a vendor that is {status} cannot change."
                )))
            }
            _ => {}
        }
        let before_row = row.clone();
        let before = VendorView::from_row(settings, row.clone())?;
        apply_changes(&mut row, &changes).map_err(VendorError::invalid)?;
        crate::facts::hold_for_curator(&before_row, &mut row, now)?;
        check_nib_free(conn, &row)?;
        row.updated_at = to_db(now);
        save_checked(conn, &row)?;
        // The vendor's name, scale and region are part of its products' search entries.
        pasar_db::search_queue::vendor(conn, now, &row.id)?;
        let after = VendorView::from_row(settings, row.clone())?;
        let bank = |v: &VendorView| {
            (
                v.bank_account.bank_name.clone(),
                v.bank_account.account_number.clone(),
                v.bank_account.account_holder.clone(),
            )
        };
        if before.status == VendorStatus::Approved && bank(&before) != bank(&after) {
            // Payouts go there: every owner hears of it, so a hijacked account cannot
            // divert payments quietly.
            let number = after.bank_account.account_number.as_deref().unwrap_or_default();
            let text = format!(
                "The bank account for payouts to {} was changed to {} ending in {} ({}).\n\n\
                 If you did not do this, contact the operator at once.",
                row.legal_name,
                after.bank_account.bank_name.as_deref().unwrap_or("-"),
                &number[number.len().saturating_sub(4)..],
                after.bank_account.account_holder.as_deref().unwrap_or("-"),
            );
            mail_owners(conn, now, &settings.marketplace_name, &row, "The payout bank account was changed", &text)?;
        }
        audit_vendor(
            conn,
            now,
            actor,
            id,
            "vendor.update",
            Some(serde_json::to_value(&before).unwrap_or_default()),
            serde_json::to_value(&after).unwrap_or_default(),
        )?;
        Ok(after)
    })
}

/// Refuses an NIB held by another active vendor.
fn check_nib_free(conn: &mut DbConn, row: &VendorRow) -> Result<(), VendorError> {
    if let Some(nib) = &row.nib {
        if store::vendor_with_nib(conn, nib, &row.id)?.is_some() {
            return Err(nib_taken());
        }
    }
    Ok(())
}

fn nib_taken() -> VendorError {
    VendorError::AlreadyExists {
        field: "nib",
        detail: "This NIB belongs to a vendor already registered here; if it is yours, contact the operator.".into(),
    }
}

/// Saves the row, turning a unique-index race on the NIB into the same 409.
pub(super) fn save_checked(conn: &mut DbConn, row: &VendorRow) -> Result<(), VendorError> {
    store::save_vendor(conn, row).map_err(|e| match pasar_db::DbError::Query(e) {
        e if e.is_unique_violation() => nib_taken(),
        e => VendorError::Db(e),
    })
}

/// What the vendor still lacks for submission today (its own users, curators and
/// readers of everything; others get "not found"): the submission's own rule, for a
/// dashboard to list before the vendor tries.
pub fn missing_now(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
) -> Result<Vec<FieldError>, VendorError> {
    let (row, _) = visible_vendor(conn, actor, id)?;
    let documents = crate::store::current_document_validity(conn, id)?;
    Ok(missing_for_submission(settings, &row, &documents, local_date(now, settings.time_zone)))
}

/// What is missing before a vendor may be submitted, as field errors.
pub fn missing_for_submission(
    settings: &VendorSettings,
    row: &VendorRow,
    documents: &[(String, Option<String>)],
    today: chrono::NaiveDate,
) -> Vec<FieldError> {
    let mut missing = Vec::new();
    let mut need = |ok: bool, field: &str, message: &str| {
        if !ok {
            missing.push(FieldError::new(field, message));
        }
    };
    need(row.nib.is_some(), "nib", "is required");
    need(row.npwp.is_some(), "npwp", "is required");
    need(!row.kbli_codes.is_empty(), "kbli_codes", "must name at least one KBLI code");
    need(row.street.is_some(), "address.street", "is required");
    need(row.region_code.is_some(), "address.region_code", "is required");
    need(row.contact_phone.is_some(), "contact.phone", "is required");
    need(row.contact_email.is_some(), "contact.email", "is required");
    need(
        row.business_capital_idr.is_some() || row.annual_sales_idr.is_some(),
        "business_capital_idr",
        "declare the business capital or the annual sales, to classify the business",
    );
    need(row.tax_status.is_some(), "tax_status", "is required");
    need(row.bank_name.is_some(), "bank_account.bank_name", "is required");
    need(row.bank_account_number.is_some(), "bank_account.account_number", "is required");
    need(row.bank_account_holder.is_some(), "bank_account.account_holder", "is required");
    for kind in &settings.required_documents {
        let held: Vec<&Option<String>> = documents.iter().filter(|(k, _)| k == kind.as_str()).map(|(_, v)| v).collect();
        if held.is_empty() {
            missing.push(FieldError::new(format!("documents.{kind}"), "is required; upload it"));
        } else if held.iter().all(|until| lapsed(until.as_deref(), today)) {
            missing.push(FieldError::new(format!("documents.{kind}"), "has expired; upload a valid one"));
        }
    }
    missing
}

/// Submits the profile for curation (the vendor's own users, with a verified email).
/// Refused with the list of everything still missing.
pub fn submit(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
) -> Result<VendorView, VendorError> {
    write_tx(conn, |conn| {
        let (mut row, rel) = visible_vendor(conn, actor, id)?;
        if !matches!(rel, Relation::Owner | Relation::Staff) {
            return Err(VendorError::Forbidden("Only the vendor's own users submit its profile."));
        }
        let me = auth::find_account(conn, &actor.user_id.to_string())?.ok_or(VendorError::NotFound)?;
        if !me.email_verified {
            return Err(VendorError::EmailNotVerified);
        }
        let status = VendorStatus::parse(&row.status).map_err(corrupt)?;
        if !status.can_become(VendorStatus::Submitted) {
            return Err(VendorError::InvalidState(format!("A vendor that is {status} cannot be submitted.")));
        }
        let documents = crate::store::current_document_validity(conn, id)?;
        let missing = missing_for_submission(settings, &row, &documents, local_date(now, settings.time_zone));
        if !missing.is_empty() {
            let list = missing.iter().map(|m| m.field.as_str()).collect::<Vec<_>>().join(", ");
            return Err(VendorError::Validation {
                detail: format!("The profile is not complete: {list}."),
                errors: missing,
            });
        }
        check_nib_free(conn, &row)?;
        row.status = VendorStatus::Submitted.as_str().into();
        row.submitted_at = Some(to_db(now));
        row.claimed_by = None;
        row.claimed_at = None;
        let row = save_transition(conn, now, actor, row, status, "vendor.submit", json!({}))?;
        VendorView::from_row(settings, row)
    })
}

/// Approved vendors' public profiles, for anyone.
pub fn directory(
    conn: &mut DbConn,
    settings: &VendorSettings,
    page: &PageRequest,
) -> Result<Page<PublicVendorView>, VendorError> {
    let rows = store::approved(conn, page.after.as_deref(), page.fetch_limit())?;
    let page = Page::from_rows(rows, page, |r| r.id.clone());
    let items = page.items.into_iter().map(|r| PublicVendorView::from_row(settings, r)).collect::<Result<_, _>>()?;
    Ok(Page { items, next_cursor: page.next_cursor })
}
