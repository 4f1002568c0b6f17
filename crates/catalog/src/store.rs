//! Catalogue queries: plain functions over `&mut DbConn`; none opens a transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use pasar_db::per_backend;
use pasar_db::schema::{categories, product_images, product_imports, product_prices, products, search_queue};
use pasar_db::time::to_db;
use pasar_db::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = categories, treat_none_as_null = true)]
pub struct CategoryRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub slug: String,
    pub name: String,
    pub kbli_prefixes: String,
    pub position: i32,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn categories(conn: &mut DbConn) -> QueryResult<Vec<CategoryRow>> {
    categories::table
        .order((categories::position.asc(), categories::name.asc()))
        .select(CategoryRow::as_select())
        .load(conn)
}

pub fn find_category(conn: &mut DbConn, id: &str) -> QueryResult<Option<CategoryRow>> {
    categories::table.find(id).select(CategoryRow::as_select()).first(conn).optional()
}

pub fn slug_taken(conn: &mut DbConn, slug: &str, except: &str) -> QueryResult<bool> {
    let n: i64 = categories::table
        .filter(categories::slug.eq(slug))
        .filter(categories::id.ne(except))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert_category(conn: &mut DbConn, row: &CategoryRow) -> QueryResult<()> {
    diesel::insert_into(categories::table).values(row).execute(conn).map(drop)
}

pub fn save_category(conn: &mut DbConn, row: &CategoryRow) -> QueryResult<()> {
    diesel::update(categories::table.find(&row.id)).set(row).execute(conn).map(drop)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = products, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ProductRow {
    pub id: String,
    pub vendor_id: String,
    pub status: String,
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
    pub specs_json: String,
    pub tkdn_certificate: Option<String>,
    pub tkdn_bp: Option<i32>,
    pub bmp_bp: Option<i32>,
    pub tkdn_valid_until: Option<String>,
    pub tkdn_document_id: Option<String>,
    pub published_name: Option<String>,
    pub published_category_id: Option<String>,
    pub published_unit: Option<String>,
    pub published_tkdn_certificate: Option<String>,
    pub published_tkdn_bp: Option<i32>,
    pub published_bmp_bp: Option<i32>,
    pub published_tkdn_valid_until: Option<String>,
    pub published_at: Option<NaiveDateTime>,
    pub review_note: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

pub fn insert_product(conn: &mut DbConn, row: &ProductRow) -> QueryResult<()> {
    diesel::insert_into(products::table).values(row).execute(conn).map(drop)
}

/// A product that has not been deleted.
pub fn find_product(conn: &mut DbConn, id: &str) -> QueryResult<Option<ProductRow>> {
    products::table
        .find(id)
        .filter(products::deleted_at.is_null())
        .select(ProductRow::as_select())
        .first(conn)
        .optional()
}

pub fn save_product(conn: &mut DbConn, row: &ProductRow) -> QueryResult<()> {
    diesel::update(products::table.find(&row.id)).set(row).execute(conn).map(drop)
}

pub fn sku_taken(conn: &mut DbConn, vendor_id: &str, sku: &str, except: &str) -> QueryResult<bool> {
    let n: i64 = products::table
        .filter(products::vendor_id.eq(vendor_id))
        .filter(products::sku.eq(sku))
        .filter(products::id.ne(except))
        .filter(products::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// A vendor's products (not deleted), by id.
pub fn vendor_products(
    conn: &mut DbConn,
    vendor_id: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ProductRow>> {
    let base = products::table
        .filter(products::vendor_id.eq(vendor_id))
        .filter(products::deleted_at.is_null())
        .select(ProductRow::as_select());
    match after {
        None => base.order(products::id.asc()).limit(limit).load(conn),
        Some(a) => base.filter(products::id.gt(a.to_owned())).order(products::id.asc()).limit(limit).load(conn),
    }
}

/// Products waiting for curation in `status`, oldest submission first.
pub fn product_queue(
    conn: &mut DbConn,
    status: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<ProductRow>> {
    let base = products::table
        .filter(products::status.eq(status))
        .filter(products::deleted_at.is_null())
        .select(ProductRow::as_select());
    match after {
        None => base.order((products::submitted_at.asc(), products::id.asc())).limit(limit).load(conn),
        Some((at, id)) => base
            .filter(products::submitted_at.gt(at).or(products::submitted_at.eq(at).and(products::id.gt(id))))
            .order((products::submitted_at.asc(), products::id.asc()))
            .limit(limit)
            .load(conn),
    }
}

pub fn insert_price(
    conn: &mut DbConn,
    product_id: &str,
    price: i64,
    by: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(product_prices::table)
        .values((
            product_prices::id.eq(uuid::Uuid::now_v7().to_string()),
            product_prices::product_id.eq(product_id),
            product_prices::unit_price_idr.eq(price),
            product_prices::changed_by.eq(by),
            product_prices::changed_at.eq(to_db(now)),
        ))
        .execute(conn)
        .map(drop)
}

/// `(price, when)` oldest first.
pub fn price_history(conn: &mut DbConn, product_id: &str) -> QueryResult<Vec<(i64, NaiveDateTime)>> {
    product_prices::table
        .filter(product_prices::product_id.eq(product_id))
        .order((product_prices::changed_at.asc(), product_prices::id.asc()))
        .select((product_prices::unit_price_idr, product_prices::changed_at))
        .load(conn)
}

/// Products by id (deleted ones included: the index must learn they are gone).
pub fn products_by_ids(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<ProductRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(products::table.filter(products::id.eq_any(chunk)).select(ProductRow::as_select()).load(conn)?);
    }
    Ok(out)
}

/// The ids of a vendor's products (deleted ones included).
pub fn vendor_product_ids(conn: &mut DbConn, vendor_id: &str) -> QueryResult<Vec<String>> {
    products::table.filter(products::vendor_id.eq(vendor_id)).select(products::id).load(conn)
}

const VISIBLE: [&str; 2] = ["published", "changes_submitted"];

/// Products buyers may see (as far as the product goes; the vendor is checked apart),
/// by id, for rebuilding the index.
pub fn visible_products_after(conn: &mut DbConn, after: Option<&str>, limit: i64) -> QueryResult<Vec<ProductRow>> {
    let base = products::table
        .filter(products::deleted_at.is_null())
        .filter(products::status.eq_any(VISIBLE))
        .select(ProductRow::as_select());
    match after {
        None => base.order(products::id.asc()).limit(limit).load(conn),
        Some(a) => base.filter(products::id.gt(a.to_owned())).order(products::id.asc()).limit(limit).load(conn),
    }
}

pub fn count_visible(conn: &mut DbConn) -> QueryResult<i64> {
    products::table
        .filter(products::deleted_at.is_null())
        .filter(products::status.eq_any(VISIBLE))
        .count()
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = product_images)]
pub struct ImageRow {
    pub id: String,
    pub product_id: String,
    pub position: i32,
    pub storage_key: String,
    pub thumb_key: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub width: i32,
    pub height: i32,
    pub uploaded_by: String,
    pub created_at: NaiveDateTime,
    /// When a curator approved it (with its product or change); until then only the
    /// vendor and the curation desk see it.
    pub approved_at: Option<NaiveDateTime>,
}

pub fn insert_image(conn: &mut DbConn, row: &ImageRow) -> QueryResult<()> {
    diesel::insert_into(product_images::table).values(row).execute(conn).map(drop)
}

/// A product's images in display order.
pub fn images(conn: &mut DbConn, product_id: &str) -> QueryResult<Vec<ImageRow>> {
    product_images::table
        .filter(product_images::product_id.eq(product_id))
        .order((product_images::position.asc(), product_images::id.asc()))
        .select(ImageRow::as_select())
        .load(conn)
}

pub fn delete_image(conn: &mut DbConn, product_id: &str, id: &str) -> QueryResult<usize> {
    diesel::delete(
        product_images::table.filter(product_images::product_id.eq(product_id)).filter(product_images::id.eq(id)),
    )
    .execute(conn)
}

/// Approves a product's photos that wait for it (with the product or its change): all
/// of them, or only those of `only`.
pub fn approve_images(
    conn: &mut DbConn,
    product_id: &str,
    only: Option<&[String]>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let waiting = product_images::table
        .filter(product_images::product_id.eq(product_id))
        .filter(product_images::approved_at.is_null());
    match only {
        None => diesel::update(waiting).set(product_images::approved_at.eq(now)).execute(conn),
        Some(ids) => diesel::update(waiting.filter(product_images::id.eq_any(ids)))
            .set(product_images::approved_at.eq(now))
            .execute(conn),
    }
}

/// The cover image (first approved in order) of each of these products that has one.
pub fn covers(conn: &mut DbConn, product_ids: &[String]) -> QueryResult<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    for chunk in product_ids.chunks(500) {
        let rows: Vec<(String, String)> = product_images::table
            .filter(product_images::product_id.eq_any(chunk))
            .filter(product_images::approved_at.is_not_null())
            .order((product_images::product_id.asc(), product_images::position.desc(), product_images::id.desc()))
            .select((product_images::product_id, product_images::id))
            .load(conn)?;
        // Ordered so that each product's first image comes last and wins.
        out.extend(rows);
    }
    Ok(out)
}

/// Products changed at or after `since` (deleted ones included).
pub fn products_changed_since(conn: &mut DbConn, since: DateTime<Utc>) -> QueryResult<Vec<String>> {
    products::table.filter(products::updated_at.ge(to_db(since))).select(products::id).load(conn)
}

/// A product that has not been deleted, read to be changed: on PostgreSQL its row is
/// locked (`FOR UPDATE`) until the transaction ends, so that two writers cannot both
/// read it, change it and write it back, the second undoing the first. A writer that
/// waited sees the row as the first left it (a deleted product is then `None`). SQLite
/// write transactions are serialised, which gives the same.
pub fn lock_product(conn: &mut DbConn, id: &str) -> QueryResult<Option<ProductRow>> {
    pasar_db::first_for_update!(
        conn,
        products::table.find(id).filter(products::deleted_at.is_null()).select(ProductRow::as_select())
    )
}

/// A category read to be changed, locked like [`lock_product`].
pub fn lock_category(conn: &mut DbConn, id: &str) -> QueryResult<Option<CategoryRow>> {
    pasar_db::first_for_update!(conn, categories::table.find(id).select(CategoryRow::as_select()))
}

/// Products (not deleted) whose approved TKDN certificate was last valid before `before`
/// and, given `from`, on or after `from` (dates as `YYYY-MM-DD`).
pub fn products_lapsing(conn: &mut DbConn, from: Option<&str>, before: &str) -> QueryResult<Vec<String>> {
    let lapsed = products::table
        .filter(products::deleted_at.is_null())
        .filter(products::published_tkdn_valid_until.lt(before))
        .select(products::id);
    match from {
        Some(from) => lapsed.filter(products::published_tkdn_valid_until.ge(from)).load(conn),
        None => lapsed.load(conn),
    }
}

// --- imports ----------------------------------------------------------------------------------

pub const IMPORT_STAGING: &str = "staging";
pub const IMPORT_DONE: &str = "done";

/// Rows per multi-row `INSERT` (SQLite takes at most 32,766 bound values per statement).
const INSERT_CHUNK: usize = 500;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = product_imports)]
pub struct ImportRow {
    pub id: String,
    pub vendor_id: String,
    /// `staging` while its rows are written out of sight, `done` once they are visible.
    pub state: String,
    pub row_count: i32,
    pub publish: bool,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

pub fn insert_import(conn: &mut DbConn, row: &ImportRow) -> QueryResult<()> {
    diesel::insert_into(product_imports::table).values(row).execute(conn).map(drop)
}

/// Records that a staging import is alive.
pub fn touch_import(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(product_imports::table.find(id)).set(product_imports::updated_at.eq(at)).execute(conn).map(drop)
}

/// Marks a staging import done; `false` if it is not staging (any more).
pub fn finish_import(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(product_imports::table.find(id).filter(product_imports::state.eq(IMPORT_STAGING)))
        .set((
            product_imports::state.eq(IMPORT_DONE),
            product_imports::updated_at.eq(at),
            product_imports::finished_at.eq(Some(at)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn import_is_staging(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let n: i64 =
        product_imports::table.find(id).filter(product_imports::state.eq(IMPORT_STAGING)).count().get_result(conn)?;
    Ok(n > 0)
}

pub fn delete_import(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(product_imports::table.find(id).filter(product_imports::state.eq(IMPORT_STAGING)))
        .execute(conn)
        .map(drop)
}

/// Staging imports not touched since `before`.
pub fn abandoned_imports(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<Vec<String>> {
    product_imports::table
        .filter(product_imports::state.eq(IMPORT_STAGING))
        .filter(product_imports::updated_at.lt(before))
        .select(product_imports::id)
        .load(conn)
}

/// The SKUs of a vendor's products (not deleted).
pub fn vendor_skus(conn: &mut DbConn, vendor_id: &str) -> QueryResult<Vec<String>> {
    let skus: Vec<Option<String>> = products::table
        .filter(products::vendor_id.eq(vendor_id))
        .filter(products::deleted_at.is_null())
        .filter(products::sku.is_not_null())
        .select(products::sku)
        .load(conn)?;
    Ok(skus.into_iter().flatten().collect())
}

#[derive(Insertable)]
#[diesel(table_name = products)]
struct StagedProduct<'a> {
    #[diesel(embed)]
    row: ProductRow,
    import_id: &'a str,
}

/// Inserts products of an import, as they are (soft-deleted while the import stages
/// them), many rows per statement.
pub fn insert_staged_products(conn: &mut DbConn, rows: &[ProductRow], import_id: &str) -> QueryResult<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let values: Vec<StagedProduct<'_>> =
            chunk.iter().map(|row| StagedProduct { row: row.clone(), import_id }).collect();
        per_backend!(conn, |c| diesel::insert_into(products::table).values(&values).execute(c))?;
    }
    Ok(())
}

/// The first price of each of these products, many rows per statement.
pub fn insert_first_prices(
    conn: &mut DbConn,
    rows: &[ProductRow],
    by: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let values: Vec<_> = chunk
            .iter()
            .map(|r| {
                (
                    product_prices::id.eq(uuid::Uuid::now_v7().to_string()),
                    product_prices::product_id.eq(r.id.as_str()),
                    product_prices::unit_price_idr.eq(r.unit_price_idr),
                    product_prices::changed_by.eq(by),
                    product_prices::changed_at.eq(to_db(now)),
                )
            })
            .collect();
        per_backend!(conn, |c| diesel::insert_into(product_prices::table).values(&values).execute(c))?;
    }
    Ok(())
}

/// Makes every product of an import visible; returns how many.
pub fn reveal_import(conn: &mut DbConn, import_id: &str) -> QueryResult<usize> {
    diesel::update(products::table.filter(products::import_id.eq(import_id)).filter(products::deleted_at.is_not_null()))
        .set(products::deleted_at.eq(None::<NaiveDateTime>))
        .execute(conn)
}

/// Queues every product of an import for the search index, in one statement.
pub fn queue_import_for_search(conn: &mut DbConn, import_id: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Integer, Text, Timestamp};
    let at = to_db(now);
    // Fresh products: no entry exists for them. One token for all is enough, since any
    // later change renews an entry's token with a new one.
    let token = uuid::Uuid::now_v7().to_string();
    let rows = products::table.filter(products::import_id.eq(import_id)).select((
        sql::<Text>("'product'"),
        products::id,
        token.into_sql::<Text>(),
        0.into_sql::<Integer>(),
        at.into_sql::<Timestamp>(),
        at.into_sql::<Timestamp>(),
    ));
    diesel::insert_into(search_queue::table)
        .values(rows)
        .into_columns((
            search_queue::entity_kind,
            search_queue::entity_id,
            search_queue::token,
            search_queue::attempts,
            search_queue::next_attempt_at,
            search_queue::queued_at,
        ))
        .execute(conn)
}

/// Up to `limit` products an import staged.
pub fn staged_product_ids(conn: &mut DbConn, import_id: &str, limit: i64) -> QueryResult<Vec<String>> {
    products::table
        .filter(products::import_id.eq(import_id))
        .filter(products::deleted_at.is_not_null())
        .select(products::id)
        .limit(limit)
        .load(conn)
}

/// Removes staged products and their prices (nothing else can refer to them).
pub fn delete_staged_products(conn: &mut DbConn, ids: &[String]) -> QueryResult<()> {
    diesel::delete(product_prices::table.filter(product_prices::product_id.eq_any(ids))).execute(conn)?;
    diesel::delete(products::table.filter(products::id.eq_any(ids)).filter(products::deleted_at.is_not_null()))
        .execute(conn)
        .map(drop)
}

/// The SKUs of an import that other products of the vendor hold (listed since the
/// import's rows were checked).
pub fn skus_taken_by_others(conn: &mut DbConn, vendor_id: &str, import_id: &str) -> QueryResult<Vec<String>> {
    let staged = diesel::alias!(products as staged);
    let skus: Vec<Option<String>> = products::table
        .filter(products::vendor_id.eq(vendor_id))
        .filter(products::deleted_at.is_null())
        .filter(
            products::sku.eq_any(
                staged
                    .filter(staged.field(products::import_id).eq(import_id))
                    .filter(staged.field(products::sku).is_not_null())
                    .select(staged.field(products::sku)),
            ),
        )
        .select(products::sku)
        .load(conn)?;
    Ok(skus.into_iter().flatten().collect())
}
