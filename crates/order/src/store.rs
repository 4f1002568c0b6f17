//! Order queries: plain functions over `&mut DbConn`; the service runs them inside its
//! transactions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use pasar_db::schema::{
    addenda, budgets, cart_lines, negotiation_rounds, number_sequences, order_documents, order_lines, orders,
    organizations, p3dn_daily, p3dn_lines, shipments,
};
use pasar_db::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = orders)]
#[diesel(treat_none_as_null = true)]
pub struct OrderRow {
    pub id: String,
    pub checkout_ref: String,
    pub satker_id: String,
    pub vendor_id: String,
    pub buyer_id: String,
    pub ppk_id: String,
    pub state: String,
    pub method: String,
    pub rup_code: String,
    pub budget_line: String,
    pub funding_source: String,
    pub fiscal_year: i32,
    pub delivery_address: String,
    pub delivery_date: String,
    pub note: Option<String>,
    pub hst_total_idr: i64,
    pub total_idr: i64,
    pub due_at: Option<NaiveDateTime>,
    pub sp_number: Option<String>,
    pub sp_sha256: Option<String>,
    pub sp_content: Option<String>,
    pub sp_signed_at: Option<NaiveDateTime>,
    pub sp_signature: Option<String>,
    pub vendor_signed_at: Option<NaiveDateTime>,
    pub bast_number: Option<String>,
    pub bast_signed_at: Option<NaiveDateTime>,
    pub bast_vendor_signed_at: Option<NaiveDateTime>,
    pub invoice_number: Option<String>,
    pub invoice_json: Option<String>,
    pub invoiced_at: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
    pub ended_at: Option<NaiveDateTime>,
    pub rating: Option<i32>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The BAST as the PPK signed it (see [`crate::documents::bast`]).
    pub bast_content: Option<String>,
}

/// What an order starts with; everything later steps fill in (documents, invoice,
/// rating, the end) starts empty.
pub struct Opening {
    pub id: String,
    pub checkout_ref: String,
    pub satker_id: String,
    pub vendor_id: String,
    pub buyer_id: String,
    pub ppk_id: String,
    pub state: String,
    pub method: String,
    pub rup_code: String,
    pub budget_line: String,
    pub funding_source: String,
    pub fiscal_year: i32,
    pub delivery_address: String,
    pub delivery_date: String,
    pub note: Option<String>,
    pub total_idr: i64,
    pub due_at: Option<NaiveDateTime>,
    pub at: NaiveDateTime,
}

impl From<Opening> for OrderRow {
    fn from(o: Opening) -> Self {
        OrderRow {
            id: o.id,
            checkout_ref: o.checkout_ref,
            satker_id: o.satker_id,
            vendor_id: o.vendor_id,
            buyer_id: o.buyer_id,
            ppk_id: o.ppk_id,
            state: o.state,
            method: o.method,
            rup_code: o.rup_code,
            budget_line: o.budget_line,
            funding_source: o.funding_source,
            fiscal_year: o.fiscal_year,
            delivery_address: o.delivery_address,
            delivery_date: o.delivery_date,
            note: o.note,
            hst_total_idr: o.total_idr,
            total_idr: o.total_idr,
            due_at: o.due_at,
            sp_number: None,
            sp_sha256: None,
            sp_content: None,
            sp_signed_at: None,
            sp_signature: None,
            vendor_signed_at: None,
            bast_number: None,
            bast_signed_at: None,
            bast_vendor_signed_at: None,
            invoice_number: None,
            invoice_json: None,
            invoiced_at: None,
            cancel_reason: None,
            ended_at: None,
            rating: None,
            rating_comment: None,
            rated_at: None,
            version: 1,
            created_at: o.at,
            updated_at: o.at,
            bast_content: None,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = order_lines)]
#[diesel(treat_none_as_null = true)]
pub struct LineRow {
    pub order_id: String,
    pub line_no: i32,
    pub product_id: String,
    pub quantity: i64,
    pub hst_unit_price_idr: i64,
    pub unit_price_idr: i64,
    pub shipped_quantity: i64,
    pub accepted_quantity: Option<i64>,
    pub condition: Option<String>,
    pub inspection_note: Option<String>,
    pub facts_json: String,
    pub frozen_at: Option<NaiveDateTime>,
    pub product_name: String,
    pub unit: String,
    pub tkdn_bp: i32,
    pub bmp_bp: i32,
    pub pdn_class: String,
    pub umkk: bool,
    pub local_vendor: bool,
    pub vendor_scale: Option<String>,
    pub vendor_region_code: Option<String>,
    pub category_id: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cart_lines)]
