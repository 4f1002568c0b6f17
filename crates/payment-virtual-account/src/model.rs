//! SNAP virtual-account numbers: the bank/partner prefix (`partnerServiceId`, 8
//! characters, left-padded with spaces) followed by up to 20 digits of customer number.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VaNumber {
    /// Exactly 8 characters, left-padded with spaces, as SNAP sends it.
    pub partner_service_id: String,
    pub customer_no: String,
}

impl VaNumber {
    pub fn new(partner_service_id: &str, customer_no: &str) -> Result<VaNumber, &'static str> {
        let prefix = partner_service_id.trim_start();
        if prefix.is_empty() || prefix.len() > 8 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err("partnerServiceId must be 1 to 8 digits");
        }
        if customer_no.is_empty() || customer_no.len() > 20 || !customer_no.bytes().all(|b| b.is_ascii_digit()) {
            return Err("customerNo must be 1 to 20 digits");
        }
        Ok(VaNumber { partner_service_id: format!("{prefix:>8}"), customer_no: customer_no.to_owned() })
    }

    /// The full `virtualAccountNo`: the padded prefix followed by the customer number.
    pub fn full(&self) -> String {
        format!("{}{}", self.partner_service_id, self.customer_no)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_the_prefix_to_eight_characters() {
        let va = VaNumber::new("12345", "0000000001").unwrap();
        assert_eq!(va.partner_service_id, "   12345");
        assert_eq!(va.full(), "   123450000000001");
        assert!(VaNumber::new("123456789", "1").is_err());
        assert!(VaNumber::new("1", &"9".repeat(21)).is_err());
        assert!(VaNumber::new("1", "12a").is_err());
    }
}
