//! What the pemda reads out of Pasar: P3DN realisation against its targets, red flags
//! for auditors, exports, and the open-contracting feed. Everything here reads the facts
//! frozen on each order line at the Surat Pesanan and the payments recorded since, never
//! today's product or vendor, and changes nothing.

pub mod export;
pub mod lists;
