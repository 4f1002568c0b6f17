//! Products as their vendor lists and edits them, and as buyers read them.

use crate::error::CatalogError;
use crate::facts::{self, Version};
use crate::input::ProductInput;
use crate::model::{kbli_allows, PriorityTier, ProductStatus, Unit};
use crate::shared::{audit_entry, corrupt, readable, selling_vendor, send_back_for_review, vendor_public};
use crate::store::{self, CategoryRow, ProductRow};
use chrono::{DateTime, NaiveDate, Utc};
use pasar_auth::access::{relation, Relation};
use pasar_auth::model::{parse_name, Actor, Role};
use pasar_core::clock::local_date;
use pasar_core::error::FieldErrors;
use pasar_core::id::ProductId;
use pasar_core::page::{Page, PageRequest};
use pasar_core::{BasisPoints, Rupiah};
use pasar_db::audit::{self, AuditEntry};
use pasar_db::time::{from_db, to_db};
use pasar_db::{write_tx, DbConn};
use pasar_vendor_onboarding::model::DocumentKind;
use pasar_vendor_onboarding::service::{holds_current_document, PublicVendorView, VendorSettings, VendorSummary};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// What the approved version says, where it differs by review.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublishedFacts {
    pub name: String,
    pub category_id: String,
    pub unit: String,
    pub tkdn_certificate: Option<String>,
    pub tkdn_bp: Option<i32>,
    pub bmp_bp: Option<i32>,
    pub tkdn_valid_until: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
}

/// A product as buyers see it (the approved name, category and TKDN), or in full for
/// its vendor and the curation desk (`status`, `published`, `review_note` added).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProductView {
    pub id: String,
    pub vendor_id: String,
    pub vendor_name: String,
    pub name: String,
    pub description: String,
    pub category_id: String,
    pub brand: Option<String>,
    pub sku: Option<String>,
    pub unit: String,
    pub unit_price_idr: i64,
    pub min_order: i32,
    pub stock: i32,
    pub weight_grams: Option<i32>,
    pub specs: BTreeMap<String, String>,
    pub tkdn_certificate: Option<String>,
    pub tkdn_bp: Option<i32>,
    pub bmp_bp: Option<i32>,
    pub tkdn_valid_until: Option<String>,
    /// The certificate's valid-until date has passed: until the vendor records a current
    /// one, the product counts as without TKDN (the flags and tier below say so).
    pub tkdn_lapsed: bool,
    /// TKDN + BMP ≥ 40 % (with TKDN ≥ 25 %): buyers must prefer it.
    pub pdn_priority: bool,
    /// TKDN ≥ 25 %.
    pub tkdn_25: bool,
    /// The priority tier of Perpres 46/2025.
    pub priority_tier: PriorityTier,
    /// The vendor is micro, small or a koperasi.
    pub umkk: bool,
    /// The vendor is in a region the marketplace serves.
    pub local: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ProductStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<PublishedFacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_note: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Builds the view; `full` for the vendor and the curation desk (the working copy),
/// otherwise the approved version. The facts that count come from [`facts::snapshot`].
pub(super) fn view(
    row: ProductRow,
    vendor: &PublicVendorView,
    full: bool,
    today: NaiveDate,
) -> Result<ProductView, CatalogError> {
    let status = ProductStatus::parse(&row.status).map_err(corrupt)?;
    let version = if full { Version::WorkingCopy } else { Version::Approved };
    let f = facts::snapshot(&row, vendor, today, version);
    let published = row.published_name.clone().map(|name| PublishedFacts {
        name,
        category_id: row.published_category_id.clone().unwrap_or_default(),
        unit: row.published_unit.clone().unwrap_or_else(|| row.unit.clone()),
        tkdn_certificate: row.published_tkdn_certificate.clone(),
        tkdn_bp: row.published_tkdn_bp,
        bmp_bp: row.published_bmp_bp,
        tkdn_valid_until: row.published_tkdn_valid_until.clone(),
        published_at: row.published_at.map(from_db),
    });
    Ok(ProductView {
        id: row.id,
        vendor_id: row.vendor_id,
        vendor_name: f.vendor_name,
        name: f.product_name,
        description: row.description,
        category_id: f.category_id,
        brand: row.brand,
        sku: row.sku,
        unit: f.unit,
        unit_price_idr: f.unit_price_idr,
        min_order: row.min_order,
        stock: row.stock,
        weight_grams: row.weight_grams,
        specs: serde_json::from_str(&row.specs_json).unwrap_or_default(),
        tkdn_certificate: f.tkdn_certificate,
        tkdn_bp: f.tkdn_recorded_bp.map(|bp| bp as i32),
        bmp_bp: f.bmp_recorded_bp.map(|bp| bp as i32),
        tkdn_valid_until: f.tkdn_valid_until,
        tkdn_lapsed: f.tkdn_lapsed,
        pdn_priority: f.pdn_priority,
        tkdn_25: f.tkdn_25,
        priority_tier: f.priority_tier,
        umkk: f.umkk,
        local: f.local,
        status: full.then_some(status),
        published: if full { published } else { None },
        review_note: if full { row.review_note } else { None },
        updated_at: from_db(row.updated_at),
    })
}

