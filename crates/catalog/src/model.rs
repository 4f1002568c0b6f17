//! Local content (TKDN, BMP) and the purchasing priority it sets (Perpres 46/2025).

use pasar_core::BasisPoints;
use serde::Serialize;

/// A product's certified local content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LocalContent {
    pub tkdn: BasisPoints,
    /// Bobot Manfaat Perusahaan: at most 15 %.
    pub bmp: BasisPoints,
}

/// The BMP ceiling.
pub const MAX_BMP: BasisPoints = BasisPoints(1_500);
/// TKDN + BMP at or above this makes a product `pdn_priority`.
pub const PDN_PRIORITY: u32 = 4_000;
/// TKDN at or above this makes a product `tkdn_25`.
pub const TKDN_25: u32 = 2_500;

/// The priority tiers, best first: buyers must take the first tier that has a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorityTier {
    /// TKDN + BMP ≥ 40 % (and TKDN ≥ 25 %).
    PdnPriority,
    /// TKDN ≥ 25 %.
    Tkdn25,
    /// Some certified TKDN below 25 %.
    TkdnBelow25,
    /// A domestic product registered in SIINas without a TKDN certificate.
    Domestic,
    /// An import.
    Import,
}

impl LocalContent {
    pub fn new(tkdn: BasisPoints, bmp: BasisPoints) -> Result<Self, &'static str> {
        if bmp > MAX_BMP {
            return Err("BMP must be at most 1500 basis points (15 %)");
        }
        Ok(LocalContent { tkdn, bmp })
    }

    pub fn pdn_priority(&self) -> bool {
        self.tkdn.0 + self.bmp.0 >= PDN_PRIORITY && self.tkdn_25()
    }

    pub fn tkdn_25(&self) -> bool {
        self.tkdn.0 >= TKDN_25
    }

    pub fn tier(&self) -> PriorityTier {
        if self.pdn_priority() {
            PriorityTier::PdnPriority
        } else if self.tkdn_25() {
            PriorityTier::Tkdn25
        } else if self.tkdn.0 > 0 {
            PriorityTier::TkdnBelow25
        } else {
            PriorityTier::Domestic
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_follow_the_priority_rule() {
        let lc = |t, b| LocalContent::new(BasisPoints(t), BasisPoints(b)).unwrap();
        assert_eq!(lc(3_000, 1_000).tier(), PriorityTier::PdnPriority);
        assert_eq!(lc(2_500, 1_000).tier(), PriorityTier::Tkdn25);
        assert_eq!(lc(2_499, 1_500).tier(), PriorityTier::TkdnBelow25);
        assert_eq!(lc(0, 0).tier(), PriorityTier::Domestic);
        assert!(LocalContent::new(BasisPoints(5_000), BasisPoints(1_501)).is_err());
        assert!(PriorityTier::PdnPriority < PriorityTier::Import);
    }
}
