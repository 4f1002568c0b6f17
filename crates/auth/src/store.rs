//! Account queries. Plain functions over `&mut DbConn`; none opens a transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use pasar_db::schema::{
    email_verifications, login_throttle, organizations, password_resets, refresh_tokens, user_roles, users,
};
use pasar_db::time::to_db;
use pasar_db::{per_backend, DbConn};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organizations)]
pub struct OrganizationRow {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub region_code: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub active: bool,
    pub email_verified_at: Option<NaiveDateTime>,
    pub password_changed_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: String,
    pub user_id: String,
    pub family_id: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub replaced_by: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = login_throttle)]
pub struct ThrottleRow {
    pub key: String,
    pub failures: i32,
    pub window_started_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    /// Lockouts in a row: each lasts longer than the one before (capped).
    pub lockouts: i32,
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

// --- organisations -------------------------------------------------------------

pub fn insert_organization(conn: &mut DbConn, row: &OrganizationRow) -> QueryResult<()> {
    diesel::insert_into(organizations::table).values(row).execute(conn).map(drop)
}

pub fn find_organization(conn: &mut DbConn, id: &str) -> QueryResult<Option<OrganizationRow>> {
    organizations::table.find(id).select(OrganizationRow::as_select()).first(conn).optional()
}

pub fn organization_name_taken(
    conn: &mut DbConn,
    kind: &str,
    parent_id: Option<&str>,
    name: &str,
) -> QueryResult<bool> {
    let same = organizations::table
        .filter(organizations::kind.eq(kind))
        .filter(lower(organizations::name).eq(lower(name.to_owned())));
    let n: i64 = match parent_id {
        Some(p) => same.filter(organizations::parent_id.eq(p)).count().get_result(conn)?,
        None => same.filter(organizations::parent_id.is_null()).count().get_result(conn)?,
    };
    Ok(n > 0)
}

pub fn first_organization_of_kind(conn: &mut DbConn, kind: &str) -> QueryResult<Option<OrganizationRow>> {
    organizations::table
        .filter(organizations::kind.eq(kind))
        .order(organizations::id.asc())
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()
}

/// Filters for listing organisations.
#[derive(Debug, Default, Clone)]
pub struct OrganizationFilter {
    pub kind: Option<String>,
    pub parent_id: Option<String>,
    /// Only this one organisation (callers who may see only their own).
    pub only_id: Option<String>,
}

pub fn list_organizations(
    conn: &mut DbConn,
    filter: &OrganizationFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<OrganizationRow>> {
    let mut q = organizations::table.select(OrganizationRow::as_select()).into_boxed();
    if let Some(kind) = &filter.kind {
        q = q.filter(organizations::kind.eq(kind.clone()));
    }
    if let Some(parent) = &filter.parent_id {
        q = q.filter(organizations::parent_id.eq(parent.clone()));
    }
    if let Some(id) = &filter.only_id {
        q = q.filter(organizations::id.eq(id.clone()));
    }
    if let Some(after) = after {
        q = q.filter(organizations::id.gt(after.to_owned()));
    }
    q.order(organizations::id.asc()).limit(limit).load(conn)
}

// --- users ---------------------------------------------------------------------

pub fn insert_user(conn: &mut DbConn, row: &UserRow, roles: &[&str]) -> QueryResult<()> {
    diesel::insert_into(users::table).values(row).execute(conn)?;
    // One statement per role: multi-row VALUES is not portable across both engines here.
    for role in roles {
        diesel::insert_into(user_roles::table)
            .values((user_roles::user_id.eq(&row.id), user_roles::role.eq(*role)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_user(conn: &mut DbConn, id: &str) -> QueryResult<Option<UserRow>> {
    users::table.find(id).select(UserRow::as_select()).first(conn).optional()
}

/// A user read to be changed: on PostgreSQL the row is locked (`FOR UPDATE`) until the
/// transaction ends, so that what the change read (its before-image, its counts) is
/// still true when it writes; SQLite write transactions are serialised anyway.
pub fn lock_user(conn: &mut DbConn, id: &str) -> QueryResult<Option<UserRow>> {
    pasar_db::first_for_update!(conn, users::table.find(id).select(UserRow::as_select()))
}

pub fn find_user_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<UserRow>> {
    users::table.filter(users::email.eq(email)).select(UserRow::as_select()).first(conn).optional()
}

pub fn email_taken(conn: &mut DbConn, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::email.eq(email)))).get_result(conn)
}

pub fn roles_of(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<String>> {
    user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .select(user_roles::role)
        .order(user_roles::role.asc())
        .load(conn)
}

/// Roles of many users at once, as `(user_id, role)` pairs.
pub fn roles_of_many(conn: &mut DbConn, user_ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    user_roles::table
        .filter(user_roles::user_id.eq_any(user_ids))
        .select((user_roles::user_id, user_roles::role))
        .order((user_roles::user_id.asc(), user_roles::role.asc()))
        .load(conn)
}

/// The oldest active user holding `role`.
pub fn first_user_with_role(conn: &mut DbConn, role: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .inner_join(user_roles::table)
        .filter(user_roles::role.eq(role))
        .filter(users::active.eq(true))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn any_user_with_role(conn: &mut DbConn, role: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(user_roles::table.filter(user_roles::role.eq(role)))).get_result(conn)
}

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub organization_id: Option<String>,
}

pub fn list_users(
    conn: &mut DbConn,
    filter: &UserFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut q = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(org) = &filter.organization_id {
        q = q.filter(users::organization_id.eq(org.clone()));
    }
    if let Some(after) = after {
        q = q.filter(users::id.gt(after.to_owned()));
    }
    q.order(users::id.asc()).limit(limit).load(conn)
}

/// Applies the given changes; `roles`, when given, replaces the user's roles.
pub fn update_user(
    conn: &mut DbConn,
    user_id: &str,
    name: Option<&str>,
    active: Option<bool>,
    roles: Option<&[&str]>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    if let Some(name) = name {
        diesel::update(users::table.find(user_id)).set(users::name.eq(name)).execute(conn)?;
    }
    if let Some(active) = active {
        diesel::update(users::table.find(user_id)).set(users::active.eq(active)).execute(conn)?;
    }
    if let Some(roles) = roles {
        diesel::delete(user_roles::table.filter(user_roles::user_id.eq(user_id))).execute(conn)?;
        for role in roles {
            diesel::insert_into(user_roles::table)
                .values((user_roles::user_id.eq(user_id), user_roles::role.eq(*role)))
                .execute(conn)?;
        }
    }
    diesel::update(users::table.find(user_id)).set(users::updated_at.eq(to_db(now))).execute(conn).map(drop)
}

pub fn set_password(conn: &mut DbConn, user_id: &str, hash: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(hash),
            users::password_changed_at.eq(to_db(now)),
            users::updated_at.eq(to_db(now)),
        ))
        .execute(conn)
        .map(drop)
}

pub fn set_email_verified(conn: &mut DbConn, user_id: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((users::email_verified_at.eq(Some(to_db(now))), users::updated_at.eq(to_db(now))))
        .execute(conn)
        .map(drop)
}

// --- email verification ------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_verifications)]
pub struct EmailVerificationRow {
    pub id: String,
    pub user_id: String,
    pub token_hash: String,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert_email_verification(
    conn: &mut DbConn,
    id: &str,
    user_id: &str,
    token_hash: &str,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(email_verifications::table)
        .values((
            email_verifications::id.eq(id),
            email_verifications::user_id.eq(user_id),
            email_verifications::token_hash.eq(token_hash),
            email_verifications::created_at.eq(to_db(now)),
            email_verifications::expires_at.eq(to_db(expires)),
        ))
        .execute(conn)
        .map(drop)
}

pub fn find_email_verification(conn: &mut DbConn, id: &str) -> QueryResult<Option<EmailVerificationRow>> {
    email_verifications::table.find(id).select(EmailVerificationRow::as_select()).first(conn).optional()
}

pub fn mark_email_verification_used(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(email_verifications::table.find(id))
        .set(email_verifications::used_at.eq(Some(to_db(now))))
        .execute(conn)
        .map(drop)
}

/// When verification mails were sent to the user since `since`.
pub fn email_verifications_since(
    conn: &mut DbConn,
    user_id: &str,
    since: DateTime<Utc>,
) -> QueryResult<Vec<NaiveDateTime>> {
    email_verifications::table
        .filter(email_verifications::user_id.eq(user_id))
        .filter(email_verifications::created_at.gt(to_db(since)))
        .select(email_verifications::created_at)
        .load(conn)
}

// --- refresh tokens --------------------------------------------------------------

pub fn insert_refresh_token(conn: &mut DbConn, row: &RefreshTokenRow) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table).values(row).execute(conn).map(drop)
}

