//! Account use cases. Each opens one transaction, checks the actor's right, applies
//! the rules and writes its audit entry (and mail, where someone must be told).

use crate::error::AuthError;
use crate::jwt::JwtKeys;
use crate::model::{parse_name, Actor, Email, NewPassword, OrgKind, Role};
use crate::password::{self, Argon2Params};
use crate::store::{self, OrganizationFilter, OrganizationRow, RefreshTokenRow, UserFilter, UserRow};
use crate::token::{self, OpaqueToken};
use chrono::{DateTime, TimeDelta, Utc};
use pasar_core::error::FieldErrors;
use pasar_core::id::{OrganizationId, UserId};
use pasar_core::page::{Page, PageRequest};
use pasar_core::RegionCode;
use pasar_db::audit::{self, AuditEntry};
use pasar_db::outbox::{self, NewMail};
use pasar_db::time::{from_db, to_db};
use pasar_db::{write_tx, DbConn};
use rand::RngCore;
use serde::Serialize;
use serde_json::json;

/// Account rules that operators may tune.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub access_ttl: TimeDelta,
    pub refresh_ttl: TimeDelta,
    /// Failed logins allowed for one account from one client address within
    /// `failure_window` before that address is locked out of that account.
    pub max_failures_per_account_and_address: i32,
    /// Failed logins allowed for one account from all addresses together within
    /// `failure_window` (a ceiling against guessing from many addresses).
    pub max_failures_per_account: i32,
    /// Failed logins allowed per client address within `failure_window`.
    pub max_failures_per_address: i32,
    pub failure_window: TimeDelta,
    /// The first lockout of a key; each further one in a row lasts twice as long…
    pub lockout: TimeDelta,
    /// …up to this.
    pub max_lockout: TimeDelta,
    /// How long a password-reset link stays valid.
    pub password_reset_ttl: TimeDelta,
    /// Password-reset requests allowed for one email address within `failure_window`.
    pub password_resets_per_email: i32,
    /// Password-reset requests allowed from one client address within `failure_window`.
    pub password_resets_per_address: i32,
    pub argon2: Argon2Params,
    /// Shown in mails: "Pasar Kota Mojokerto".
    pub marketplace_name: String,
    /// Where people reach the marketplace, for links in mails.
    pub public_url: String,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            access_ttl: TimeDelta::minutes(15),
            refresh_ttl: TimeDelta::days(30),
            max_failures_per_account_and_address: 5,
            max_failures_per_account: 50,
            max_failures_per_address: 50,
            failure_window: TimeDelta::minutes(15),
            lockout: TimeDelta::minutes(15),
            max_lockout: TimeDelta::hours(1),
            password_reset_ttl: TimeDelta::hours(1),
            password_resets_per_email: 3,
            password_resets_per_address: 20,
            argon2: Argon2Params::default(),
            marketplace_name: "Pasar".into(),
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

impl AuthSettings {
    /// How long the `n`-th lockout in a row lasts: `lockout`, doubling, at most
    /// `max_lockout`.
    pub fn lockout_for(&self, n: i32) -> TimeDelta {
        let doublings = (n - 1).clamp(0, 30) as u32;
        let secs = self.lockout.num_seconds().saturating_mul(1i64 << doublings);
        TimeDelta::seconds(secs).min(self.max_lockout.max(self.lockout))
    }
}

/// Throttle key: failed logins to one account from one client address.
fn account_address_key(email: &str, address: Option<&str>) -> String {
    format!("{}{}", account_address_prefix(email), address.unwrap_or("unknown"))
}

/// What every [`account_address_key`] of one account starts with (emails hold no
/// spaces, so no other account's keys share it).
fn account_address_prefix(email: &str) -> String {
    format!("account:{email} from:")
}

/// Throttle key: failed logins to one account from anywhere (the ceiling).
fn account_key(email: &str) -> String {
    format!("account:{email}")
}

// --- views ------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrganizationView {
    pub id: OrganizationId,
    pub kind: OrgKind,
    pub name: String,
    pub parent_id: Option<OrganizationId>,
    /// Kemendagri region code, e.g. `35.76`.
    pub region_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrganizationView {
    fn from_row(row: OrganizationRow) -> Result<Self, AuthError> {
        Ok(OrganizationView {
            id: parse_stored_id(&row.id)?,
            kind: OrgKind::parse(&row.kind).map_err(corrupt)?,
            name: row.name,
            parent_id: row.parent_id.as_deref().map(parse_stored_id).transpose()?,
            region_code: row.region_code,
            created_at: from_db(row.created_at),
            updated_at: from_db(row.updated_at),
        })
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: UserId,
    pub organization_id: OrganizationId,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub active: bool,
    pub email_verified: bool,
    pub created_at: DateTime<Utc>,
}

impl UserView {
    fn from_row(row: UserRow, roles: Vec<Role>) -> Result<Self, AuthError> {
        Ok(UserView {
            id: parse_stored_id(&row.id)?,
            organization_id: parse_stored_id(&row.organization_id)?,
            email: row.email,
            name: row.name,
            roles,
            active: row.active,
            email_verified: row.email_verified_at.is_some(),
            created_at: from_db(row.created_at),
        })
    }
}

/// Who the caller is: `GET /api/v1/me`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeView {
    #[serde(flatten)]
    pub user: UserView,
    pub organization: OrganizationView,
}

