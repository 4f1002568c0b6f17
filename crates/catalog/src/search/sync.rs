//! Keeping an index in step with the database, which is the truth: the queue worker's
//! round ([`apply_due`]) and the full rebuild ([`rebuild`]).

use super::{SearchDoc, SearchError, SearchIndex, Sent};
use crate::facts::{self, Version};
pub use crate::images::thumbnail_url;
use crate::model::ProductStatus;
use crate::search_queue::{self, Entry};
use crate::shared::vendor_public;
use crate::store::{self, ProductRow};
use crate::CatalogError;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use pasar_core::clock::{local_date, Zone};
use pasar_db::chores::Claim;
use pasar_db::{write_tx, DbConn, DbError};
use pasar_vendor_onboarding::model::VendorStatus;
use pasar_vendor_onboarding::service::{PublicVendorView, VendorSettings};
use std::collections::{BTreeSet, HashMap};

/// Entries applied per batch (one engine write each).
pub const BATCH: i64 = 1_000;
/// Products per round of a rebuild.
const REBUILD_BATCH: i64 = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Search(#[from] SearchError),
}

impl From<diesel::result::Error> for SyncError {
    fn from(e: diesel::result::Error) -> Self {
        SyncError::Db(e.into())
    }
}

/// How many products a complete index holds: the visible ones.
pub fn count_visible(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(store::count_visible(conn)?)
}

/// Every level of a region code: `35.76.01` → `35`, `35.76`, `35.76.01`.
pub fn region_levels(code: &str) -> Vec<String> {
    let parts: Vec<&str> = code.split('.').collect();
    (1..=parts.len()).map(|n| parts[..n].join(".")).collect()
}

/// Splits `rows` into the documents buyers may find and the ids the index must drop
/// (deleted, not published, or the vendor not approved). `missing` ids (no such row)
/// are dropped too.
pub fn documents(
    conn: &mut DbConn,
    settings: &VendorSettings,
    rows: Vec<ProductRow>,
    today: NaiveDate,
) -> Result<(Vec<SearchDoc>, Vec<String>), SyncError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let covers = store::covers(conn, &ids)?;
    let mut vendors: HashMap<String, Option<PublicVendorView>> = HashMap::new();
    let (mut docs, mut gone) = (Vec::new(), Vec::new());
    for row in rows {
        if !vendors.contains_key(&row.vendor_id) {
            let v = match vendor_public(conn, settings, &row.vendor_id) {
                Ok((view, VendorStatus::Approved)) => Some(view),
                Ok(_) | Err(CatalogError::NotFound(_)) => None,
                Err(e) => return Err(e.into()),
            };
            vendors.insert(row.vendor_id.clone(), v);
        }
        let visible = row.deleted_at.is_none() && ProductStatus::parse(&row.status).is_ok_and(|s| s.is_visible());
        match (&vendors[&row.vendor_id], visible, &row.published_name) {
            (Some(vendor), true, Some(_)) => {
                let f = facts::snapshot(&row, vendor, today, Version::Approved);
                let region = f.vendor_region_code.clone().unwrap_or_default();
                let regions = if region.is_empty() { Vec::new() } else { region_levels(&region) };
                docs.push(SearchDoc {
                    vendor_id: row.vendor_id.clone(),
                    priority: SearchDoc::priority_of(&f.local_content(), f.umkk, f.local),
                    vendor_name: f.vendor_name,
                    name: f.product_name,
                    brand: row.brand.clone().unwrap_or_default(),
                    description: row.description.chars().take(300).collect(),
                    category_id: f.category_id,
                    regency: regions.get(1).cloned().unwrap_or_default(),
                    regions,
                    unit: f.unit,
                    unit_price_idr: f.unit_price_idr,
                    min_order: row.min_order.into(),
                    stock: row.stock.into(),
                    in_stock: row.stock > 0,
                    tkdn_bp: f.tkdn_bp.into(),
                    bmp_bp: f.bmp_bp.into(),
                    pdn_priority: f.pdn_priority,
                    tkdn_25: f.tkdn_25,
                    priority_tier: f.priority_tier,
                    umkk: f.umkk,
                    local: f.local,
                    published_at: row.published_at.map(|t| t.and_utc().timestamp()).unwrap_or(0),
                    thumbnail_url: covers.get(&row.id).map(|img| thumbnail_url(&row.id, img)),
                    id: row.id,
                });
            }
            _ => gone.push(row.id),
        }
    }
    Ok((docs, gone))
}