pub fn find_refresh_token(conn: &mut DbConn, id: &str) -> QueryResult<Option<RefreshTokenRow>> {
    refresh_tokens::table.find(id).select(RefreshTokenRow::as_select()).first(conn).optional()
}

/// Marks a live token as exchanged; returns 0 when it was already exchanged or revoked
/// (by a concurrent request), 1 otherwise.
pub fn mark_refresh_token_replaced(
    conn: &mut DbConn,
    id: &str,
    replaced_by: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .find(id)
            .filter(refresh_tokens::replaced_by.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set((refresh_tokens::replaced_by.eq(Some(replaced_by)), refresh_tokens::revoked_at.eq(Some(to_db(now)))))
    .execute(conn)
}

pub fn revoke_token(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(refresh_tokens::table.find(id).filter(refresh_tokens::revoked_at.is_null()))
        .set(refresh_tokens::revoked_at.eq(Some(to_db(now))))
        .execute(conn)
}

pub fn revoke_family(conn: &mut DbConn, family_id: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(to_db(now))))
    .execute(conn)
}

pub fn revoke_all_for_user(conn: &mut DbConn, user_id: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::user_id.eq(user_id)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(to_db(now))))
    .execute(conn)
}

// --- login throttling ---------------------------------------------------------------

pub fn find_throttle(conn: &mut DbConn, key: &str) -> QueryResult<Option<ThrottleRow>> {
    login_throttle::table.find(key).select(ThrottleRow::as_select()).first(conn).optional()
}

