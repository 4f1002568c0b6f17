//! Sessions: login with its throttling, refresh-token rotation, logout, and the actor
//! behind an access token.

use super::{account_address_key, account_key, corrupt, parse_roles, parse_stored_id, AuthSettings, TokenPair};
use crate::error::AuthError;
use crate::jwt::JwtKeys;
use crate::model::{Actor, Email, Role};
use crate::password::{self};
use crate::store::{self, RefreshTokenRow, UserRow};
use crate::token::{self, OpaqueToken};
use chrono::{DateTime, TimeDelta, Utc};
use pasar_db::audit::{self, AuditEntry};
use pasar_db::time::{from_db, to_db};
use pasar_db::{write_tx, DbConn};
use serde_json::json;

/// A refresh token as handed to the client (`<id>.<secret>`) and its row.
struct NewRefreshToken {
    row: RefreshTokenRow,
    presented: String,
}

fn new_refresh_token(user_id: &str, family_id: Option<&str>, now: DateTime<Utc>, ttl: TimeDelta) -> NewRefreshToken {
    let token = OpaqueToken::generate();
    NewRefreshToken {
        row: RefreshTokenRow {
            id: token.id.clone(),
            user_id: user_id.to_owned(),
            family_id: family_id.map(str::to_owned).unwrap_or_else(|| token.id.clone()),
            token_hash: token.hash,
            created_at: to_db(now),
            expires_at: to_db(now + ttl),
            revoked_at: None,
            replaced_by: None,
        },
        presented: token.presented,
    }
}

fn actor_for(user: &UserRow, roles: Vec<Role>, request_id: Option<String>) -> Result<Actor, AuthError> {
    Ok(Actor {
        user_id: parse_stored_id(&user.id)?,
        organization_id: parse_stored_id(&user.organization_id)?,
        roles,
        request_id,
    })
}

fn token_pair(
    keys: &JwtKeys,
    settings: &AuthSettings,
    actor: &Actor,
    refresh: String,
    now: DateTime<Utc>,
) -> Result<TokenPair, AuthError> {
    let access_token =
        keys.issue(actor, now, settings.access_ttl).map_err(|e| corrupt(format!("cannot sign a token: {e}")))?;
    Ok(TokenPair {
        access_token,
        token_type: "Bearer",
        expires_in: settings.access_ttl.num_seconds(),
        refresh_token: refresh,
        refresh_expires_in: settings.refresh_ttl.num_seconds(),
    })
}

pub(super) fn seconds_until(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let ms = (until - now).num_milliseconds().max(0) as u64;
    ms.div_ceil(1000).max(1)
}

/// A login attempt as it arrived.
#[derive(Debug, Clone, Copy)]
pub struct LoginAttempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// The client's address, for per-address throttling.
    pub address: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

/// Logs in with email and password. Throttled per account and client address (so that
/// guesses from one address do not lock the owner out from another), per account from
/// all addresses together (a higher ceiling), and per address: a locked key answers 429
/// with the seconds to wait, before any password is checked.
pub fn login(
    conn: &mut DbConn,
    settings: &AuthSettings,
    keys: &JwtKeys,
    now: DateTime<Utc>,
    attempt: LoginAttempt<'_>,
) -> Result<TokenPair, AuthError> {
    let LoginAttempt { email, password, address, request_id } = attempt;
    let email = Email::parse(email).map_err(|m| AuthError::field("email", m))?;
    if password.is_empty() || password.len() > 1024 {
        return Err(AuthError::field("password", "must be given (at most 1024 bytes)"));
    }
    let pair_key = account_address_key(email.as_str(), address);
    let account_key = account_key(email.as_str());
    let address_key = address.map(|a| format!("address:{a}"));
    let mut keys_and_limits = vec![
        (pair_key.as_str(), settings.max_failures_per_account_and_address),
        (account_key.as_str(), settings.max_failures_per_account),
    ];
    if let Some(k) = &address_key {
        keys_and_limits.push((k.as_str(), settings.max_failures_per_address));
    }

    // 1. Count the attempt before checking it, in one transaction: a burst of parallel
    //    guesses is serialised here and all but the allowed number are refused.
    if let Some(retry_after_secs) = throttle_attempt(conn, settings, now, &keys_and_limits)? {
        return Err(AuthError::Throttled { retry_after_secs });
    }

    // 2. Check the password outside any transaction: argon2 is deliberately slow and
    //    must not hold the write lock.
    let user = store::find_user_by_email(conn, email.as_str())?;
    let ok = match &user {
        Some(u) => password::verify(password, &u.password_hash) && u.active,
        None => {
            password::verify_dummy(password, &settings.argon2);
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!(target: "pasar::auth", "failed login");
        return Err(AuthError::InvalidCredentials);
    };

    write_tx(conn, |conn| {
        throttle_success(conn, now, &pair_key, &[&account_key, address_key.as_deref().unwrap_or_default()])?;
        let roles = parse_roles(store::roles_of(conn, &user.id)?)?;
        let actor = actor_for(&user, roles, request_id.map(str::to_owned))?;
        let refresh = new_refresh_token(&user.id, None, now, settings.refresh_ttl);
        store::insert_refresh_token(conn, &refresh.row)?;
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: Some(&user.id),
                action: "auth.login",
                entity_type: "user",
                entity_id: &user.id,
                before: None,
                after: Some(json!({ "session": refresh.row.family_id, "address": address })),
                request_id,
            },
        )?;
        token_pair(keys, settings, &actor, refresh.presented, now)
    })
}