/// The chore that notices lapsed TKDN certificates.
const TKDN_LAPSE: &str = "tkdn_lapse";

/// Queues for the index every product whose approved TKDN certificate lapsed since the
/// sweep last ran (all lapsed ones the first time): on the day after its valid-until
/// date a product loses its priority, and search must show it. Runs at most once a day
/// whatever the number of instances; returns how many products it queued.
pub fn queue_lapsed_certificates(conn: &mut DbConn, now: DateTime<Utc>, zone: Zone) -> Result<usize, DbError> {
    let today = local_date(now, zone);
    write_tx(conn, |c| {
        let Claim::Won { from } = pasar_db::chores::claim(c, TKDN_LAPSE, today, now)? else {
            return Ok(0);
        };
        let ids = store::products_lapsing(c, from.map(|d| d.to_string()).as_deref(), &today.to_string())?;
        for id in &ids {
            search_queue::product(c, now, id)?;
        }
        Ok(ids.len())
    })
}

/// How long a worker holds the entries it claimed: longer than the slowest apply
/// (Meilisearch tasks are waited for up to two minutes each).
const LEASE_MINUTES: i64 = 10;
/// Batches sent to the engine and not yet confirmed, at most. Meilisearch applies its
/// tasks one after another in the background: sending the next batch while it works on
/// the last keeps it busy, and the bound keeps its task queue (and our leases) short.
pub const IN_FLIGHT: usize = 4;
/// Batches one call of [`apply_due`] takes at most, so that the worker notices a stop.
const BATCHES_PER_ROUND: usize = 16;

