//! Email verification: the mail with its link, verifying, and resending (throttled).

use super::{parse_roles, seconds_until, AuthSettings, UserView};
use crate::error::AuthError;
use crate::model::Actor;
use crate::store;
use crate::token::{self, OpaqueToken};
use chrono::{DateTime, TimeDelta, Utc};
use pasar_db::audit::{self, AuditEntry};
use pasar_db::outbox::{self, NewMail};
use pasar_db::time::from_db;
use pasar_db::{write_tx, DbConn};
use serde_json::json;

/// How long a verification link stays valid.
pub const VERIFICATION_TTL_HOURS: i64 = 48;
/// At least this long between two verification mails to one user.
pub const RESEND_INTERVAL_SECS: i64 = 60;
/// At most this many verification mails to one user per day.
pub const RESENDS_PER_DAY: i64 = 5;

/// Creates a verification token and mails it, inside the caller's transaction.
pub fn send_verification(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    user_id: &str,
    email: &str,
    name: &str,
) -> Result<(), AuthError> {
    let token = OpaqueToken::generate();
    let expires_at = now + TimeDelta::hours(VERIFICATION_TTL_HOURS);
    store::insert_email_verification(conn, &token.id, user_id, &token.hash, now, expires_at)?;
    let link = format!("{}/verifikasi-email?token={}", settings.public_url.trim_end_matches('/'), token.presented);
    let body = format!(
        "Halo {name},\n\nConfirm that {email} is your address for {mp} by opening this link within {VERIFICATION_TTL_HOURS} hours:\n\n\
         {link}\n\nor by sending this token to POST /api/v1/auth/verify-email:\n\n{token}\n\n\
         If you did not register, ignore this mail.\n",
        mp = settings.marketplace_name,
        token = token.presented,
    );
    outbox::enqueue_mail(
        conn,
        now,
        NewMail {
            to: email,
            subject: &format!("[{}] Confirm your email address", settings.marketplace_name),
            body: &body,
            // The link is useless after it expires, and must not outlive it in the outbox.
            expires_at: Some(expires_at),
        },
    )?;
    Ok(())
}

/// Confirms an email address with the token from the verification mail.
pub fn verify_email(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    presented: &str,
    request_id: Option<&str>,
) -> Result<UserView, AuthError> {
    let invalid = || AuthError::field("token", "is invalid, used or expired; ask for a new verification mail");
    let (id, secret) = token::split(presented).ok_or_else(invalid)?;
    write_tx(conn, |conn| {
        let row = store::find_email_verification(conn, id)?.ok_or_else(invalid)?;
        if !token::matches(secret, &row.token_hash) || row.used_at.is_some() || from_db(row.expires_at) <= now {
            return Err(invalid());
        }
        store::mark_email_verification_used(conn, id, now)?;
        store::set_email_verified(conn, &row.user_id, now)?;
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: Some(&row.user_id),
                action: "user.verify_email",
                entity_type: "user",
                entity_id: &row.user_id,
                before: None,
                after: Some(json!({ "email_verified": true })),
                request_id,
            },
        )?;
        let user = store::find_user(conn, &row.user_id)?.ok_or_else(invalid)?;
        UserView::from_row(user, parse_roles(store::roles_of(conn, &row.user_id)?)?)
    })
}

/// Sends the caller a new verification mail: at most one a minute and five a day.
pub fn resend_verification(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), AuthError> {
    let id = actor.user_id.to_string();
    write_tx(conn, |conn| {
        let user = store::lock_user(conn, &id)?.filter(|u| u.active).ok_or(AuthError::InvalidToken)?;
        if user.email_verified_at.is_some() {
            return Err(AuthError::field("email", "is already verified"));
        }
        let recent = store::email_verifications_since(conn, &id, now - TimeDelta::days(1))?;
        if let Some(last) = recent.iter().max() {
            let next = from_db(*last) + TimeDelta::seconds(RESEND_INTERVAL_SECS);
            if next > now {
                return Err(AuthError::Throttled { retry_after_secs: seconds_until(next, now) });
            }
        }
        if recent.len() as i64 >= RESENDS_PER_DAY {
            let oldest = recent.iter().min().copied().map(from_db).unwrap_or(now);
            return Err(AuthError::Throttled { retry_after_secs: seconds_until(oldest + TimeDelta::days(1), now) });
        }
        send_verification(conn, settings, now, &id, &user.email, &user.name)
    })
}
