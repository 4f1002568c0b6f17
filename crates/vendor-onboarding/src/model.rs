//! A vendor's legal identity, parsed so that only valid values can be held.

use pasar_core::Rupiah;
use serde::{Deserialize, Serialize};

fn digits_only(s: &str, separators: &[char]) -> String {
    s.chars().filter(|c| !separators.contains(c)).collect()
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Nomor Induk Berusaha, issued by OSS: 13 digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Nib(String);

impl Nib {
    pub fn parse(s: &str) -> Result<Nib, &'static str> {
        let d = digits_only(s.trim(), &[' ']);
        if d.len() == 13 && all_digits(&d) {
            Ok(Nib(d))
        } else {
            Err("must be the 13 digits of an NIB")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Nomor Pokok Wajib Pajak: 15 digits (`01.234.567.8-901.000`) or the 16-digit form.
/// Stored as digits only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Npwp(String);

impl Npwp {
    pub fn parse(s: &str) -> Result<Npwp, &'static str> {
        let d = digits_only(s.trim(), &['.', '-', ' ']);
        if (d.len() == 15 || d.len() == 16) && all_digits(&d) {
            Ok(Npwp(d))
        } else {
            Err("must be an NPWP of 15 or 16 digits")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A KBLI business-line code: 5 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Kbli(String);

impl Kbli {
    pub fn parse(s: &str) -> Result<Kbli, &'static str> {
        let s = s.trim();
        if s.len() == 5 && all_digits(s) {
            Ok(Kbli(s.to_owned()))
        } else {
            Err("must be a KBLI code of 5 digits")
        }
    }
}

/// Business scale by PP 7/2021.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    Mikro,
    Kecil,
    Menengah,
    Besar,
}

/// The PP 7/2021 ceilings: business capital excluding land and buildings, and annual
/// sales. Configuration, because regulation changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleThresholds {
    pub mikro_capital: Rupiah,
    pub kecil_capital: Rupiah,
    pub menengah_capital: Rupiah,
    pub mikro_sales: Rupiah,
    pub kecil_sales: Rupiah,
    pub menengah_sales: Rupiah,
}

impl Default for ScaleThresholds {
    fn default() -> Self {
        const BILLION: i64 = 1_000_000_000;
        ScaleThresholds {
            mikro_capital: Rupiah(BILLION),
            kecil_capital: Rupiah(5 * BILLION),
            menengah_capital: Rupiah(10 * BILLION),
            mikro_sales: Rupiah(2 * BILLION),
            kecil_sales: Rupiah(15 * BILLION),
            menengah_sales: Rupiah(50 * BILLION),
        }
    }
}

impl ScaleThresholds {
    /// Classifies by capital when declared (a new business), else by annual sales
    /// (a running one); `None` when neither is known.
    pub fn classify(&self, capital: Option<Rupiah>, annual_sales: Option<Rupiah>) -> Option<Scale> {
        let by = |v: Rupiah, m: Rupiah, k: Rupiah, me: Rupiah| {
            if v <= m {
                Scale::Mikro
            } else if v <= k {
                Scale::Kecil
            } else if v <= me {
                Scale::Menengah
            } else {
                Scale::Besar
            }
        };
        match (capital, annual_sales) {
            (Some(c), _) => Some(by(c, self.mikro_capital, self.kecil_capital, self.menengah_capital)),
            (None, Some(s)) => Some(by(s, self.mikro_sales, self.kecil_sales, self.menengah_sales)),
            (None, None) => None,
        }
    }
}

/// UMKK: a micro or small business, or a cooperative of any size.
pub fn is_umkk(scale: Option<Scale>, is_koperasi: bool) -> bool {
    is_koperasi || matches!(scale, Some(Scale::Mikro | Scale::Kecil))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_parse_their_usual_spellings() {
        assert_eq!(Nib::parse("9120 0010 5216 7").unwrap().as_str(), "9120001052167");
        assert!(Nib::parse("912000105216").is_err());
        assert_eq!(Npwp::parse("01.234.567.8-901.000").unwrap().as_str(), "012345678901000");
        assert!(Npwp::parse("3576012345678901").is_ok());
        assert!(Npwp::parse("01.234.567.8-901.00").is_err());
        assert!(Kbli::parse("10792").is_ok());
        assert!(Kbli::parse("1079").is_err());
        assert!(Kbli::parse("1079a").is_err());
    }

    #[test]
    fn scale_follows_pp_7_2021() {
        let t = ScaleThresholds::default();
        assert_eq!(t.classify(Some(Rupiah(1_000_000_000)), None), Some(Scale::Mikro));
        assert_eq!(t.classify(Some(Rupiah(1_000_000_001)), None), Some(Scale::Kecil));
        assert_eq!(t.classify(Some(Rupiah(10_000_000_001)), None), Some(Scale::Besar));
        assert_eq!(t.classify(None, Some(Rupiah(15_000_000_000))), Some(Scale::Kecil));
        assert_eq!(t.classify(None, Some(Rupiah(15_000_000_001))), Some(Scale::Menengah));
        assert_eq!(t.classify(None, None), None);
        assert!(is_umkk(Some(Scale::Kecil), false));
        assert!(!is_umkk(Some(Scale::Menengah), false));
        assert!(is_umkk(Some(Scale::Besar), true));
    }
}
