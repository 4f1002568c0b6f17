//! Catalogue use cases: the category tree, products with their local content, price
//! history, and product curation.
//!
//! A product's name, category and TKDN facts need a curator's approval; buyers see the
//! approved version of them (`published_*`) while a change waits. Everything else
//! (description, price, stock, …) applies at once. Only users of an approved vendor
//! list and edit products; a suspended vendor's products disappear from view.

use crate::error::CatalogError;
use crate::facts::{self, Version};
use crate::model::{kbli_allows, PriorityTier, ProductStatus, Unit};
use crate::store::{self, CategoryRow, ProductRow};
use chrono::{DateTime, NaiveDate, Utc};
use pasar_auth::model::{parse_name, Actor, Role};
use pasar_core::clock::local_date;
use pasar_core::error::FieldErrors;
use pasar_core::page::{Page, PageRequest};
use pasar_core::{BasisPoints, FieldError, Rupiah};
use pasar_db::audit::{self, AuditEntry};
use pasar_db::time::{from_db, to_db};
use pasar_db::{write_tx, DbConn};
use pasar_vendor_onboarding::model::VendorStatus;
use pasar_vendor_onboarding::service::{relation, PublicVendorView, Relation, VendorSettings};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

pub(crate) fn corrupt(what: impl std::fmt::Display) -> CatalogError {
    CatalogError::Db(pasar_db::DbError::corrupt(what))
}

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

// --- categories ----------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryView {
    pub id: String,
    pub parent_id: Option<String>,
    pub slug: String,
    pub name: String,
    /// KBLI codes or prefixes a vendor needs one of to list here; empty: open to all.
    pub kbli_prefixes: Vec<String>,
    pub position: i32,
    pub active: bool,
}

impl From<CategoryRow> for CategoryView {
    fn from(r: CategoryRow) -> Self {
        CategoryView {
            kbli_prefixes: r.kbli_prefixes.split(',').filter(|p| !p.is_empty()).map(str::to_owned).collect(),
            id: r.id,
            parent_id: r.parent_id,
            slug: r.slug,
            name: r.name,
            position: r.position,
            active: r.active,
        }
    }
}

/// The whole tree, flat, ordered by position (anyone).
pub fn list_categories(conn: &mut DbConn) -> Result<Vec<CategoryView>, CatalogError> {
    Ok(store::categories(conn)?.into_iter().map(CategoryView::from).collect())
}

/// A new category or changes to one, as the client sent them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    /// Lower-case letters, digits and dashes.
    #[schema(pattern = r"^[a-z0-9-]{2,60}$", example = "alat-tulis")]
    pub slug: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    /// The parent category's id; `""` makes it a top-level category.
    #[schema(pattern = r"^(?:|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")]
    pub parent_id: Option<String>,
    /// KBLI codes or prefixes (2 to 5 digits) a vendor needs to list here; empty: open to all.
    #[schema(value_type = Option<Vec<KbliPrefix>>)]
    pub kbli_prefixes: Option<Vec<String>>,
    pub position: Option<i32>,
    pub active: Option<bool>,
}

fn apply_category(conn: &mut DbConn, row: &mut CategoryRow, input: &CategoryInput) -> Result<(), CatalogError> {
    let mut e = FieldErrors::new();
    if let Some(slug) = &input.slug {
        let ok = (2..=60).contains(&slug.len())
            && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            row.slug = slug.clone();
        } else {
            e.add("slug", "must be 2 to 60 lower-case letters, digits or dashes");
        }
    }
    if let Some(name) = &input.name {
        if let Some(n) = e.check("name", parse_name(name, 100)) {
            row.name = n;
        }
    }
    if let Some(list) = &input.kbli_prefixes {
        for (i, p) in list.iter().enumerate() {
            if !(2..=5).contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_digit()) {
                e.add(format!("kbli_prefixes[{i}]"), "must be 2 to 5 digits (a KBLI code or its prefix)");
            }
        }
        row.kbli_prefixes = list.join(",");
    }
    if let Some(p) = input.position {
        row.position = p;
    }
    if let Some(a) = input.active {
        row.active = a;
    }
    if let Some(parent) = input.parent_id.as_deref() {
        if parent.is_empty() {
            row.parent_id = None;
        } else {
            // The new parent must exist and must not be the category or one below it.
            let all = store::categories(conn)?;
            let mut cursor = Some(parent.to_owned());
            let mut cycle = false;
            while let Some(c) = cursor {
                if c == row.id {
                    cycle = true;
                    break;
                }
                cursor = all.iter().find(|x| x.id == c).and_then(|x| x.parent_id.clone());
            }
            if !all.iter().any(|x| x.id == parent) {
                e.add("parent_id", "no such category");
            } else if cycle {
                e.add("parent_id", "would make the category its own ancestor");
            } else {
                row.parent_id = Some(parent.to_owned());
            }
        }
    }
    e.finish().map_err(CatalogError::invalid)?;
    if store::slug_taken(conn, &row.slug, &row.id)? {
        return Err(CatalogError::AlreadyExists {
            field: "slug",
            detail: format!("The slug '{}' is taken.", row.slug),
        });
    }
    Ok(())
}

