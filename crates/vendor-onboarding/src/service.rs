//! Vendor use cases: registration, profile, submission, curation (claim, review,
//! suspend, reinstate), the vendor's own timeline and the public directory.
//!
//! Who may see what: a vendor's own users see and change only their own vendor
//! (anything else is "not found"); curators and administrators see all; auditors read
//! all and change nothing; everyone else sees only approved vendors' public profile.

use crate::error::VendorError;
use crate::model::{
    is_umkk, lapsed, parse_account_number, parse_date, parse_phone, parse_postal_code, Decision, DocumentKind, Kbli,
    LegalForm, Nib, Npwp, Scale, ScaleThresholds, TaxStatus, VendorStatus,
};
use crate::store::{self, VendorRow};
use chrono::{DateTime, Utc};
use pasar_auth::model::{parse_name, Actor, Email, NewPassword, Role};
use pasar_auth::service::{self as auth, AuthSettings, UserToInsert, UserView};
use pasar_auth::store::OrganizationRow;
use pasar_core::clock::local_date;
use pasar_core::error::FieldErrors;
use pasar_core::id::OrganizationId;
use pasar_core::page::{Page, PageRequest};
use pasar_core::{FieldError, RegionCode, Rupiah};
use pasar_db::audit::{self, AuditEntry};
use pasar_db::outbox::{self, NewMail};
use pasar_db::time::{from_db, to_db};
use pasar_db::{write_tx, DbConn};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Vendor rules an operator configures.
#[derive(Debug, Clone)]
pub struct VendorSettings {
    pub scale: ScaleThresholds,
    /// The regions the marketplace serves; vendors elsewhere are not `local`.
    pub region_codes: Vec<RegionCode>,
    /// Documents a vendor must hold (valid) before submitting.
    pub required_documents: Vec<DocumentKind>,
    /// Shown in mails.
    pub marketplace_name: String,
    /// Registrations allowed from one address within the throttle window.
    pub registrations_per_address: i32,
    /// How long a curator's claim holds before another curator may take over.
    pub claim: chrono::TimeDelta,
    /// The marketplace's time zone: the days that validity dates and deadlines count.
    pub time_zone: pasar_core::Zone,
}

impl Default for VendorSettings {
    fn default() -> Self {
        VendorSettings {
            scale: ScaleThresholds::default(),
            region_codes: vec![RegionCode::parse("35.76").expect("valid code")],
            required_documents: vec![DocumentKind::Nib, DocumentKind::Npwp, DocumentKind::BankAccount],
            marketplace_name: "Pasar".into(),
            registrations_per_address: 10,
            claim: chrono::TimeDelta::hours(72),
            time_zone: pasar_core::Zone::default(),
        }
    }
}

// --- views -------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Address {
    pub street: Option<String>,
    /// Kemendagri region code of the business address.
    pub region_code: Option<String>,
    pub postal_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contact {
    pub name: Option<String>,
    /// `+62…`
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BankAccount {
    pub bank_name: Option<String>,
    pub account_number: Option<String>,
    pub account_holder: Option<String>,
}

/// A vendor as its own users, curators, administrators and auditors see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VendorView {
    pub id: OrganizationId,
    pub status: VendorStatus,
    pub legal_name: String,
    pub trade_name: Option<String>,
    pub legal_form: LegalForm,
    pub nib: Option<String>,
    pub npwp: Option<String>,
    pub kbli_codes: Vec<String>,
    pub address: Address,
    pub contact: Contact,
    pub business_capital_idr: Option<i64>,
    pub annual_sales_idr: Option<i64>,
    pub tax_status: Option<TaxStatus>,
    /// End of the PP 55/2022 certificate, `YYYY-MM-DD`.
    pub pp55_valid_until: Option<String>,
    pub bank_account: BankAccount,
    /// Derived from capital (or sales) by PP 7/2021; never typed in.
    pub scale: Option<Scale>,
    /// Mikro, kecil, or a koperasi.
    pub umkk: bool,
    /// Whether the address lies in a region the marketplace serves.
    pub local: bool,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A change of the legal form, capital, sales, region or tax status waiting for a
    /// curator; the values above stay in force until it is approved.
    pub pending_facts: Option<crate::facts::PendingFacts>,
    /// Why the curator did not approve the last proposed change.
    pub facts_review_note: Option<String>,
}

/// What buyers and the public see of an approved vendor.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicVendorView {
    pub id: OrganizationId,
    /// The trade name, or the legal name where there is none.
    pub name: String,
    pub legal_name: String,
    pub legal_form: LegalForm,
    pub kbli_codes: Vec<String>,
    pub region_code: Option<String>,
    pub scale: Option<Scale>,
    pub umkk: bool,
    pub local: bool,
}

/// A vendor as the caller may see it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum VendorReply {
    Full(Box<VendorView>),
    Public(PublicVendorView),
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> VendorError {
    VendorError::Db(pasar_db::DbError::corrupt(what))
}

fn derived(settings: &VendorSettings, row: &VendorRow, form: LegalForm) -> (Option<Scale>, bool, bool) {
    let scale = settings.scale.classify(row.business_capital_idr.map(Rupiah), row.annual_sales_idr.map(Rupiah));
    let umkk = is_umkk(scale, form == LegalForm::Koperasi);
    let local = row
        .region_code
        .as_deref()
        .and_then(|r| RegionCode::parse(r).ok())
        .is_some_and(|r| settings.region_codes.iter().any(|area| r.is_within(area)));
    (scale, umkk, local)
}

