//! Virtual-account queries (plain functions over `&mut DbConn`, no transactions).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use pasar_db::schema::{snap_external_ids as x, virtual_accounts as va};
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
