//! Demonstration and benchmark vendors (`pasar seed-demo`), created without mail or
//! curation.

use crate::error::VendorError;
use crate::model::{LegalForm, VendorStatus};
use crate::store::{self, VendorRow};
use chrono::{DateTime, Utc};
use pasar_auth::model::{Email, Role};
use pasar_auth::service::{self as auth, UserToInsert};
use pasar_db::audit::{self, AuditEntry};
use pasar_db::time::to_db;
use pasar_db::DbConn;
use serde_json::json;

/// A vendor to create as demonstration or benchmark data (`pasar seed-demo`).
#[derive(Debug, Clone)]
pub struct VendorSeed<'a> {
    pub legal_name: &'a str,
    pub trade_name: &'a str,
    pub legal_form: LegalForm,
    pub nib: &'a str,
    pub kbli: &'a [&'a str],
    pub region_code: &'a str,
    pub capital_idr: i64,
    pub status: VendorStatus,
    pub owner_email: &'a str,
    pub owner_name: &'a str,
}

/// Creates a vendor, its verified owner and its audit entries in the caller's
/// transaction, in the given status. For seeding only: no mail is sent and no curation
/// takes place.
pub fn seed_vendor(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    seed: &VendorSeed<'_>,
    password_hash: &str,
) -> Result<String, VendorError> {
    let org_id = auth::insert_vendor_organization(conn, now, seed.trade_name)?;
    let submitted = !matches!(seed.status, VendorStatus::Draft);
    let decided = matches!(seed.status, VendorStatus::Approved | VendorStatus::Rejected | VendorStatus::Suspended);
    let digits: String = seed.nib.chars().rev().take(10).collect();
    let row = VendorRow {
        id: org_id.clone(),
        status: seed.status.as_str().into(),
        legal_name: seed.legal_name.into(),
        trade_name: Some(seed.trade_name.into()),
        legal_form: seed.legal_form.as_str().into(),
        nib: Some(seed.nib.into()),
        npwp: Some(format!("0{}00000", &seed.nib[..10])),
        kbli_codes: seed.kbli.join(","),
        street: Some("Jl. Majapahit".into()),
        region_code: Some(seed.region_code.into()),
        postal_code: Some("61318".into()),
        contact_name: Some(seed.owner_name.into()),
        contact_phone: Some("+6281234567890".into()),
        contact_email: Some(seed.owner_email.into()),
        business_capital_idr: Some(seed.capital_idr),
        annual_sales_idr: None,
        tax_status: Some("non_pkp".into()),
        pp55_valid_until: None,
        bank_name: Some("Bank Jatim".into()),
        bank_account_number: Some(digits),
        bank_account_holder: Some(seed.legal_name.into()),
        claimed_by: None,
        claimed_at: None,
        submitted_at: submitted.then(|| to_db(now)),
        decided_at: decided.then(|| to_db(now)),
        created_at: to_db(now),
        updated_at: to_db(now),
        pending_facts_json: None,
        pending_facts_at: None,
        facts_review_note: None,
    };
    store::insert_vendor(conn, &row)?;
    let owner = UserToInsert {
        organization_id: org_id.clone(),
        email: Email::parse(seed.owner_email).map_err(|m| VendorError::field("email", m))?,
        name: seed.owner_name.into(),
        roles: vec![Role::VendorOwner],
        password_hash: password_hash.into(),
    };
    let (user, _) = auth::insert_user(conn, now, None, owner, "vendor.seed_owner")?;
    auth::mark_email_verified(conn, &user.id.to_string(), now)?;
    audit::append(
        conn,
        now,
        AuditEntry {
            actor_id: None,
            action: "vendor.seed",
            entity_type: "vendor",
            entity_id: &org_id,
            before: None,
            after: Some(json!({ "status": seed.status, "legal_name": seed.legal_name })),
            request_id: None,
        },
    )?;
    Ok(org_id)
}
