//! Stock and what a buyer may order: what orders reach the catalogue through.
//!
//! Reserving and releasing are single conditional updates (`stock = stock - n WHERE
//! stock >= n`), so two buyers racing for the last units can never both get them, on
//! either database, and no read-modify-write of the product row is involved.

use crate::facts::{self, ProductFacts, Version};
use crate::model::ProductStatus;
use crate::shared::{corrupt, vendor_public};
use crate::store;
use crate::CatalogError;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use pasar_db::schema::products;
use pasar_db::DbConn;
use pasar_vendor_onboarding::model::VendorStatus;
use pasar_vendor_onboarding::service::{PublicVendorView, VendorSettings};

/// A product as a buyer may order it right now.
#[derive(Debug, Clone)]
pub struct Offer {
    /// The approved facts (what an order line takes).
    pub facts: ProductFacts,
    pub min_order: i64,
    pub stock: i64,
    /// Why it cannot be ordered now (`None`: it can).
    pub unavailable: Option<&'static str>,
}

/// The product `id` as buyers see it on `on_date`, or `None` if it is gone (deleted,
/// never published). A product that exists but cannot be ordered now (taken down, its
/// vendor suspended) comes back with the reason in [`Offer::unavailable`].
pub fn offer(
    conn: &mut DbConn,
    settings: &VendorSettings,
    id: &str,
    on_date: NaiveDate,
) -> Result<Option<Offer>, CatalogError> {
    Ok(offers(conn, settings, &[id], on_date)?.pop().flatten())
}

/// [`offer`] for several products at once (a cart), reading each vendor once.
pub fn offers(
    conn: &mut DbConn,
    settings: &VendorSettings,
    ids: &[&str],
    on_date: NaiveDate,
) -> Result<Vec<Option<Offer>>, CatalogError> {
    let mut vendors: Vec<(String, PublicVendorView, VendorStatus)> = Vec::new();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(row) = store::find_product(conn, id)?.filter(|r| r.published_name.is_some()) else {
            out.push(None);
            continue;
        };
        let status = ProductStatus::parse(&row.status).map_err(corrupt)?;
        if !vendors.iter().any(|(v, _, _)| *v == row.vendor_id) {
            let (view, vendor_status) = vendor_public(conn, settings, &row.vendor_id)?;
            vendors.push((row.vendor_id.clone(), view, vendor_status));
        }
        let (_, vendor, vendor_status) = vendors.iter().find(|(v, _, _)| *v == row.vendor_id).expect("just read");
        let unavailable = if !status.is_visible() {
            Some("the product is no longer offered")
        } else if *vendor_status != VendorStatus::Approved {
            Some("the vendor does not sell at the moment")
        } else {
            None
        };
        out.push(Some(Offer {
            facts: facts::snapshot(&row, vendor, on_date, Version::Approved),
            min_order: row.min_order.into(),
            stock: row.stock.into(),
            unavailable,
        }));
    }
    Ok(out)
}

/// Takes `quantity` units of `id` if that many are left; `false` (and nothing changed)
/// otherwise.
pub fn reserve(conn: &mut DbConn, now: DateTime<Utc>, id: &str, quantity: i64) -> Result<bool, CatalogError> {
    let Ok(n) = i32::try_from(quantity) else { return Ok(false) };
    let changed =
        diesel::update(products::table.find(id).filter(products::deleted_at.is_null()).filter(products::stock.ge(n)))
            .set(products::stock.eq(products::stock - n))
            .execute(conn)?;
    if changed == 1 {
        crate::search_queue::product(conn, now, id)?;
    }
    Ok(changed == 1)
}

/// Gives back `quantity` units of `id` (an order cancelled or reduced).
pub fn release(conn: &mut DbConn, now: DateTime<Utc>, id: &str, quantity: i64) -> Result<(), CatalogError> {
    let n = i32::try_from(quantity).map_err(|_| corrupt("a reserved quantity does not fit the stock column"))?;
    diesel::update(products::table.find(id)).set(products::stock.eq(products::stock + n)).execute(conn)?;
    crate::search_queue::product(conn, now, id)?;
    Ok(())
}

/// Units of `id` left now (0 for a product that is gone).
pub fn available(conn: &mut DbConn, id: &str) -> Result<i64, CatalogError> {
    Ok(store::find_product(conn, id)?.map(|r| r.stock.into()).unwrap_or(0))
}