pub struct CartLineRow {
    pub user_id: String,
    pub product_id: String,
    pub quantity: i64,
    pub added_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = budgets)]
pub struct BudgetRow {
    pub satker_id: String,
    pub fiscal_year: i32,
    pub budget_line: String,
    pub amount_idr: i64,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = negotiation_rounds)]
pub struct RoundRow {
    pub order_id: String,
    pub round: i32,
    pub party: String,
    pub action: String,
    pub prices_json: Option<String>,
    pub note: Option<String>,
    pub actor_id: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = shipments)]
pub struct ShipmentRow {
    pub id: String,
    pub order_id: String,
    pub lines_json: String,
    pub courier: Option<String>,
    pub tracking: Option<String>,
    pub actor_id: String,
    pub shipped_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = addenda)]
#[diesel(treat_none_as_null = true)]
pub struct AddendumRow {
    pub order_id: String,
    pub version: i32,
    pub state: String,
    pub changes_json: String,
    pub reason: String,
    pub proposed_by: String,
    pub proposed_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

// ---- cart ----

pub fn cart(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<CartLineRow>> {
    cart_lines::table
        .filter(cart_lines::user_id.eq(user_id))
        .order(cart_lines::added_at.asc())
        .select(CartLineRow::as_select())
        .load(conn)
}

pub fn put_cart_line(conn: &mut DbConn, row: &CartLineRow) -> QueryResult<()> {
    let updated = diesel::update(cart_lines::table.find((&row.user_id, &row.product_id)))
        .set((cart_lines::quantity.eq(row.quantity), cart_lines::updated_at.eq(row.updated_at)))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(cart_lines::table).values(row).execute(conn)?;
    }
    Ok(())
}

pub fn delete_cart_line(conn: &mut DbConn, user_id: &str, product_id: &str) -> QueryResult<bool> {
    Ok(diesel::delete(cart_lines::table.find((user_id, product_id))).execute(conn)? == 1)
}

pub fn clear_cart(conn: &mut DbConn, user_id: &str, product_ids: &[String]) -> QueryResult<()> {
    diesel::delete(
        cart_lines::table.filter(cart_lines::user_id.eq(user_id)).filter(cart_lines::product_id.eq_any(product_ids)),
    )
    .execute(conn)?;
    Ok(())
}

// ---- budgets ----

pub fn budgets_of(conn: &mut DbConn, satker_id: &str, year: Option<i32>) -> QueryResult<Vec<BudgetRow>> {
    let mut q = budgets::table.filter(budgets::satker_id.eq(satker_id)).into_boxed();
    if let Some(y) = year {
        q = q.filter(budgets::fiscal_year.eq(y));
    }
    q.order((budgets::fiscal_year.desc(), budgets::budget_line.asc())).select(BudgetRow::as_select()).load(conn)
}

/// The budget row, locked so that two checkouts against it take turns.
pub fn lock_budget(conn: &mut DbConn, satker_id: &str, year: i32, line: &str) -> QueryResult<Option<BudgetRow>> {
    pasar_db::first_for_update!(conn, budgets::table.find((satker_id, year, line)).select(BudgetRow::as_select()))
}

pub fn put_budget(conn: &mut DbConn, row: &BudgetRow) -> QueryResult<()> {
    let updated = diesel::update(budgets::table.find((&row.satker_id, row.fiscal_year, &row.budget_line)))
        .set((
            budgets::amount_idr.eq(row.amount_idr),
            budgets::updated_by.eq(&row.updated_by),
            budgets::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(budgets::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// What the satker's live orders commit against one budget line in one year.
pub fn committed(conn: &mut DbConn, satker_id: &str, year: i32, line: &str) -> QueryResult<i64> {
    // Summed by the database (a checkout against a budget runs this on every call):
    // cast so that both engines answer a BIGINT rather than PostgreSQL's NUMERIC.
    orders::table
        .filter(orders::satker_id.eq(satker_id))
        .filter(orders::fiscal_year.eq(year))
        .filter(orders::budget_line.eq(line))
        .filter(orders::state.ne("cancelled"))
        .select(diesel::dsl::sql::<diesel::sql_types::BigInt>("CAST(COALESCE(SUM(total_idr), 0) AS BIGINT)"))
        .first(conn)
}

// ---- numbers ----

/// The next number of `scope`, without gaps: the increment commits or rolls back with
/// the caller's transaction, and concurrent callers queue on the row.
pub fn next_number(conn: &mut DbConn, scope: &str) -> QueryResult<i64> {
    // The row exists before it is locked: two first numbers of a scope cannot both
    // insert it (the second insert waits for the first and then does nothing).
    pasar_db::per_backend!(conn, |c| diesel::insert_into(number_sequences::table)
        .values((number_sequences::scope.eq(scope), number_sequences::last_value.eq(0i64)))
        .on_conflict_do_nothing()
        .execute(c))?;
    let current: Option<i64> =
        pasar_db::first_for_update!(conn, number_sequences::table.find(scope).select(number_sequences::last_value))?;
    let next = current.unwrap_or(0) + 1;
    diesel::update(number_sequences::table.find(scope)).set(number_sequences::last_value.eq(next)).execute(conn)?;
    Ok(next)
}

// ---- orders ----

pub fn insert_order(conn: &mut DbConn, row: &OrderRow, lines: &[LineRow]) -> QueryResult<()> {
    diesel::insert_into(orders::table).values(row).execute(conn)?;
    // A multi-row insert is built per engine (SQLite has no DEFAULT keyword).
    pasar_db::per_backend!(conn, |c| diesel::insert_into(order_lines::table).values(lines).execute(c))?;
    Ok(())
}

pub fn find_order(conn: &mut DbConn, id: &str) -> QueryResult<Option<OrderRow>> {
    orders::table.find(id).select(OrderRow::as_select()).first(conn).optional()
}

pub fn lock_order(conn: &mut DbConn, id: &str) -> QueryResult<Option<OrderRow>> {
    pasar_db::first_for_update!(conn, orders::table.find(id).select(OrderRow::as_select()))
}

pub fn save_order(conn: &mut DbConn, row: &OrderRow) -> QueryResult<()> {
    diesel::update(orders::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

pub fn lines(conn: &mut DbConn, order_id: &str) -> QueryResult<Vec<LineRow>> {
    order_lines::table
        .filter(order_lines::order_id.eq(order_id))
        .order(order_lines::line_no.asc())
        .select(LineRow::as_select())
        .load(conn)
}

pub fn save_line(conn: &mut DbConn, row: &LineRow) -> QueryResult<()> {
    diesel::update(order_lines::table.find((&row.order_id, row.line_no))).set(row).execute(conn)?;
    Ok(())
}

/// One order line as P3DN reports count it (see the `p3dn_lines` migration).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = p3dn_lines)]
pub struct P3dnRow {
    pub order_id: String,
    pub line_no: i32,
    pub pemda_id: String,
    pub opd_id: String,
    pub satker_id: String,
    pub vendor_id: String,
    pub category_id: String,
    pub budget_line: String,
    pub funding_source: String,
    pub committed_at: NaiveDateTime,
    pub committed_idr: i64,
    pub realised_at: Option<NaiveDateTime>,
    pub realised_idr: i64,
    pub tkdn_bp: i32,
    pub pdn: bool,
    pub umkk: bool,
    pub local_vendor: bool,
    pub order_first: bool,
    pub category_first: bool,
}

fn parent_of(conn: &mut DbConn, org_id: &str) -> QueryResult<Option<String>> {
    organizations::table.find(org_id).select(organizations::parent_id).first(conn).optional().map(Option::flatten)
}

/// The OPD above a satker and the pemda above that ('' where there is none).
pub fn opd_and_pemda(conn: &mut DbConn, satker_id: &str) -> QueryResult<(String, String)> {
    let opd_id = parent_of(conn, satker_id)?.unwrap_or_default();
    let pemda_id = parent_of(conn, &opd_id)?.unwrap_or_default();
    Ok((opd_id, pemda_id))
}

/// Where the money of a signed order went, for [`p3dn_rows`].
pub struct P3dnPlace<'a> {
    pub opd_id: &'a str,
    pub pemda_id: &'a str,
    /// When the invoice was paid, if it was.
    pub paid_at: Option<NaiveDateTime>,
}

/// The P3DN rows of a signed order and its (frozen) lines; none without a Surat Pesanan.
pub fn p3dn_rows(row: &OrderRow, lines: &[LineRow], place: &P3dnPlace<'_>) -> Vec<P3dnRow> {
    let Some(committed_at) = row.sp_signed_at else { return Vec::new() };
    let first_line = lines.iter().map(|l| l.line_no).min();
    lines
        .iter()
        .map(|l| P3dnRow {
            order_id: row.id.clone(),
            line_no: l.line_no,
            pemda_id: place.pemda_id.to_owned(),
            opd_id: place.opd_id.to_owned(),
            satker_id: row.satker_id.clone(),
            vendor_id: row.vendor_id.clone(),
            category_id: l.category_id.clone(),
            budget_line: row.budget_line.clone(),
            funding_source: row.funding_source.clone(),
            committed_at,
            committed_idr: l.quantity * l.unit_price_idr,
            realised_at: place.paid_at,
            realised_idr: match place.paid_at {
                Some(_) => l.accepted_quantity.unwrap_or(0) * l.unit_price_idr,
                None => 0,
            },
            tkdn_bp: l.tkdn_bp,
            pdn: l.pdn_class != "import",
            umkk: l.umkk,
            local_vendor: l.local_vendor,
            order_first: Some(l.line_no) == first_line,
            category_first: lines.iter().filter(|o| o.category_id == l.category_id).map(|o| o.line_no).min()
                == Some(l.line_no),
        })
        .collect()
}

/// Inserts P3DN rows, as many per statement as both engines take.
pub fn insert_p3dn(conn: &mut DbConn, rows: &[P3dnRow]) -> QueryResult<()> {
    for chunk in rows.chunks(1_000) {
        pasar_db::per_backend!(conn, |c| diesel::insert_into(p3dn_lines::table).values(chunk).execute(c))?;
    }
    Ok(())
}

/// A day's sums of P3DN lines at one point and place (see the `p3dn_daily` migration).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = p3dn_daily)]
pub struct DailyRow {
    pub day: i32,
    pub point: i32,
    pub satker_id: String,
    pub vendor_id: String,
    pub category_id: String,
    pub budget_line: String,
    pub funding_source: String,
    pub pemda_id: String,
    pub opd_id: String,
    pub total_idr: i64,
    pub pdn_idr: i64,
    pub umkk_idr: i64,
    pub local_idr: i64,
    pub tkdn_idr_bp: i64,
    pub orders: i64,
    pub category_orders: i64,
}

/// Points of [`DailyRow::point`].
pub const COMMITTED: i32 = 0;
pub const REALISED: i32 = 1;

/// The local day of `at` as days since 1970-01-01, the key of [`DailyRow::day`].
pub fn day_number(zone: pasar_core::Zone, at: NaiveDateTime) -> i32 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (zone.date(at.and_utc()) - epoch).num_days() as i32
}

/// A [`DailyRow`]'s key: day, point, satker, vendor, category, budget line, funding source.
type DailyKey<'a> = (i32, i32, &'a str, &'a str, &'a str, &'a str, &'a str);

/// What sets of rows add to the daily sums, each with its sign (-1 to take it away),
/// one row per key (PostgreSQL refuses an upsert that meets one key twice).
pub fn daily_of(zone: pasar_core::Zone, sets: &[(&[P3dnRow], i64)]) -> Vec<DailyRow> {
    let mut out: std::collections::BTreeMap<DailyKey<'_>, DailyRow> = std::collections::BTreeMap::new();
    for (r, sign) in sets.iter().flat_map(|(rows, sign)| rows.iter().map(move |r| (r, *sign))) {
        let points = [(COMMITTED, Some(r.committed_at), r.committed_idr), (REALISED, r.realised_at, r.realised_idr)];
        for (point, at, value) in points {
            let Some(at) = at else { continue };
            let day = day_number(zone, at);
            let key = (day, point, &*r.satker_id, &*r.vendor_id, &*r.category_id, &*r.budget_line, &*r.funding_source);
            let d = out.entry(key).or_insert_with(|| DailyRow {
                day,
                point,
                satker_id: r.satker_id.clone(),
                vendor_id: r.vendor_id.clone(),
                category_id: r.category_id.clone(),
                budget_line: r.budget_line.clone(),
                funding_source: r.funding_source.clone(),
                pemda_id: r.pemda_id.clone(),
                opd_id: r.opd_id.clone(),
                total_idr: 0,
                pdn_idr: 0,
                umkk_idr: 0,
                local_idr: 0,
                tkdn_idr_bp: 0,
                orders: 0,
                category_orders: 0,
            });
            let v = sign * value;
            d.total_idr += v;
            d.pdn_idr += if r.pdn { v } else { 0 };
            d.umkk_idr += if r.umkk { v } else { 0 };
            d.local_idr += if r.local_vendor { v } else { 0 };
            d.tkdn_idr_bp += v * i64::from(r.tkdn_bp);
            d.orders += sign * i64::from(r.order_first);
            d.category_orders += sign * i64::from(r.category_first);
        }
    }
    out.into_values().collect()
}

/// Adds `rows` to the daily sums (a row not there yet is inserted).
pub fn add_daily(conn: &mut DbConn, rows: &[DailyRow]) -> QueryResult<()> {
    use diesel::upsert::excluded;
    use p3dn_daily::dsl as d;
    macro_rules! upsert {
        ($c:expr, $values:expr) => {
            diesel::insert_into(d::p3dn_daily)
                .values($values)
                .on_conflict((
                    d::day,
                    d::point,
                    d::satker_id,
                    d::vendor_id,
                    d::category_id,
                    d::budget_line,
                    d::funding_source,
                ))
                .do_update()
                .set((
                    d::total_idr.eq(d::total_idr + excluded(d::total_idr)),
                    d::pdn_idr.eq(d::pdn_idr + excluded(d::pdn_idr)),
                    d::umkk_idr.eq(d::umkk_idr + excluded(d::umkk_idr)),
                    d::local_idr.eq(d::local_idr + excluded(d::local_idr)),
                    d::tkdn_idr_bp.eq(d::tkdn_idr_bp + excluded(d::tkdn_idr_bp)),
                    d::orders.eq(d::orders + excluded(d::orders)),
                    d::category_orders.eq(d::category_orders + excluded(d::category_orders)),
                ))
                .execute($c)
        };
    }
    match conn {
        // PostgreSQL takes many rows per statement; diesel builds SQLite's upserts a row
        // at a time (cheap inside the caller's transaction).
        DbConn::Pg(c) => {
            for chunk in rows.chunks(1_000) {
                upsert!(c, chunk)?;
            }
        }
        DbConn::Sqlite(c) => {
            for row in rows {
                upsert!(c, row)?;
            }
        }
    }
    Ok(())
}

/// Sums every P3DN line into the daily table when it is empty and lines exist: orders
/// signed before the daily sums existed. Gives how many lines were summed.
pub fn rebuild_p3dn_daily(conn: &mut DbConn, zone: pasar_core::Zone) -> QueryResult<usize> {
    if p3dn_daily::table.select(p3dn_daily::day).first::<i32>(conn).optional()?.is_some() {
        return Ok(0);
    }
    let (mut after, mut summed) = ((String::new(), 0), 0);
    loop {
        let rows: Vec<P3dnRow> = p3dn_lines::table
            .filter(
                p3dn_lines::order_id
                    .gt(after.0.clone())
                    .or(p3dn_lines::order_id.eq(after.0.clone()).and(p3dn_lines::line_no.gt(after.1))),
            )
            .order((p3dn_lines::order_id.asc(), p3dn_lines::line_no.asc()))
            .limit(10_000)
            .select(P3dnRow::as_select())
            .load(conn)?;
        let Some(last) = rows.last() else { return Ok(summed) };
        after = (last.order_id.clone(), last.line_no);
        summed += rows.len();
        add_daily(conn, &daily_of(zone, &[(&rows, 1)]))?;
    }
}

/// Rewrites the P3DN rows of a signed order from the order and its (frozen) lines, and
/// moves the daily sums with them: at the Surat Pesanan, after an accepted addendum, and
/// at payment, when `paid_at` is given. An order without a Surat Pesanan has none. The
/// caller's transaction holds the order's lock.
pub fn project_p3dn(
    conn: &mut DbConn,
    zone: pasar_core::Zone,
    row: &OrderRow,
    lines: &[LineRow],
    paid_at: Option<NaiveDateTime>,
) -> QueryResult<()> {
    if row.sp_signed_at.is_none() {
        return Ok(());
    }
    let old: Vec<P3dnRow> =
        p3dn_lines::table.filter(p3dn_lines::order_id.eq(&row.id)).select(P3dnRow::as_select()).load(conn)?;
    let paid_at = paid_at.or_else(|| old.first().and_then(|r| r.realised_at));
    let (opd_id, pemda_id) = opd_and_pemda(conn, &row.satker_id)?;
    let rows = p3dn_rows(row, lines, &P3dnPlace { opd_id: &opd_id, pemda_id: &pemda_id, paid_at });
    diesel::delete(p3dn_lines::table.filter(p3dn_lines::order_id.eq(&row.id))).execute(conn)?;
    insert_p3dn(conn, &rows)?;
    add_daily(conn, &daily_of(zone, &[(&old, -1), (&rows, 1)]))
}

/// Inserts many orders and their lines at once (generated history: see [`crate::bulk`]).
pub fn insert_orders(conn: &mut DbConn, rows: &[OrderRow], lines: &[LineRow]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        pasar_db::per_backend!(conn, |c| diesel::insert_into(orders::table).values(chunk).execute(c))?;
    }
    for chunk in lines.chunks(1_000) {
        pasar_db::per_backend!(conn, |c| diesel::insert_into(order_lines::table).values(chunk).execute(c))?;
    }
    Ok(())
}

/// Filters of an order list; `satker_id`/`vendor_id` also carry the caller's tenant.
#[derive(Debug, Default, Clone)]
pub struct OrderFilter {
    pub satker_id: Option<String>,
    pub vendor_id: Option<String>,
    pub state: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
}

/// Orders newest first (UUID v7 ids sort by creation), after the cursor id.
pub fn list_orders(
    conn: &mut DbConn,
    f: &OrderFilter,
    before_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<OrderRow>> {
    let mut q = orders::table.select(OrderRow::as_select()).into_boxed();
    if let Some(s) = &f.satker_id {
        q = q.filter(orders::satker_id.eq(s.clone()));
    }
    if let Some(v) = &f.vendor_id {
        q = q.filter(orders::vendor_id.eq(v.clone()));
    }
    if let Some(s) = &f.state {
        q = q.filter(orders::state.eq(s.clone()));
    }
    if let Some(t) = f.from {
        q = q.filter(orders::created_at.ge(t));
    }
    if let Some(t) = f.until {
        q = q.filter(orders::created_at.lt(t));
    }
    if let Some(id) = before_id {
        q = q.filter(orders::id.lt(id.to_owned()));
    }
    q.order(orders::id.desc()).limit(limit).load(conn)
}

/// Ids of live orders whose deadline has passed.
pub fn overdue(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    orders::table
        .filter(orders::due_at.le(now))
        .filter(orders::state.eq_any(["awaiting_ppk_approval", "surat_pesanan_signed"]))
        .order(orders::due_at.asc())
        .select(orders::id)
        .limit(limit)
        .load(conn)
}

// ---- negotiation, shipments, addenda ----

pub fn rounds(conn: &mut DbConn, order_id: &str) -> QueryResult<Vec<RoundRow>> {
    negotiation_rounds::table
        .filter(negotiation_rounds::order_id.eq(order_id))
        .order(negotiation_rounds::round.asc())
        .select(RoundRow::as_select())
        .load(conn)
}

pub fn insert_round(conn: &mut DbConn, row: &RoundRow) -> QueryResult<()> {
    diesel::insert_into(negotiation_rounds::table).values(row).execute(conn).map(|_| ())
}

pub fn shipments_of(conn: &mut DbConn, order_id: &str) -> QueryResult<Vec<ShipmentRow>> {
    shipments::table
        .filter(shipments::order_id.eq(order_id))
        .order(shipments::shipped_at.asc())
        .select(ShipmentRow::as_select())
        .load(conn)
}

pub fn insert_shipment(conn: &mut DbConn, row: &ShipmentRow) -> QueryResult<()> {
    diesel::insert_into(shipments::table).values(row).execute(conn).map(|_| ())
}

pub fn addenda_of(conn: &mut DbConn, order_id: &str) -> QueryResult<Vec<AddendumRow>> {
    addenda::table
        .filter(addenda::order_id.eq(order_id))
        .order(addenda::version.asc())
        .select(AddendumRow::as_select())
        .load(conn)
}

pub fn insert_addendum(conn: &mut DbConn, row: &AddendumRow) -> QueryResult<()> {
    diesel::insert_into(addenda::table).values(row).execute(conn).map(|_| ())
}

pub fn save_addendum(conn: &mut DbConn, row: &AddendumRow) -> QueryResult<()> {
    diesel::update(addenda::table.find((&row.order_id, row.version))).set(row).execute(conn).map(|_| ())
}

/// A rating: score, comment, when.
pub type Rating = (Option<i32>, Option<String>, Option<NaiveDateTime>);

/// The vendor's ratings, newest first.
pub fn vendor_ratings(conn: &mut DbConn, vendor_id: &str) -> QueryResult<Vec<Rating>> {
    orders::table
        .filter(orders::vendor_id.eq(vendor_id))
        .filter(orders::rating.is_not_null())
        .order(orders::rated_at.desc())
        .select((orders::rating, orders::rating_comment, orders::rated_at))
        .load(conn)
}

// ---- issued documents ----

/// A document the order issued, found by its SHA-256.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_documents)]
pub struct DocumentRow {
    pub sha256: String,
    pub order_id: String,
    pub kind: String,
    pub number: String,
    pub issued_at: NaiveDateTime,
    pub total_idr: i64,
}

pub fn insert_document(conn: &mut DbConn, row: &DocumentRow) -> QueryResult<()> {
    diesel::insert_into(order_documents::table).values(row).execute(conn).map(|_| ())
}

pub fn documents_of(conn: &mut DbConn, order_id: &str) -> QueryResult<Vec<DocumentRow>> {
    order_documents::table.filter(order_documents::order_id.eq(order_id)).select(DocumentRow::as_select()).load(conn)
}

pub fn find_document(conn: &mut DbConn, sha256: &str) -> QueryResult<Option<DocumentRow>> {
    order_documents::table.find(sha256).select(DocumentRow::as_select()).first(conn).optional()
}

/// Orders with a BAST or an invoice that has no row in `order_documents` yet (issued
/// before the register existed), at most `limit`.
pub fn unregistered(conn: &mut DbConn, kind: &str, limit: i64) -> QueryResult<Vec<OrderRow>> {
    let registered =
        order_documents::table.filter(order_documents::kind.eq(kind.to_owned())).select(order_documents::order_id);
    let mut q = orders::table.filter(orders::id.ne_all(registered)).select(OrderRow::as_select()).into_boxed();
    q = match kind {
        "bast" => q.filter(orders::bast_number.is_not_null()).filter(orders::bast_signed_at.is_not_null()),
        _ => q.filter(orders::invoice_json.is_not_null()).filter(orders::invoiced_at.is_not_null()),
    };
    q.order(orders::id.asc()).limit(limit).load(conn)
}
