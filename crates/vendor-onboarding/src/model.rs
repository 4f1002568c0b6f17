//! A vendor's legal identity, parsed so that only valid values can be held.

use pasar_core::string_enum;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
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

string_enum!(
    /// Legal form of the business.
    LegalForm {
        Perorangan => "perorangan",
        Ud => "ud",
        Cv => "cv",
        Pt => "pt",
        Firma => "firma",
        Koperasi => "koperasi",
        Bumdes => "bumdes",
    }
);

string_enum!(
    /// Tax status: VAT-registered (PKP), not, or on the final 0.5 % regime of PP 55/2022
    /// with a certificate (surat keterangan) that ends on a date.
    TaxStatus {
        Pkp => "pkp",
        NonPkp => "non_pkp",
        Pp55 => "pp55",
    }
);

string_enum!(
    /// Where a vendor stands in curation.
    VendorStatus {
        Draft => "draft",
        Submitted => "submitted",
        InReview => "in_review",
        RevisionRequested => "revision_requested",
        Approved => "approved",
        Rejected => "rejected",
        Suspended => "suspended",
    }
);

string_enum!(
    /// A legal document's kind.
    DocumentKind {
        Nib => "nib",
        Npwp => "npwp",
        Halal => "halal",
        Pirt => "pirt",
        Bpom => "bpom",
        Sni => "sni",
        Tkdn => "tkdn",
        BankAccount => "bank_account",
        Other => "other",
    }
);

string_enum!(
    /// A curator's decision.
    Decision {
        Approve => "approve",
        RequestRevision => "request_revision",
        Reject => "reject",
    }
);

impl VendorStatus {
    /// The owner may edit the legal identity only before curation or when asked to revise.
    pub fn identity_editable(self) -> bool {
        matches!(self, VendorStatus::Draft | VendorStatus::RevisionRequested)
    }

    /// Whether a vendor in `self` may move to `next`; this table is the curation flow.
    pub fn can_become(self, next: VendorStatus) -> bool {
        use VendorStatus::*;
        matches!(
            (self, next),
            (Draft | RevisionRequested, Submitted)
                | (Submitted, InReview)
                | (InReview, Approved | RevisionRequested | Rejected)
                | (Approved, Suspended)
                | (Suspended, Approved)
        )
    }
}

/// An Indonesian phone number, kept as `+62…` digits.
pub fn parse_phone(s: &str) -> Result<String, &'static str> {
    let compact: String = s.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.')).collect();
    let digits = if let Some(rest) = compact.strip_prefix("+62") {
        rest.to_owned()
    } else if let Some(rest) = compact.strip_prefix("62") {
        rest.to_owned()
    } else if let Some(rest) = compact.strip_prefix('0') {
        rest.to_owned()
    } else {
        return Err("must be an Indonesian number starting with 0, 62 or +62");
    };
    if (8..=13).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0') {
        Ok(format!("+62{digits}"))
    } else {
        Err("must be an Indonesian number starting with 0, 62 or +62")
    }
}

/// A five-digit postal code.
pub fn parse_postal_code(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    if s.len() == 5 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err("must be a postal code of 5 digits")
    }
}

/// A bank account number: 5 to 20 digits (spaces and dashes are dropped).
pub fn parse_account_number(s: &str) -> Result<String, &'static str> {
    let d = digits_only(s.trim(), &[' ', '-', '.']);
    if (5..=20).contains(&d.len()) && all_digits(&d) {
        Ok(d)
    } else {
        Err("must be 5 to 20 digits")
    }
}

/// A calendar date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, &'static str> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| "must be a date YYYY-MM-DD")
}

/// Whether something valid until `valid_until` (its last valid day, `YYYY-MM-DD`) has
/// lapsed by `today`: documents, certificates. No date never lapses.
pub fn lapsed(valid_until: Option<&str>, today: chrono::NaiveDate) -> bool {
    valid_until.and_then(|d| parse_date(d).ok()).is_some_and(|d| d < today)
}

impl Kbli {
    pub fn as_str(&self) -> &str {
        &self.0
    }
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
    fn contact_details_parse_their_usual_spellings() {
        assert_eq!(parse_phone("0812-3456-7890").unwrap(), "+6281234567890");
        assert_eq!(parse_phone("+62 321 321234").unwrap(), "+62321321234");
        assert!(parse_phone("12345").is_err());
        assert!(parse_phone("+1 555 1234567").is_err());
        assert!(parse_postal_code("61318").is_ok());
        assert!(parse_postal_code("6131").is_err());
        assert_eq!(parse_account_number("142-00-1234567-8").unwrap(), "1420012345678");
        assert!(parse_date("2027-02-30").is_err());
    }

    #[test]
    fn curation_flow() {
        use VendorStatus::*;
        assert!(Draft.can_become(Submitted));
        assert!(!Draft.can_become(Approved));
        assert!(InReview.can_become(RevisionRequested));
        assert!(RevisionRequested.can_become(Submitted));
        assert!(!Rejected.can_become(Submitted));
        assert!(Approved.can_become(Suspended) && Suspended.can_become(Approved));
        assert!(!Submitted.identity_editable() && RevisionRequested.identity_editable());
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
