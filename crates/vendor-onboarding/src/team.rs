//! A vendor's team: the owner invites staff by email, lists and removes them. Staff can
//! do everything for the vendor except manage the team and the bank account.

use crate::error::VendorError;
use crate::store;
use chrono::{DateTime, TimeDelta, Utc};
use pasar_auth::access::{relation, Relation};
use pasar_auth::model::{parse_name, Actor, Email, NewPassword, Role};
use pasar_auth::service::{self as auth, AuthSettings, UserToInsert, UserView};
use pasar_auth::token::{self, OpaqueToken};
use pasar_core::error::FieldErrors;
use pasar_db::audit::{self, AuditEntry};
use pasar_db::outbox::{self, NewMail};
use pasar_db::time::from_db;
use pasar_db::{write_tx, DbConn};
use serde::Serialize;
use serde_json::json;

/// At most this many invitations open at once per vendor (mail is not free to send).
pub const MAX_OPEN_INVITATIONS: usize = 20;

/// How long an invitation stays open.
pub const INVITATION_TTL_DAYS: i64 = 7;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    pub id: String,
    pub email: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Team {
    pub members: Vec<UserView>,
    /// Invitations not yet accepted and not expired.
    pub pending: Vec<Invitation>,
}

fn require_owner(actor: &Actor, vendor_id: &str) -> Result<(), VendorError> {
    match relation(Some(actor), vendor_id) {
        Relation::Owner => Ok(()),
        Relation::Public => Err(VendorError::NotFound),
        _ => Err(VendorError::Forbidden("Only the vendor's owner manages its team.")),
    }
}

/// Invites someone to join the vendor as staff (the owner).
pub fn invite(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    vendor_id: &str,
    email: &str,
) -> Result<Invitation, VendorError> {
    require_owner(actor, vendor_id)?;
    let email = Email::parse(email).map_err(|m| VendorError::field("email", m))?;
    write_tx(conn, |conn| {
        let vendor = store::lock_vendor(conn, vendor_id)?.ok_or(VendorError::NotFound)?;
        let me = auth::find_account(conn, &actor.user_id.to_string())?.ok_or(VendorError::NotFound)?;
        if !me.email_verified {
            return Err(VendorError::EmailNotVerified);
        }
        if store::open_invitations(conn, vendor_id, now)?.len() >= MAX_OPEN_INVITATIONS {
            return Err(VendorError::InvalidState(format!(
                "{MAX_OPEN_INVITATIONS} invitations are still open; wait until some are accepted or expire."
            )));
        }
        // An address that already has an account gets an invitation like any other —
        // listed as pending until it expires, so the team page tells the owner nothing —
        // but its token is never sent: the account's owner is told instead.
        let existing = auth::find_account_by_email(conn, email.as_str())?;
        let token = OpaqueToken::generate();
        let expires = now + TimeDelta::days(INVITATION_TTL_DAYS);
        store::insert_invitation(
            conn,
            &token.id,
            vendor_id,
            email.as_str(),
            &token.hash,
            &actor.user_id.to_string(),
            now,
            expires,
        )?;
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: Some(&actor.user_id.to_string()),
                action: "vendor.staff_invite",
                entity_type: "vendor",
                entity_id: vendor_id,
                before: None,
                after: Some(json!({ "invitation": token.id, "email": email })),
                request_id: actor.request_id.as_deref(),
            },
        )?;
        if let Some(existing) = existing {
            notify_existing_account(conn, settings, now, &existing, &vendor.legal_name, actor)?;
            return Ok(Invitation { id: token.id, email: email.to_string(), created_at: now, expires_at: expires });
        }
        let link = format!("{}/undangan?token={}", settings.public_url.trim_end_matches('/'), token.presented);
        let body = format!(
            "Halo,\n\nYou are invited to sell for {vendor} on {mp}.\n\nAccept within {INVITATION_TTL_DAYS} days: {link}\n\
             or send this token with your name and a password to POST /api/v1/vendors/invitations/accept:\n\n{token}\n",
            vendor = vendor.legal_name,
            mp = settings.marketplace_name,
            token = token.presented,
        );
        let subject = format!("[{}] Join {} as staff", settings.marketplace_name, vendor.legal_name);
        // The link is useless after it expires, and must not outlive it in the outbox.
        let mail = NewMail { to: email.as_str(), subject: &subject, body: &body, expires_at: Some(expires) };
        outbox::enqueue_mail(conn, now, mail)?;
        Ok(Invitation { id: token.id, email: email.to_string(), created_at: now, expires_at: expires })
    })
}

