//! What the pemda reads out of Pasar: P3DN realisation against its targets, red flags
//! for auditors, exports, and the open-contracting feed. Everything here reads the facts
//! frozen on each order line at the Surat Pesanan and the payments recorded since, never
//! today's product or vendor, and changes nothing.

pub mod error;
pub mod export;
pub mod flags;
pub mod lists;
pub mod ocds;
pub mod p3dn;
pub mod pdf;
pub mod tables;

pub use error::ReportError;

/// What an operator configures for reports (`[reports]`).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportSettings {
    pub targets: p3dn::Targets,
    pub red_flags: flags::Thresholds,
}
