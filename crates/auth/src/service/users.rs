//! Users: created by an administrator or by another room (a vendor's owner), listed,
//! read and changed.

use super::{corrupt, parse_roles, AuthSettings, UserView};
use crate::error::AuthError;
use crate::model::{parse_name, Actor, Email, NewPassword, OrgKind, Role};
use crate::password::{self};
use crate::store::{self, OrganizationRow, UserFilter, UserRow};
use chrono::{DateTime, Utc};
use pasar_core::error::FieldErrors;
use pasar_core::id::{OrganizationId, UserId};
use pasar_core::page::{Page, PageRequest};
use pasar_db::audit::{self, AuditEntry};
use pasar_db::outbox::{self, NewMail};
use pasar_db::time::to_db;
use pasar_db::{write_tx, DbConn};

/// Input for a new user, as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub organization_id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<String>,
    pub password: String,
}

/// Creates a user (administrators only) and mails them that their account exists.
pub fn create_user(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    input: NewUser,
) -> Result<UserView, AuthError> {
    if !actor.has(Role::Admin) {
        return Err(AuthError::Forbidden("Only administrators create users."));
    }
    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(&input.email));
    let name = errors.check("name", parse_name(&input.name, 200));
    let password = errors.check("password", NewPassword::parse(&input.password));
    let mut roles = Vec::new();
    for (i, r) in input.roles.iter().enumerate() {
        if let Some(role) = errors.check(&format!("roles[{i}]"), Role::parse(r)) {
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
    }
    if input.roles.is_empty() {
        errors.add("roles", "must name at least one role");
    }
    if OrganizationId::parse(&input.organization_id).is_none() {
        errors.add("organization_id", "is not an organisation id");
    }
    errors.finish().map_err(AuthError::Validation)?;
    let (email, name, password) = (email.expect("checked"), name.expect("checked"), password.expect("checked"));
    let hash = password::hash(password.expose(), &settings.argon2).map_err(corrupt)?;
    insert_user_with_mail(
        conn,
        settings,
        now,
        Some(actor),
        &input.organization_id,
        email,
        name,
        roles,
        hash,
        "user.create",
    )
}

/// A user to insert, already parsed.
pub struct UserToInsert {
    pub organization_id: String,
    pub email: Email,
    pub name: String,
    pub roles: Vec<Role>,
    pub password_hash: String,
}

/// Inserts a user and its audit entry, inside the caller's transaction: checks that
/// the organisation exists, that each role fits its kind, and that the email is free.
pub fn insert_user(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: Option<&Actor>,
    user: UserToInsert,
    action: &str,
) -> Result<(UserView, OrganizationRow), AuthError> {
    let org = store::find_organization(conn, &user.organization_id)?
        .ok_or_else(|| AuthError::field("organization_id", "no such organisation"))?;
    let kind = OrgKind::parse(&org.kind).map_err(corrupt)?;
    let mut errors = FieldErrors::new();
    for (i, role) in user.roles.iter().enumerate() {
        if !role.allowed_in().contains(&kind) {
            errors.add(format!("roles[{i}]"), format!("a {role} cannot belong to a {kind} organisation"));
        }
    }
    errors.finish().map_err(AuthError::Validation)?;
    if store::email_taken(conn, user.email.as_str())? {
        return Err(AuthError::AlreadyExists {
            field: "email",
            detail: "A user with this email already exists.".into(),
        });
    }
    let row = UserRow {
        id: UserId::new().to_string(),
        organization_id: org.id.clone(),
        email: user.email.as_str().to_owned(),
        name: user.name,
        password_hash: user.password_hash,
        active: true,
        email_verified_at: None,
        password_changed_at: to_db(now),
        created_at: to_db(now),
        updated_at: to_db(now),
    };
    let role_names: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
    store::insert_user(conn, &row, &role_names)?;
    let view = UserView::from_row(row, user.roles.clone())?;
    let actor_id = actor.map(|a| a.user_id.to_string());
    audit::append(
        conn,
        now,
        AuditEntry {
            actor_id: actor_id.as_deref().or(Some(&view.id.to_string())),
            action,
            entity_type: "user",
            entity_id: &view.id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&view).unwrap_or_default()),
            request_id: actor.and_then(|a| a.request_id.as_deref()),
        },
    )?;
    Ok((view, org))
}

#[allow(clippy::too_many_arguments)]
pub(super) fn insert_user_with_mail(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    actor: Option<&Actor>,
    organization_id: &str,
    email: Email,
    name: String,
    roles: Vec<Role>,
    hash: String,
    action: &str,
) -> Result<UserView, AuthError> {
    write_tx(conn, |conn| {
        let user =
            UserToInsert { organization_id: organization_id.to_owned(), email, name, roles, password_hash: hash };
        let (view, org) = insert_user(conn, now, actor, user, action)?;
        let role_names: Vec<&str> = view.roles.iter().map(|r| r.as_str()).collect();
        let body = format!(
            "Halo {name},\n\nAn account on {mp} was created for you at {org} with the role(s): {roles}.\n\
             Log in with this email address ({email}) and the password the operator gave you, then change it.\n",
            name = view.name,
            mp = settings.marketplace_name,
            org = org.name,
            roles = role_names.join(", "),
            email = view.email,
        );
        outbox::enqueue_mail(
            conn,
            now,
            NewMail {
                to: &view.email,
                subject: &format!("[{}] Your account is ready", settings.marketplace_name),
                body: &body,
                expires_at: None,
            },
        )?;
        Ok(view)
    })
}

