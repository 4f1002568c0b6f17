//! Product curation: submission, the curator's review, take-down and the queue.

use super::{publish_working_copy, view, ProductView};
use crate::error::CatalogError;
use crate::model::ProductStatus;
use crate::shared::{audit_entry, corrupt, selling_vendor, vendor_public};
use crate::store;
use chrono::{DateTime, Utc};
use pasar_auth::model::{parse_name, Actor, Role};
use pasar_core::clock::local_date;
use pasar_core::error::FieldErrors;
use pasar_core::id::ProductId;
use pasar_core::page::{Page, PageRequest};
use pasar_core::FieldError;
use pasar_db::time::to_db;
use pasar_db::{write_tx, DbConn};
use pasar_vendor_onboarding::service::{PublicVendorView, VendorSettings};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

/// Sends a draft, rejected or taken-down product to the curator.
pub fn submit_product(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &ProductId,
) -> Result<ProductView, CatalogError> {
    let id = id.to_string();
    let id = id.as_str();
    write_tx(conn, |conn| {
        let mut row = store::lock_product(conn, id)?.ok_or(CatalogError::NotFound("product"))?;
        selling_vendor(conn, actor, &row.vendor_id)?;
        let status = ProductStatus::parse(&row.status).map_err(corrupt)?;
        if !status.can_submit() {
            return Err(CatalogError::InvalidState(format!("A product that is {status} cannot be submitted.")));
        }
        row.status = ProductStatus::Submitted.as_str().into();
        row.submitted_at = Some(to_db(now));
        row.updated_at = to_db(now);
        store::save_product(conn, &row)?;
        audit_entry(
            conn,
            now,
            actor,
            ("product", id),
            "product.submit",
            Some(json!({ "status": status })),
            json!({ "status": "submitted" }),
        )?;
        let (v, _) = vendor_public(conn, settings, &row.vendor_id)?;
        view(row, &v, true, local_date(now, settings.time_zone))
    })
}

fn require_curation(actor: &Actor) -> Result<(), CatalogError> {
    if actor.has_any(&[Role::Curator, Role::Admin]) {
        Ok(())
    } else {
        Err(CatalogError::Forbidden("Only curators and administrators do this."))
    }
}

/// A curator's decision on a product.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductReview {
    /// `approve` or `reject`.
    #[schema(schema_with = product_decisions)]
    pub decision: String,
    /// Required to reject; shown to the vendor.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
    /// The photos the curator saw and approves, by id. Without it, approving approves
    /// every photo waiting; with it, a photo uploaded after the curator looked stays
    /// unapproved (it goes to the curator with the next change).
    #[serde(default)]
    #[schema(value_type = Option<Vec<uuid::Uuid>>)]
    pub images: Option<Vec<String>>,
}

fn product_decisions() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["approve", "reject"]))
        .build()
}

/// Approves or rejects a submitted product or a submitted change. Approval publishes
/// the reviewed fields; rejecting a change restores the approved version.
pub fn review_product(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &ProductId,
    input: ProductReview,
) -> Result<ProductView, CatalogError> {
    let id = id.to_string();
    let id = id.as_str();
    require_curation(actor)?;
    let approve = match input.decision.as_str() {
        "approve" => true,
        "reject" => false,
        other => {
            return Err(CatalogError::field(
                "decision",
                format!("unknown value '{}'; expected approve or reject", other.chars().take(40).collect::<String>()),
            ))
        }
    };
    let reason = match input.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        Some(r) => Some(parse_name(r, 2000).map_err(|m| CatalogError::field("reason", m))?),
        None if !approve => {
            return Err(CatalogError::invalid(vec![FieldError::new("reason", "is required to reject")]))
        }
        None => None,
    };
    if let Some(images) = &input.images {
        let mut e = FieldErrors::new();
        if images.len() > crate::images::MAX_IMAGES {
            e.add("images", format!("at most {} photo ids", crate::images::MAX_IMAGES));
        }
        for (i, image) in images.iter().enumerate().take(crate::images::MAX_IMAGES + 1) {
            if uuid::Uuid::try_parse(image).is_err() {
                e.add(format!("images[{i}]"), "must be a photo id");
            }
        }
        e.finish().map_err(CatalogError::invalid)?;
    }
    write_tx(conn, |conn| {
        let mut row = store::lock_product(conn, id)?.ok_or(CatalogError::NotFound("product"))?;
        let status = ProductStatus::parse(&row.status).map_err(corrupt)?;
        if !matches!(status, ProductStatus::Submitted | ProductStatus::ChangesSubmitted) {
            return Err(CatalogError::InvalidState(format!(
                "Only a submitted product can be decided on; this one is {status}."
            )));
        }
        match (approve, status) {
            (true, _) => {
                publish_working_copy(&mut row, now);
                store::approve_images(conn, id, input.images.as_deref(), to_db(now))?;
            }
            (false, ProductStatus::ChangesSubmitted) => {
                row.name = row.published_name.clone().unwrap_or_default();
                row.category_id = row.published_category_id.clone().unwrap_or_default();
                row.unit = row.published_unit.clone().unwrap_or_else(|| row.unit.clone());
                row.tkdn_certificate = row.published_tkdn_certificate.clone();
                row.tkdn_bp = row.published_tkdn_bp;
                row.bmp_bp = row.published_bmp_bp;
                row.tkdn_valid_until = row.published_tkdn_valid_until.clone();
                row.status = ProductStatus::Published.as_str().into();
            }
            (false, _) => row.status = ProductStatus::Rejected.as_str().into(),
        }
        row.review_note = reason.clone();
        row.updated_at = to_db(now);
        store::save_product(conn, &row)?;
        crate::search_queue::product(conn, now, &row.id)?;
        audit_entry(
            conn,
            now,
            actor,
            ("product", id),
            "product.review",
            Some(json!({ "status": status })),
            json!({ "status": row.status, "decision": input.decision, "reason": reason }),
        )?;
        let (v, _) = vendor_public(conn, settings, &row.vendor_id)?;
        view(row, &v, true, local_date(now, settings.time_zone))
    })
}