/// The fields that need a curator's approval. The unit is one: a price "per pcs" must not
/// silently become a price "per gram".
type Reviewable = (String, String, String, Option<String>, Option<i32>, Option<i32>, Option<String>);

fn reviewable(row: &ProductRow) -> Reviewable {
    (
        row.name.clone(),
        row.category_id.clone(),
        row.unit.clone(),
        row.tkdn_certificate.clone(),
        row.tkdn_bp,
        row.bmp_bp,
        row.tkdn_valid_until.clone(),
    )
}

/// Applies `input` to `row`, collecting every bad field; checks the category against the
/// vendor's KBLI codes and the TKDN document against the vendor's documents.
fn apply_product(
    conn: &mut DbConn,
    row: &mut ProductRow,
    input: &ProductInput,
    kbli: &[String],
    creating: bool,
    today: NaiveDate,
) -> Result<(), CatalogError> {
    apply_product_with(conn, &mut LiveLookups, row, input, kbli, creating, today)
}

/// [`apply_product`], with the category and SKU look-ups it makes through `lookups`.
pub(super) fn apply_product_with(
    conn: &mut DbConn,
    lookups: &mut dyn Lookups,
    row: &mut ProductRow,
    input: &ProductInput,
    kbli: &[String],
    creating: bool,
    today: NaiveDate,
) -> Result<(), CatalogError> {
    let mut e = FieldErrors::new();
    let required = |e: &mut FieldErrors, field: &str, present: bool| {
        if creating && !present {
            e.add(field, "is required");
        }
    };
    required(&mut e, "name", input.name.is_some());
    required(&mut e, "category_id", input.category_id.is_some());
    required(&mut e, "unit", input.unit.is_some());
    required(&mut e, "unit_price_idr", input.unit_price_idr.is_some());
    if let Some(v) = &input.name {
        if let Some(v) = e.check("name", parse_name(v, 200)) {
            row.name = v;
        }
    }
    if let Some(v) = &input.description {
        if v.chars().count() > 10_000 {
            e.add("description", "must be at most 10000 characters");
        } else {
            row.description = v.trim().to_owned();
        }
    }
    for (field, value, target, max) in
        [("brand", &input.brand, &mut row.brand, 100), ("sku", &input.sku, &mut row.sku, 64)]
    {
        if let Some(v) = value {
            *target = if v.trim().is_empty() { None } else { e.check(field, parse_name(v, max)) };
        }
    }
    if let Some(u) = &input.unit {
        if let Some(u) = e.check("unit", Unit::parse(u)) {
            row.unit = u.as_str().into();
        }
    }
    if let Some(p) = input.unit_price_idr {
        match Rupiah::parse_price(p) {
            Ok(Rupiah(0)) => e.add("unit_price_idr", "must be more than 0"),
            Ok(Rupiah(p)) => row.unit_price_idr = p,
            Err(m) => e.add("unit_price_idr", m),
        }
    }
    for (field, value, target) in
        [("min_order", input.min_order, &mut row.min_order), ("stock", input.stock, &mut row.stock)]
    {
        if let Some(v) = value {
            match i32::try_from(v) {
                Ok(v) if v >= 0 && (field != "min_order" || v >= 1) => *target = v,
                _ => e.add(field, if field == "min_order" { "must be at least 1" } else { "must not be negative" }),
            }
        }
    }
    if let Some(w) = input.weight_grams {
        match i32::try_from(w) {
            Ok(w) if w >= 0 => row.weight_grams = Some(w),
            _ => e.add("weight_grams", "must not be negative"),
        }
    }
    if let Some(specs) = &input.specs {
        if specs.len() > 50 {
            e.add("specs", "at most 50 specifications");
        } else if specs.iter().any(|(k, v)| k.trim().is_empty() || k.chars().count() > 100 || v.chars().count() > 500) {
            e.add("specs", "keys must be 1 to 100 characters and values at most 500");
        } else {
            row.specs_json = serde_json::to_string(specs).unwrap_or_else(|_| "{}".into());
        }
    }
    if let Some(lc) = &input.local_content {
        let tkdn = lc.tkdn_bp.map(|v| e.check("local_content.tkdn_bp", BasisPoints::parse(v))).unwrap_or(None);
        let bmp = lc.bmp_bp.map(|v| e.check("local_content.bmp_bp", BasisPoints::parse(v))).unwrap_or(None);
        if let Some(b) = bmp {
            if b > crate::model::MAX_BMP {
                e.add("local_content.bmp_bp", "must be at most 1500 (15 %)");
            }
        }
        let until = match lc.valid_until.as_deref() {
            Some(d) => match e.check("local_content.valid_until", pasar_vendor_onboarding::model::parse_date(d)) {
                Some(d) if d < today => {
                    e.add("local_content.valid_until", format!("the certificate lapsed on {d}; record a current one"));
                    None
                }
                d => d.map(|d| d.to_string()),
            },
            None => None,
        };
        let certificate = lc.certificate.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned);
        if tkdn.is_some_and(|t| t.0 > 0) && (certificate.is_none() || lc.valid_until.is_none()) {
            e.add("local_content.certificate", "a TKDN value needs its certificate number and valid_until");
        }
        if let Some(doc) = lc.document_id.as_deref() {
            let ok = holds_current_document(conn, &row.vendor_id, doc, DocumentKind::Tkdn)?;
            if ok {
                row.tkdn_document_id = Some(doc.to_owned());
            } else {
                e.add("local_content.document_id", "must be one of the vendor's current TKDN documents");
            }
        }
        row.tkdn_certificate = certificate;
        row.tkdn_bp = tkdn.map(|t| t.0 as i32);
        row.bmp_bp = bmp.map(|b| b.0 as i32);
        row.tkdn_valid_until = until;
    }
    if let Some(c) = &input.category_id {
        match lookups.category(conn, c)? {
            Some(cat) if !cat.active => e.add("category_id", "this category is closed"),
            Some(cat) if !kbli_allows(&cat.kbli_prefixes, kbli) => {
                e.add("category_id", "the vendor's KBLI codes do not allow listing in this category")
            }
            Some(cat) => row.category_id = cat.id,
            None => e.add("category_id", "no such category"),
        }
    }
    e.finish().map_err(CatalogError::invalid)?;
    if let Some(sku) = &row.sku {
        if lookups.sku_taken(conn, &row.vendor_id, sku, &row.id)? {
            return Err(CatalogError::AlreadyExists {
                field: "sku",
                detail: "Another of your products has this SKU.".into(),
            });
        }
    }
    Ok(())
}

