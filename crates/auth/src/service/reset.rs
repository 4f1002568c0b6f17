//! Password reset by mail: request (throttled, never telling whether the address
//! exists), the mail, and confirmation.

use super::{account_address_prefix, account_key, corrupt, mail_password_changed, throttle_attempt, AuthSettings};
use crate::error::AuthError;
use crate::model::{Email, NewPassword};
use crate::password::{self};
use crate::store;
use crate::token::{self, OpaqueToken};
use chrono::{DateTime, Utc};
use pasar_core::error::FieldErrors;
use pasar_db::audit::{self, AuditEntry};
use pasar_db::outbox::{self, NewMail};
use pasar_db::time::{from_db, to_db};
use pasar_db::{write_tx, DbConn};
use serde_json::json;

/// What a password-reset request answers, whether or not an account uses the address.
pub const PASSWORD_RESET_REQUESTED: &str =
    "If an account uses this email address, a mail with a link to choose a new password is on its way.";

/// A password-reset request as it arrived.
#[derive(Debug, Clone, Copy)]
pub struct ResetRequest<'a> {
    pub email: &'a str,
    /// The client's address, for per-address throttling.
    pub address: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

/// Mails a one-time link to choose a new password — if an active account uses the
/// address: [`throttle_password_reset`], then [`send_password_reset`]. The API answers
/// between the two, so that neither the answer nor its timing depends on the address.
pub fn request_password_reset(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    request: ResetRequest<'_>,
) -> Result<(), AuthError> {
    let email = throttle_password_reset(conn, settings, now, request.email, request.address)?;
    send_password_reset(conn, settings, now, &email, request.address, request.request_id)
}

/// The part of a reset request the caller waits for: the address must be an email
/// address, and requests are throttled per email address and per client address,
/// whether or not an account uses it.
pub fn throttle_password_reset(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    email: &str,
    address: Option<&str>,
) -> Result<Email, AuthError> {
    let email = Email::parse(email).map_err(|m| AuthError::field("email", m))?;
    let email_key = format!("password-reset:{email}");
    let address_key = address.map(|a| format!("password-reset from:{a}"));
    let mut keys = vec![(email_key.as_str(), settings.password_resets_per_email)];
    if let Some(k) = &address_key {
        keys.push((k.as_str(), settings.password_resets_per_address));
    }
    if let Some(retry_after_secs) = throttle_attempt(conn, settings, now, &keys)? {
        return Err(AuthError::Throttled { retry_after_secs });
    }
    Ok(email)
}

/// The rest of a reset request, in one transaction: for an active account, a new token
/// (older ones revoked), its audit entry and the mail; for any other address, only an
/// audit entry.
pub fn send_password_reset(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    email: &Email,
    address: Option<&str>,
    request_id: Option<&str>,
) -> Result<(), AuthError> {
    let token = OpaqueToken::generate();
    let expires = now + settings.password_reset_ttl;
    write_tx(conn, |conn| {
        let Some(user) = store::find_user_by_email(conn, email.as_str())?.filter(|u| u.active) else {
            audit::append(
                conn,
                now,
                AuditEntry {
                    actor_id: None,
                    action: "auth.password_reset_request",
                    entity_type: "password_reset",
                    entity_id: &token.id,
                    before: None,
                    after: Some(json!({ "account": false, "address": address })),
                    request_id,
                },
            )?;
            return Ok(());
        };
        let superseded = store::revoke_password_resets(conn, &user.id, now)?;
        store::insert_password_reset(
            conn,
            &store::PasswordResetRow {
                id: token.id.clone(),
                user_id: user.id.clone(),
                token_hash: token.hash.clone(),
                created_at: to_db(now),
                expires_at: to_db(expires),
                used_at: None,
                revoked_at: None,
            },
        )?;
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: None,
                action: "auth.password_reset_request",
                entity_type: "user",
                entity_id: &user.id,
                before: None,
                after: Some(json!({ "reset": token.id, "superseded": superseded, "address": address })),
                request_id,
            },
        )?;
        let base = settings.public_url.trim_end_matches('/');
        let minutes = settings.password_reset_ttl.num_minutes();
        let body = format!(
            "Halo {name},\n\nSomeone, hopefully you, asked to reset the password of your {mp} account ({email}).\n\
             Choose a new password by opening this link within {minutes} minutes:\n\n{base}/atur-ulang-sandi?token={token}\n\n\
             From an API client, send this token with your new password to\n\
             POST {base}/api/v1/auth/password-reset/confirm as {{\"token\": \"...\", \"new_password\": \"...\"}}:\n\n\
             {token}\n\nThe link works once, and asking again replaces it. Choosing a new password logs out every \
             session.\nIf you did not ask, ignore this mail: your password stays as it is.\n",
            name = user.name,
            mp = settings.marketplace_name,
            email = user.email,
            token = token.presented,
        );
        outbox::enqueue_mail(
            conn,
            now,
            NewMail {
                to: &user.email,
                subject: &format!("[{}] Reset your password", settings.marketplace_name),
                body: &body,
                expires_at: Some(expires),
            },
        )?;
        Ok(())
    })
}

/// Sets a new password with the token from a reset mail. The token works once and
/// within its hour; the new password follows the rules of a password change. Every
/// session of the user ends (refresh tokens revoked; access tokens issued before are
/// refused by [`current_actor`]), the account's login lockouts are lifted (the owner has
/// proven the mailbox), and the owner is mailed — one transaction with its audit entry.
pub fn confirm_password_reset(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    presented: &str,
    new_password: &str,
    request_id: Option<&str>,
) -> Result<(), AuthError> {
    let invalid = || AuthError::field("token", "is invalid, used or expired; ask for a new reset mail");
    let mut errors = FieldErrors::new();
    let new = errors.check("new_password", NewPassword::parse(new_password));
    let split = token::split(presented);
    if split.is_none() {
        errors.add("token", "is invalid, used or expired; ask for a new reset mail");
    }
    errors.finish().map_err(AuthError::Validation)?;
    let (new, (id, secret)) = (new.expect("checked"), split.expect("checked"));
    // Checked here before the slow hashing, and again when the token is spent.
    let row = store::find_password_reset(conn, id)?
        .filter(|r| {
            token::matches(secret, &r.token_hash)
                && r.used_at.is_none()
                && r.revoked_at.is_none()
                && from_db(r.expires_at) > now
        })
        .ok_or_else(invalid)?;
    let user = store::find_user(conn, &row.user_id)?.filter(|u| u.active).ok_or_else(invalid)?;
    if password::verify(new.expose(), &user.password_hash) {
        return Err(AuthError::field("new_password", "must differ from the current password"));
    }
    let hash = password::hash(new.expose(), &settings.argon2).map_err(corrupt)?;
    write_tx(conn, |conn| {
        if store::mark_password_reset_used(conn, &row.id, now)? == 0 {
            return Err(invalid());
        }
        store::revoke_password_resets(conn, &user.id, now)?;
        store::set_password(conn, &user.id, &hash, now)?;
        let sessions = store::revoke_all_for_user(conn, &user.id, now)?;
        store::clear_throttle(conn, &account_key(&user.email))?;
        store::clear_throttle_prefix(conn, &account_address_prefix(&user.email))?;
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: Some(&user.id),
                action: "auth.password_reset",
                entity_type: "user",
                entity_id: &user.id,
                before: None,
                after: Some(json!({ "reset": row.id, "sessions_ended": sessions })),
                request_id,
            },
        )?;
        mail_password_changed(conn, settings, now, &user)
    })
}
