//! What other rooms read of a vendor, as steps inside a transaction the caller already
//! holds: the catalogue checks that a vendor may sell and shows it beside its products,
//! search re-indexes the products of vendors that changed.
//!
//! Other crates reach vendors only through `service` (here and the use cases beside
//! it), never through [`crate::store`]. These steps check no rights: the calling use
//! case does, with [`pasar_auth::access`]. They fail only as the database does (a row
//! that cannot be read counts as corrupt), so they answer [`DbError`] and the caller's
//! error wraps it as its own database error.

use super::{PublicVendorView, VendorSettings};
use crate::model::{DocumentKind, VendorStatus};
use crate::store;
use chrono::{DateTime, Utc};
use pasar_db::{DbConn, DbError};

/// A vendor as the catalogue checks it before a product is listed or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorSummary {
    pub id: String,
    pub status: VendorStatus,
    /// The KBLI codes it is registered for; a product's category must fall under one.
    pub kbli: Vec<String>,
}

/// The vendor's id, status and KBLI codes, if it exists.
pub fn vendor_summary(conn: &mut DbConn, id: &str) -> Result<Option<VendorSummary>, DbError> {
    let Some(row) = store::find_vendor(conn, id)? else { return Ok(None) };
    let status = VendorStatus::parse(&row.status).map_err(DbError::corrupt)?;
    Ok(Some(VendorSummary { kbli: row.kbli_list(), id: row.id, status }))
}

/// The vendor's public profile and its status, if it exists (whether the caller may
/// see it is the caller's to decide).
pub fn public_vendor(
    conn: &mut DbConn,
    settings: &VendorSettings,
    id: &str,
) -> Result<Option<(PublicVendorView, VendorStatus)>, DbError> {
    let Some(row) = store::find_vendor(conn, id)? else { return Ok(None) };
    let status = VendorStatus::parse(&row.status).map_err(DbError::corrupt)?;
    let view = PublicVendorView::from_row(settings, row).map_err(|e| DbError::corrupt(e.to_string()))?;
    Ok(Some((view, status)))
}

/// Whether `document_id` is one of the vendor's current documents (not replaced) of
/// this kind.
pub fn holds_current_document(
    conn: &mut DbConn,
    vendor_id: &str,
    document_id: &str,
    kind: DocumentKind,
) -> Result<bool, DbError> {
    Ok(store::find_document(conn, vendor_id, document_id)?
        .is_some_and(|d| d.kind == kind.as_str() && d.replaced_by.is_none()))
}

/// The vendors whose row changed at or after `since`, by id.
pub fn vendors_changed_since(conn: &mut DbConn, since: DateTime<Utc>) -> Result<Vec<String>, DbError> {
    Ok(store::vendors_changed_since(conn, since)?)
}
