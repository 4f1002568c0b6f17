//! What an operator configures about payment (`[payments]` in the configuration).

use crate::model::Padding;
use crate::snap::SignatureEncoding;
use pasar_core::Zone;
use rsa::RsaPublicKey;

/// The bank that calls Pasar: its credentials and how it signs.
#[derive(Debug, Clone)]
pub struct BankSettings {
    /// `X-CLIENT-KEY` of the token request.
    pub client_id: String,
    /// The shared secret of the HMAC-SHA512 service signatures.
    pub client_secret: Vec<u8>,
    /// Verifies the SHA256withRSA signature of the token request.
    pub public_key: RsaPublicKey,
    /// The `X-PARTNER-ID` the bank sends.
    pub partner_id: String,
    pub signature_encoding: SignatureEncoding,
    /// How far `X-TIMESTAMP` may be from Pasar's clock, either way.
    pub timestamp_window_secs: i64,
}

#[derive(Debug, Clone)]
pub struct PaymentSettings {
    /// The bank/partner prefix, 1 to 8 digits; empty: no VA is issued.
    pub partner_service_id: String,
    pub padding: Padding,
    /// Length of the random customer number (8 to 20 digits).
    pub customer_no_digits: usize,
    /// A VA expires at the end of this many working days after the day it is issued.
    pub valid_working_days: u32,
    /// The marketplace's time zone: working days, and the day of an `X-EXTERNAL-ID`.
    pub zone: Zone,
    /// `None`: the bank-facing endpoints refuse every call.
    pub bank: Option<BankSettings>,
}

impl Default for PaymentSettings {
    fn default() -> Self {
        PaymentSettings {
            partner_service_id: String::new(),
            padding: Padding::Space,
            customer_no_digits: 16,
            valid_working_days: 1,
            zone: Zone::JAKARTA,
            bank: None,
        }
    }
}