impl VendorView {
    pub fn from_row(settings: &VendorSettings, row: VendorRow) -> Result<Self, VendorError> {
        let form = LegalForm::parse(&row.legal_form).map_err(corrupt)?;
        let (scale, umkk, local) = derived(settings, &row, form);
        let pending_facts = crate::facts::pending(&row)?;
        Ok(VendorView {
            pending_facts,
            facts_review_note: row.facts_review_note.clone(),
            id: row.id.parse().map_err(|_| corrupt("vendor id"))?,
            status: VendorStatus::parse(&row.status).map_err(corrupt)?,
            kbli_codes: row.kbli_list(),
            legal_name: row.legal_name,
            trade_name: row.trade_name,
            legal_form: form,
            nib: row.nib,
            npwp: row.npwp,
            address: Address { street: row.street, region_code: row.region_code, postal_code: row.postal_code },
            contact: Contact { name: row.contact_name, phone: row.contact_phone, email: row.contact_email },
            business_capital_idr: row.business_capital_idr,
            annual_sales_idr: row.annual_sales_idr,
            tax_status: row.tax_status.as_deref().map(TaxStatus::parse).transpose().map_err(corrupt)?,
            pp55_valid_until: row.pp55_valid_until,
            bank_account: BankAccount {
                bank_name: row.bank_name,
                account_number: row.bank_account_number,
                account_holder: row.bank_account_holder,
            },
            scale,
            umkk,
            local,
            submitted_at: row.submitted_at.map(from_db),
            decided_at: row.decided_at.map(from_db),
            created_at: from_db(row.created_at),
            updated_at: from_db(row.updated_at),
        })
    }
}

impl PublicVendorView {
    pub fn from_row(settings: &VendorSettings, row: VendorRow) -> Result<Self, VendorError> {
        let form = LegalForm::parse(&row.legal_form).map_err(corrupt)?;
        let (scale, umkk, local) = derived(settings, &row, form);
        Ok(PublicVendorView {
            id: row.id.parse().map_err(|_| corrupt("vendor id"))?,
            name: row.trade_name.clone().unwrap_or_else(|| row.legal_name.clone()),
            kbli_codes: row.kbli_list(),
            legal_name: row.legal_name,
            legal_form: form,
            region_code: row.region_code,
            scale,
            umkk,
            local,
        })
    }
}

// --- who may see and change what -------------------------------------------------------------

/// How the caller relates to a vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Owner,
    Staff,
    /// Curators and administrators: see all, decide.
    Curation,
    /// Auditors: see all, change nothing.
    Auditor,
    /// Everyone else, including the anonymous public.
    Public,
}

pub fn relation(actor: Option<&Actor>, vendor_id: &str) -> Relation {
    let Some(a) = actor else { return Relation::Public };
    let own = a.organization_id.to_string() == vendor_id;
    if own && a.has(Role::VendorOwner) {
        Relation::Owner
    } else if own && a.has(Role::VendorStaff) {
        Relation::Staff
    } else if a.has_any(&[Role::Curator, Role::Admin]) {
        Relation::Curation
    } else if a.has(Role::Auditor) {
        Relation::Auditor
    } else {
        Relation::Public
    }
}

