//! Vendor queries: plain functions over `&mut DbConn`; none opens a transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use pasar_db::schema::{vendor_documents, vendor_invitations, vendor_reviews, vendors};
use pasar_db::time::to_db;
use pasar_db::DbConn;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = vendors, treat_none_as_null = true)]
pub struct VendorRow {
    pub id: String,
    pub status: String,
    pub legal_name: String,
    pub trade_name: Option<String>,
    pub legal_form: String,
    pub nib: Option<String>,
    pub npwp: Option<String>,
    pub kbli_codes: String,
    pub street: Option<String>,
    pub region_code: Option<String>,
    pub postal_code: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub business_capital_idr: Option<i64>,
    pub annual_sales_idr: Option<i64>,
    pub tax_status: Option<String>,
    pub pp55_valid_until: Option<String>,
    pub bank_name: Option<String>,
    pub bank_account_number: Option<String>,
    pub bank_account_holder: Option<String>,
    pub claimed_by: Option<String>,
    pub claimed_at: Option<NaiveDateTime>,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A proposed change of the counted facts (see `crate::facts`), as JSON.
    pub pending_facts_json: Option<String>,
    pub pending_facts_at: Option<NaiveDateTime>,
    /// Why the last proposed change was rejected.
    pub facts_review_note: Option<String>,
}

impl VendorRow {
    pub fn kbli_list(&self) -> Vec<String> {
        self.kbli_codes.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }
}

pub fn insert_vendor(conn: &mut DbConn, row: &VendorRow) -> QueryResult<()> {
    diesel::insert_into(vendors::table).values(row).execute(conn).map(drop)
}

pub fn find_vendor(conn: &mut DbConn, id: &str) -> QueryResult<Option<VendorRow>> {
    vendors::table.find(id).select(VendorRow::as_select()).first(conn).optional()
}

/// The vendor row, locked until the transaction ends on PostgreSQL (SQLite's write
/// transaction is already exclusive), so that concurrent changes — a PATCH and a
/// suspension, two curators claiming — happen one after the other instead of one
/// silently overwriting the other.
pub fn lock_vendor(conn: &mut DbConn, id: &str) -> QueryResult<Option<VendorRow>> {
    pasar_db::first_for_update!(conn, vendors::table.find(id).select(VendorRow::as_select()))
}

/// Writes every column of the row back (after [`lock_vendor`]).
pub fn save_vendor(conn: &mut DbConn, row: &VendorRow) -> QueryResult<()> {
    diesel::update(vendors::table.find(&row.id)).set(row).execute(conn).map(drop)
}

/// Another vendor holding this NIB, if any.
/// Another vendor that holds this NIB: one that was submitted and not rejected (drafts
/// do not hold the NIB they typed).
pub fn vendor_with_nib(conn: &mut DbConn, nib: &str, except: &str) -> QueryResult<Option<String>> {
    vendors::table
        .filter(vendors::nib.eq(nib))
        .filter(vendors::id.ne(except))
        .filter(vendors::status.ne_all(["draft", "rejected"]))
        .select(vendors::id)
        .first(conn)
        .optional()
}