/// Takes a visible product down (turun tayang) with a reason (curators, administrators).
pub fn take_down(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &ProductId,
    reason: &str,
) -> Result<ProductView, CatalogError> {
    let id = id.to_string();
    let id = id.as_str();
    require_curation(actor)?;
    let reason = parse_name(reason, 2000).map_err(|m| CatalogError::field("reason", m))?;
    write_tx(conn, |conn| {
        let mut row = store::lock_product(conn, id)?.ok_or(CatalogError::NotFound("product"))?;
        let status = ProductStatus::parse(&row.status).map_err(corrupt)?;
        if !status.is_visible() {
            return Err(CatalogError::InvalidState(format!(
                "Only a published product can be taken down; this one is {status}."
            )));
        }
        row.status = ProductStatus::TakenDown.as_str().into();
        row.review_note = Some(reason.clone());
        row.updated_at = to_db(now);
        store::save_product(conn, &row)?;
        crate::search_queue::product(conn, now, &row.id)?;
        audit_entry(
            conn,
            now,
            actor,
            ("product", id),
            "product.take_down",
            Some(json!({ "status": status })),
            json!({ "status": "taken_down", "reason": reason }),
        )?;
        let (v, _) = vendor_public(conn, settings, &row.vendor_id)?;
        view(row, &v, true, local_date(now, settings.time_zone))
    })
}

/// Products waiting for the curator, oldest first.
pub fn product_queue(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    status: ProductStatus,
    page: &PageRequest,
) -> Result<Page<ProductView>, CatalogError> {
    if !actor.has_any(&[Role::Curator, Role::Admin, Role::Auditor]) {
        return Err(CatalogError::Forbidden("Only curators, administrators and auditors see the curation queue."));
    }
    let after = match page.after.as_deref() {
        None => None,
        Some(k) => {
            let (at, id) =
                k.split_once('|').ok_or_else(|| CatalogError::field("cursor", "is not a cursor of this list"))?;
            let at = at
                .parse()
                .ok()
                .and_then(DateTime::from_timestamp_micros)
                .ok_or_else(|| CatalogError::field("cursor", "is not a cursor of this list"))?;
            Some((at.naive_utc(), id.to_owned()))
        }
    };
    let rows = store::product_queue(conn, status.as_str(), after, page.fetch_limit())?;
    let page = Page::from_rows(rows, page, |r| {
        format!("{}|{}", r.submitted_at.map(|t| t.and_utc().timestamp_micros()).unwrap_or(0), r.id)
    });
    let mut items = Vec::with_capacity(page.items.len());
    let today = local_date(now, settings.time_zone);
    // One vendor look-up per vendor on the page, not per product.
    let mut vendors: BTreeMap<String, PublicVendorView> = BTreeMap::new();
    for row in page.items {
        if !vendors.contains_key(&row.vendor_id) {
            let (v, _) = vendor_public(conn, settings, &row.vendor_id)?;
            vendors.insert(row.vendor_id.clone(), v);
        }
        let v = &vendors[&row.vendor_id];
        items.push(view(row, v, true, today)?);
    }
    Ok(Page { items, next_cursor: page.next_cursor })
}
