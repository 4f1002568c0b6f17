//! Registration: a new vendor, its organisation and its owner's account, in one step.

use super::{corrupt, VendorSettings, VendorView};
use crate::error::VendorError;
use crate::model::{LegalForm, VendorStatus};
use crate::store::{self, VendorRow};
use chrono::{DateTime, Utc};
use pasar_auth::model::{parse_name, Email, NewPassword, Role};
use pasar_auth::service::{self as auth, AuthSettings, UserToInsert, UserView};
use pasar_core::error::FieldErrors;
use pasar_db::audit::{self, AuditEntry};
use pasar_db::outbox::{self, NewMail};
use pasar_db::time::to_db;
use pasar_db::{write_tx, DbConn};
use serde_json::json;

/// A new vendor and its owner, as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub email: String,
    pub password: String,
    pub owner_name: String,
    pub legal_name: String,
    pub trade_name: Option<String>,
    pub legal_form: String,
}

/// What a registration did. The API answers both the same way, so that registering
/// never tells anyone whether an address already has an account.
#[derive(Debug)]
pub enum Registered {
    /// A new vendor and owner, and a verification mail to the owner.
    New { vendor: Box<VendorView>, owner: Box<UserView> },
    /// The address already had an account: nothing was created, and its owner was
    /// mailed that someone tried.
    ExistingAccount,
}

/// What the API tells a registrant, whatever happened.
pub const REGISTRATION_ACCEPTED: &str = "A mail with the next steps is on its way to this address: open it to \
confirm the address, then log in with the password you chose to complete the vendor profile.";

/// Registers a vendor: the vendor organisation, its profile (a draft), the owner's
/// account, and a verification mail — one transaction. When the email already has an
/// account, nothing is created and that account's owner is mailed instead; the work up
/// to that point (throttling, checking every field, hashing the password) is the same,
/// so neither the answer nor its timing tells the caller which happened.
pub fn register(
    conn: &mut DbConn,
    auth_settings: &AuthSettings,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    input: Registration,
    request_id: Option<&str>,
    address: Option<&str>,
) -> Result<Registered, VendorError> {
    // Each registration costs an argon2 hash and a mail: a few per client address per
    // window.
    if let Some(addr) = address {
        let key = format!("register:{addr}");
        if let Some(retry_after_secs) =
            auth::throttle_attempt(conn, auth_settings, now, &[(&key, settings.registrations_per_address)])?
        {
            return Err(VendorError::Auth(pasar_auth::AuthError::Throttled { retry_after_secs }));
        }
    }
    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(&input.email));
    let password = errors.check("password", NewPassword::parse(&input.password));
    let owner_name = errors.check("owner_name", parse_name(&input.owner_name, 200));
    let legal_name = errors.check("legal_name", parse_name(&input.legal_name, 200));
    let trade_name = match input.trade_name.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => errors.check("trade_name", parse_name(t, 200)),
        None => None,
    };
    let legal_form = errors.check("legal_form", LegalForm::parse(&input.legal_form));
    errors.finish().map_err(VendorError::invalid)?;
    let (email, password, owner_name, legal_name, legal_form) = (
        email.expect("checked"),
        password.expect("checked"),
        owner_name.expect("checked"),
        legal_name.expect("checked"),
        legal_form.expect("checked"),
    );
    // And a few per email address, so that nobody is flooded with mails about attempts
    // on their address; counted whether or not the address has an account.
    let email_key = format!("register-email:{email}");
    if let Some(retry_after_secs) =
        auth::throttle_attempt(conn, auth_settings, now, &[(&email_key, auth_settings.password_resets_per_email)])?
    {
        return Err(VendorError::Auth(pasar_auth::AuthError::Throttled { retry_after_secs }));
    }
    // Slow on purpose (argon2): before the transaction, so no lock is held meanwhile.
    // Done whether or not the address is taken, so the answer takes as long either way.
    let hash = pasar_auth::password::hash(password.expose(), &auth_settings.argon2).map_err(corrupt)?;

    let created = write_tx(conn, |conn| {
        if let Some(existing) = auth::find_account_by_email(conn, email.as_str())? {
            notify_existing_account(conn, auth_settings, now, &existing, request_id, address)?;
            return Ok(Registered::ExistingAccount);
        }
        let org_name = trade_name.clone().unwrap_or_else(|| legal_name.clone());
        let org_id = auth::insert_vendor_organization(conn, now, &org_name)?;
        let row = VendorRow {
            id: org_id.clone(),
            status: VendorStatus::Draft.as_str().into(),
            legal_name: legal_name.clone(),
            trade_name: trade_name.clone(),
            legal_form: legal_form.as_str().into(),
            nib: None,
            npwp: None,
            kbli_codes: String::new(),
            street: None,
            region_code: None,
            postal_code: None,
            contact_name: Some(owner_name.clone()),
            contact_phone: None,
            contact_email: Some(email.to_string()),
            business_capital_idr: None,
            annual_sales_idr: None,
            tax_status: None,
            pp55_valid_until: None,
            bank_name: None,
            bank_account_number: None,
            bank_account_holder: None,
            claimed_by: None,
            claimed_at: None,
            submitted_at: None,
            decided_at: None,
            created_at: to_db(now),
            updated_at: to_db(now),
            pending_facts_json: None,
            pending_facts_at: None,
            facts_review_note: None,
        };
        store::insert_vendor(conn, &row)?;
        let user = UserToInsert {
            organization_id: org_id.clone(),
            email: email.clone(),
            name: owner_name.clone(),
            roles: vec![Role::VendorOwner],
            password_hash: hash.clone(),
        };
        let (user, _) = auth::insert_user(conn, now, None, user, "vendor.register_owner")?;
        let view = VendorView::from_row(settings, row)?;
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: Some(&user.id.to_string()),
                action: "vendor.register",
                entity_type: "vendor",
                entity_id: &org_id,
                before: None,
                after: Some(json!({ "status": "draft", "legal_name": legal_name, "legal_form": legal_form })),
                request_id,
            },
        )?;
        auth::send_verification(conn, auth_settings, now, &user.id.to_string(), email.as_str(), &owner_name)?;
        Ok(Registered::New { vendor: Box::new(view), owner: Box::new(user) })
    });
    match created {
        // Two registrations of one new address at once: the one that lost the race
        // finds the address taken, like any later one.
        Err(e) if is_taken(&e) => write_tx(conn, |conn| {
            let existing = auth::find_account_by_email(conn, email.as_str())?
                .ok_or_else(|| corrupt("an email both taken and free"))?;
            notify_existing_account(conn, auth_settings, now, &existing, request_id, address)?;
            Ok(Registered::ExistingAccount)
        }),
        other => other,
    }
}