/// Counts one attempt against each `(key, limit)`; returns the seconds to wait when a
/// key is locked, or becomes locked because this attempt is one too many. A refused
/// attempt counts against no key, so that one locked key does not run up the others;
/// an attempt that locks a key is committed, so that refusals count. Each lockout in a
/// row lasts longer ([`AuthSettings::lockout_for`]); a key that stays quiet for a day
/// is forgotten and starts over. Logins, password checks, password-reset requests and
/// registrations (per address) use it.
pub fn throttle_attempt(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    keys: &[(&str, i32)],
) -> Result<Option<u64>, AuthError> {
    write_tx(conn, |conn| {
        // Lock every row first (always in the caller's order, so that concurrent
        // attempts cannot deadlock), and refuse while any key is locked.
        let mut rows = Vec::with_capacity(keys.len());
        let mut wait: Option<u64> = None;
        for (key, _) in keys {
            let row = store::lock_throttle(conn, key, now)?;
            if let Some(until) = row.locked_until.map(from_db).filter(|u| *u > now) {
                wait = wait.max(Some(seconds_until(until, now)));
            }
            rows.push(row);
        }
        if wait.is_some() {
            return Ok(wait);
        }
        for (mut row, (_, limit)) in rows.into_iter().zip(keys) {
            if from_db(row.window_started_at) + settings.failure_window <= now {
                row.failures = 0;
                row.window_started_at = to_db(now);
            }
            row.failures += 1;
            if row.failures > *limit {
                row.lockouts = row.lockouts.saturating_add(1);
                let until = now + settings.lockout_for(row.lockouts);
                row.locked_until = Some(to_db(until));
                row.failures = 0;
                row.window_started_at = to_db(now);
                store::save_throttle(conn, &row)?;
                return Ok(Some(seconds_until(until, now)));
            }
            store::save_throttle(conn, &row)?;
        }
        Ok(None)
    })
}

/// After a successful check: the account starts afresh from this address; the
/// account's ceiling and the address give back the attempt they were charged (so a busy
/// office behind one address is not locked out by its own successful logins, and an
/// owner's login does not wipe the count of someone else's guesses). Empty keys are
/// skipped.
fn throttle_success(conn: &mut DbConn, now: DateTime<Utc>, cleared: &str, refunded: &[&str]) -> Result<(), AuthError> {
    store::clear_throttle(conn, cleared)?;
    for key in refunded.iter().filter(|k| !k.is_empty()) {
        let mut row = store::lock_throttle(conn, key, now)?;
        row.failures = (row.failures - 1).max(0);
        store::save_throttle(conn, &row)?;
    }
    Ok(())
}

enum RefreshOutcome {
    Rotated(TokenPair),
    /// A token that was already rotated or revoked came back: someone holds a copy.
    /// Its whole family has been revoked (and that must be committed).
    Reused,
}