/// Lists a new product, as a draft (the vendor's own users).
pub fn create_product(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    input: ProductInput,
) -> Result<ProductView, CatalogError> {
    if !actor.has_any(&[Role::VendorOwner, Role::VendorStaff]) {
        return Err(CatalogError::Forbidden("Only vendors list products."));
    }
    let vendor_id = actor.organization_id.to_string();
    write_tx(conn, |conn| {
        let vendor = selling_vendor(conn, actor, &vendor_id)?;
        let (v, _) = vendor_public(conn, settings, &vendor_id)?;
        insert_draft(conn, &vendor, &v, now, local_date(now, settings.time_zone), Some(actor), input)
    })
}

/// Inserts a draft product with its first price and audit entry, inside the caller's
/// transaction, after the rights were checked.
fn insert_draft(
    conn: &mut DbConn,
    vendor: &VendorSummary,
    public: &PublicVendorView,
    now: DateTime<Utc>,
    today: chrono::NaiveDate,
    actor: Option<&Actor>,
    input: ProductInput,
) -> Result<ProductView, CatalogError> {
    let mut row = draft_row(&vendor.id, now);
    apply_product(conn, &mut row, &input, &vendor.kbli, true, today)?;
    store::insert_product(conn, &row)?;
    let actor_id = actor.map(|a| a.user_id.to_string());
    store::insert_price(conn, &row.id, row.unit_price_idr, actor_id.as_deref(), now)?;
    let out = view(row, public, true, today)?;
    audit::append(
        conn,
        now,
        AuditEntry {
            actor_id: actor_id.as_deref(),
            action: "product.create",
            entity_type: "product",
            entity_id: &out.id,
            before: None,
            after: Some(serde_json::to_value(&out).unwrap_or_default()),
            request_id: actor.and_then(|a| a.request_id.as_deref()),
        },
    )?;
    Ok(out)
}