/// The vendor row, if the caller may see it in full; "not found" otherwise, so that
/// nobody learns which ids exist.
fn visible_vendor(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<(VendorRow, Relation), VendorError> {
    let rel = relation(Some(actor), id);
    if rel == Relation::Public {
        return Err(VendorError::NotFound);
    }
    let row = store::lock_vendor(conn, id)?.ok_or(VendorError::NotFound)?;
    Ok((row, rel))
}

pub(crate) fn audit_vendor(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    vendor_id: &str,
    action: &str,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
) -> Result<(), VendorError> {
    audit::append(
        conn,
        now,
        AuditEntry {
            actor_id: Some(&actor.user_id.to_string()),
            action,
            entity_type: "vendor",
            entity_id: vendor_id,
            before,
            after: Some(after),
            request_id: actor.request_id.as_deref(),
        },
    )?;
    Ok(())
}

/// Saves a status change (already made on `row`) with its audit entry: before, the old
/// status; after, the new one and `details`.
fn save_transition(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    mut row: VendorRow,
    from: VendorStatus,
    action: &str,
    details: serde_json::Value,
) -> Result<VendorRow, VendorError> {
    row.updated_at = to_db(now);
    save_checked(conn, &row)?;
    // What buyers find depends on the vendor's status: the search index must look again.
    pasar_db::search_queue::vendor(conn, now, &row.id)?;
    let mut after = json!({ "status": row.status });
    if let (Some(after), serde_json::Value::Object(extra)) = (after.as_object_mut(), details) {
        after.extend(extra);
    }
    audit_vendor(conn, now, actor, &row.id, action, Some(json!({ "status": from })), after)?;
    Ok(row)
}

pub(crate) fn mail_owners(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    marketplace: &str,
    vendor: &VendorRow,
    subject: &str,
    text: &str,
) -> Result<(), VendorError> {
    for (email, name) in store::owner_emails(conn, &vendor.id)? {
        let body = format!("Halo {name},\n\n{text}\n\n— {marketplace}\n");
        outbox::enqueue_mail(
            conn,
            now,
            NewMail { to: &email, subject: &format!("[{marketplace}] {subject}"), body: &body, expires_at: None },
        )?;
    }
    Ok(())
}

// --- registration ------------------------------------------------------------------------------

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
        if let Some(existing) = pasar_auth::store::find_user_by_email(conn, email.as_str())? {
            notify_existing_account(conn, auth_settings, now, &existing, request_id, address)?;
            return Ok(Registered::ExistingAccount);
        }
        let org = OrganizationRow {
            id: OrganizationId::new().to_string(),
            kind: "vendor".into(),
            name: trade_name.clone().unwrap_or_else(|| legal_name.clone()),
            parent_id: None,
            region_code: None,
            created_at: to_db(now),
            updated_at: to_db(now),
        };
        pasar_auth::store::insert_organization(conn, &org)?;
        let row = VendorRow {
            id: org.id.clone(),
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
            organization_id: org.id.clone(),
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
                entity_id: &org.id,
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
            let existing = pasar_auth::store::find_user_by_email(conn, email.as_str())?
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
    existing: &pasar_auth::store::UserRow,
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
         {base}/reset-password (or POST {base}/api/v1/auth/password-reset).\n\n\
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

// --- profile ------------------------------------------------------------------------------------

/// The vendor as the caller may see it: in full for its own users and staff roles, the
/// public profile of an approved vendor for everyone else, otherwise not found.
pub fn get_vendor(
    conn: &mut DbConn,
    settings: &VendorSettings,
    actor: Option<&Actor>,
    id: &str,
) -> Result<VendorReply, VendorError> {
    let rel = relation(actor, id);
    let row = store::find_vendor(conn, id)?.ok_or(VendorError::NotFound)?;
    if rel == Relation::Public {
        if row.status != VendorStatus::Approved.as_str() {
            return Err(VendorError::NotFound);
        }
        return Ok(VendorReply::Public(PublicVendorView::from_row(settings, row)?));
    }
    Ok(VendorReply::Full(Box::new(VendorView::from_row(settings, row)?)))
}

/// Changes to a vendor profile, as the client sent them; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VendorChanges {
    pub legal_name: Option<String>,
    pub trade_name: Option<String>,
    pub legal_form: Option<String>,
    /// 13 digits.
    pub nib: Option<String>,
    /// 15 or 16 digits; dots and dashes allowed.
    pub npwp: Option<String>,
    /// 5 digits each.
    pub kbli_codes: Option<Vec<String>>,
    pub address: Option<Address>,
    pub contact: Option<Contact>,
    pub business_capital_idr: Option<i64>,
    pub annual_sales_idr: Option<i64>,
    pub tax_status: Option<String>,
    pub pp55_valid_until: Option<String>,
    pub bank_account: Option<BankAccount>,
}

impl VendorChanges {
    /// The legal name and identifiers, fixed once the vendor is submitted. (The legal
    /// form is a counted fact: see `crate::facts`.)
    fn touches_identity(&self) -> bool {
        self.legal_name.is_some() || self.nib.is_some() || self.npwp.is_some() || self.kbli_codes.is_some()
    }
}

fn optional_text(errors: &mut FieldErrors, field: &str, value: Option<&str>, max: usize) -> Option<Option<String>> {
    value.map(|v| if v.trim().is_empty() { None } else { errors.check(field, parse_name(v, max)) })
}

/// Applies `changes` to `row`, collecting every invalid field.
fn apply_changes(row: &mut VendorRow, changes: &VendorChanges) -> Result<(), Vec<FieldError>> {
    let mut e = FieldErrors::new();
    if let Some(v) = &changes.legal_name {
        if let Some(v) = e.check("legal_name", parse_name(v, 200)) {
            row.legal_name = v;
        }
    }
    if let Some(v) = optional_text(&mut e, "trade_name", changes.trade_name.as_deref(), 200) {
        row.trade_name = v;
    }
    if let Some(v) = &changes.legal_form {
        if let Some(v) = e.check("legal_form", LegalForm::parse(v)) {
            row.legal_form = v.as_str().into();
        }
    }
    if let Some(v) = &changes.nib {
        if let Some(v) = e.check("nib", Nib::parse(v)) {
            row.nib = Some(v.as_str().into());
        }
    }
    if let Some(v) = &changes.npwp {
        if let Some(v) = e.check("npwp", Npwp::parse(v)) {
            row.npwp = Some(v.as_str().into());
        }
    }
    if let Some(list) = &changes.kbli_codes {
        if list.len() > 20 {
            e.add("kbli_codes", "at most 20 codes");
        }
        let mut codes: Vec<String> = Vec::new();
        for (i, c) in list.iter().enumerate() {
            if let Some(k) = e.check(&format!("kbli_codes[{i}]"), Kbli::parse(c)) {
                if !codes.iter().any(|x| x == k.as_str()) {
                    codes.push(k.as_str().into());
                }
            }
        }
        row.kbli_codes = codes.join(",");
    }
    if let Some(a) = &changes.address {
        if let Some(v) = optional_text(&mut e, "address.street", a.street.as_deref(), 300) {
            row.street = v;
        }
        if let Some(r) = &a.region_code {
            match RegionCode::parse(r) {
                Ok(code) if code.as_str().split('.').count() >= 2 => row.region_code = Some(code.as_str().into()),
                Ok(_) => e.add("address.region_code", "must name at least the kabupaten/kota (e.g. 35.76)"),
                Err(m) => e.add("address.region_code", m),
            }
        }
        if let Some(p) = &a.postal_code {
            if let Some(v) = e.check("address.postal_code", parse_postal_code(p)) {
                row.postal_code = Some(v);
            }
        }
    }
    if let Some(c) = &changes.contact {
        if let Some(v) = optional_text(&mut e, "contact.name", c.name.as_deref(), 200) {
            row.contact_name = v;
        }
        if let Some(p) = &c.phone {
            if let Some(v) = e.check("contact.phone", parse_phone(p)) {
                row.contact_phone = Some(v);
            }
        }
        if let Some(m) = &c.email {
            if let Some(v) = e.check("contact.email", Email::parse(m)) {
                row.contact_email = Some(v.to_string());
            }
        }
    }
    for (field, value, target) in [
        ("business_capital_idr", changes.business_capital_idr, &mut row.business_capital_idr),
        ("annual_sales_idr", changes.annual_sales_idr, &mut row.annual_sales_idr),
    ] {
        if let Some(v) = value {
            if let Some(v) = e.check(field, Rupiah::parse_price(v)) {
                *target = Some(v.0);
            }
        }
    }
    if let Some(t) = &changes.tax_status {
        if let Some(v) = e.check("tax_status", TaxStatus::parse(t)) {
            row.tax_status = Some(v.as_str().into());
        }
    }
    if let Some(d) = &changes.pp55_valid_until {
        if let Some(v) = e.check("pp55_valid_until", parse_date(d)) {
            row.pp55_valid_until = Some(v.to_string());
        }
    }
    if row.tax_status.as_deref() == Some("pp55") && row.pp55_valid_until.is_none() {
        e.add("pp55_valid_until", "is required for the PP 55 tax status");
    }
    if let Some(b) = &changes.bank_account {
        if let Some(v) = optional_text(&mut e, "bank_account.bank_name", b.bank_name.as_deref(), 100) {
            row.bank_name = v;
        }
        if let Some(n) = &b.account_number {
            if let Some(v) = e.check("bank_account.account_number", parse_account_number(n)) {
                row.bank_account_number = Some(v);
            }
        }
        if let Some(v) = optional_text(&mut e, "bank_account.account_holder", b.account_holder.as_deref(), 200) {
            row.bank_account_holder = v;
        }
    }
    e.finish()
}

/// Updates the profile (the vendor's own users). The legal identity can change only in
/// draft or when a revision was requested; while under review nothing changes; staff
/// may not touch the bank account.
pub fn update_vendor(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    changes: VendorChanges,
) -> Result<VendorView, VendorError> {
    write_tx(conn, |conn| {
        let (mut row, rel) = visible_vendor(conn, actor, id)?;
        match rel {
            Relation::Owner | Relation::Staff => {}
            Relation::Curation | Relation::Auditor => {
                return Err(VendorError::Forbidden("Only the vendor's own users edit its profile."))
            }
            Relation::Public => return Err(VendorError::NotFound),
        }
        if rel == Relation::Staff && changes.bank_account.is_some() {
            return Err(VendorError::Forbidden("Only the vendor's owner changes the bank account."));
        }
        let status = VendorStatus::parse(&row.status).map_err(corrupt)?;
        match status {
            VendorStatus::Submitted | VendorStatus::InReview => {
                return Err(VendorError::InvalidState(format!(
                    "The profile is {status} and cannot change until the curator decides."
                )))
            }
            VendorStatus::Rejected => return Err(VendorError::InvalidState("The vendor was rejected.".into())),
            _ if changes.touches_identity() && !status.identity_editable() => {
                return Err(VendorError::InvalidState(format!(
                    "The legal identity (name, NIB, NPWP, KBLI) of a vendor that is {status} cannot change."
                )))
            }
            _ => {}
        }
        let before_row = row.clone();
        let before = VendorView::from_row(settings, row.clone())?;
        apply_changes(&mut row, &changes).map_err(VendorError::invalid)?;
        crate::facts::hold_for_curator(&before_row, &mut row, now)?;
        check_nib_free(conn, &row)?;
        row.updated_at = to_db(now);
        save_checked(conn, &row)?;
        // The vendor's name, scale and region are part of its products' search entries.
        pasar_db::search_queue::vendor(conn, now, &row.id)?;
        let after = VendorView::from_row(settings, row.clone())?;
        let bank = |v: &VendorView| {
            (
                v.bank_account.bank_name.clone(),
                v.bank_account.account_number.clone(),
                v.bank_account.account_holder.clone(),
            )
        };
        if before.status == VendorStatus::Approved && bank(&before) != bank(&after) {
            // Payouts go there: every owner hears of it, so a hijacked account cannot
            // divert payments quietly.
            let number = after.bank_account.account_number.as_deref().unwrap_or_default();
            let text = format!(
                "The bank account for payouts to {} was changed to {} ending in {} ({}).\n\n\
                 If you did not do this, contact the operator at once.",
                row.legal_name,
                after.bank_account.bank_name.as_deref().unwrap_or("-"),
                &number[number.len().saturating_sub(4)..],
                after.bank_account.account_holder.as_deref().unwrap_or("-"),
            );
            mail_owners(conn, now, &settings.marketplace_name, &row, "The payout bank account was changed", &text)?;
        }
        audit_vendor(
            conn,
            now,
            actor,
            id,
            "vendor.update",
            Some(serde_json::to_value(&before).unwrap_or_default()),
            serde_json::to_value(&after).unwrap_or_default(),
        )?;
        Ok(after)
    })
}

/// Refuses an NIB held by another active vendor.
fn check_nib_free(conn: &mut DbConn, row: &VendorRow) -> Result<(), VendorError> {
    if let Some(nib) = &row.nib {
        if store::vendor_with_nib(conn, nib, &row.id)?.is_some() {
            return Err(nib_taken());
        }
    }
    Ok(())
}

fn nib_taken() -> VendorError {
    VendorError::AlreadyExists {
        field: "nib",
        detail: "This NIB belongs to a vendor already registered here; if it is yours, contact the operator.".into(),
    }
}

/// Saves the row, turning a unique-index race on the NIB into the same 409.
fn save_checked(conn: &mut DbConn, row: &VendorRow) -> Result<(), VendorError> {
    store::save_vendor(conn, row).map_err(|e| match pasar_db::DbError::Query(e) {
        e if e.is_unique_violation() => nib_taken(),
        e => VendorError::Db(e),
    })
}

/// What is missing before a vendor may be submitted, as field errors.
pub fn missing_for_submission(
    settings: &VendorSettings,
    row: &VendorRow,
    documents: &[(String, Option<String>)],
    today: chrono::NaiveDate,
) -> Vec<FieldError> {
    let mut missing = Vec::new();
    let mut need = |ok: bool, field: &str, message: &str| {
        if !ok {
            missing.push(FieldError::new(field, message));
        }
    };
    need(row.nib.is_some(), "nib", "is required");
    need(row.npwp.is_some(), "npwp", "is required");
    need(!row.kbli_codes.is_empty(), "kbli_codes", "must name at least one KBLI code");
    need(row.street.is_some(), "address.street", "is required");
    need(row.region_code.is_some(), "address.region_code", "is required");
    need(row.contact_phone.is_some(), "contact.phone", "is required");
    need(row.contact_email.is_some(), "contact.email", "is required");
    need(
        row.business_capital_idr.is_some() || row.annual_sales_idr.is_some(),
        "business_capital_idr",
        "declare the business capital or the annual sales, to classify the business",
    );
    need(row.tax_status.is_some(), "tax_status", "is required");
    need(row.bank_name.is_some(), "bank_account.bank_name", "is required");
    need(row.bank_account_number.is_some(), "bank_account.account_number", "is required");
    need(row.bank_account_holder.is_some(), "bank_account.account_holder", "is required");
    for kind in &settings.required_documents {
        let held: Vec<&Option<String>> = documents.iter().filter(|(k, _)| k == kind.as_str()).map(|(_, v)| v).collect();
        if held.is_empty() {
            missing.push(FieldError::new(format!("documents.{kind}"), "is required; upload it"));
        } else if held.iter().all(|until| lapsed(until.as_deref(), today)) {
            missing.push(FieldError::new(format!("documents.{kind}"), "has expired; upload a valid one"));
        }
    }
    missing
}

/// Submits the profile for curation (the vendor's own users, with a verified email).
/// Refused with the list of everything still missing.
pub fn submit(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
) -> Result<VendorView, VendorError> {
    write_tx(conn, |conn| {
        let (mut row, rel) = visible_vendor(conn, actor, id)?;
        if !matches!(rel, Relation::Owner | Relation::Staff) {
            return Err(VendorError::Forbidden("Only the vendor's own users submit its profile."));
        }
        let me = pasar_auth::store::find_user(conn, &actor.user_id.to_string())?.ok_or(VendorError::NotFound)?;
        if me.email_verified_at.is_none() {
            return Err(VendorError::EmailNotVerified);
        }
        let status = VendorStatus::parse(&row.status).map_err(corrupt)?;
        if !status.can_become(VendorStatus::Submitted) {
            return Err(VendorError::InvalidState(format!("A vendor that is {status} cannot be submitted.")));
        }
        let documents = crate::store::current_document_validity(conn, id)?;
        let missing = missing_for_submission(settings, &row, &documents, local_date(now, settings.time_zone));
        if !missing.is_empty() {
            let list = missing.iter().map(|m| m.field.as_str()).collect::<Vec<_>>().join(", ");
            return Err(VendorError::Validation {
                detail: format!("The profile is not complete: {list}."),
                errors: missing,
            });
        }
        check_nib_free(conn, &row)?;
        row.status = VendorStatus::Submitted.as_str().into();
        row.submitted_at = Some(to_db(now));
        row.claimed_by = None;
        row.claimed_at = None;
        let row = save_transition(conn, now, actor, row, status, "vendor.submit", json!({}))?;
        VendorView::from_row(settings, row)
    })
}

// --- curation ---------------------------------------------------------------------------------------

/// One vendor in the curation queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueItem {
    pub id: OrganizationId,
    pub legal_name: String,
    pub trade_name: Option<String>,
    pub legal_form: LegalForm,
    pub status: VendorStatus,
    pub region_code: Option<String>,
    pub local: bool,
    pub umkk: bool,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Seconds since submission.
    pub waiting_seconds: i64,
    /// The curator who claimed it, if any.
    pub claimed_by: Option<String>,
    /// When the claim runs out and another curator may take the vendor over.
    pub claim_expires_at: Option<DateTime<Utc>>,
}

