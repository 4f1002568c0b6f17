//! SNAP virtual-account numbers: the bank/partner prefix (`partnerServiceId`, 8
//! characters, left-padded with spaces, or with zeros where the bank wants them)
//! followed by up to 20 digits of customer number; and the VA as Pasar keeps it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a bank pads `partnerServiceId` to 8 characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// Left-padded with spaces, as the standard says.
    #[default]
    Space,
    /// Left-padded with zeros.
    Zero,
}

/// `prefix` padded to SNAP's 8 characters.
pub fn pad(prefix: &str, padding: Padding) -> String {
    let prefix = prefix.trim_start();
    match padding {
        Padding::Space => format!("{prefix:>8}"),
        Padding::Zero => format!("{prefix:0>8}"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VaNumber {
    /// Exactly 8 characters, left-padded, as SNAP sends it.
    pub partner_service_id: String,
    pub customer_no: String,
}

impl VaNumber {
    pub fn new(partner_service_id: &str, customer_no: &str) -> Result<VaNumber, &'static str> {
        VaNumber::padded(partner_service_id, customer_no, Padding::Space)
    }

    pub fn padded(partner_service_id: &str, customer_no: &str, padding: Padding) -> Result<VaNumber, &'static str> {
        let prefix = partner_service_id.trim_start();
        if prefix.is_empty() || prefix.len() > 8 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err("partnerServiceId must be 1 to 8 digits");
        }
        if customer_no.is_empty() || customer_no.len() > 20 || !customer_no.bytes().all(|b| b.is_ascii_digit()) {
            return Err("customerNo must be 1 to 20 digits");
        }
        Ok(VaNumber { partner_service_id: pad(prefix, padding), customer_no: customer_no.to_owned() })
    }

    /// The full `virtualAccountNo`: the padded prefix followed by the customer number.
    pub fn full(&self) -> String {
        format!("{}{}", self.partner_service_id, self.customer_no)
    }
}

/// A virtual account as the bendahara and the vendor see it on the invoice.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VaView {
    pub id: String,
    pub order_id: String,
    pub invoice_number: String,
    /// The bank that collects the payment: its code (`payments.banks[].code`) and name.
    pub bank: String,
    pub bank_name: String,
    /// `partnerServiceId` + `customerNo`: what the bendahara transfers to.
    pub virtual_account_no: String,
    pub partner_service_id: String,
    pub customer_no: String,
    /// The closed amount, whole rupiah: the invoice's `payable`.
    pub amount_idr: i64,
    /// `active`, `expired`, `paid` (or `replaced`: expired and issued again).
    pub state: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_the_prefix_to_eight_characters() {
        let va = VaNumber::new("12345", "0000000001").unwrap();
        assert_eq!(va.partner_service_id, "   12345");
        assert_eq!(va.full(), "   123450000000001");
        assert_eq!(VaNumber::padded("12345", "1", Padding::Zero).unwrap().full(), "000123451");
        assert!(VaNumber::new("123456789", "1").is_err());
        assert!(VaNumber::new("1", &"9".repeat(21)).is_err());
        assert!(VaNumber::new("1", "12a").is_err());
    }
}
