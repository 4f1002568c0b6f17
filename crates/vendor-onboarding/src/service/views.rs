//! How a vendor is shown: in full to its own users and the curation desk, and its
//! public profile to everyone else.

use super::{corrupt, VendorSettings};
use crate::error::VendorError;
use crate::model::{is_umkk, LegalForm, Scale, TaxStatus, VendorStatus};
use crate::store::VendorRow;
use chrono::{DateTime, Utc};
use pasar_core::id::OrganizationId;
use pasar_core::{RegionCode, Rupiah};
use pasar_db::time::from_db;
use serde::{Deserialize, Serialize};

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

pub(super) fn derived(settings: &VendorSettings, row: &VendorRow, form: LegalForm) -> (Option<Scale>, bool, bool) {
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
