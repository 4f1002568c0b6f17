//! What other rooms and the operator's tools do with accounts, as steps inside a
//! transaction the caller already holds: a vendor's registration creates its
//! organisation, an invitation looks up an address, removing staff ends an account.
//!
//! Other crates reach accounts only through `service` (here and the use cases beside
//! it), never through [`crate::store`]. These steps check no rights and write no audit
//! entry: the calling use case has done the first and writes the second. They fail
//! only as the database does, so they answer [`DbError`] and the caller's error wraps
//! it as its own database error.

use crate::model::{OrgKind, Role};
use crate::store::{self, UserRow};
use chrono::{DateTime, Utc};
use pasar_core::id::OrganizationId;
use pasar_db::time::to_db;
use pasar_db::{DbConn, DbError};

/// A user as another room needs it: who, where, and whether the address is proven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub name: String,
    pub email_verified: bool,
    pub active: bool,
}

impl From<UserRow> for Account {
    fn from(row: UserRow) -> Self {
        Account {
            id: row.id,
            organization_id: row.organization_id,
            email: row.email,
            name: row.name,
            email_verified: row.email_verified_at.is_some(),
            active: row.active,
        }
    }
}

/// An organisation as the operator's tools list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationEntry {
    pub id: String,
    pub kind: String,
    pub name: String,
}

/// The account with this id, if any.
pub fn find_account(conn: &mut DbConn, user_id: &str) -> Result<Option<Account>, DbError> {
    Ok(store::find_user(conn, user_id)?.map(Account::from))
}

/// The account with this (lower-cased) address, if any.
pub fn find_account_by_email(conn: &mut DbConn, email: &str) -> Result<Option<Account>, DbError> {
    Ok(store::find_user_by_email(conn, email)?.map(Account::from))
}

/// The roles the account holds.
pub fn account_roles(conn: &mut DbConn, user_id: &str) -> Result<Vec<Role>, DbError> {
    store::roles_of(conn, user_id)?.iter().map(|r| Role::parse(r).map_err(DbError::corrupt)).collect()
}

/// Marks the account's address as proven, where another proof stood in for the
/// verification mail (an accepted invitation, seeded data).
pub fn mark_email_verified(conn: &mut DbConn, user_id: &str, now: DateTime<Utc>) -> Result<(), DbError> {
    Ok(store::set_email_verified(conn, user_id, now)?)
}

/// Deactivates the account and ends every session it has.
pub fn deactivate_account(conn: &mut DbConn, user_id: &str, now: DateTime<Utc>) -> Result<(), DbError> {
    store::update_user(conn, user_id, None, Some(false), None, now)?;
    store::revoke_all_for_user(conn, user_id, now)?;
    Ok(())
}

/// Creates the organisation of a new vendor (its own, at the top of no tree) and
/// answers its id, which the vendor's row shares.
pub fn insert_vendor_organization(conn: &mut DbConn, now: DateTime<Utc>, name: &str) -> Result<String, DbError> {
    let row = store::OrganizationRow {
        id: OrganizationId::new().to_string(),
        kind: OrgKind::Vendor.as_str().into(),
        name: name.to_owned(),
        parent_id: None,
        region_code: None,
        created_at: to_db(now),
        updated_at: to_db(now),
    };
    store::insert_organization(conn, &row)?;
    Ok(row.id)
}

/// The first administrator, if there is one (the operator's tools act as it).
pub fn first_admin(conn: &mut DbConn) -> Result<Option<Account>, DbError> {
    Ok(store::first_user_with_role(conn, Role::Admin.as_str())?.map(Account::from))
}

/// Every account, a page at a time in id order: up to `limit` after `after`.
pub fn accounts_page(conn: &mut DbConn, after: Option<&str>, limit: i64) -> Result<Vec<Account>, DbError> {
    let rows = store::list_users(conn, &store::UserFilter::default(), after, limit)?;
    Ok(rows.into_iter().map(Account::from).collect())
}

/// Organisations (of one kind, if given), a page at a time in id order: up to `limit`
/// after `after`.
pub fn organizations_page(
    conn: &mut DbConn,
    kind: Option<OrgKind>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<OrganizationEntry>, DbError> {
    let filter = store::OrganizationFilter { kind: kind.map(|k| k.as_str().to_owned()), ..Default::default() };
    let rows = store::list_organizations(conn, &filter, after, limit)?;
    Ok(rows.into_iter().map(|o| OrganizationEntry { id: o.id, kind: o.kind, name: o.name }).collect())
}

/// Forgets login-throttle counters whose window started before `before` (a chore of
/// the background worker); answers how many.
pub fn purge_throttle(conn: &mut DbConn, before: DateTime<Utc>, now: DateTime<Utc>) -> Result<usize, DbError> {
    Ok(store::purge_throttle(conn, before, now)?)
}
