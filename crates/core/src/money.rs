//! Money and percentages as integers: whole rupiah in `i64`, percentages in basis
//! points (45.67 % = 4567). Never floating point.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of whole rupiah. Negative amounts exist (refunds, corrections);
/// a price is checked with [`Rupiah::parse_price`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Rupiah(pub i64);

impl Rupiah {
    pub const ZERO: Rupiah = Rupiah(0);

    /// A price: zero or more rupiah.
    pub fn parse_price(value: i64) -> Result<Self, &'static str> {
        if value < 0 {
            Err("must not be negative")
        } else {
            Ok(Rupiah(value))
        }
    }

    pub fn checked_add(self, other: Rupiah) -> Option<Rupiah> {
        self.0.checked_add(other.0).map(Rupiah)
    }

    pub fn checked_mul(self, quantity: i64) -> Option<Rupiah> {
        self.0.checked_mul(quantity).map(Rupiah)
    }

    /// `self × bp / 10 000`, rounded half away from zero, as tax rules round.
    pub fn apply_bp(self, bp: BasisPoints) -> Rupiah {
        let n = self.0 as i128 * bp.0 as i128;
        let q = n / 10_000;
        let r = n % 10_000;
        let rounded = if r.abs() * 2 >= 10_000 { q + n.signum() } else { q };
        Rupiah(rounded as i64)
    }
}

impl fmt::Display for Rupiah {
    /// Indonesian notation: `Rp1.250.000`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.unsigned_abs().to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}Rp{grouped}")
    }
}

/// A percentage in basis points, 0 to 10 000 (100 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct BasisPoints(pub u32);

impl BasisPoints {
    pub const MAX: u32 = 10_000;

    pub fn parse(value: i64) -> Result<Self, &'static str> {
        if !(0..=Self::MAX as i64).contains(&value) {
            Err("must be between 0 and 10000 basis points (0 % to 100 %)")
        } else {
            Ok(BasisPoints(value as u32))
        }
    }
}

impl fmt::Display for BasisPoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02} %", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rupiah_formats_the_indonesian_way() {
        assert_eq!(Rupiah(1_250_000).to_string(), "Rp1.250.000");
        assert_eq!(Rupiah(999).to_string(), "Rp999");
        assert_eq!(Rupiah(-200_000_000).to_string(), "-Rp200.000.000");
    }

    #[test]
    fn basis_points_round_half_away_from_zero() {
        // 11 % of Rp1.005 = 110.55 → 111
        assert_eq!(Rupiah(1_005).apply_bp(BasisPoints(1_100)), Rupiah(111));
        // 0.5 % of Rp199 = 0.995 → 1
        assert_eq!(Rupiah(199).apply_bp(BasisPoints(50)), Rupiah(1));
        assert_eq!(Rupiah(-199).apply_bp(BasisPoints(50)), Rupiah(-1));
        assert_eq!(Rupiah(i64::MAX).apply_bp(BasisPoints(10_000)), Rupiah(i64::MAX));
    }

    #[test]
    fn parsing_rejects_out_of_range() {
        assert!(BasisPoints::parse(10_001).is_err());
        assert!(BasisPoints::parse(-1).is_err());
        assert_eq!(BasisPoints::parse(4_567).unwrap().to_string(), "45.67 %");
        assert!(Rupiah::parse_price(-1).is_err());
    }
}