/// Makes sure a counter row exists (racing first failures must not collide), then
/// returns it locked for update where the engine supports row locks.
pub fn lock_throttle(conn: &mut DbConn, key: &str, now: DateTime<Utc>) -> QueryResult<ThrottleRow> {
    let fresh = ThrottleRow {
        key: key.to_owned(),
        failures: 0,
        window_started_at: to_db(now),
        locked_until: None,
        lockouts: 0,
    };
    let insert =
        diesel::insert_into(login_throttle::table).values(&fresh).on_conflict(login_throttle::key).do_nothing();
    per_backend!(conn, |c| insert.execute(c))?;
    match conn {
        DbConn::Pg(pg) => login_throttle::table.find(key).for_update().first(pg),
        DbConn::Sqlite(sqlite) => login_throttle::table.find(key).first(sqlite),
    }
}

pub fn save_throttle(conn: &mut DbConn, row: &ThrottleRow) -> QueryResult<()> {
    diesel::update(login_throttle::table.find(&row.key))
        .set((
            login_throttle::failures.eq(row.failures),
            login_throttle::window_started_at.eq(row.window_started_at),
            login_throttle::locked_until.eq(row.locked_until),
            login_throttle::lockouts.eq(row.lockouts),
        ))
        .execute(conn)
        .map(drop)
}

/// Forgets counters whose window and lockout have both ended.
pub fn purge_throttle(conn: &mut DbConn, window_start_before: DateTime<Utc>, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        login_throttle::table
            .filter(login_throttle::window_started_at.lt(to_db(window_start_before)))
            .filter(login_throttle::locked_until.is_null().or(login_throttle::locked_until.lt(to_db(now)))),
    )
    .execute(conn)
}

pub fn clear_throttle(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(key)).execute(conn).map(drop)
}

/// Forgets every counter whose key starts with `prefix` (an account's counters from
/// every address).
pub fn clear_throttle_prefix(conn: &mut DbConn, prefix: &str) -> QueryResult<usize> {
    // Keys are plain text; escape LIKE's wildcards so the prefix is taken literally.
    let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    diesel::delete(login_throttle::table.filter(login_throttle::key.like(format!("{escaped}%")).escape('\\')))
        .execute(conn)
}

// --- password resets --------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = password_resets)]
pub struct PasswordResetRow {
    pub id: String,
    pub user_id: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert_password_reset(conn: &mut DbConn, row: &PasswordResetRow) -> QueryResult<()> {
    diesel::insert_into(password_resets::table).values(row).execute(conn).map(drop)
}

pub fn find_password_reset(conn: &mut DbConn, id: &str) -> QueryResult<Option<PasswordResetRow>> {
    password_resets::table.find(id).select(PasswordResetRow::as_select()).first(conn).optional()
}

/// Revokes the user's reset tokens that are still open; returns how many.
pub fn revoke_password_resets(conn: &mut DbConn, user_id: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::revoked_at.is_null()),
    )
    .set(password_resets::revoked_at.eq(Some(to_db(now))))
    .execute(conn)
}

/// Marks an open token used; returns 0 when it was used or revoked meanwhile.
pub fn mark_password_reset_used(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        password_resets::table
            .find(id)
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::revoked_at.is_null()),
    )
    .set(password_resets::used_at.eq(Some(to_db(now))))
    .execute(conn)
}