/// Encodes a queue's keyset `(waiting since, id)` into a cursor key; read back with
/// [`parse_queue_key`].
pub(crate) fn queue_key(since: Option<chrono::NaiveDateTime>, id: &str) -> String {
    let at = since.map(|t| t.and_utc().timestamp_micros()).unwrap_or(0);
    format!("{at}|{id}")
}

pub(crate) fn parse_queue_key(key: &str) -> Option<(chrono::NaiveDateTime, String)> {
    let (at, id) = key.split_once('|')?;
    let at = DateTime::from_timestamp_micros(at.parse().ok()?)?.naive_utc();
    Some((at, id.to_owned()))
}

/// The curation queue: vendors in `status`, oldest first, with their waiting time
/// (curators, administrators and auditors).
pub fn queue(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    status: VendorStatus,
    page: &PageRequest,
) -> Result<Page<QueueItem>, VendorError> {
    if !actor.has_any(&[Role::Curator, Role::Admin, Role::Auditor]) {
        return Err(VendorError::Forbidden("Only curators, administrators and auditors see the curation queue."));
    }
    let after = match page.after.as_deref() {
        None => None,
        Some(k) => {
            Some(parse_queue_key(k).ok_or_else(|| VendorError::field("cursor", "is not a cursor of this list"))?)
        }
    };
    let rows = store::queue(conn, status.as_str(), after, page.fetch_limit())?;
    let page = Page::from_rows(rows, page, |r: &VendorRow| queue_key(r.submitted_at, &r.id));
    let items = page
        .items
        .into_iter()
        .map(|row| {
            let form = LegalForm::parse(&row.legal_form).map_err(corrupt)?;
            let (_, umkk, local) = derived(settings, &row, form);
            Ok(QueueItem {
                id: row.id.parse().map_err(|_| corrupt("vendor id"))?,
                waiting_seconds: row.submitted_at.map(|t| (now - from_db(t)).num_seconds().max(0)).unwrap_or(0),
                submitted_at: row.submitted_at.map(from_db),
                status: VendorStatus::parse(&row.status).map_err(corrupt)?,
                legal_name: row.legal_name,
                trade_name: row.trade_name,
                legal_form: form,
                region_code: row.region_code,
                local,
                umkk,
                claim_expires_at: row
                    .claimed_at
                    .filter(|_| row.claimed_by.is_some())
                    .map(|t| from_db(t) + settings.claim),
                claimed_by: row.claimed_by,
            })
        })
        .collect::<Result<_, VendorError>>()?;
    Ok(Page { items, next_cursor: page.next_cursor })
}

