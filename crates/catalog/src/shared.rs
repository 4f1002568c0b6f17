//! What the catalogue's use cases share: reading a product with the caller's right to
//! it, the vendor that sells it, errors for corrupt rows, and audit entries. It sits
//! below `service`, `images`, `facts` and `search`, so each of them depends on it and
//! none on another's helpers (see the layering in the crate documentation).

use crate::error::CatalogError;
use crate::model::ProductStatus;
use crate::store::{self, ProductRow};
use chrono::{DateTime, Utc};
use pasar_auth::access::{relation, Relation};
use pasar_auth::model::Actor;
use pasar_db::audit::{self, AuditEntry};
use pasar_db::time::to_db;
use pasar_db::DbConn;
use pasar_vendor_onboarding::model::VendorStatus;
use pasar_vendor_onboarding::service::{
    public_vendor, vendor_summary, PublicVendorView, VendorSettings, VendorSummary,
};

/// A row the database holds that no valid product could have written.
pub(crate) fn corrupt(what: impl std::fmt::Display) -> CatalogError {
    CatalogError::Db(pasar_db::DbError::corrupt(what))
}

/// Appends the audit entry of a change `actor` made to `entity` (type, id).
pub(crate) fn audit_entry(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    entity: (&str, &str),
    action: &str,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
) -> Result<(), CatalogError> {
    audit::append(
        conn,
        now,
        AuditEntry {
            actor_id: Some(&actor.user_id.to_string()),
            action,
            entity_type: entity.0,
            entity_id: entity.1,
            before,
            after: Some(after),
            request_id: actor.request_id.as_deref(),
        },
    )?;
    Ok(())
}

/// The vendor as buyers see it, with its status (not found: `product`, since a product
/// names it).
pub(crate) fn vendor_public(
    conn: &mut DbConn,
    settings: &VendorSettings,
    vendor_id: &str,
) -> Result<(PublicVendorView, VendorStatus), CatalogError> {
    public_vendor(conn, settings, vendor_id)?.ok_or(CatalogError::NotFound("product"))
}

/// The vendor the caller sells for, if it may list products now.
pub(crate) fn selling_vendor(conn: &mut DbConn, actor: &Actor, vendor_id: &str) -> Result<VendorSummary, CatalogError> {
    match relation(Some(actor), vendor_id) {
        Relation::Owner | Relation::Staff => {}
        Relation::Public => return Err(CatalogError::NotFound("product")),
        _ => return Err(CatalogError::Forbidden("Only the vendor's own users list and edit its products.")),
    }
    let vendor = vendor_summary(conn, vendor_id)?.ok_or(CatalogError::NotFound("vendor"))?;
    if vendor.status != VendorStatus::Approved {
        return Err(CatalogError::Forbidden("Only an approved vendor that is not suspended lists and edits products."));
    }
    Ok(vendor)
}

/// The product, its vendor, and whether `actor` sees it in full (as `service::get_product`
/// shows it);
/// not found for whoever may not see it at all.
pub(crate) fn readable(
    conn: &mut DbConn,
    settings: &VendorSettings,
    actor: Option<&Actor>,
    id: &str,
) -> Result<(ProductRow, PublicVendorView, bool), CatalogError> {
    let row = store::find_product(conn, id)?.ok_or(CatalogError::NotFound("product"))?;
    let (v, vendor_status) = vendor_public(conn, settings, &row.vendor_id)?;
    if relation(actor, &row.vendor_id) == Relation::Public {
        let status = ProductStatus::parse(&row.status).map_err(corrupt)?;
        if !status.is_visible() || vendor_status != VendorStatus::Approved {
            return Err(CatalogError::NotFound("product"));
        }
        return Ok((row, v, false));
    }
    Ok((row, v, true))
}

/// A change to a published product that a curator must see first (name, category,
/// TKDN, a photo): the product waits for review while buyers keep the approved version.
pub(crate) fn send_back_for_review(row: &mut ProductRow, now: DateTime<Utc>) {
    row.status = ProductStatus::ChangesSubmitted.as_str().into();
    row.submitted_at = Some(to_db(now));
}