pub fn list_users(
    conn: &mut DbConn,
    actor: &Actor,
    filter: UserFilter,
    page: &PageRequest,
) -> Result<Page<UserView>, AuthError> {
    if !actor.reads_everything() {
        return Err(AuthError::Forbidden("Only administrators and auditors list users."));
    }
    let rows = store::list_users(conn, &filter, page.after.as_deref(), page.fetch_limit())?;
    let page = Page::from_rows(rows, page, |r| r.id.clone());
    let ids: Vec<String> = page.items.iter().map(|u| u.id.clone()).collect();
    let pairs = store::roles_of_many(conn, &ids)?;
    let items = page
        .items
        .into_iter()
        .map(|u| {
            let roles = pairs.iter().filter(|(id, _)| *id == u.id).map(|(_, r)| r.clone()).collect();
            UserView::from_row(u, parse_roles(roles)?)
        })
        .collect::<Result<_, _>>()?;
    Ok(Page { items, next_cursor: page.next_cursor })
}

/// Every user of one organisation, oldest first. The caller has checked the right to
/// see them.
pub fn users_of_organization(conn: &mut DbConn, organization_id: &str) -> Result<Vec<UserView>, AuthError> {
    let filter = UserFilter { organization_id: Some(organization_id.to_owned()) };
    let rows = store::list_users(conn, &filter, None, 1_000)?;
    let ids: Vec<String> = rows.iter().map(|u| u.id.clone()).collect();
    let pairs = store::roles_of_many(conn, &ids)?;
    rows.into_iter()
        .map(|u| {
            let roles = pairs.iter().filter(|(id, _)| *id == u.id).map(|(_, r)| r.clone()).collect();
            UserView::from_row(u, parse_roles(roles)?)
        })
        .collect()
}

pub fn get_user(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<UserView, AuthError> {
    let visible = actor.reads_everything() || actor.user_id.to_string() == id;
    let row = store::find_user(conn, id)?.filter(|_| visible).ok_or(AuthError::NotFound("user"))?;
    let roles = parse_roles(store::roles_of(conn, id)?)?;
    UserView::from_row(row, roles)
}

/// Changes to a user, as the client sent them; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub active: Option<bool>,
    pub roles: Option<Vec<String>>,
}

/// Renames, (de)activates or re-roles a user (administrators). Deactivating a user or
/// changing their roles ends every session of theirs; administrators cannot
/// deactivate themselves or drop their own admin role, so the platform always keeps
/// one.
pub fn update_user(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    changes: UserChanges,
) -> Result<UserView, AuthError> {
    if !actor.has(Role::Admin) {
        return Err(AuthError::Forbidden("Only administrators change users."));
    }
    let mut errors = FieldErrors::new();
    let name = match &changes.name {
        Some(n) => errors.check("name", parse_name(n, 200)),
        None => None,
    };
    let mut roles = Vec::new();
    if let Some(list) = &changes.roles {
        if list.is_empty() {
            errors.add("roles", "must name at least one role");
        }
        for (i, r) in list.iter().enumerate() {
            if let Some(role) = errors.check(&format!("roles[{i}]"), Role::parse(r)) {
                if !roles.contains(&role) {
                    roles.push(role);
                }
            }
        }
    }
    let is_self = actor.user_id.to_string() == id;
    if is_self && changes.active == Some(false) {
        errors.add("active", "you cannot deactivate yourself");
    }
    if is_self && changes.roles.is_some() && !roles.contains(&Role::Admin) {
        errors.add("roles", "you cannot remove your own admin role");
    }
    errors.finish().map_err(AuthError::Validation)?;
    write_tx(conn, |conn| {
        let before_row = store::lock_user(conn, id)?.ok_or(AuthError::NotFound("user"))?;
        let before = UserView::from_row(before_row.clone(), parse_roles(store::roles_of(conn, id)?)?)?;
        if changes.roles.is_some() {
            let org = store::find_organization(conn, &before_row.organization_id)?
                .ok_or_else(|| corrupt("user without organisation"))?;
            let kind = OrgKind::parse(&org.kind).map_err(corrupt)?;
            let mut errors = FieldErrors::new();
            for (i, role) in roles.iter().enumerate() {
                if !role.allowed_in().contains(&kind) {
                    errors.add(format!("roles[{i}]"), format!("a {role} cannot belong to a {kind} organisation"));
                }
            }
            errors.finish().map_err(AuthError::Validation)?;
        }
        let role_names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        store::update_user(
            conn,
            id,
            name.as_deref(),
            changes.active,
            changes.roles.as_ref().map(|_| role_names.as_slice()),
            now,
        )?;
        let after_row = store::find_user(conn, id)?.ok_or(AuthError::NotFound("user"))?;
        let after = UserView::from_row(after_row, parse_roles(store::roles_of(conn, id)?)?)?;
        if after.roles != before.roles || !after.active {
            store::revoke_all_for_user(conn, id, now)?;
        }
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: Some(&actor.user_id.to_string()),
                action: "user.update",
                entity_type: "user",
                entity_id: id,
                before: Some(serde_json::to_value(&before).unwrap_or_default()),
                after: Some(serde_json::to_value(&after).unwrap_or_default()),
                request_id: actor.request_id.as_deref(),
            },
        )?;
        Ok(after)
    })
}