pub(crate) fn require_curation(actor: &Actor) -> Result<(), VendorError> {
    if actor.has_any(&[Role::Curator, Role::Admin]) {
        Ok(())
    } else {
        Err(VendorError::Forbidden("Only curators and administrators do this."))
    }
}

/// A curator takes a submitted vendor for review, so two curators never review the same
/// vendor at once. A claim holds for `settings.claim`; after that any curator may claim
/// the vendor again, taking it over (the first may then no longer decide).
pub fn claim(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
) -> Result<VendorView, VendorError> {
    require_curation(actor)?;
    write_tx(conn, |conn| {
        let mut row = store::lock_vendor(conn, id)?.ok_or(VendorError::NotFound)?;
        let status = VendorStatus::parse(&row.status).map_err(corrupt)?;
        let me = actor.user_id.to_string();
        let previous = row.claimed_by.clone().filter(|_| status == VendorStatus::InReview);
        if status == VendorStatus::InReview {
            let until = row.claimed_at.map(|t| from_db(t) + settings.claim);
            if until.is_some_and(|until| until > now) {
                let who = if previous.as_deref() == Some(me.as_str()) { "You have" } else { "Another curator has" };
                let until = until.map(|t| format!(" until {}", t.to_rfc3339())).unwrap_or_default();
                return Err(VendorError::InvalidState(format!("{who} claimed this vendor{until}.")));
            }
        } else if !status.can_become(VendorStatus::InReview) {
            return Err(VendorError::InvalidState(format!(
                "Only a submitted vendor can be claimed; this one is {status}."
            )));
        }
        row.status = VendorStatus::InReview.as_str().into();
        row.claimed_by = Some(me);
        row.claimed_at = Some(to_db(now));
        let detail = json!({ "taken_over_from": previous.filter(|p| *p != actor.user_id.to_string()) });
        let row = save_transition(conn, now, actor, row, status, "vendor.claim", detail)?;
        VendorView::from_row(settings, row)
    })
}