/// What a successful login or refresh returns.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
}

fn corrupt(e: impl std::fmt::Display) -> AuthError {
    AuthError::Db(pasar_db::DbError::corrupt(e))
}

fn parse_stored_id<T: std::str::FromStr>(s: &str) -> Result<T, AuthError> {
    s.parse().map_err(|_| corrupt(format!("stored id is not a UUID: {s}")))
}

fn parse_roles(stored: Vec<String>) -> Result<Vec<Role>, AuthError> {
    stored.iter().map(|r| Role::parse(r).map_err(corrupt)).collect()
}

// --- login, refresh, logout ---------------------------------------------------------

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

fn seconds_until(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
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

// --- the caller ------------------------------------------------------------------------

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
fn mail_password_changed(
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

// --- password reset -----------------------------------------------------------------------

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
             Choose a new password by opening this link within {minutes} minutes:\n\n{base}/reset-password?token={token}\n\n\
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

// --- organisations ------------------------------------------------------------------------

/// Input for a new organisation, as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct NewOrganization {
    pub kind: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub region_code: Option<String>,
}

pub fn create_organization(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    input: NewOrganization,
) -> Result<OrganizationView, AuthError> {
    if !actor.has(Role::Admin) {
        return Err(AuthError::Forbidden("Only administrators create organisations."));
    }
    let mut errors = FieldErrors::new();
    let kind = errors.check("kind", OrgKind::parse(&input.kind));
    let name = errors.check("name", parse_name(&input.name, 200));
    let region = match input.region_code.as_deref() {
        None | Some("") => None,
        Some(r) => errors.check("region_code", RegionCode::parse(r)),
    };
    if kind == Some(OrgKind::Platform) {
        errors.add("kind", "there is exactly one platform organisation, created at first start");
    }
    if matches!(kind, Some(OrgKind::Pemda | OrgKind::Opd | OrgKind::Satker))
        && input.region_code.as_deref().unwrap_or("").is_empty()
    {
        errors.add("region_code", "is required for a government organisation");
    }
    errors.finish().map_err(AuthError::Validation)?;
    let kind = kind.expect("checked");
    let name = name.expect("checked");

    write_tx(conn, |conn| {
        let parent_id = match (kind.parent_kind(), input.parent_id.as_deref()) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(AuthError::field("parent_id", format!("a {kind} has no parent organisation")))
            }
            (Some(pk), None) => {
                return Err(AuthError::field("parent_id", format!("is required: a {kind} belongs to a {pk}")))
            }
            (Some(pk), Some(pid)) => {
                let parent = OrganizationId::parse(pid)
                    .and_then(|_| store::find_organization(conn, pid).transpose())
                    .transpose()?
                    .ok_or_else(|| AuthError::field("parent_id", "no such organisation"))?;
                if parent.kind != pk.as_str() {
                    return Err(AuthError::field("parent_id", format!("must be a {pk}, not a {}", parent.kind)));
                }
                Some(parent.id)
            }
        };
        // Vendors may share a name (their NIB tells them apart); government bodies may not.
        if kind != OrgKind::Vendor && store::organization_name_taken(conn, kind.as_str(), parent_id.as_deref(), &name)?
        {
            return Err(AuthError::AlreadyExists {
                field: "name",
                detail: format!("A {kind} named '{name}' already exists there."),
            });
        }
        let row = OrganizationRow {
            id: OrganizationId::new().to_string(),
            kind: kind.as_str().to_owned(),
            name: name.clone(),
            parent_id,
            region_code: region.as_ref().map(|r| r.as_str().to_owned()),
            created_at: to_db(now),
            updated_at: to_db(now),
        };
        store::insert_organization(conn, &row)?;
        let view = OrganizationView::from_row(row)?;
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: Some(&actor.user_id.to_string()),
                action: "organization.create",
                entity_type: "organization",
                entity_id: &view.id.to_string(),
                before: None,
                after: Some(serde_json::to_value(&view).unwrap_or_default()),
                request_id: actor.request_id.as_deref(),
            },
        )?;
        Ok(view)
    })
}

/// Organisations the caller may see: all for admins, auditors and curators; otherwise
/// only the caller's own.
pub fn list_organizations(
    conn: &mut DbConn,
    actor: &Actor,
    mut filter: OrganizationFilter,
    page: &PageRequest,
) -> Result<Page<OrganizationView>, AuthError> {
    if !actor.has_any(&[Role::Admin, Role::Auditor, Role::Curator]) {
        filter.only_id = Some(actor.organization_id.to_string());
    }
    let rows = store::list_organizations(conn, &filter, page.after.as_deref(), page.fetch_limit())?;
    let page = Page::from_rows(rows, page, |r| r.id.clone());
    let items = page.items.into_iter().map(OrganizationView::from_row).collect::<Result<_, _>>()?;
    Ok(Page { items, next_cursor: page.next_cursor })
}