/// One round of the queue worker: claims due entries batch by batch, sends each batch to
/// the index without waiting for the one before (at most [`IN_FLIGHT`] unconfirmed),
/// and as each is confirmed removes its entries, or schedules them for a retry if the
/// engine failed. Returns how many entries it took (0: nothing was due).
///
/// Entries are claimed with a lease and stay claimed until their batch is confirmed, so
/// one product is never in two batches in flight, and batches in flight hold different
/// products: their order among themselves does not matter, and a failed batch is simply
/// retried with the state the database has then.
///
/// A vendor entry is not applied itself: it queues each of the vendor's products, so
/// that every product is only ever applied under its own entry and lease. Otherwise a
/// worker applying a product and another applying its vendor could each read a
/// different moment and the older could land last.
pub async fn apply_due(
    conn: &mut DbConn,
    settings: &VendorSettings,
    index: &dyn SearchIndex,
    now: DateTime<Utc>,
) -> Result<usize, SyncError> {
    let mut in_flight: std::collections::VecDeque<(Vec<Entry>, Sent)> = std::collections::VecDeque::new();
    let mut taken = 0;
    let mut batches = 0;
    let mut first_error: Option<SyncError> = None;
    loop {
        // Keep the pipeline full while there is work and nothing failed.
        while in_flight.len() < IN_FLIGHT && batches < BATCHES_PER_ROUND && first_error.is_none() {
            let (fanned_out, entries) = match claim(conn, now) {
                Ok(claimed) => claimed,
                Err(e) => {
                    first_error = Some(e);
                    break;
                }
            };
            taken += fanned_out;
            if entries.is_empty() {
                break;
            }
            batches += 1;
            taken += entries.len();
            let sent = match changes(conn, settings, &entries, now) {
                Ok((docs, gone)) => index.send(docs, gone).await.map_err(SyncError::from),
                Err(e) => Err(e),
            };
            match sent {
                Ok(sent) => in_flight.push_back((entries, sent)),
                Err(e) => {
                    settle(conn, &entries, now, Err(&e))?;
                    first_error = Some(e);
                }
            }
        }
        let Some((entries, sent)) = in_flight.pop_front() else { break };
        let result = index.confirm(sent).await.map_err(SyncError::from);
        settle(conn, &entries, now, result.as_ref().map(|_| ()))?;
        match result {
            Ok(()) => tracing::debug!(entries = entries.len(), "search index updated"),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        None => Ok(taken),
        Some(e) => Err(e),
    }
}

/// Claims a batch of due entries; turns vendor entries into product entries at once.
/// Returns how many vendor entries it turned, and the product entries claimed.
fn claim(conn: &mut DbConn, now: DateTime<Utc>) -> Result<(usize, Vec<Entry>), SyncError> {
    Ok(write_tx(conn, |c| {
        let entries = search_queue::claim_due(c, now, TimeDelta::minutes(LEASE_MINUTES), BATCH)?;
        let (vendors, products): (Vec<Entry>, Vec<Entry>) =
            entries.into_iter().partition(|e| e.entity_kind == search_queue::VENDOR);
        for v in &vendors {
            for id in store::vendor_product_ids(c, &v.entity_id)? {
                search_queue::product(c, now, &id)?;
            }
            search_queue::done(c, v)?;
        }
        Ok::<_, DbError>((vendors.len(), products))
    })?)
}

/// What the engine must learn for these entries: documents for what buyers may see,
/// deletions for the rest.
fn changes(
    conn: &mut DbConn,
    settings: &VendorSettings,
    entries: &[Entry],
    now: DateTime<Utc>,
) -> Result<(Vec<SearchDoc>, Vec<String>), SyncError> {
    let ids: Vec<String> = entries.iter().map(|e| e.entity_id.clone()).collect();
    let rows = store::products_by_ids(conn, &ids)?;
    let found: BTreeSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let missing: Vec<String> = ids.iter().filter(|id| !found.contains(id.as_str())).cloned().collect();
    let (docs, mut gone) = documents(conn, settings, rows, local_date(now, settings.time_zone))?;
    gone.extend(missing);
    Ok((docs, gone))
}

/// Removes applied entries (unless renewed meanwhile), or schedules a retry.
fn settle(
    conn: &mut DbConn,
    entries: &[Entry],
    now: DateTime<Utc>,
    result: Result<(), &SyncError>,
) -> Result<(), SyncError> {
    write_tx(conn, |c| match result {
        Ok(()) => search_queue::done_many(c, entries),
        Err(e) => search_queue::failed_many(c, entries, now, &e.to_string()),
    })?;
    Ok(())
}

/// Rebuilds the index from the database: empties it, then adds every product buyers
/// may see, telling `progress(done, total)` as it goes.
///
/// The queue entries that existed when it started are covered (their changes had
/// committed before the products were read) and are dropped, unless renewed meanwhile.
/// A change that commits while the rebuild runs may reach the engine before the
/// rebuild's older copy of the same product; so every product and vendor changed since
/// shortly before the start is queued again at the end, and the worker applies the
/// current state last.
pub async fn rebuild(
    conn: &mut DbConn,
    settings: &VendorSettings,
    index: &dyn SearchIndex,
    now: DateTime<Utc>,
    progress: &dyn Fn(u64, u64),
) -> Result<u64, SyncError> {
    index.prepare().await?;
    let covered = search_queue::snapshot(conn)?;
    let total = store::count_visible(conn)? as u64;
    index.clear().await?;
    let mut after: Option<String> = None;
    let mut done = 0u64;
    loop {
        let rows = store::visible_products_after(conn, after.as_deref(), REBUILD_BATCH)?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id.clone());
        done += rows.len() as u64;
        let (docs, _) = documents(conn, settings, rows, local_date(now, settings.time_zone))?;
        index.apply(docs, Vec::new()).await?;
        progress(done, total);
    }
    index.compact().await?;
    // Transactions take their clock at the start: look back further than any runs.
    let since = now - TimeDelta::minutes(RECHECK_MINUTES);
    write_tx(conn, |c| {
        search_queue::forget(c, &covered)?;
        for id in store::products_changed_since(c, since)? {
            search_queue::product(c, now, &id)?;
        }
        for id in pasar_vendor_onboarding::service::vendors_changed_since(c, since)? {
            search_queue::vendor(c, now, &id)?;
        }
        Ok::<_, DbError>(())
    })?;
    Ok(index.count().await?)
}

/// How far before a rebuild's start changes are applied again after it.
const RECHECK_MINUTES: i64 = 15;

#[cfg(test)]
mod tests {
    #[test]
    fn region_levels_cover_every_prefix() {
        assert_eq!(super::region_levels("35.76.01"), vec!["35", "35.76", "35.76.01"]);
        assert_eq!(super::region_levels("35"), vec!["35"]);
    }
}
