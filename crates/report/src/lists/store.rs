//! The queries of the list exports: plain functions over `&mut DbConn`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use pasar_db::schema::{categories, order_lines, orders, organizations, virtual_accounts};
use pasar_db::DbConn;
use pasar_order::store::OrderFilter;
use std::collections::HashMap;

/// What the exports show of an order (the documents' contents stay behind).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orders)]
pub struct OrderCols {
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
    pub bast_number: Option<String>,
    pub invoice_number: Option<String>,
    pub invoice_json: Option<String>,
    pub invoiced_at: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
    pub rating: Option<i32>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An order line with its frozen facts.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = order_lines)]
pub struct LineCols {
    pub order_id: String,
    pub line_no: i32,
    pub product_id: String,
    pub quantity: i64,
    pub unit_price_idr: i64,
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

/// Orders newest first after the id `before` (keyset), as `pasar_order::store::list_orders`
/// filters them; with `invoiced_only`, only those with an invoice.
pub fn orders(
    conn: &mut DbConn,
    f: &OrderFilter,
    invoiced_only: bool,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<OrderCols>> {
    let mut q = orders::table.select(OrderCols::as_select()).into_boxed();
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
    if invoiced_only {
        q = q.filter(orders::invoice_number.is_not_null());
    }
    if let Some(id) = before {
        q = q.filter(orders::id.lt(id.to_owned()));
    }
    q.order(orders::id.desc()).limit(limit).load(conn)
}

/// The lines of these orders, by order and line number.
pub fn lines(conn: &mut DbConn, order_ids: &[&str]) -> QueryResult<Vec<LineCols>> {
    order_lines::table
        .filter(order_lines::order_id.eq_any(order_ids))
        .order((order_lines::order_id.asc(), order_lines::line_no.asc()))
        .select(LineCols::as_select())
        .load(conn)
}

/// When each of these orders was paid (its paid virtual account).
pub fn paid_at(conn: &mut DbConn, order_ids: &[&str]) -> QueryResult<HashMap<String, NaiveDateTime>> {
    let rows: Vec<(String, Option<NaiveDateTime>)> = virtual_accounts::table
        .filter(virtual_accounts::order_id.eq_any(order_ids))
        .filter(virtual_accounts::paid_at.is_not_null())
        .select((virtual_accounts::order_id, virtual_accounts::paid_at))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, at)| Some((id, at?))).collect())
}

pub fn organization_names(conn: &mut DbConn, ids: &[&str]) -> QueryResult<Vec<(String, String)>> {
    organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::name))
        .load(conn)
}

/// Every category's name (a few hundred at most).
pub fn category_names(conn: &mut DbConn) -> QueryResult<HashMap<String, String>> {
    let rows: Vec<(String, String)> = categories::table.select((categories::id, categories::name)).load(conn)?;
    Ok(rows.into_iter().collect())
}