/// A curator's decision, as the client sent it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// `approve`, `request_revision` or `reject`.
    #[schema(schema_with = vendor_decisions)]
    pub decision: String,
    /// Required to reject; shown to the vendor.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
    /// What to fix, per profile field or document (`documents.halal`); required to
    /// request a revision.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub remarks: Vec<Remark>,
}

fn vendor_decisions() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["approve", "request_revision", "reject"]))
        .build()
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Remark {
    /// A profile field (`nib`) or a document (`documents.halal`).
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub field: String,
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub message: String,
}

/// Decides on a vendor under review (the curator who claimed it, or an administrator).
pub fn review(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    input: ReviewInput,
) -> Result<VendorView, VendorError> {
    require_curation(actor)?;
    let mut e = FieldErrors::new();
    let decision = e.check("decision", Decision::parse(&input.decision));
    let reason = match input.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        Some(r) => e.check("reason", parse_name(r, 2000)),
        None => None,
    };
    if input.remarks.len() > 50 {
        e.add("remarks", "at most 50 remarks");
    }
    for (i, r) in input.remarks.iter().enumerate() {
        if r.field.trim().is_empty() || r.field.chars().count() > 100 {
            e.add(format!("remarks[{i}].field"), "must name a profile field or a document (documents.<kind>)");
        }
        if r.message.trim().is_empty() || r.message.chars().count() > 1000 {
            e.add(format!("remarks[{i}].message"), "must be 1 to 1000 characters");
        }
    }
    match decision {
        Some(Decision::Reject) if reason.is_none() => e.add("reason", "is required to reject"),
        Some(Decision::RequestRevision) if input.remarks.is_empty() => {
            e.add("remarks", "name at least one thing to revise")
        }
        _ => {}
    }
    e.finish().map_err(VendorError::invalid)?;
    let decision = decision.expect("checked");

    write_tx(conn, |conn| {
        let mut row = store::lock_vendor(conn, id)?.ok_or(VendorError::NotFound)?;
        let status = VendorStatus::parse(&row.status).map_err(corrupt)?;
        if status != VendorStatus::InReview {
            return Err(VendorError::InvalidState(format!(
                "Only a vendor under review can be decided on; this one is {status} (claim it first)."
            )));
        }
        let me = actor.user_id.to_string();
        if row.claimed_by.as_deref() != Some(me.as_str()) && !actor.has(Role::Admin) {
            return Err(VendorError::InvalidState("Another curator has claimed this vendor.".into()));
        }
        if decision == Decision::Approve {
            // Documents may have expired while the vendor waited in the queue.
            let documents = store::current_document_validity(conn, id)?;
            let missing = missing_for_submission(settings, &row, &documents, local_date(now, settings.time_zone));
            if !missing.is_empty() {
                let list = missing.iter().map(|m| m.field.as_str()).collect::<Vec<_>>().join(", ");
                return Err(VendorError::InvalidState(format!(
                    "The vendor no longer meets the requirements ({list}); request a revision instead."
                )));
            }
        }
        let next = match decision {
            Decision::Approve => VendorStatus::Approved,
            Decision::RequestRevision => VendorStatus::RevisionRequested,
            Decision::Reject => VendorStatus::Rejected,
        };
        row.status = next.as_str().into();
        row.decided_at = Some(to_db(now));
        let remarks_json = serde_json::to_string(&input.remarks).unwrap_or_else(|_| "[]".into());
        store::insert_review(conn, id, &me, decision.as_str(), reason.as_deref(), &remarks_json, now)?;
        let details = json!({ "decision": decision, "reason": reason, "remarks": input.remarks });
        let row = save_transition(conn, now, actor, row, status, "vendor.review", details)?;
        let (subject, text) = match decision {
            Decision::Approve => (
                "Your vendor registration is approved".to_string(),
                format!("{} is approved and may now list products.", row.legal_name),
            ),
            Decision::RequestRevision => {
                let list: Vec<String> = input.remarks.iter().map(|r| format!("- {}: {}", r.field, r.message)).collect();
                (
                    "Please revise your vendor registration".to_string(),
                    format!(
                        "The curator asks you to revise {} before it can be approved:\n\n{}{}\n\nFix these, then submit again.",
                        row.legal_name,
                        list.join("\n"),
                        reason.as_deref().map(|r| format!("\n\n{r}")).unwrap_or_default()
                    ),
                )
            }
            Decision::Reject => (
                "Your vendor registration was rejected".to_string(),
                format!("{} was rejected: {}", row.legal_name, reason.as_deref().unwrap_or_default()),
            ),
        };
        mail_owners(conn, now, &settings.marketplace_name, &row, &subject, &text)?;
        VendorView::from_row(settings, row)
    })
}

