//! Virtual-account queries (plain functions over `&mut DbConn`, no transactions).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use pasar_db::schema::{reconciliations as rc, snap_external_ids as x, virtual_accounts as va};
use pasar_db::{per_backend, DbConn};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = va)]
pub struct VaRow {
    pub id: String,
    pub order_id: String,
    pub va_number: String,
    pub partner_service_id: String,
    pub customer_no: String,
    pub invoice_number: String,
    pub amount_idr: i64,
    pub state: String,
    pub expires_at: NaiveDateTime,
    pub issued_by: String,
    pub created_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
    pub payment_request_id: Option<String>,
    pub payment_reference: Option<String>,
    pub payment_response: Option<String>,
    pub bank_code: String,
}

pub fn insert(conn: &mut DbConn, row: &VaRow) -> QueryResult<()> {
    diesel::insert_into(va::table).values(row).execute(conn)?;
    Ok(())
}

pub fn by_number(conn: &mut DbConn, number: &str) -> QueryResult<Option<VaRow>> {
    va::table.filter(va::va_number.eq(number)).select(VaRow::as_select()).first(conn).optional()
}

/// The order's newest VA.
pub fn latest_of_order(conn: &mut DbConn, order_id: &str) -> QueryResult<Option<VaRow>> {
    va::table
        .filter(va::order_id.eq(order_id))
        .order((va::created_at.desc(), va::id.desc()))
        .select(VaRow::as_select())
        .first(conn)
        .optional()
}

/// An expired VA gives way to a new one.
pub fn mark_replaced(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::update(va::table.find(id).filter(va::state.eq("active"))).set(va::state.eq("replaced")).execute(conn)
}

/// Marks the VA paid if it is still `active`: 1 for the one payment that wins, 0 for
/// every other (on PostgreSQL a concurrent one waits for the row, then finds it paid).
pub fn mark_paid(
    conn: &mut DbConn,
    id: &str,
    at: NaiveDateTime,
    request_id: &str,
    reference: Option<&str>,
    response: &str,
) -> QueryResult<usize> {
    diesel::update(va::table.find(id).filter(va::state.eq("active")))
        .set((
            va::state.eq("paid"),
            va::paid_at.eq(Some(at)),
            va::payment_request_id.eq(Some(request_id)),
            va::payment_reference.eq(reference),
            va::payment_response.eq(Some(response)),
        ))
        .execute(conn)
}

/// What an `X-EXTERNAL-ID` already stands for: the request's hash and the answer given.
pub type SeenExternalId = (String, Option<i32>, Option<String>);

/// Records `external_id` for `partner_id` on `day`; `None` when it is new, else what it
/// was used for. On PostgreSQL a concurrent insert of the same id waits for the other
/// transaction, then finds its row.
pub fn claim_external_id(
    conn: &mut DbConn,
    partner_id: &str,
    day: &str,
    external_id: &str,
    request_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<SeenExternalId>> {
    let row = (
        x::partner_id.eq(partner_id),
        x::day.eq(day),
        x::external_id.eq(external_id),
        x::request_hash.eq(request_hash),
        x::created_at.eq(now),
    );
    let inserted = per_backend!(conn, |c| diesel::insert_into(x::table)
        .values(row)
        .on_conflict((x::partner_id, x::day, x::external_id))
        .do_nothing()
        .execute(c))?;
    if inserted == 1 {
        return Ok(None);
    }
    x::table
        .find((partner_id, day, external_id))
        .select((x::request_hash, x::response_status, x::response_body))
        .first(conn)
        .optional()
}

/// Keeps the answer given to the request of `external_id`.
pub fn answer_external_id(
    conn: &mut DbConn,
    partner_id: &str,
    day: &str,
    external_id: &str,
    status: u16,
    body: &str,
) -> QueryResult<()> {
    diesel::update(x::table.find((partner_id, day, external_id)))
        .set((x::response_status.eq(Some(i32::from(status))), x::response_body.eq(Some(body))))
        .execute(conn)?;
    Ok(())
}

/// The bank's VAs (by their padded `prefix`) among `numbers`, given as a statement writes
/// them (without padding spaces).
pub fn of_prefix_by_plain_numbers(conn: &mut DbConn, prefix: &str, numbers: &[String]) -> QueryResult<Vec<VaRow>> {
    let bare = prefix.trim_start();
    let full: Vec<String> =
        numbers.iter().filter_map(|n| n.strip_prefix(bare).map(|rest| format!("{prefix}{rest}"))).collect();
    let mut out = Vec::new();
    // SQLite allows a limited number of bound values per statement.
    for chunk in full.chunks(500) {
        out.extend(
            va::table
                .filter(va::partner_service_id.eq(prefix))
                .filter(va::va_number.eq_any(chunk))
                .select(VaRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// The bank's VAs paid in `[from, until)`.
pub fn paid_between(
    conn: &mut DbConn,
    prefix: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<VaRow>> {
    va::table
        .filter(va::partner_service_id.eq(prefix))
        .filter(va::state.eq("paid"))
        .filter(va::paid_at.ge(from))
        .filter(va::paid_at.lt(until))
        .order(va::paid_at.asc())
        .select(VaRow::as_select())
        .load(conn)
}

/// Forgets the external ids received before `before`: SNAP asks them unique per day, so
/// only the last days matter.
pub fn purge_external_ids(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(x::table.filter(x::created_at.lt(before))).execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rc)]
pub struct ReconciliationRow {
    pub id: String,
    pub bank_code: String,
    pub from_day: String,
    pub to_day: String,
    pub file_sha256: String,
    pub statement_rows: i32,
    pub matched: i32,
    pub unknown_in_pasar: i32,
    pub missing_at_bank: i32,
    pub amount_differs: i32,
    pub report: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_reconciliation(conn: &mut DbConn, row: &ReconciliationRow) -> QueryResult<()> {
    diesel::insert_into(rc::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find_reconciliation(conn: &mut DbConn, id: &str) -> QueryResult<Option<ReconciliationRow>> {
    rc::table.find(id).select(ReconciliationRow::as_select()).first(conn).optional()
}

/// Newest first, by id (UUID v7), after the cursor.
pub fn list_reconciliations(conn: &mut DbConn, after: Option<&str>, limit: i64) -> QueryResult<Vec<ReconciliationRow>> {
    let mut q = rc::table.select(ReconciliationRow::as_select()).order(rc::id.desc()).limit(limit).into_boxed();
    if let Some(after) = after {
        q = q.filter(rc::id.lt(after.to_owned()));
    }
    q.load(conn)
}