/// Where [`apply_product`] looks up categories and SKUs: the database for one product,
/// or a snapshot read once for the thousands of rows of an import.
pub(super) trait Lookups {
    fn category(&mut self, conn: &mut DbConn, id: &str) -> diesel::QueryResult<Option<CategoryRow>>;
    fn sku_taken(&mut self, conn: &mut DbConn, vendor_id: &str, sku: &str, except: &str) -> diesel::QueryResult<bool>;
}

/// Look-ups in the database, as they stand in the caller's transaction.
struct LiveLookups;

impl Lookups for LiveLookups {
    fn category(&mut self, conn: &mut DbConn, id: &str) -> diesel::QueryResult<Option<CategoryRow>> {
        store::find_category(conn, id)
    }
    fn sku_taken(&mut self, conn: &mut DbConn, vendor_id: &str, sku: &str, except: &str) -> diesel::QueryResult<bool> {
        store::sku_taken(conn, vendor_id, sku, except)
    }
}

/// A new product's row before `input` is applied to it.
pub(super) fn draft_row(vendor_id: &str, now: DateTime<Utc>) -> ProductRow {
    ProductRow {
        id: uuid::Uuid::now_v7().to_string(),
        vendor_id: vendor_id.to_owned(),
        status: ProductStatus::Draft.as_str().into(),
        name: String::new(),
        description: String::new(),
        category_id: String::new(),
        brand: None,
        sku: None,
        unit: Unit::Pcs.as_str().into(),
        unit_price_idr: 0,
        min_order: 1,
        stock: 0,
        weight_grams: None,
        specs_json: "{}".into(),
        tkdn_certificate: None,
        tkdn_bp: None,
        bmp_bp: None,
        tkdn_valid_until: None,
        tkdn_document_id: None,
        published_name: None,
        published_category_id: None,
        published_unit: None,
        published_tkdn_certificate: None,
        published_tkdn_bp: None,
        published_bmp_bp: None,
        published_tkdn_valid_until: None,
        published_at: None,
        review_note: None,
        submitted_at: None,
        created_at: to_db(now),
        updated_at: to_db(now),
        deleted_at: None,
    }
}

