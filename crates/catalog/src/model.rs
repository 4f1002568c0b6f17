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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize, utoipa::ToSchema)]
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

pasar_core::string_enum!(
    /// Where a product stands in curation.
    ProductStatus {
        Draft => "draft",
        Submitted => "submitted",
        Published => "published",
        ChangesSubmitted => "changes_submitted",
        Rejected => "rejected",
        TakenDown => "taken_down",
    }
);

pasar_core::string_enum!(
    /// Units a product is sold in.
    Unit {
        Pcs => "pcs",
        Box => "box",
        Pack => "pak",
        Rim => "rim",
        Lusin => "lusin",
        Kg => "kg",
        Gram => "gram",
        Liter => "liter",
        Meter => "meter",
        Set => "set",
        Paket => "paket",
        Porsi => "porsi",
        Unit => "unit",
        Jam => "jam",
        Hari => "hari",
    }
);

impl ProductStatus {
    /// Whether buyers can see the product (its approved version).
    pub fn is_visible(self) -> bool {
        matches!(self, ProductStatus::Published | ProductStatus::ChangesSubmitted)
    }

    /// Whether the vendor may submit it for review from here.
    pub fn can_submit(self) -> bool {
        matches!(self, ProductStatus::Draft | ProductStatus::Rejected | ProductStatus::TakenDown)
    }
}

/// Whether a vendor holding `kbli` codes may list in a category open to `prefixes`
/// (comma-separated codes or prefixes; empty means open to all).
pub fn kbli_allows(prefixes: &str, kbli: &[String]) -> bool {
    let list: Vec<&str> = prefixes.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    list.is_empty() || kbli.iter().any(|code| list.iter().any(|p| code.starts_with(p)))
}

#[cfg(test)]
mod catalog_tests {
    use super::*;

    #[test]
    fn kbli_prefixes_open_categories() {
        let batik = vec!["13134".to_string(), "47711".to_string()];
        assert!(kbli_allows("13,14,4641,4771", &batik));
        assert!(!kbli_allows("10,11", &batik));
        assert!(kbli_allows("", &batik));
        assert!(!kbli_allows("10", &[]));
    }

    #[test]
    fn visibility_follows_status() {
        assert!(ProductStatus::ChangesSubmitted.is_visible());
        assert!(!ProductStatus::TakenDown.is_visible());
        assert!(ProductStatus::TakenDown.can_submit());
        assert!(!ProductStatus::Submitted.can_submit());
    }
}
