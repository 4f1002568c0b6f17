//! Importing a vendor's products from CSV, in short batches, all or nothing.

use super::{apply_product_with, draft_row, Lookups};
use crate::error::CatalogError;
use crate::model::ProductStatus;
use crate::shared::{corrupt, selling_vendor};
use crate::store::{self, CategoryRow, ProductRow};
use chrono::{DateTime, Utc};
use pasar_auth::model::Actor;
use pasar_core::clock::local_date;
use pasar_core::FieldError;
use pasar_db::audit::{self, AuditEntry};
use pasar_db::time::to_db;
use pasar_db::{write_tx, DbConn};
use pasar_vendor_onboarding::model::VendorStatus;
use pasar_vendor_onboarding::service::{vendor_summary, VendorSummary};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

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
pub(super) fn publish_working_copy(row: &mut ProductRow, now: DateTime<Utc>) {
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
    let kbli = vendor.kbli.clone();
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
fn importing_vendor(conn: &mut DbConn, actor: Option<&Actor>, vendor_id: &str) -> Result<VendorSummary, CatalogError> {
    match actor {
        Some(a) => selling_vendor(conn, a, vendor_id),
        None => vendor_summary(conn, vendor_id)?
            .filter(|v| v.status == VendorStatus::Approved)
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
    vendor: &VendorSummary,
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