fn is_taken(e: &VendorError) -> bool {
    use pasar_core::{Code, ErrorCode};
    e.code() == Code::AlreadyExists
}

/// Someone tried to register with an address that already has an account: its owner
/// is told (and how to get in), inside the caller's transaction.
fn notify_existing_account(
    conn: &mut DbConn,
    auth_settings: &AuthSettings,
    now: DateTime<Utc>,
    existing: &auth::Account,
    request_id: Option<&str>,
    address: Option<&str>,
) -> Result<(), VendorError> {
    audit::append(
        conn,
        now,
        AuditEntry {
            actor_id: None,
            action: "vendor.register_existing_email",
            entity_type: "user",
            entity_id: &existing.id,
            before: None,
            after: Some(json!({ "address": address })),
            request_id,
        },
    )?;
    let mp = &auth_settings.marketplace_name;
    let base = auth_settings.public_url.trim_end_matches('/');
    let body = format!(
        "Halo {name},\n\nSomeone tried to register a vendor on {mp} with your email address ({email}) at {at} UTC.\n\
         This address already has an account, so nothing was created and your account is unchanged.\n\n\
         If it was you: log in with this address at {base}. If you forgot your password, ask for a reset mail at\n\
         {base}/lupa-sandi (or POST {base}/api/v1/auth/password-reset).\n\n\
         If it was not you, you need not do anything.\n",
        name = existing.name,
        email = existing.email,
        at = now.format("%Y-%m-%d %H:%M"),
    );
    outbox::enqueue_mail(
        conn,
        now,
        NewMail {
            to: &existing.email,
            subject: &format!("[{mp}] Someone tried to register with your address"),
            body: &body,
            expires_at: None,
        },
    )?;
    Ok(())
}
