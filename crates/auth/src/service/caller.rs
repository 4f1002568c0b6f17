//! The caller's own account: who am I, and changing one's password.

use super::{corrupt, parse_roles, throttle_attempt, AuthSettings, MeView, OrganizationView, UserView};
use crate::error::AuthError;
use crate::model::{Actor, NewPassword};
use crate::password::{self};
use crate::store::{self, UserRow};
use chrono::{DateTime, Utc};
use pasar_core::error::FieldErrors;
use pasar_db::audit::{self, AuditEntry};
use pasar_db::outbox::{self, NewMail};
use pasar_db::{write_tx, DbConn};
use serde_json::json;

pub fn me(conn: &mut DbConn, actor: &Actor) -> Result<MeView, AuthError> {
    let id = actor.user_id.to_string();
    // A token outlives nothing: a deleted or deactivated user is not logged in.
    let user = store::find_user(conn, &id)?.filter(|u| u.active).ok_or(AuthError::InvalidToken)?;
    let org =
        store::find_organization(conn, &user.organization_id)?.ok_or_else(|| corrupt("user without organisation"))?;
    let roles = parse_roles(store::roles_of(conn, &id)?)?;
    Ok(MeView { user: UserView::from_row(user, roles)?, organization: OrganizationView::from_row(org)? })
}

/// Changes the caller's own password. Every login session is ended, open reset links
/// stop working, and the owner is told by mail, so a stolen session cannot quietly lock
/// the owner out.
pub fn change_password(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    current: &str,
    new: &str,
) -> Result<(), AuthError> {
    let mut errors = FieldErrors::new();
    let new = errors.check("new_password", NewPassword::parse(new));
    if current == new.as_ref().map(|p| p.expose()).unwrap_or_default() {
        errors.add("new_password", "must differ from the current password");
    }
    errors.finish().map_err(AuthError::Validation)?;
    let new = new.expect("checked above");
    let id = actor.user_id.to_string();
    let user = store::find_user(conn, &id)?.filter(|u| u.active).ok_or(AuthError::InvalidToken)?;
    // Guessing the current password with a stolen token is throttled like a login from
    // one address; the key is the user's own, so it cannot lock anyone else out.
    let check_key = format!("password-check:{id}");
    if let Some(retry_after_secs) =
        throttle_attempt(conn, settings, now, &[(&check_key, settings.max_failures_per_account_and_address)])?
    {
        return Err(AuthError::Throttled { retry_after_secs });
    }
    if !password::verify(current, &user.password_hash) {
        return Err(AuthError::field("current_password", "is not your current password"));
    }
    let hash = password::hash(new.expose(), &settings.argon2).map_err(corrupt)?;
    write_tx(conn, |conn| {
        store::clear_throttle(conn, &check_key)?;
        store::set_password(conn, &id, &hash, now)?;
        store::revoke_password_resets(conn, &id, now)?;
        let sessions = store::revoke_all_for_user(conn, &id, now)?;
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: Some(&id),
                action: "auth.password_change",
                entity_type: "user",
                entity_id: &id,
                before: None,
                after: Some(json!({ "sessions_ended": sessions })),
                request_id: actor.request_id.as_deref(),
            },
        )?;
        mail_password_changed(conn, settings, now, &user)
    })
}

/// Tells the owner that their password changed, inside the caller's transaction.
pub(super) fn mail_password_changed(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    user: &UserRow,
) -> Result<(), AuthError> {
    let body = format!(
        "Halo {name},\n\nThe password of your {mp} account ({email}) was changed at {at} UTC.\n\
         Every session was logged out.\n\nIf this was not you, contact the {mp} operator at once.\n",
        name = user.name,
        mp = settings.marketplace_name,
        email = user.email,
        at = now.format("%Y-%m-%d %H:%M"),
    );
    outbox::enqueue_mail(
        conn,
        now,
        NewMail {
            to: &user.email,
            subject: &format!("[{}] Your password was changed", settings.marketplace_name),
            body: &body,
            expires_at: None,
        },
    )?;
    Ok(())
}
