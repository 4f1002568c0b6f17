//! What an invoice needs to know about a vendor: its legal name and the approved tax
//! facts (PKP or not, a PP 55/2022 certificate and its end). Orders read them here, never
//! from the vendor's rows.

use crate::model::{TaxStatus, VendorStatus};
use crate::store;
use crate::VendorError;
use chrono::NaiveDate;
use pasar_db::DbConn;

/// A vendor as an order or an invoice names it.
#[derive(Debug, Clone)]
pub struct BillingFacts {
    pub vendor_id: String,
    pub legal_name: String,
    pub status: VendorStatus,
    /// Registered for VAT (PKP): its invoices charge PPN.
    pub pkp: bool,
    /// The last day of its PP 55/2022 certificate, if it holds one.
    pub pp55_valid_until: Option<NaiveDate>,
    /// The address printed on documents.
    pub address: Option<String>,
}

/// The approved billing facts of `vendor_id` (`None`: no such vendor).
pub fn billing_facts(conn: &mut DbConn, vendor_id: &str) -> Result<Option<BillingFacts>, VendorError> {
    let Some(row) = store::find_vendor(conn, vendor_id)? else { return Ok(None) };
    let corrupt = |e: String| VendorError::Db(pasar_db::DbError::corrupt(e));
    let status = VendorStatus::parse(&row.status).map_err(corrupt)?;
    let tax = row.tax_status.as_deref().map(TaxStatus::parse).transpose().map_err(corrupt)?;
    let pp55_valid_until = match (tax, row.pp55_valid_until.as_deref()) {
        (Some(TaxStatus::Pp55), Some(d)) => NaiveDate::parse_from_str(d, "%Y-%m-%d").ok(),
        _ => None,
    };
    let address = match (&row.street, &row.postal_code) {
        (Some(s), Some(p)) => Some(format!("{s} {p}")),
        (Some(s), None) => Some(s.clone()),
        _ => None,
    };
    Ok(Some(BillingFacts {
        vendor_id: row.id,
        legal_name: row.legal_name,
        status,
        pkp: tax == Some(TaxStatus::Pkp),
        pp55_valid_until,
        address,
    }))
}