/// The curation queue: vendors in `status`, oldest submission first, after the
/// `(submitted_at, id)` key of the previous page.
pub fn queue(
    conn: &mut DbConn,
    status: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<VendorRow>> {
    let base = vendors::table.filter(vendors::status.eq(status)).select(VendorRow::as_select());
    match after {
        None => base.order((vendors::submitted_at.asc(), vendors::id.asc())).limit(limit).load(conn),
        Some((at, id)) => base
            .filter(vendors::submitted_at.gt(at).or(vendors::submitted_at.eq(at).and(vendors::id.gt(id))))
            .order((vendors::submitted_at.asc(), vendors::id.asc()))
            .limit(limit)
            .load(conn),
    }
}

/// Vendors whose proposed change of counted facts waits, oldest first, after the
/// `(pending_facts_at, id)` key of the previous page.
pub fn pending_facts_queue(
    conn: &mut DbConn,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<VendorRow>> {
    let base = vendors::table.filter(vendors::pending_facts_at.is_not_null()).select(VendorRow::as_select());
    let order = (vendors::pending_facts_at.asc(), vendors::id.asc());
    match after {
        None => base.order(order).limit(limit).load(conn),
        Some((at, id)) => base
            .filter(vendors::pending_facts_at.gt(at).or(vendors::pending_facts_at.eq(at).and(vendors::id.gt(id))))
            .order(order)
            .limit(limit)
            .load(conn),
    }
}

pub fn count_in_status(conn: &mut DbConn, status: &str) -> QueryResult<i64> {
    vendors::table.filter(vendors::status.eq(status)).count().get_result(conn)
}

/// Approved vendors by id, for the public directory.
pub fn approved(conn: &mut DbConn, after: Option<&str>, limit: i64) -> QueryResult<Vec<VendorRow>> {
    let base = vendors::table.filter(vendors::status.eq("approved")).select(VendorRow::as_select());
    match after {
        None => base.order(vendors::id.asc()).limit(limit).load(conn),
        Some(a) => base.filter(vendors::id.gt(a.to_owned())).order(vendors::id.asc()).limit(limit).load(conn),
    }
}

pub fn insert_review(
    conn: &mut DbConn,
    vendor_id: &str,
    curator_id: &str,
    decision: &str,
    reason: Option<&str>,
    remarks_json: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(vendor_reviews::table)
        .values((
            vendor_reviews::id.eq(uuid::Uuid::now_v7().to_string()),
            vendor_reviews::vendor_id.eq(vendor_id),
            vendor_reviews::curator_id.eq(curator_id),
            vendor_reviews::decision.eq(decision),
            vendor_reviews::reason.eq(reason),
            vendor_reviews::remarks_json.eq(remarks_json),
            vendor_reviews::created_at.eq(to_db(now)),
        ))
        .execute(conn)
        .map(drop)
}

/// Emails of the vendor's active owners (who are told about curation decisions).
pub fn owner_emails(conn: &mut DbConn, vendor_id: &str) -> QueryResult<Vec<(String, String)>> {
    use pasar_db::schema::{user_roles, users};
    users::table
        .inner_join(user_roles::table)
        .filter(users::organization_id.eq(vendor_id))
        .filter(users::active.eq(true))
        .filter(user_roles::role.eq("vendor_owner"))
        .select((users::email, users::name))
        .load(conn)
}

/// `(kind, valid_until)` of the vendor's current (not replaced) documents.
pub fn current_document_validity(conn: &mut DbConn, vendor_id: &str) -> QueryResult<Vec<(String, Option<String>)>> {
    use pasar_db::schema::vendor_documents;
    vendor_documents::table
        .filter(vendor_documents::vendor_id.eq(vendor_id))
        .filter(vendor_documents::replaced_by.is_null())
        .select((vendor_documents::kind, vendor_documents::valid_until))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = vendor_documents)]
pub struct DocumentRow {
    pub id: String,
    pub vendor_id: String,
    pub kind: String,
    pub number: Option<String>,
    pub valid_until: Option<String>,
    pub storage_key: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub file_name: String,
    pub uploaded_by: String,
    pub replaced_by: Option<String>,
    pub reminded_30_at: Option<NaiveDateTime>,
    pub reminded_7_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn insert_document(conn: &mut DbConn, row: &DocumentRow) -> QueryResult<()> {
    diesel::insert_into(vendor_documents::table).values(row).execute(conn).map(drop)
}

/// A document of this vendor (a document id of another vendor is simply not found).
pub fn find_document(conn: &mut DbConn, vendor_id: &str, id: &str) -> QueryResult<Option<DocumentRow>> {
    vendor_documents::table
        .filter(vendor_documents::vendor_id.eq(vendor_id))
        .filter(vendor_documents::id.eq(id))
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()
}

pub fn documents(conn: &mut DbConn, vendor_id: &str, include_replaced: bool) -> QueryResult<Vec<DocumentRow>> {
    let q = vendor_documents::table.filter(vendor_documents::vendor_id.eq(vendor_id)).select(DocumentRow::as_select());
    if include_replaced {
        q.order(vendor_documents::id.desc()).load(conn)
    } else {
        q.filter(vendor_documents::replaced_by.is_null()).order(vendor_documents::id.desc()).load(conn)
    }
}

/// Marks a current document replaced; 0 when another replacement got there first.
pub fn mark_document_replaced(conn: &mut DbConn, id: &str, by: &str) -> QueryResult<usize> {
    diesel::update(vendor_documents::table.find(id).filter(vendor_documents::replaced_by.is_null()))
        .set(vendor_documents::replaced_by.eq(Some(by)))
        .execute(conn)
}

/// Current documents whose end date is between `from` and `to` (inclusive, `YYYY-MM-DD`)
/// and that still owe a reminder.
pub fn documents_expiring_by(conn: &mut DbConn, to: &str, from: &str) -> QueryResult<Vec<DocumentRow>> {
    vendor_documents::table
        .filter(vendor_documents::replaced_by.is_null())
        .filter(vendor_documents::valid_until.le(to))
        .filter(vendor_documents::valid_until.ge(from))
        .filter(vendor_documents::reminded_7_at.is_null())
        .select(DocumentRow::as_select())
        .load(conn)
}

/// Claims a reminder for sending; 0 when it was already sent (by another instance).
pub fn mark_document_reminded(conn: &mut DbConn, id: &str, stage: u8, now: DateTime<Utc>) -> QueryResult<usize> {
    let at = Some(to_db(now));
    let target = vendor_documents::table.find(id);
    if stage == 7 {
        diesel::update(target.filter(vendor_documents::reminded_7_at.is_null()))
            .set(vendor_documents::reminded_7_at.eq(at))
            .execute(conn)
    } else {
        diesel::update(target.filter(vendor_documents::reminded_30_at.is_null()))
            .set(vendor_documents::reminded_30_at.eq(at))
            .execute(conn)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = vendor_invitations)]
pub struct InvitationRow {
    pub id: String,
    pub vendor_id: String,
    pub email: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
}

#[allow(clippy::too_many_arguments)]
pub fn insert_invitation(
    conn: &mut DbConn,
    id: &str,
    vendor_id: &str,
    email: &str,
    token_hash: &str,
    invited_by: &str,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(vendor_invitations::table)
        .values((
            vendor_invitations::id.eq(id),
            vendor_invitations::vendor_id.eq(vendor_id),
            vendor_invitations::email.eq(email),
            vendor_invitations::token_hash.eq(token_hash),
            vendor_invitations::invited_by.eq(invited_by),
            vendor_invitations::created_at.eq(to_db(now)),
            vendor_invitations::expires_at.eq(to_db(expires)),
        ))
        .execute(conn)
        .map(drop)
}

pub fn find_invitation(conn: &mut DbConn, id: &str) -> QueryResult<Option<InvitationRow>> {
    vendor_invitations::table.find(id).select(InvitationRow::as_select()).first(conn).optional()
}

pub fn mark_invitation_accepted(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(vendor_invitations::table.find(id))
        .set(vendor_invitations::accepted_at.eq(Some(to_db(now))))
        .execute(conn)
        .map(drop)
}

pub fn open_invitations(conn: &mut DbConn, vendor_id: &str, now: DateTime<Utc>) -> QueryResult<Vec<InvitationRow>> {
    vendor_invitations::table
        .filter(vendor_invitations::vendor_id.eq(vendor_id))
        .filter(vendor_invitations::accepted_at.is_null())
        .filter(vendor_invitations::expires_at.gt(to_db(now)))
        .order(vendor_invitations::id.asc())
        .select(InvitationRow::as_select())
        .load(conn)
}

/// Vendors changed at or after `since` (for the search index's re-check after a rebuild).
pub fn vendors_changed_since(conn: &mut DbConn, since: chrono::DateTime<chrono::Utc>) -> QueryResult<Vec<String>> {
    vendors::table.filter(vendors::updated_at.ge(pasar_db::time::to_db(since))).select(vendors::id).load(conn)
}