/// Suspends an approved vendor, or reinstates a suspended one (administrators), with a
/// reason the vendor is told.
pub fn set_suspended(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    suspend: bool,
    reason: &str,
) -> Result<VendorView, VendorError> {
    if !actor.has(Role::Admin) {
        return Err(VendorError::Forbidden("Only administrators suspend and reinstate vendors."));
    }
    let reason = parse_name(reason, 2000).map_err(|m| VendorError::field("reason", m))?;
    let (next, action) = if suspend {
        (VendorStatus::Suspended, "vendor.suspend")
    } else {
        (VendorStatus::Approved, "vendor.reinstate")
    };
    write_tx(conn, |conn| {
        let mut row = store::lock_vendor(conn, id)?.ok_or(VendorError::NotFound)?;
        let status = VendorStatus::parse(&row.status).map_err(corrupt)?;
        let from = if suspend { VendorStatus::Approved } else { VendorStatus::Suspended };
        if status != from {
            return Err(VendorError::InvalidState(format!("A vendor that is {status} cannot become {next}.")));
        }
        row.status = next.as_str().into();
        let row = save_transition(conn, now, actor, row, status, action, json!({ "reason": reason }))?;
        let (subject, text) = if suspend {
            ("Your vendor account is suspended", format!("{} is suspended and cannot sell: {reason}", row.legal_name))
        } else {
            ("Your vendor account is reinstated", format!("{} may sell again: {reason}", row.legal_name))
        };
        mail_owners(conn, now, &settings.marketplace_name, &row, subject, &text)?;
        VendorView::from_row(settings, row)
    })
}

