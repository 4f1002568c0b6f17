//! Vendor use cases: registration, profile, submission, curation (claim, review,
//! suspend, reinstate), the vendor's own timeline and the public directory.
//!
//! Who may see what: a vendor's own users see and change only their own vendor
//! (anything else is "not found"); curators and administrators see all; auditors read
//! all and change nothing; everyone else sees only approved vendors' public profile. The
//! rule is [`pasar_auth::access::relation`], shared with the other rooms.

mod curation;
mod profile;
mod registration;
mod rooms;
mod seed;
mod views;

pub use curation::*;
/// Who may see a vendor's rows: decided in [`pasar_auth::access`] for every room.
pub use pasar_auth::access::{relation, Relation};
pub use profile::*;
pub use registration::*;
pub use rooms::*;
pub use seed::*;
pub use views::*;

use crate::error::VendorError;
use crate::model::{DocumentKind, ScaleThresholds, VendorStatus};
use crate::store::{self, VendorRow};
use chrono::{DateTime, Utc};
use pasar_auth::model::Actor;
use pasar_core::RegionCode;
use pasar_db::audit::{self, AuditEntry};
use pasar_db::outbox::{self, NewMail};
use pasar_db::time::to_db;
use pasar_db::DbConn;
use serde_json::json;

/// Vendor rules an operator configures.
#[derive(Debug, Clone)]
pub struct VendorSettings {
    pub scale: ScaleThresholds,
    /// The regions the marketplace serves; vendors elsewhere are not `local`.
    pub region_codes: Vec<RegionCode>,
    /// Documents a vendor must hold (valid) before submitting.
    pub required_documents: Vec<DocumentKind>,
    /// Shown in mails.
    pub marketplace_name: String,
    /// Registrations allowed from one address within the throttle window.
    pub registrations_per_address: i32,
    /// How long a curator's claim holds before another curator may take over.
    pub claim: chrono::TimeDelta,
    /// The marketplace's time zone: the days that validity dates and deadlines count.
    pub time_zone: pasar_core::Zone,
}

impl Default for VendorSettings {
    fn default() -> Self {
        VendorSettings {
            scale: ScaleThresholds::default(),
            region_codes: vec![RegionCode::parse("35.76").expect("valid code")],
            required_documents: vec![DocumentKind::Nib, DocumentKind::Npwp, DocumentKind::BankAccount],
            marketplace_name: "Pasar".into(),
            registrations_per_address: 10,
            claim: chrono::TimeDelta::hours(72),
            time_zone: pasar_core::Zone::default(),
        }
    }
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> VendorError {
    VendorError::Db(pasar_db::DbError::corrupt(what))
}

// --- what the use cases share --------------------------------------------------------------

/// The vendor row, if the caller may see it in full; "not found" otherwise, so that
/// nobody learns which ids exist.
fn visible_vendor(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<(VendorRow, Relation), VendorError> {
    let rel = relation(Some(actor), id);
    if rel == Relation::Public {
        return Err(VendorError::NotFound);
    }
    let row = store::lock_vendor(conn, id)?.ok_or(VendorError::NotFound)?;
    Ok((row, rel))
}

pub(crate) fn audit_vendor(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    vendor_id: &str,
    action: &str,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
) -> Result<(), VendorError> {
    audit::append(
        conn,
        now,
        AuditEntry {
            actor_id: Some(&actor.user_id.to_string()),
            action,
            entity_type: "vendor",
            entity_id: vendor_id,
            before,
            after: Some(after),
            request_id: actor.request_id.as_deref(),
        },
    )?;
    Ok(())
}

/// Saves a status change (already made on `row`) with its audit entry: before, the old
/// status; after, the new one and `details`.
fn save_transition(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    mut row: VendorRow,
    from: VendorStatus,
    action: &str,
    details: serde_json::Value,
) -> Result<VendorRow, VendorError> {
    row.updated_at = to_db(now);
    save_checked(conn, &row)?;
    // What buyers find depends on the vendor's status: the search index must look again.
    pasar_db::search_queue::vendor(conn, now, &row.id)?;
    let mut after = json!({ "status": row.status });
    if let (Some(after), serde_json::Value::Object(extra)) = (after.as_object_mut(), details) {
        after.extend(extra);
    }
    audit_vendor(conn, now, actor, &row.id, action, Some(json!({ "status": from })), after)?;
    Ok(row)
}

pub(crate) fn mail_owners(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    marketplace: &str,
    vendor: &VendorRow,
    subject: &str,
    text: &str,
) -> Result<(), VendorError> {
    for (email, name) in store::owner_emails(conn, &vendor.id)? {
        let body = format!("Halo {name},\n\n{text}\n\n— {marketplace}\n");
        outbox::enqueue_mail(
            conn,
            now,
            NewMail { to: &email, subject: &format!("[{marketplace}] {subject}"), body: &body, expires_at: None },
        )?;
    }
    Ok(())
}