fn require_admin(actor: &Actor) -> Result<(), CatalogError> {
    if actor.has(Role::Admin) {
        Ok(())
    } else {
        Err(CatalogError::Forbidden("Only administrators manage categories."))
    }
}

pub fn create_category(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    input: CategoryInput,
) -> Result<CategoryView, CatalogError> {
    require_admin(actor)?;
    let mut e = FieldErrors::new();
    if input.slug.is_none() {
        e.add("slug", "is required");
    }
    if input.name.is_none() {
        e.add("name", "is required");
    }
    e.finish().map_err(CatalogError::invalid)?;
    write_tx(conn, |conn| {
        let mut row = CategoryRow {
            id: uuid::Uuid::now_v7().to_string(),
            parent_id: None,
            slug: String::new(),
            name: String::new(),
            kbli_prefixes: String::new(),
            position: 0,
            active: true,
            created_at: to_db(now),
            updated_at: to_db(now),
        };
        apply_category(conn, &mut row, &input)?;
        store::insert_category(conn, &row)?;
        let view = CategoryView::from(row);
        audit_entry(
            conn,
            now,
            actor,
            ("category", &view.id),
            "category.create",
            None,
            serde_json::to_value(&view).unwrap_or_default(),
        )?;
        Ok(view)
    })
}

pub fn update_category(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    input: CategoryInput,
) -> Result<CategoryView, CatalogError> {
    require_admin(actor)?;
    write_tx(conn, |conn| {
        let mut row = store::lock_category(conn, id)?.ok_or(CatalogError::NotFound("category"))?;
        let before = CategoryView::from(row.clone());
        apply_category(conn, &mut row, &input)?;
        row.updated_at = to_db(now);
        store::save_category(conn, &row)?;
        let view = CategoryView::from(row);
        audit_entry(
            conn,
            now,
            actor,
            ("category", id),
            "category.update",
            Some(serde_json::to_value(&before).unwrap_or_default()),
            serde_json::to_value(&view).unwrap_or_default(),
        )?;
        Ok(view)
    })
}

// --- products ----------------------------------------------------------------------------------

/// A product's certified local content, as sent and as shown.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalContentInput {
    /// The TKDN certificate number (from SIINas).
    #[schema(max_length = 100)]
    pub certificate: Option<String>,
    /// TKDN in basis points (45.67 % = 4567).
    #[schema(minimum = 0, maximum = 10000)]
    pub tkdn_bp: Option<i64>,
    /// BMP in basis points, at most 1500.
    #[schema(minimum = 0, maximum = 1500)]
    pub bmp_bp: Option<i64>,
    /// `YYYY-MM-DD`, not in the past.
    #[schema(format = Date)]
    pub valid_until: Option<String>,
    /// The vendor's uploaded TKDN certificate (a document of kind `tkdn`).
    #[schema(value_type = Option<uuid::Uuid>)]
    pub document_id: Option<String>,
}

