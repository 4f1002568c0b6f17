//! Kemendagri region codes (kode wilayah): `35` (provinsi), `35.76` (kabupaten/kota),
//! `35.76.01` (kecamatan), `35.76.01.1001` (desa/kelurahan).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    pub const FORMAT: &'static str =
        "a Kemendagri code: 2 digits, then optionally .2 digits, .2 digits and .4 digits (e.g. 35.76.01.1001)";

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let parts: Vec<&str> = s.split('.').collect();
        let widths = [2usize, 2, 2, 4];
        let ok = !parts.is_empty()
            && parts.len() <= widths.len()
            && parts.iter().zip(widths).all(|(p, w)| p.len() == w && p.bytes().all(|b| b.is_ascii_digit()));
        if ok {
            Ok(RegionCode(s.to_owned()))
        } else {
            Err(Self::FORMAT)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `self` lies within `area` (same code, or a sub-region of it).
    pub fn is_within(&self, area: &RegionCode) -> bool {
        self.0 == area.0 || self.0.starts_with(&format!("{}.", area.0))
    }
}

impl TryFrom<String> for RegionCode {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(r: RegionCode) -> String {
        r.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_each_level_and_nothing_else() {
        for ok in ["35", "35.76", "35.76.01", "35.76.01.1001"] {
            assert!(RegionCode::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "3", "357", "35.7", "35.76.01.100", "35.76.01.1001.1", "ab", "35..76"] {
            assert!(RegionCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn containment_follows_the_hierarchy() {
        let kota = RegionCode::parse("35.76").unwrap();
        assert!(RegionCode::parse("35.76.01").unwrap().is_within(&kota));
        assert!(RegionCode::parse("35.7").is_err());
        assert!(!RegionCode::parse("35.77").unwrap().is_within(&kota));
    }
}