/// Someone was invited with an address that already has an account (one address, one
/// account): its owner is told, inside the caller's transaction.
fn notify_existing_account(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    existing: &auth::Account,
    vendor_name: &str,
    actor: &Actor,
) -> Result<(), VendorError> {
    audit::append(
        conn,
        now,
        AuditEntry {
            actor_id: Some(&actor.user_id.to_string()),
            action: "vendor.staff_invite_existing_email",
            entity_type: "user",
            entity_id: &existing.id,
            before: None,
            after: None,
            request_id: actor.request_id.as_deref(),
        },
    )?;
    let mp = &settings.marketplace_name;
    let base = settings.public_url.trim_end_matches('/');
    let body = format!(
        "Halo {name},\n\n{vendor_name} invited your email address ({email}) to join it as staff on {mp}.\n\
         This address already has an account, and one address holds one account, so the invitation cannot be \
         accepted with it.\nIf you want to join {vendor_name}, ask its owner to invite another address of yours.\n\n\
         Your account is unchanged. If you forgot its password, ask for a reset mail at {base}/lupa-sandi \
         (or POST {base}/api/v1/auth/password-reset).\n",
        name = existing.name,
        email = existing.email,
    );
    outbox::enqueue_mail(
        conn,
        now,
        NewMail {
            to: &existing.email,
            subject: &format!("[{mp}] An invitation to your address"),
            body: &body,
            expires_at: None,
        },
    )?;
    Ok(())
}

/// Accepts an invitation: creates the staff account (its email is proven by the mail).
pub fn accept(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    presented: &str,
    name: &str,
    password: &str,
) -> Result<UserView, VendorError> {
    let mut e = FieldErrors::new();
    let name = e.check("name", parse_name(name, 200));
    let password = e.check("password", NewPassword::parse(password));
    let split = token::split(presented);
    if split.is_none() {
        e.add("token", "is invalid, used or expired; ask the owner for a new invitation");
    }
    e.finish().map_err(VendorError::invalid)?;
    let (id, secret) = split.expect("checked");
    let hash = pasar_auth::password::hash(password.expect("checked").expose(), &settings.argon2)
        .map_err(|e| VendorError::Storage(e.to_string()))?;
    write_tx(conn, |conn| {
        let invalid = || VendorError::field("token", "is invalid, used or expired; ask the owner for a new invitation");
        let inv = store::find_invitation(conn, id)?.ok_or_else(invalid)?;
        if !token::matches(secret, &inv.token_hash) || inv.accepted_at.is_some() || from_db(inv.expires_at) <= now {
            return Err(invalid());
        }
        store::mark_invitation_accepted(conn, id, now)?;
        let email = Email::parse(&inv.email).map_err(|m| VendorError::field("token", m))?;
        let user = UserToInsert {
            organization_id: inv.vendor_id.clone(),
            email,
            name: name.clone().expect("checked"),
            roles: vec![Role::VendorStaff],
            password_hash: hash,
        };
        let (view, _) = auth::insert_user(conn, now, None, user, "vendor.staff_join")?;
        auth::mark_email_verified(conn, &view.id.to_string(), now)?;
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: Some(&view.id.to_string()),
                action: "vendor.staff_join",
                entity_type: "vendor",
                entity_id: &inv.vendor_id,
                before: None,
                after: Some(json!({ "user": view.id, "email": view.email })),
                request_id: None,
            },
        )?;
        Ok(UserView { email_verified: true, ..view })
    })
}

/// The vendor's users and open invitations (its own users, curators, administrators,
/// auditors).
pub fn team(conn: &mut DbConn, now: DateTime<Utc>, actor: &Actor, vendor_id: &str) -> Result<Team, VendorError> {
    if relation(Some(actor), vendor_id) == Relation::Public {
        return Err(VendorError::NotFound);
    }
    store::find_vendor(conn, vendor_id)?.ok_or(VendorError::NotFound)?;
    let members = auth::users_of_organization(conn, vendor_id)?;
    let pending = store::open_invitations(conn, vendor_id, now)?
        .into_iter()
        .map(|i| Invitation {
            id: i.id,
            email: i.email,
            created_at: from_db(i.created_at),
            expires_at: from_db(i.expires_at),
        })
        .collect();
    Ok(Team { members, pending })
}

/// Removes a staff member (the owner): the account is deactivated and its sessions end.
pub fn remove(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    vendor_id: &str,
    user_id: &str,
) -> Result<(), VendorError> {
    require_owner(actor, vendor_id)?;
    write_tx(conn, |conn| {
        let user = auth::find_account(conn, user_id)?
            .filter(|u| u.organization_id == vendor_id)
            .ok_or(VendorError::NotFound)?;
        let roles = auth::account_roles(conn, user_id)?;
        if !roles.iter().all(|r| *r == Role::VendorStaff) {
            return Err(VendorError::Forbidden("Only staff can be removed; an owner stays."));
        }
        auth::deactivate_account(conn, user_id, now)?;
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: Some(&actor.user_id.to_string()),
                action: "vendor.staff_remove",
                entity_type: "vendor",
                entity_id: vendor_id,
                before: Some(json!({ "user": user.id, "email": user.email, "active": true })),
                after: Some(json!({ "user": user.id, "active": false })),
                request_id: actor.request_id.as_deref(),
            },
        )?;
        Ok(())
    })
}