/// Exchanges a refresh token for a new pair (rotation). Presenting a token that was
/// already exchanged revokes every token of that login session.
pub fn refresh(
    conn: &mut DbConn,
    settings: &AuthSettings,
    keys: &JwtKeys,
    now: DateTime<Utc>,
    presented: &str,
) -> Result<TokenPair, AuthError> {
    let (id, secret) = token::split(presented).ok_or(AuthError::InvalidToken)?;
    let outcome = write_tx(conn, |conn| {
        let Some(row) = store::find_refresh_token(conn, id)? else {
            return Err(AuthError::InvalidToken);
        };
        if !token::matches(secret, &row.token_hash) {
            return Err(AuthError::InvalidToken);
        }
        if row.revoked_at.is_some() || row.replaced_by.is_some() {
            let revoked = store::revoke_family(conn, &row.family_id, now)?;
            if revoked > 0 {
                audit::append(
                    conn,
                    now,
                    AuditEntry {
                        actor_id: None,
                        action: "auth.refresh_reuse",
                        entity_type: "user",
                        entity_id: &row.user_id,
                        before: None,
                        after: Some(json!({ "session": row.family_id, "revoked_tokens": revoked })),
                        request_id: None,
                    },
                )?;
            }
            return Ok(RefreshOutcome::Reused);
        }
        if from_db(row.expires_at) <= now {
            return Err(AuthError::InvalidToken);
        }
        let user = store::find_user(conn, &row.user_id)?.ok_or(AuthError::InvalidToken)?;
        if !user.active {
            return Err(AuthError::InvalidToken);
        }
        let roles = parse_roles(store::roles_of(conn, &user.id)?)?;
        let actor = actor_for(&user, roles, None)?;
        let next = new_refresh_token(&user.id, Some(&row.family_id), now, settings.refresh_ttl);
        // Only one exchange of a token may win: a concurrent one finds it taken and is
        // treated as reuse.
        if store::mark_refresh_token_replaced(conn, &row.id, &next.row.id, now)? == 0 {
            store::revoke_family(conn, &row.family_id, now)?;
            return Ok(RefreshOutcome::Reused);
        }
        store::insert_refresh_token(conn, &next.row)?;
        Ok(RefreshOutcome::Rotated(token_pair(keys, settings, &actor, next.presented, now)?))
    })?;
    match outcome {
        RefreshOutcome::Rotated(pair) => Ok(pair),
        RefreshOutcome::Reused => {
            tracing::warn!(target: "pasar::auth", "refresh token reused; session revoked");
            Err(AuthError::InvalidToken)
        }
    }
}

/// Ends the login session the refresh token belongs to. Logging out twice is fine.
pub fn logout(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    presented: &str,
    request_id: Option<&str>,
) -> Result<(), AuthError> {
    let (id, secret) = token::split(presented).ok_or(AuthError::InvalidToken)?;
    write_tx(conn, |conn| {
        let row = store::find_refresh_token(conn, id)?.ok_or(AuthError::InvalidToken)?;
        if !token::matches(secret, &row.token_hash) {
            return Err(AuthError::InvalidToken);
        }
        // Revoke the presented token first: that waits for a concurrent refresh of it to
        // finish, so the family revocation below also sees the token it issued.
        let own = store::revoke_token(conn, &row.id, now)?;
        if store::revoke_family(conn, &row.family_id, now)? + own > 0 {
            audit::append(
                conn,
                now,
                AuditEntry {
                    actor_id: Some(&row.user_id),
                    action: "auth.logout",
                    entity_type: "user",
                    entity_id: &row.user_id,
                    before: None,
                    after: Some(json!({ "session": row.family_id })),
                    request_id,
                },
            )?;
        }
        Ok(())
    })
}

/// The actor an access token stands for, as the database says now: a deactivated user,
/// or a token issued before the last password change or reset, is refused, and the
/// roles are today's, not the token's. `issued_at_ms` is the token's issue time in
/// milliseconds, so that a token issued in the same second as a password change, but
/// before it, is refused too.
pub fn current_actor(conn: &mut DbConn, claimed: Actor, issued_at_ms: i64) -> Result<Actor, AuthError> {
    let id = claimed.user_id.to_string();
    let user = store::find_user(conn, &id)?.filter(|u| u.active).ok_or(AuthError::InvalidToken)?;
    if issued_at_ms < user.password_changed_at.and_utc().timestamp_millis() {
        return Err(AuthError::InvalidToken);
    }
    let roles = parse_roles(store::roles_of(conn, &id)?)?;
    actor_for(&user, roles, claimed.request_id)
}

/// Who a browser session is: the web pages keep the refresh token of a login in a
/// cookie, and this resolves it to its account without rotating it.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub actor: Actor,
    pub name: String,
    pub email: String,
}

/// The account a browser session's refresh token stands for, as the database says now:
/// the token must match its hash, be neither expired, revoked nor exchanged, and its
/// user active. The roles are today's. Reading only: nothing is rotated or written, so
/// the pages can call it on every request. A password change or reset revokes every
/// refresh token of the user, and with them the browser sessions.
pub fn session_user(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    presented: &str,
    request_id: Option<String>,
) -> Result<SessionUser, AuthError> {
    let (id, secret) = token::split(presented).ok_or(AuthError::InvalidToken)?;
    let row = store::find_refresh_token(conn, id)?.ok_or(AuthError::InvalidToken)?;
    if !token::matches(secret, &row.token_hash)
        || row.revoked_at.is_some()
        || row.replaced_by.is_some()
        || from_db(row.expires_at) <= now
    {
        return Err(AuthError::InvalidToken);
    }
    let user = store::find_user(conn, &row.user_id)?.filter(|u| u.active).ok_or(AuthError::InvalidToken)?;
    let roles = parse_roles(store::roles_of(conn, &user.id)?)?;
    let actor = actor_for(&user, roles, request_id)?;
    Ok(SessionUser { actor, name: user.name, email: user.email })
}
