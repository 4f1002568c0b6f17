//! What an operator configures about payment (`[payments]` and `[[payments.banks]]` in
//! the configuration).

use crate::model::Padding;
use crate::snap::SignatureEncoding;
use pasar_core::Zone;
use rsa::RsaPublicKey;

/// How a bank that calls Pasar proves itself, and how it signs.
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

/// One bank that collects payments: the VA numbers it answers for (its prefix) and, once
/// agreed with it, its SNAP credentials.
#[derive(Debug, Clone)]
pub struct Bank {
    /// A short name of our own (`jatim`, `bri`): what the bendahara chooses and what
    /// `pasar reconcile --bank` takes.
    pub code: String,
    /// What people read (`Bank Jatim`).
    pub name: String,
    /// The bank's prefix of every VA number, 1 to 8 digits.
    pub partner_service_id: String,
    pub padding: Padding,
    /// `None`: the bank's calls are refused (VAs may be issued before the bank connects).
    pub snap: Option<BankSettings>,
}

impl Bank {
    /// The prefix as SNAP sends it: exactly 8 characters, padded as the bank wants.
    pub fn padded_prefix(&self) -> String {
        crate::model::pad(&self.partner_service_id, self.padding)
    }
}

#[derive(Debug, Clone)]
pub struct PaymentSettings {
    /// The banks, the first being the one chosen when the bendahara names none. Empty:
    /// no VA is issued and the bank-facing endpoints refuse every call.
    pub banks: Vec<Bank>,
    /// Length of the random customer number (8 to 20 digits).
    pub customer_no_digits: usize,
    /// A VA expires at the end of this many working days after the day it is issued.
    pub valid_working_days: u32,
    /// The marketplace's time zone: working days, and the day of an `X-EXTERNAL-ID`.
    pub zone: Zone,
}

impl PaymentSettings {
    /// The bank of that code, or the first when `code` is `None`.
    pub fn bank(&self, code: Option<&str>) -> Option<&Bank> {
        match code {
            Some(code) => self.banks.iter().find(|b| b.code == code),
            None => self.banks.first(),
        }
    }

    /// The connected bank whose `X-CLIENT-KEY` this is.
    pub fn bank_by_client(&self, client_id: &str) -> Option<(&Bank, &BankSettings)> {
        self.connected().find(|(_, s)| s.client_id == client_id)
    }

    /// The connected bank whose `X-PARTNER-ID` this is.
    pub fn bank_by_partner(&self, partner_id: &str) -> Option<(&Bank, &BankSettings)> {
        self.connected().find(|(_, s)| s.partner_id == partner_id)
    }

    fn connected(&self) -> impl Iterator<Item = (&Bank, &BankSettings)> {
        self.banks.iter().filter_map(|b| b.snap.as_ref().map(|s| (b, s)))
    }
}

impl Default for PaymentSettings {
    fn default() -> Self {
        PaymentSettings { banks: Vec::new(), customer_no_digits: 16, valid_working_days: 1, zone: Zone::JAKARTA }
    }
}