/// One step of a vendor's timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// e.g. `vendor.submit`, `vendor.review`.
    pub action: String,
    /// The status after this step, where it changed.
    pub status: Option<String>,
    pub decision: Option<String>,
    pub reason: Option<String>,
    pub remarks: Vec<Remark>,
}

/// The vendor's timeline from the audit log: its own users, curators, administrators
/// and auditors.
pub fn history(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<Vec<HistoryEntry>, VendorError> {
    visible_vendor(conn, actor, id)?;
    let rows = audit::for_entity(conn, "vendor", id)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let after: serde_json::Value =
                r.after_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default();
            let text = |k: &str| after.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            HistoryEntry {
                at: from_db(r.occurred_at),
                action: r.action,
                status: text("status"),
                decision: text("decision"),
                reason: text("reason"),
                remarks: after.get("remarks").and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default(),
            }
        })
        .collect())
}

/// Approved vendors' public profiles, for anyone.
pub fn directory(
    conn: &mut DbConn,
    settings: &VendorSettings,
    page: &PageRequest,
) -> Result<Page<PublicVendorView>, VendorError> {
    let rows = store::approved(conn, page.after.as_deref(), page.fetch_limit())?;
    let page = Page::from_rows(rows, page, |r| r.id.clone());
    let items = page.items.into_iter().map(|r| PublicVendorView::from_row(settings, r)).collect::<Result<_, _>>()?;
    Ok(Page { items, next_cursor: page.next_cursor })
}

/// A vendor to create as demonstration or benchmark data (`pasar seed-demo`).
#[derive(Debug, Clone)]
pub struct VendorSeed<'a> {
    pub legal_name: &'a str,
    pub trade_name: &'a str,
    pub legal_form: LegalForm,
    pub nib: &'a str,
    pub kbli: &'a [&'a str],
    pub region_code: &'a str,
    pub capital_idr: i64,
    pub status: VendorStatus,
    pub owner_email: &'a str,
    pub owner_name: &'a str,
}

/// Creates a vendor, its verified owner and its audit entries in the caller's
/// transaction, in the given status. For seeding only: no mail is sent and no curation
/// takes place.
pub fn seed_vendor(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    seed: &VendorSeed<'_>,
    password_hash: &str,
) -> Result<String, VendorError> {
    let org = OrganizationRow {
        id: OrganizationId::new().to_string(),
        kind: "vendor".into(),
        name: seed.trade_name.to_owned(),
        parent_id: None,
        region_code: None,
        created_at: to_db(now),
        updated_at: to_db(now),
    };
    pasar_auth::store::insert_organization(conn, &org)?;
    let submitted = !matches!(seed.status, VendorStatus::Draft);
    let decided = matches!(seed.status, VendorStatus::Approved | VendorStatus::Rejected | VendorStatus::Suspended);
    let digits: String = seed.nib.chars().rev().take(10).collect();
    let row = VendorRow {
        id: org.id.clone(),
        status: seed.status.as_str().into(),
        legal_name: seed.legal_name.into(),
        trade_name: Some(seed.trade_name.into()),
        legal_form: seed.legal_form.as_str().into(),
        nib: Some(seed.nib.into()),
        npwp: Some(format!("0{}00000", &seed.nib[..10])),
        kbli_codes: seed.kbli.join(","),
        street: Some("Jl. Majapahit".into()),
        region_code: Some(seed.region_code.into()),
        postal_code: Some("61318".into()),
        contact_name: Some(seed.owner_name.into()),
        contact_phone: Some("+6281234567890".into()),
        contact_email: Some(seed.owner_email.into()),
        business_capital_idr: Some(seed.capital_idr),
        annual_sales_idr: None,
        tax_status: Some("non_pkp".into()),
        pp55_valid_until: None,
        bank_name: Some("Bank Jatim".into()),
        bank_account_number: Some(digits),
        bank_account_holder: Some(seed.legal_name.into()),
        claimed_by: None,
        claimed_at: None,
        submitted_at: submitted.then(|| to_db(now)),
        decided_at: decided.then(|| to_db(now)),
        created_at: to_db(now),
        updated_at: to_db(now),
        pending_facts_json: None,
        pending_facts_at: None,
        facts_review_note: None,
    };
    store::insert_vendor(conn, &row)?;
    let owner = UserToInsert {
        organization_id: org.id.clone(),
        email: Email::parse(seed.owner_email).map_err(|m| VendorError::field("email", m))?,
        name: seed.owner_name.into(),
        roles: vec![Role::VendorOwner],
        password_hash: password_hash.into(),
    };
    let (user, _) = auth::insert_user(conn, now, None, owner, "vendor.seed_owner")?;
    pasar_auth::store::set_email_verified(conn, &user.id.to_string(), now)?;
    audit::append(
        conn,
        now,
        AuditEntry {
            actor_id: None,
            action: "vendor.seed",
            entity_type: "vendor",
            entity_id: &org.id,
            before: None,
            after: Some(json!({ "status": seed.status, "legal_name": seed.legal_name })),
            request_id: None,
        },
    )?;
    Ok(org.id)
}