/// A new product or changes to one; on update, absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// An open category whose KBLI rule the vendor meets.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub category_id: Option<String>,
    /// Blank clears it.
    #[schema(max_length = 100)]
    pub brand: Option<String>,
    /// The vendor's own code, unique among its products; blank clears it.
    #[schema(max_length = 64)]
    pub sku: Option<String>,
    #[schema(value_type = Option<crate::model::Unit>)]
    pub unit: Option<String>,
    /// The highest unit price (HST), whole rupiah; negotiation may only lower it.
    #[schema(minimum = 1)]
    pub unit_price_idr: Option<i64>,
    #[schema(minimum = 1, maximum = 2147483647)]
    pub min_order: Option<i64>,
    #[schema(minimum = 0, maximum = 2147483647)]
    pub stock: Option<i64>,
    #[schema(minimum = 0, maximum = 2147483647)]
    pub weight_grams: Option<i64>,
    /// Specifications as key–value pairs (at most 50; keys 1 to 100 characters, values at most 500).
    pub specs: Option<BTreeMap<String, String>>,
    pub local_content: Option<LocalContentInput>,
}

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
fn view(row: ProductRow, vendor: &PublicVendorView, full: bool, today: NaiveDate) -> Result<ProductView, CatalogError> {
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

pub(crate) fn vendor_public(
    conn: &mut DbConn,
    settings: &VendorSettings,
    vendor_id: &str,
) -> Result<(PublicVendorView, VendorStatus), CatalogError> {
    let row = pasar_vendor_onboarding::store::find_vendor(conn, vendor_id)?.ok_or(CatalogError::NotFound("product"))?;
    let status = VendorStatus::parse(&row.status).map_err(corrupt)?;
    let view = PublicVendorView::from_row(settings, row).map_err(|e| corrupt(e.to_string()))?;
    Ok((view, status))
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
fn apply_product_with(
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
            let ok = pasar_vendor_onboarding::store::find_document(conn, &row.vendor_id, doc)?
                .is_some_and(|d| d.kind == "tkdn" && d.replaced_by.is_none());
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

/// The vendor the caller sells for, if it may list products now.
pub(crate) fn selling_vendor(
    conn: &mut DbConn,
    actor: &Actor,
    vendor_id: &str,
) -> Result<pasar_vendor_onboarding::store::VendorRow, CatalogError> {
    match relation(Some(actor), vendor_id) {
        Relation::Owner | Relation::Staff => {}
        Relation::Public => return Err(CatalogError::NotFound("product")),
        _ => return Err(CatalogError::Forbidden("Only the vendor's own users list and edit its products.")),
    }
    let vendor =
        pasar_vendor_onboarding::store::find_vendor(conn, vendor_id)?.ok_or(CatalogError::NotFound("vendor"))?;
    if vendor.status != VendorStatus::Approved.as_str() {
        return Err(CatalogError::Forbidden("Only an approved vendor that is not suspended lists and edits products."));
    }
    Ok(vendor)
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
    vendor: &pasar_vendor_onboarding::store::VendorRow,
    public: &PublicVendorView,
    now: DateTime<Utc>,
    today: chrono::NaiveDate,
    actor: Option<&Actor>,
    input: ProductInput,
) -> Result<ProductView, CatalogError> {
    let mut row = draft_row(&vendor.id, now);
    apply_product(conn, &mut row, &input, &vendor.kbli_list(), true, today)?;
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
trait Lookups {
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

/// An import's look-ups: the categories and the vendor's SKUs as read before the rows are
/// checked, plus the SKUs of the rows checked so far (two rows of a file cannot share
/// one). What changes meanwhile is checked again when the import is made visible.
struct ImportLookups {
    categories: BTreeMap<String, CategoryRow>,
    skus: std::collections::HashSet<String>,
}

impl Lookups for ImportLookups {
    fn category(&mut self, _: &mut DbConn, id: &str) -> diesel::QueryResult<Option<CategoryRow>> {
        Ok(self.categories.get(id).cloned())
    }
    fn sku_taken(&mut self, _: &mut DbConn, _: &str, sku: &str, _: &str) -> diesel::QueryResult<bool> {
        Ok(self.skus.contains(sku))
    }
}

/// The outcome of an import.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Products created (as drafts).
    pub created: usize,
}

/// Who imports, and how.
#[derive(Debug, Clone, Copy)]
pub enum Importer<'a> {
    /// A vendor's user, through the API: products arrive as drafts for the curator.
    User(&'a Actor),
    /// The operator, on the command line. `publish` puts the products on sale at once,
    /// for moving a catalogue that was curated elsewhere (audited as such).
    Operator { publish: bool },
}

/// Makes the working copy the approved version buyers see.
fn publish_working_copy(row: &mut ProductRow, now: DateTime<Utc>) {
    row.published_name = Some(row.name.clone());
    row.published_category_id = Some(row.category_id.clone());
    row.published_unit = Some(row.unit.clone());
    row.published_tkdn_certificate = row.tkdn_certificate.clone();
    row.published_tkdn_bp = row.tkdn_bp;
    row.published_bmp_bp = row.bmp_bp;
    row.published_tkdn_valid_until = row.tkdn_valid_until.clone();
    row.published_at = Some(to_db(now));
    row.status = ProductStatus::Published.as_str().into();
}

/// Rows an import writes per transaction. Each batch holds SQLite's write lock for a few
/// tens of milliseconds, so a login or an order waits at most about that long.
const IMPORT_BATCH: usize = 1_000;
/// A staging import whose batches stopped this long ago was abandoned (its process died):
/// [`discard_abandoned_imports`] removes what it staged.
const IMPORT_ABANDONED_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(15);
/// Problems listed at most for one file.
const IMPORT_MAX_PROBLEMS: usize = 200;

/// A new product's row before `input` is applied to it.
fn draft_row(vendor_id: &str, now: DateTime<Utc>) -> ProductRow {
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

/// `rows[N].column`, N counting data rows from 1.
fn row_error(index: usize, field: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(format!("rows[{}].{}", index + 1, crate::import::column_of(field)), message)
}

/// Imports products from CSV, all or nothing: every row is checked by the same rules as
/// `POST /products`; any bad row fails the whole import, with every problem listed as
/// `rows[N].column` (N counts data rows from 1). `max_rows` is the API's limit on the
/// number of rows (`None` on the command line). `progress` is told the rows written.
///
/// The import never holds a write transaction for long, so the marketplace keeps
/// answering while it runs:
/// 1. the file is parsed and every row checked, reading only (categories and the
///    vendor's SKUs are read once);
/// 2. the products and their first prices are written in batches of [`IMPORT_BATCH`]
///    rows, each batch its own short transaction, stored soft-deleted and marked with the
///    import's id, so that no read, search or queue sees them;
/// 3. one short transaction checks again what may have changed meanwhile (the vendor's
///    status, SKUs listed since, closed categories), makes every product visible at once,
///    queues them for search when published, and writes one audit entry
///    (`product.import`) that lists them.
///
/// If anything fails, what was written is removed (in batches too); if the process dies,
/// [`discard_abandoned_imports`] removes it later.
#[allow(clippy::too_many_arguments)]
pub fn import_products(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    zone: pasar_core::Zone,
    importer: Importer<'_>,
    vendor_id: &str,
    csv_text: &[u8],
    max_rows: Option<usize>,
    progress: &dyn Fn(usize),
) -> Result<ImportReport, CatalogError> {
    let rows = crate::import::parse(csv_text, max_rows).map_err(|e| match e {
        crate::import::FileError::TooManyRows { limit } => CatalogError::TooManyRows { limit },
        crate::import::FileError::Invalid(errors) => CatalogError::invalid(errors),
    })?;
    let (actor, publish) = match importer {
        Importer::User(a) => (Some(a), false),
        Importer::Operator { publish } => (None, publish),
    };
    let vendor = importing_vendor(conn, actor, vendor_id)?;
    discard_abandoned_imports(conn, now)?;

    // 1. Check every row, reading only.
    let categories = store::categories(conn)?;
    let slugs: BTreeMap<String, String> = categories.iter().map(|c| (c.slug.clone(), c.id.clone())).collect();
    let mut lookups = ImportLookups {
        categories: categories.into_iter().map(|c| (c.id.clone(), c)).collect(),
        skus: store::vendor_skus(conn, vendor_id)?.into_iter().collect(),
    };
    let kbli = vendor.kbli_list();
    let today = local_date(now, zone);
    let mut staged: Vec<ProductRow> = Vec::with_capacity(rows.len());
    let mut errors: Vec<FieldError> = Vec::new();
    for (n, mut input) in rows.into_iter().enumerate() {
        if let Some(id) = input.category_id.as_ref().and_then(|c| slugs.get(c)) {
            input.category_id = Some(id.clone());
        }
        let mut row = draft_row(vendor_id, now);
        match apply_product_with(conn, &mut lookups, &mut row, &input, &kbli, true, today) {
            Ok(()) => {
                if let Some(sku) = &row.sku {
                    lookups.skus.insert(sku.clone());
                }
                if publish {
                    publish_working_copy(&mut row, now);
                }
                // Out of sight until the import is made visible.
                row.deleted_at = Some(to_db(now));
                staged.push(row);
            }
            Err(CatalogError::Validation { errors: row_errors, .. }) => {
                errors.extend(row_errors.into_iter().map(|e| row_error(n, &e.field, e.message)))
            }
            Err(CatalogError::AlreadyExists { field, detail }) => errors.push(row_error(n, field, detail)),
            Err(other) => return Err(other),
        }
        if errors.len() >= IMPORT_MAX_PROBLEMS {
            break;
        }
    }
    if !errors.is_empty() {
        return Err(nothing_imported(errors));
    }
    if staged.is_empty() {
        return Ok(ImportReport { created: 0 });
    }

    // 2. Write the rows in short batches, out of sight.
    let import = store::ImportRow {
        id: uuid::Uuid::now_v7().to_string(),
        vendor_id: vendor_id.to_owned(),
        state: store::IMPORT_STAGING.into(),
        row_count: i32::try_from(staged.len()).map_err(|_| CatalogError::TooManyRows { limit: i32::MAX as usize })?,
        publish,
        created_by: actor.map(|a| a.user_id.to_string()),
        created_at: to_db(now),
        updated_at: to_db(now),
        finished_at: None,
    };
    write_tx(conn, |c| store::insert_import(c, &import))?;
    let started = std::time::Instant::now();
    let written = stage_rows(conn, &import, &staged, now, started, progress)
        .and_then(|()| reveal_import(conn, &import, &vendor, &staged, actor, now))
        .map_err(|e| match e {
            CatalogError::AlreadyExists { field: "sku", detail } => sku_conflicts(conn, &import, &staged, detail),
            other => other,
        });
    match written {
        Ok(()) => Ok(ImportReport { created: staged.len() }),
        Err(e) => {
            if let Err(cleanup) = discard_import(conn, &import.id) {
                // The import stays `staging`, out of sight, and is removed once abandoned.
                tracing::warn!(import = %import.id, error = %cleanup, "could not remove a failed import yet");
            }
            Err(e)
        }
    }
}

fn nothing_imported(errors: Vec<FieldError>) -> CatalogError {
    let detail = format!("Nothing was imported: {} problem(s) in the file.", errors.len());
    CatalogError::Validation { detail, errors }
}

/// The vendor a user (its own) or the operator (any approved vendor) imports for.
fn importing_vendor(
    conn: &mut DbConn,
    actor: Option<&Actor>,
    vendor_id: &str,
) -> Result<pasar_vendor_onboarding::store::VendorRow, CatalogError> {
    match actor {
        Some(a) => selling_vendor(conn, a, vendor_id),
        None => pasar_vendor_onboarding::store::find_vendor(conn, vendor_id)?
            .filter(|v| v.status == VendorStatus::Approved.as_str())
            .ok_or_else(|| CatalogError::field("vendor", "no approved vendor with this id")),
    }
}

/// Step 2 of [`import_products`]: the products and their first prices, batch by batch.
fn stage_rows(
    conn: &mut DbConn,
    import: &store::ImportRow,
    rows: &[ProductRow],
    now: DateTime<Utc>,
    started: std::time::Instant,
    progress: &dyn Fn(usize),
) -> Result<(), CatalogError> {
    let by = import.created_by.as_deref();
    let mut done = 0;
    for batch in rows.chunks(IMPORT_BATCH) {
        let held = std::time::Instant::now();
        let alive = now + chrono::TimeDelta::from_std(started.elapsed()).unwrap_or_default();
        write_tx(conn, |c| {
            store::insert_staged_products(c, batch, &import.id)?;
            store::insert_first_prices(c, batch, by, now)?;
            store::touch_import(c, &import.id, to_db(alive))
        })?;
        done += batch.len();
        progress(done);
        yield_write_lock(conn, held.elapsed());
    }
    Ok(())
}

/// SQLite has one write lock for every connection and process: after holding it for a
/// batch, leave it free about as long, so that other writers waiting on it (a login
/// records its session) get their turn instead of finding it taken again at once.
/// PostgreSQL writers do not wait on each other here.
fn yield_write_lock(conn: &DbConn, held: std::time::Duration) {
    if conn.backend() == pasar_db::Backend::Sqlite {
        std::thread::sleep(held.clamp(std::time::Duration::from_millis(2), std::time::Duration::from_millis(50)));
    }
}

/// Step 3 of [`import_products`]: one short transaction that checks again what may have
/// changed since the rows were checked, and makes them visible.
fn reveal_import(
    conn: &mut DbConn,
    import: &store::ImportRow,
    vendor: &pasar_vendor_onboarding::store::VendorRow,
    rows: &[ProductRow],
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> Result<(), CatalogError> {
    write_tx(conn, |c| {
        if !store::finish_import(c, &import.id, to_db(now))? {
            return Err(CatalogError::InvalidState(
                "The import took so long that it was taken for abandoned; nothing was imported.".into(),
            ));
        }
        // The vendor may have been suspended, a category closed, or a product listed
        // with one of these SKUs since the rows were checked.
        importing_vendor(c, actor, &vendor.id)?;
        let mut errors = Vec::new();
        let mut categories: BTreeMap<&str, bool> = BTreeMap::new();
        for row in rows {
            if !categories.contains_key(row.category_id.as_str()) {
                let open = store::find_category(c, &row.category_id)?.is_some_and(|cat| cat.active);
                categories.insert(&row.category_id, open);
            }
        }
        for (n, row) in rows.iter().enumerate() {
            if !categories[row.category_id.as_str()] {
                errors.push(row_error(n, "category_id", "this category was closed while the file was imported"));
            }
            if errors.len() >= IMPORT_MAX_PROBLEMS {
                break;
            }
        }
        if !errors.is_empty() {
            return Err(nothing_imported(errors));
        }
        // A SKU that another product of the vendor took meanwhile trips the unique index;
        // which rows it hit is worked out after this transaction ([`sku_conflicts`]).
        let revealed = store::reveal_import(c, &import.id).map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                CatalogError::AlreadyExists { field: "sku", detail: "Another of your products has this SKU.".into() }
            }
            other => other.into(),
        })?;
        if revealed != rows.len() {
            return Err(corrupt(format!("import {} holds {revealed} of its {} rows", import.id, rows.len())));
        }
        if import.publish {
            store::queue_import_for_search(c, &import.id, now)?;
        }
        let (status, decision) = if import.publish {
            ("published", json!({ "decision": "approve", "reason": "published on import by the operator" }))
        } else {
            ("draft", json!(null))
        };
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        audit::append(
            c,
            now,
            AuditEntry {
                actor_id: import.created_by.as_deref(),
                action: "product.import",
                entity_type: "product_import",
                entity_id: &import.id,
                before: None,
                after: Some(json!({
                    "vendor_id": vendor.id,
                    "status": status,
                    "review": decision,
                    "created": rows.len(),
                    "products": ids,
                })),
                request_id: actor.and_then(|a| a.request_id.as_deref()),
            },
        )?;
        Ok(())
    })
}

/// The rows whose SKU another product of the vendor took while the import was written.
fn sku_conflicts(conn: &mut DbConn, import: &store::ImportRow, rows: &[ProductRow], detail: String) -> CatalogError {
    let taken: std::collections::HashSet<String> =
        match store::skus_taken_by_others(conn, &import.vendor_id, &import.id) {
            Ok(t) => t.into_iter().collect(),
            Err(e) => return e.into(),
        };
    let errors: Vec<FieldError> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.sku.as_ref().is_some_and(|s| taken.contains(s)))
        .take(IMPORT_MAX_PROBLEMS)
        .map(|(n, _)| row_error(n, "sku", "Another of your products was given this SKU while the file was imported."))
        .collect();
    if errors.is_empty() {
        CatalogError::AlreadyExists { field: "sku", detail }
    } else {
        nothing_imported(errors)
    }
}

/// Removes an import that did not finish and everything it staged, in short batches.
/// Does nothing to an import that finished.
pub fn discard_import(conn: &mut DbConn, import_id: &str) -> Result<(), CatalogError> {
    loop {
        let held = std::time::Instant::now();
        let more = write_tx(conn, |c| {
            if !store::import_is_staging(c, import_id)? {
                return Ok::<_, CatalogError>(false);
            }
            let ids = store::staged_product_ids(c, import_id, IMPORT_BATCH as i64)?;
            if ids.is_empty() {
                store::delete_import(c, import_id)?;
                return Ok(false);
            }
            store::delete_staged_products(c, &ids)?;
            Ok(true)
        })?;
        if !more {
            return Ok(());
        }
        yield_write_lock(conn, held.elapsed());
    }
}

/// Removes imports whose process died while they were written (nothing of theirs was
/// ever visible); returns how many. Run at the start of every import and by the server
/// as a chore.
pub fn discard_abandoned_imports(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize, CatalogError> {
    let abandoned = store::abandoned_imports(conn, to_db(now - IMPORT_ABANDONED_AFTER))?;
    for id in &abandoned {
        tracing::info!(import = %id, "removing an abandoned product import");
        discard_import(conn, id)?;
    }
    Ok(abandoned.len())
}

/// Edits a product (the vendor's own users). A change to the name, category or TKDN of
/// a published product goes back to the curator, while buyers keep seeing the approved
/// version; other changes apply at once. Every price change is kept.
pub fn update_product(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    input: ProductInput,
) -> Result<ProductView, CatalogError> {
    write_tx(conn, |conn| {
        let mut row = store::lock_product(conn, id)?.ok_or(CatalogError::NotFound("product"))?;
        let vendor = selling_vendor(conn, actor, &row.vendor_id)?;
        let status = ProductStatus::parse(&row.status).map_err(corrupt)?;
        let before_facts = reviewable(&row);
        let before_price = row.unit_price_idr;
        let (v, _) = vendor_public(conn, settings, &row.vendor_id)?;
        let before = view(row.clone(), &v, true, local_date(now, settings.time_zone))?;
        apply_product(conn, &mut row, &input, &vendor.kbli_list(), false, local_date(now, settings.time_zone))?;
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
        pasar_db::search_queue::product(conn, now, &row.id)?;
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

/// A change to a published product that a curator must see first (name, category,
/// TKDN, a photo): the product waits for review while buyers keep the approved version.
pub(crate) fn send_back_for_review(row: &mut ProductRow, now: DateTime<Utc>) {
    row.status = ProductStatus::ChangesSubmitted.as_str().into();
    row.submitted_at = Some(to_db(now));
}

/// Removes a product from the catalogue (kept in the database for the orders and the
/// audit that refer to it).
pub fn delete_product(conn: &mut DbConn, now: DateTime<Utc>, actor: &Actor, id: &str) -> Result<(), CatalogError> {
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
        pasar_db::search_queue::product(conn, now, &row.id)?;
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
    id: &str,
) -> Result<ProductView, CatalogError> {
    let (row, v, full) = readable(conn, settings, actor, id)?;
    view(row, &v, full, local_date(now, settings.time_zone))
}

/// The product, its vendor, and whether `actor` sees it in full (see [`get_product`]);
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
    id: &str,
) -> Result<Vec<PricePoint>, CatalogError> {
    readable(conn, settings, actor, id)?;
    Ok(store::price_history(conn, id)?
        .into_iter()
        .map(|(p, at)| PricePoint { unit_price_idr: p, changed_at: from_db(at) })
        .collect())
}

// --- product curation ------------------------------------------------------------------------------

/// Sends a draft, rejected or taken-down product to the curator.
pub fn submit_product(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
) -> Result<ProductView, CatalogError> {
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

/// A KBLI code or its prefix (for the OpenAPI document).
#[derive(utoipa::ToSchema)]
#[schema(pattern = r"^[0-9]{2,5}$")]
#[allow(dead_code)]
pub struct KbliPrefix(String);

/// Approves or rejects a submitted product or a submitted change. Approval publishes
/// the reviewed fields; rejecting a change restores the approved version.
pub fn review_product(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    input: ProductReview,
) -> Result<ProductView, CatalogError> {
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
        pasar_db::search_queue::product(conn, now, &row.id)?;
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
    id: &str,
    reason: &str,
) -> Result<ProductView, CatalogError> {
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
        pasar_db::search_queue::product(conn, now, &row.id)?;
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