pub fn get_organization(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<OrganizationView, AuthError> {
    let visible =
        actor.has_any(&[Role::Admin, Role::Auditor, Role::Curator]) || actor.organization_id.to_string() == id;
    let row = store::find_organization(conn, id)?.filter(|_| visible).ok_or(AuthError::NotFound("organisation"))?;
    OrganizationView::from_row(row)
}

/// Makes sure the one platform organisation exists; returns its id.
pub fn ensure_platform(conn: &mut DbConn, now: DateTime<Utc>, name: &str) -> Result<String, AuthError> {
    write_tx(conn, |conn| {
        if let Some(org) = store::first_organization_of_kind(conn, OrgKind::Platform.as_str())? {
            return Ok(org.id);
        }
        let row = OrganizationRow {
            id: OrganizationId::new().to_string(),
            kind: OrgKind::Platform.as_str().into(),
            name: name.to_owned(),
            parent_id: None,
            region_code: None,
            created_at: to_db(now),
            updated_at: to_db(now),
        };
        store::insert_organization(conn, &row)?;
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: None,
                action: "organization.create",
                entity_type: "organization",
                entity_id: &row.id,
                before: None,
                after: Some(json!({ "kind": "platform", "name": name })),
                request_id: None,
            },
        )?;
        Ok(row.id)
    })
}

// --- users --------------------------------------------------------------------------------

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
fn insert_user_with_mail(
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

// --- email verification ----------------------------------------------------------------

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
    let link = format!("{}/verify-email?token={}", settings.public_url.trim_end_matches('/'), token.presented);
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

/// What [`bootstrap_admin`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    /// An administrator already existed; nothing was changed.
    AlreadyHadAdmin,
    /// Created with the given password.
    Created { email: String },
    /// Created with a generated password, to be shown once.
    CreatedWithGeneratedPassword { email: String, password: String },
}

/// An administrator to create from the command line or at first start.
#[derive(Debug, Clone, Copy)]
pub struct AdminAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    /// `None`: generate one, to be shown once.
    pub password: Option<&'a str>,
}

/// Creates the first administrator (in the platform organisation) unless one exists.
/// With `force`, creates another administrator even if one exists (`pasar create-admin`).
pub fn bootstrap_admin(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    platform_name: &str,
    account: AdminAccount<'_>,
    force: bool,
) -> Result<Bootstrap, AuthError> {
    let AdminAccount { email, name, password } = account;
    let platform_id = ensure_platform(conn, now, platform_name)?;
    if !force && store::any_user_with_role(conn, Role::Admin.as_str())? {
        return Ok(Bootstrap::AlreadyHadAdmin);
    }
    let email = Email::parse(email).map_err(|m| AuthError::field("email", m))?;
    let name = parse_name(name, 200).map_err(|m| AuthError::field("name", m))?;
    let (password, generated) = match password {
        Some(p) => (NewPassword::parse(p).map_err(|m| AuthError::field("password", m))?, false),
        None => (NewPassword::parse(&generate_password()).map_err(corrupt)?, true),
    };
    let hash = password::hash(password.expose(), &settings.argon2).map_err(corrupt)?;
    insert_user_with_mail(
        conn,
        settings,
        now,
        None,
        &platform_id,
        email.clone(),
        name,
        vec![Role::Admin],
        hash,
        "user.bootstrap_admin",
    )?;
    Ok(if generated {
        Bootstrap::CreatedWithGeneratedPassword { email: email.to_string(), password: password.expose().to_owned() }
    } else {
        Bootstrap::Created { email: email.to_string() }
    })
}

/// 20 characters from an alphabet without look-alikes (about 115 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_lockout_in_a_row_doubles_up_to_the_cap() {
        let s = AuthSettings::default();
        let mins = |n| s.lockout_for(n).num_minutes();
        assert_eq!([mins(1), mins(2), mins(3), mins(4), mins(40)], [15, 30, 60, 60, 60]);
        assert_eq!(mins(0), 15, "never shorter than the first");
    }

    #[test]
    fn an_account_s_keys_from_every_address_share_a_prefix_no_other_account_has() {
        let key = account_address_key("budi@x.id", Some("10.0.0.1"));
        assert!(key.starts_with(&account_address_prefix("budi@x.id")));
        assert!(!key.starts_with(&account_address_prefix("bud@x.id")));
        assert!(!account_key("budi@x.id").starts_with(&account_address_prefix("budi@x.id")));
        assert_ne!(key, account_address_key("budi@x.id", Some("10.0.0.2")));
    }
}