/// Edits a product (the vendor's own users). A change to the name, category or TKDN of
/// a published product goes back to the curator, while buyers keep seeing the approved
/// version; other changes apply at once. Every price change is kept.
pub fn update_product(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &ProductId,
    input: ProductInput,
) -> Result<ProductView, CatalogError> {
    let id = id.to_string();
    let id = id.as_str();
    write_tx(conn, |conn| {
        let mut row = store::lock_product(conn, id)?.ok_or(CatalogError::NotFound("product"))?;
        let vendor = selling_vendor(conn, actor, &row.vendor_id)?;
        let status = ProductStatus::parse(&row.status).map_err(corrupt)?;
        let before_facts = reviewable(&row);
        let before_price = row.unit_price_idr;
        let (v, _) = vendor_public(conn, settings, &row.vendor_id)?;
        let before = view(row.clone(), &v, true, local_date(now, settings.time_zone))?;
        apply_product(conn, &mut row, &input, &vendor.kbli, false, local_date(now, settings.time_zone))?;
        let facts_changed = reviewable(&row) != before_facts;
        if facts_changed {
            match status {
                ProductStatus::Submitted | ProductStatus::ChangesSubmitted => {
                    return Err(CatalogError::InvalidState(
                        "The name, category and TKDN cannot change while the curator reviews them.".into(),
                    ))
                }
                ProductStatus::Published => send_back_for_review(&mut row, now),
                _ => {}
            }
        }
        row.updated_at = to_db(now);
        store::save_product(conn, &row)?;
        crate::search_queue::product(conn, now, &row.id)?;
        if row.unit_price_idr != before_price {
            store::insert_price(conn, &row.id, row.unit_price_idr, Some(&actor.user_id.to_string()), now)?;
        }
        let out = view(row, &v, true, local_date(now, settings.time_zone))?;
        audit_entry(
            conn,
            now,
            actor,
            ("product", id),
            "product.update",
            Some(serde_json::to_value(&before).unwrap_or_default()),
            serde_json::to_value(&out).unwrap_or_default(),
        )?;
        Ok(out)
    })
}

/// Removes a product from the catalogue (kept in the database for the orders and the
/// audit that refer to it).
pub fn delete_product(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &ProductId,
) -> Result<(), CatalogError> {
    let id = id.to_string();
    let id = id.as_str();
    write_tx(conn, |conn| {
        let mut row = store::lock_product(conn, id)?.ok_or(CatalogError::NotFound("product"))?;
        match relation(Some(actor), &row.vendor_id) {
            Relation::Owner | Relation::Staff => {}
            Relation::Public => return Err(CatalogError::NotFound("product")),
            _ => return Err(CatalogError::Forbidden("Only the vendor's own users delete its products.")),
        }
        row.deleted_at = Some(to_db(now));
        row.updated_at = to_db(now);
        store::save_product(conn, &row)?;
        crate::search_queue::product(conn, now, &row.id)?;
        audit_entry(conn, now, actor, ("product", id), "product.delete", None, json!({ "deleted": true }))
    })
}

/// A product as the caller may see it: in full for its vendor, curators, administrators
/// and auditors; the approved version of a visible product of an approved vendor for
/// everyone else; otherwise not found.
pub fn get_product(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: Option<&Actor>,
    id: &ProductId,
) -> Result<ProductView, CatalogError> {
    let id = id.to_string();
    let id = id.as_str();
    let (row, v, full) = readable(conn, settings, actor, id)?;
    view(row, &v, full, local_date(now, settings.time_zone))
}

/// A vendor's own catalogue, drafts included (its users, curators, administrators,
/// auditors).
pub fn vendor_products(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    vendor_id: &str,
    page: &PageRequest,
) -> Result<Page<ProductView>, CatalogError> {
    if relation(Some(actor), vendor_id) == Relation::Public {
        return Err(CatalogError::NotFound("vendor"));
    }
    let (v, _) = vendor_public(conn, settings, vendor_id).map_err(|_| CatalogError::NotFound("vendor"))?;
    let rows = store::vendor_products(conn, vendor_id, page.after.as_deref(), page.fetch_limit())?;
    let page = Page::from_rows(rows, page, |r| r.id.clone());
    let today = local_date(now, settings.time_zone);
    let items = page.items.into_iter().map(|r| view(r, &v, true, today)).collect::<Result<_, _>>()?;
    Ok(Page { items, next_cursor: page.next_cursor })
}

/// `(price, when)` of every price the product has had (whoever may see the product).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PricePoint {
    pub unit_price_idr: i64,
    pub changed_at: DateTime<Utc>,
}

pub fn price_history(
    conn: &mut DbConn,
    settings: &VendorSettings,
    actor: Option<&Actor>,
    id: &ProductId,
) -> Result<Vec<PricePoint>, CatalogError> {
    let id = id.to_string();
    let id = id.as_str();
    readable(conn, settings, actor, id)?;
    Ok(store::price_history(conn, id)?
        .into_iter()
        .map(|(p, at)| PricePoint { unit_price_idr: p, changed_at: from_db(at) })
        .collect())
}
