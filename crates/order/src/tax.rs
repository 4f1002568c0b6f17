//! Invoice arithmetic: PPN (VAT) and PPh 22 on an order's accepted lines.
//!
//! Pure functions over whole rupiah; no database, no clock. The rates, thresholds and
//! rounding are dated configuration ([`TaxRules`]); the invoice date picks the entry in
//! force (the entry with the latest `from` on or before that date).
//!
//! # The figures
//!
//! - `subtotal` — Σ line amounts (quantity accepted × agreed unit price): the price
//!   before PPN.
//! - PPN, PKP vendors only: `dpp = round(subtotal × base_numerator / base_denominator)`,
//!   then `ppn = round(dpp × rate)`. PPN is computed from the DPP *as printed* (whole
//!   rupiah), so anyone can check the invoice line "PPN = 12 % × DPP". With the 2025
//!   rule (12 % on 11/12) this can differ by at most Rp1 from 11 % of the subtotal
//!   (Rp250: DPP 229, PPN 27, where 11 % would give 28). A non-PKP vendor charges no
//!   PPN: `dpp` and `ppn` are zero and no PPN rate is printed.
//! - PPh 22 = `round(subtotal × rate)`, on the price before PPN, PKP or not, unless the
//!   entry exempts the invoice: a subtotal of at most `exempt_at_most`, or (when
//!   `pp55_exempt`) a vendor whose PP 55/2022 certificate is valid on the invoice date
//!   (`pp55_valid_until >= date`). When both apply the threshold is reported.
//! - Every tax is computed once on the invoice total, never per line, and rounded as
//!   its entry says ([`Rounding`]; half away from zero unless configured otherwise, the
//!   same rounding as [`Rupiah::apply_bp`]).
//! - `gross_total = subtotal + ppn`.
//!
//! # Who pays what
//!
//! The bendahara (treasurer) pays into the marketplace's virtual account; the
//! marketplace passes the money on to the vendor. `payable` is what the bendahara
//! transfers to the virtual account, `vendor_receives` what reaches the vendor.
//!
//! - [`Pph22Collection::Platform`] — the marketplace is the appointed collector
//!   (PMK 58/2022). The invoice is gross and serves as the collection slip: the
//!   bendahara pays `payable = gross_total`; the marketplace keeps PPN and PPh 22
//!   (`collected_by_platform = ppn + pph22`), remits them, and passes on
//!   `vendor_receives = gross_total − ppn − pph22`. `withheld_by_treasurer = 0`.
//! - [`Pph22Collection::Treasurer`] — the bendahara collects: it withholds PPN (PKP
//!   vendors) and PPh 22 (`withheld_by_treasurer = ppn + pph22`), remits them itself,
//!   and transfers the net `payable = gross_total − ppn − pph22`; the marketplace passes
//!   all of it on: `vendor_receives = payable`, `collected_by_platform = 0`.
//!
//! In both modes, exactly:
//! `payable = gross_total − withheld_by_treasurer` and
//! `vendor_receives = payable − collected_by_platform = subtotal − pph22`.
//! Marketplace fees are not part of these figures.
//!
//! # Configuration
//!
//! [`TaxRules`] deserializes from configuration; missing keys keep the Indonesian
//! defaults of [`TaxRules::default`]. Dates are strings. For example, in TOML:
//!
//! ```toml
//! [tax]
//! pph22_collection = "platform"   # or "treasurer"
//!
//! [[tax.ppn]]
//! from = "2022-04-01"             # UU HPP: 11 % on the price
//! rate_bp = 1100
//! base_numerator = 1
//! base_denominator = 1
//!
//! [[tax.ppn]]
//! from = "2025-01-01"             # PMK 131/2024: 12 % on 11/12 of the price
//! rate_bp = 1200
//! base_numerator = 11
//! base_denominator = 12
//! rounding = "half_away_from_zero" # or "down"; this is the default
//!
//! [[tax.pph22_platform]]
//! from = "2022-04-01"             # PMK 58/2022
//! rate_bp = 50
//!
//! [[tax.pph22_treasurer]]
//! from = "2022-04-01"
//! rate_bp = 150
//! exempt_at_most = 2000000        # compared with the price before PPN
//! pp55_exempt = true
//! ```
//!
//! Not modelled: detecting purchases split to stay under the threshold.

use chrono::NaiveDate;
use pasar_core::{BasisPoints, Code, ErrorCode, FieldError, Rupiah};
use serde::{Deserialize, Serialize};

/// How a computed tax is rounded to whole rupiah.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Half a rupiah or more rounds up (all amounts here are non-negative).
    #[default]
    HalfAwayFromZero,
    /// Fractions of a rupiah are dropped.
    Down,
}

/// Who collects PPh 22 (and, with it, PPN). See the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pph22Collection {
    /// The marketplace, appointed under PMK 58/2022; the invoice is gross.
    #[default]
    Platform,
    /// The buyer's bendahara, who withholds the taxes and pays the vendor net.
    Treasurer,
}

/// A PPN rate in force from `from`: `rate_bp` on a base (DPP) of
/// `base_numerator / base_denominator` of the price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PpnRate {
    pub from: NaiveDate,
    pub rate_bp: BasisPoints,
    pub base_numerator: u32,
    pub base_denominator: u32,
    #[serde(default)]
    pub rounding: Rounding,
}

/// A PPh 22 rate in force from `from`, on the price before PPN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pph22Rate {
    pub from: NaiveDate,
    pub rate_bp: BasisPoints,
    /// Invoices whose price before PPN is at most this are not taxed.
    #[serde(default)]
    pub exempt_at_most: Option<Rupiah>,
    /// Vendors with a PP 55/2022 certificate valid on the invoice date are not taxed.
    #[serde(default)]
    pub pp55_exempt: bool,
    #[serde(default)]
    pub rounding: Rounding,
}

/// The dated tax configuration. `Default` holds the Indonesian rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TaxRules {
    pub pph22_collection: Pph22Collection,
    pub ppn: Vec<PpnRate>,
    pub pph22_platform: Vec<Pph22Rate>,
    pub pph22_treasurer: Vec<Pph22Rate>,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

impl Default for TaxRules {
    /// PPN 11 % on the price from 2022-04-01 (UU HPP), 12 % on 11/12 of the price from
    /// 2025-01-01 (PMK 131/2024); PPh 22 0.5 % when the marketplace collects
    /// (PMK 58/2022), 1.5 % when the bendahara collects, above Rp2,000,000 and not from
    /// PP 55/2022 certificate holders. The PPh 22 entries start on 2022-04-01, the
    /// earliest invoice date Pasar needs. Collection by the marketplace.
    fn default() -> Self {
        TaxRules {
            pph22_collection: Pph22Collection::Platform,
            ppn: vec![
                PpnRate {
                    from: date(2022, 4, 1),
                    rate_bp: BasisPoints(1_100),
                    base_numerator: 1,
                    base_denominator: 1,
                    rounding: Rounding::HalfAwayFromZero,
                },
                PpnRate {
                    from: date(2025, 1, 1),
                    rate_bp: BasisPoints(1_200),
                    base_numerator: 11,
                    base_denominator: 12,
                    rounding: Rounding::HalfAwayFromZero,
                },
            ],
            pph22_platform: vec![Pph22Rate {
                from: date(2022, 4, 1),
                rate_bp: BasisPoints(50),
                exempt_at_most: None,
                pp55_exempt: false,
                rounding: Rounding::HalfAwayFromZero,
            }],
            pph22_treasurer: vec![Pph22Rate {
                from: date(2022, 4, 1),
                rate_bp: BasisPoints(150),
                exempt_at_most: Some(Rupiah(2_000_000)),
                pp55_exempt: true,
                rounding: Rounding::HalfAwayFromZero,
            }],
        }
    }
}

/// What the invoice needs to know about the vendor, as of the invoice date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VendorTaxFacts {
    /// Pengusaha Kena Pajak: registered for PPN.
    pub is_pkp: bool,
    /// Last day of validity of the vendor's PP 55/2022 certificate, if it has one.
    pub pp55_valid_until: Option<NaiveDate>,
}

/// One accepted line: quantity accepted (0 for a rejected item) at the agreed price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub quantity: i64,
    pub unit_price: Rupiah,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineFigures {
    pub quantity: i64,
    pub unit_price: Rupiah,
    /// `quantity × unit_price`.
    pub amount: Rupiah,
}

/// The PPN rule applied, for printing ("PPN 12 % × DPP 11/12").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PpnApplied {
    pub rate_bp: BasisPoints,
    pub base_numerator: u32,
    pub base_denominator: u32,
}

/// Why no PPh 22 was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pph22Exemption {
    /// The price before PPN is at most the entry's `exempt_at_most`.
    AtMostThreshold,
    /// The vendor holds a PP 55/2022 certificate valid on the invoice date.
    Pp55Certificate,
}

/// Every figure of an invoice, in whole rupiah. See the module documentation for how
/// they relate and who pays what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvoiceFigures {
    pub date: NaiveDate,
    pub lines: Vec<LineFigures>,
    /// Price before PPN: Σ line amounts.
    pub subtotal: Rupiah,
    /// PPN tax base; zero for a non-PKP vendor.
    pub dpp: Rupiah,
    pub ppn: Rupiah,
    /// `None` for a non-PKP vendor.
    pub ppn_applied: Option<PpnApplied>,
    pub pph22: Rupiah,
    pub pph22_collection: Pph22Collection,
    /// `None` when exempt.
    pub pph22_rate_bp: Option<BasisPoints>,
    pub pph22_exemption: Option<Pph22Exemption>,
    /// `subtotal + ppn`.
    pub gross_total: Rupiah,
    /// Taxes the bendahara keeps and remits: `ppn + pph22` in treasurer mode, else 0.
    pub withheld_by_treasurer: Rupiah,
    /// Taxes the marketplace keeps and remits: `ppn + pph22` in platform mode, else 0.
    pub collected_by_platform: Rupiah,
    /// What the bendahara transfers to the virtual account: `gross_total − withheld_by_treasurer`.
    pub payable: Rupiah,
    /// What reaches the vendor: `payable − collected_by_platform`.
    pub vendor_receives: Rupiah,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxError {
    #[error("An invoice needs at least one line.")]
    EmptyInvoice,
    #[error("Line {line}: the quantity must not be negative.")]
    NegativeQuantity { line: usize },
    #[error("Line {line}: the unit price must not be negative.")]
    NegativePrice { line: usize },
    #[error("The invoice amounts are too large to compute.")]
    Overflow,
    #[error("No {tax} rate is configured for {date}.")]
    NoRateInForce { tax: &'static str, date: NaiveDate },
    #[error("Invalid tax configuration: {0}")]
    InvalidRules(String),
}

impl TaxError {
    /// The input field at fault, for a problem+json answer.
    pub fn field(&self) -> Option<String> {
        match self {
            TaxError::EmptyInvoice | TaxError::Overflow => Some("lines".into()),
            TaxError::NegativeQuantity { line } => Some(format!("lines[{line}].quantity")),
            TaxError::NegativePrice { line } => Some(format!("lines[{line}].unit_price")),
            TaxError::NoRateInForce { .. } | TaxError::InvalidRules(_) => None,
        }
    }
}

impl ErrorCode for TaxError {
    fn code(&self) -> Code {
        match self {
            TaxError::EmptyInvoice
            | TaxError::NegativeQuantity { .. }
            | TaxError::NegativePrice { .. }
            | TaxError::Overflow => Code::ValidationFailed,
            // The configuration is wrong, not the request.
            TaxError::NoRateInForce { .. } | TaxError::InvalidRules(_) => Code::Internal,
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        self.field().map(|f| vec![FieldError::new(f, self.to_string())]).unwrap_or_default()
    }
}

/// `amount × numerator / denominator`, rounded; `amount ≥ 0`, `denominator > 0`.
fn scale(amount: Rupiah, numerator: u64, denominator: u64, rounding: Rounding) -> Result<Rupiah, TaxError> {
    debug_assert!(amount.0 >= 0 && denominator > 0);
    let n = i128::from(amount.0) * i128::from(numerator);
    let d = i128::from(denominator);
    let (q, r) = (n / d, n % d);
    let v = match rounding {
        Rounding::HalfAwayFromZero if 2 * r >= d => q + 1,
        _ => q,
    };
    i64::try_from(v).map(Rupiah).map_err(|_| TaxError::Overflow)
}

/// The entry with the latest `from` on or before `on`.
fn in_force<T>(entries: &[T], from: impl Fn(&T) -> NaiveDate, on: NaiveDate) -> Option<&T> {
    entries.iter().filter(|e| from(e) <= on).max_by_key(|e| from(e))
}

fn check_dates<T>(name: &str, entries: &[T], from: impl Fn(&T) -> NaiveDate) -> Result<(), TaxError> {
    if entries.is_empty() {
        return Err(TaxError::InvalidRules(format!("{name}: no entries")));
    }
    let mut dates: Vec<NaiveDate> = entries.iter().map(from).collect();
    dates.sort();
    if let Some(w) = dates.windows(2).find(|w| w[0] == w[1]) {
        return Err(TaxError::InvalidRules(format!("{name}: two entries from {}", w[0])));
    }
    Ok(())
}

fn check_rate(name: &str, from: NaiveDate, rate: BasisPoints) -> Result<(), TaxError> {
    if rate.0 > BasisPoints::MAX {
        return Err(TaxError::InvalidRules(format!("{name} from {from}: rate above 100 %")));
    }
    Ok(())
}

impl TaxRules {
    /// Checks the configuration: each list non-empty, no two entries from the same day,
    /// rates at most 100 %, a DPP fraction between 0 and 1 with a non-zero denominator.
    pub fn validate(&self) -> Result<(), TaxError> {
        check_dates("ppn", &self.ppn, |e| e.from)?;
        check_dates("pph22_platform", &self.pph22_platform, |e| e.from)?;
        check_dates("pph22_treasurer", &self.pph22_treasurer, |e| e.from)?;
        for e in &self.ppn {
            check_rate("ppn", e.from, e.rate_bp)?;
            if e.base_denominator == 0 || e.base_numerator > e.base_denominator {
                return Err(TaxError::InvalidRules(format!(
                    "ppn from {}: the base must be a fraction between 0 and 1",
                    e.from
                )));
            }
        }
        for e in self.pph22_platform.iter().chain(&self.pph22_treasurer) {
            check_rate("pph22", e.from, e.rate_bp)?;
        }
        Ok(())
    }

    /// The PPh 22 entries of the configured collection mode.
    fn pph22_entries(&self) -> (&'static str, &[Pph22Rate]) {
        match self.pph22_collection {
            Pph22Collection::Platform => ("pph22_platform", &self.pph22_platform),
            Pph22Collection::Treasurer => ("pph22_treasurer", &self.pph22_treasurer),
        }
    }

    /// The figures of an invoice dated `date` from `vendor` for `lines`.
    pub fn invoice(
        &self,
        date: NaiveDate,
        vendor: &VendorTaxFacts,
        lines: &[InvoiceLine],
    ) -> Result<InvoiceFigures, TaxError> {
        self.validate()?;
        if lines.is_empty() {
            return Err(TaxError::EmptyInvoice);
        }
        let mut line_figures = Vec::with_capacity(lines.len());
        let mut subtotal = Rupiah::ZERO;
        for (i, l) in lines.iter().enumerate() {
            if l.quantity < 0 {
                return Err(TaxError::NegativeQuantity { line: i });
            }
            if l.unit_price.0 < 0 {
                return Err(TaxError::NegativePrice { line: i });
            }
            let amount = l.unit_price.checked_mul(l.quantity).ok_or(TaxError::Overflow)?;
            subtotal = subtotal.checked_add(amount).ok_or(TaxError::Overflow)?;
            line_figures.push(LineFigures { quantity: l.quantity, unit_price: l.unit_price, amount });
        }

        let (dpp, ppn, ppn_applied) = if vendor.is_pkp {
            let rule = in_force(&self.ppn, |e| e.from, date).ok_or(TaxError::NoRateInForce { tax: "ppn", date })?;
            let dpp = scale(subtotal, u64::from(rule.base_numerator), u64::from(rule.base_denominator), rule.rounding)?;
            let ppn = scale(dpp, u64::from(rule.rate_bp.0), u64::from(BasisPoints::MAX), rule.rounding)?;
            let applied = PpnApplied {
                rate_bp: rule.rate_bp,
                base_numerator: rule.base_numerator,
                base_denominator: rule.base_denominator,
            };
            (dpp, ppn, Some(applied))
        } else {
            (Rupiah::ZERO, Rupiah::ZERO, None)
        };

        let (tax_name, entries) = self.pph22_entries();
        let rule = in_force(entries, |e| e.from, date).ok_or(TaxError::NoRateInForce { tax: tax_name, date })?;
        let exemption = if rule.exempt_at_most.is_some_and(|limit| subtotal <= limit) {
            Some(Pph22Exemption::AtMostThreshold)
        } else if rule.pp55_exempt && vendor.pp55_valid_until.is_some_and(|until| until >= date) {
            Some(Pph22Exemption::Pp55Certificate)
        } else {
            None
        };
        let (pph22, pph22_rate_bp) = match exemption {
            Some(_) => (Rupiah::ZERO, None),
            None => (
                scale(subtotal, u64::from(rule.rate_bp.0), u64::from(BasisPoints::MAX), rule.rounding)?,
                Some(rule.rate_bp),
            ),
        };

        let gross_total = subtotal.checked_add(ppn).ok_or(TaxError::Overflow)?;
        // PPh 22 is at most the subtotal, so the taxes are at most the gross total and the
        // differences below stay between zero and the gross total.
        let taxes = ppn.checked_add(pph22).ok_or(TaxError::Overflow)?;
        let (withheld_by_treasurer, collected_by_platform) = match self.pph22_collection {
            Pph22Collection::Platform => (Rupiah::ZERO, taxes),
            Pph22Collection::Treasurer => (taxes, Rupiah::ZERO),
        };
        let payable = Rupiah(gross_total.0 - withheld_by_treasurer.0);
        let vendor_receives = Rupiah(payable.0 - collected_by_platform.0);

        Ok(InvoiceFigures {
            date,
            lines: line_figures,
            subtotal,
            dpp,
            ppn,
            ppn_applied,
            pph22,
            pph22_collection: self.pph22_collection,
            pph22_rate_bp,
            pph22_exemption: exemption,
            gross_total,
            withheld_by_treasurer,
            collected_by_platform,
            payable,
            vendor_receives,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        date(y, m, d)
    }

    fn line(quantity: i64, unit_price: i64) -> InvoiceLine {
        InvoiceLine { quantity, unit_price: Rupiah(unit_price) }
    }

    const PKP: VendorTaxFacts = VendorTaxFacts { is_pkp: true, pp55_valid_until: None };
    const NON_PKP: VendorTaxFacts = VendorTaxFacts { is_pkp: false, pp55_valid_until: None };

    fn platform() -> TaxRules {
        TaxRules::default()
    }

    fn treasurer() -> TaxRules {
        TaxRules { pph22_collection: Pph22Collection::Treasurer, ..TaxRules::default() }
    }

    /// Rp10,000,000 before PPN: 8 × Rp1,000,000 + 4 × Rp500,000, and one rejected line.
    fn ten_million() -> Vec<InvoiceLine> {
        vec![line(8, 1_000_000), line(4, 500_000), line(0, 750_000)]
    }

    #[test]
    fn pkp_vendor_in_2026_through_the_platform() {
        let f = platform().invoice(day(2026, 3, 10), &PKP, &ten_million()).unwrap();
        let amounts: Vec<i64> = f.lines.iter().map(|l| l.amount.0).collect();
        assert_eq!(amounts, [8_000_000, 2_000_000, 0]);
        assert_eq!(f.subtotal, Rupiah(10_000_000));
        // 10,000,000 × 11/12 = 9,166,666.67 → 9,166,667
        assert_eq!(f.dpp, Rupiah(9_166_667));
        // 9,166,667 × 12 % = 1,100,000.04 → 1,100,000
        assert_eq!(f.ppn, Rupiah(1_100_000));
        assert_eq!(
            f.ppn_applied,
            Some(PpnApplied { rate_bp: BasisPoints(1_200), base_numerator: 11, base_denominator: 12 })
        );
        // 10,000,000 × 0.5 %
        assert_eq!(f.pph22, Rupiah(50_000));
        assert_eq!(f.pph22_rate_bp, Some(BasisPoints(50)));
        assert_eq!(f.pph22_exemption, None);
        assert_eq!(f.gross_total, Rupiah(11_100_000));
        // The invoice is gross: the bendahara pays all of it, the platform keeps the taxes.
        assert_eq!(f.payable, Rupiah(11_100_000));
        assert_eq!(f.withheld_by_treasurer, Rupiah(0));
        assert_eq!(f.collected_by_platform, Rupiah(1_150_000));
        assert_eq!(f.vendor_receives, Rupiah(9_950_000));
    }

    #[test]
    fn pkp_vendor_in_2026_with_the_treasurer_collecting() {
        let f = treasurer().invoice(day(2026, 3, 10), &PKP, &ten_million()).unwrap();
        assert_eq!((f.dpp, f.ppn), (Rupiah(9_166_667), Rupiah(1_100_000)));
        // 10,000,000 × 1.5 %
        assert_eq!(f.pph22, Rupiah(150_000));
        assert_eq!(f.pph22_rate_bp, Some(BasisPoints(150)));
        assert_eq!(f.pph22_collection, Pph22Collection::Treasurer);
        assert_eq!(f.gross_total, Rupiah(11_100_000));
        // The bendahara keeps PPN and PPh 22 and transfers the net.
        assert_eq!(f.withheld_by_treasurer, Rupiah(1_250_000));
        assert_eq!(f.collected_by_platform, Rupiah(0));
        assert_eq!(f.payable, Rupiah(9_850_000));
        assert_eq!(f.vendor_receives, Rupiah(9_850_000));
    }

    #[test]
    fn treasurer_collects_no_pph22_on_at_most_two_million() {
        let f = treasurer().invoice(day(2026, 3, 10), &PKP, &[line(4, 500_000)]).unwrap();
        assert_eq!(f.subtotal, Rupiah(2_000_000));
        // 2,000,000 × 11/12 = 1,833,333.33 → 1,833,333; × 12 % = 219,999.96 → 220,000
        assert_eq!((f.dpp, f.ppn), (Rupiah(1_833_333), Rupiah(220_000)));
        assert_eq!(f.pph22, Rupiah(0));
        assert_eq!(f.pph22_rate_bp, None);
        assert_eq!(f.pph22_exemption, Some(Pph22Exemption::AtMostThreshold));
        assert_eq!(f.gross_total, Rupiah(2_220_000));
        assert_eq!(f.withheld_by_treasurer, Rupiah(220_000));
        assert_eq!(f.payable, Rupiah(2_000_000));
        assert_eq!(f.vendor_receives, Rupiah(2_000_000));
    }

    #[test]
    fn treasurer_collects_pph22_one_rupiah_above_two_million() {
        let f = treasurer().invoice(day(2026, 3, 10), &PKP, &[line(4, 500_000), line(1, 1)]).unwrap();
        assert_eq!(f.subtotal, Rupiah(2_000_001));
        // 22,000,011 / 12 = 1,833,334.25 → 1,833,334; × 12 % = 220,000.08 → 220,000
        assert_eq!((f.dpp, f.ppn), (Rupiah(1_833_334), Rupiah(220_000)));
        // 2,000,001 × 1.5 % = 30,000.015 → 30,000
        assert_eq!(f.pph22, Rupiah(30_000));
        assert_eq!(f.pph22_exemption, None);
        assert_eq!(f.gross_total, Rupiah(2_220_001));
        assert_eq!(f.withheld_by_treasurer, Rupiah(250_000));
        assert_eq!(f.payable, Rupiah(1_970_001));
        assert_eq!(f.vendor_receives, Rupiah(1_970_001));
    }

    #[test]
    fn the_platform_collects_pph22_below_two_million_too() {
        let f = platform().invoice(day(2026, 3, 10), &NON_PKP, &[line(1, 1_000_000)]).unwrap();
        assert_eq!(f.pph22, Rupiah(5_000));
        assert_eq!(f.vendor_receives, Rupiah(995_000));
    }

    #[test]
    fn pp55_certificate_exempts_from_treasurer_pph22_while_valid() {
        let on = day(2026, 6, 1);
        let lines = [line(10, 500_000)];
        let holder = |until| VendorTaxFacts { is_pkp: false, pp55_valid_until: Some(until) };

        for until in [day(2026, 12, 31), on] {
            let f = treasurer().invoice(on, &holder(until), &lines).unwrap();
            assert_eq!(f.pph22, Rupiah(0), "valid until {until}");
            assert_eq!(f.pph22_exemption, Some(Pph22Exemption::Pp55Certificate));
            assert_eq!(f.payable, Rupiah(5_000_000));
            assert_eq!(f.vendor_receives, Rupiah(5_000_000));
        }

        // Expired the day before: 5,000,000 × 1.5 % = 75,000.
        let f = treasurer().invoice(on, &holder(day(2026, 5, 31)), &lines).unwrap();
        assert_eq!(f.pph22, Rupiah(75_000));
        assert_eq!(f.pph22_exemption, None);
        assert_eq!(f.payable, Rupiah(4_925_000));

        // The default platform rule does not look at the certificate.
        let f = platform().invoice(on, &holder(day(2026, 12, 31)), &lines).unwrap();
        assert_eq!(f.pph22, Rupiah(25_000));
    }

    #[test]
    fn non_pkp_vendor_charges_no_ppn() {
        let f = platform().invoice(day(2026, 3, 10), &NON_PKP, &[line(1, 3_333_333)]).unwrap();
        assert_eq!((f.dpp, f.ppn, f.ppn_applied), (Rupiah(0), Rupiah(0), None));
        // 3,333,333 × 0.5 % = 16,666.665 → 16,667
        assert_eq!(f.pph22, Rupiah(16_667));
        assert_eq!(f.gross_total, Rupiah(3_333_333));
        assert_eq!(f.payable, Rupiah(3_333_333));
        assert_eq!(f.collected_by_platform, Rupiah(16_667));
        assert_eq!(f.vendor_receives, Rupiah(3_316_666));
    }

    #[test]
    fn invoices_of_2024_pay_11_percent_on_the_full_price() {
        let f = platform().invoice(day(2024, 12, 31), &PKP, &ten_million()).unwrap();
        assert_eq!(f.dpp, Rupiah(10_000_000));
        assert_eq!(f.ppn, Rupiah(1_100_000));
        assert_eq!(
            f.ppn_applied,
            Some(PpnApplied { rate_bp: BasisPoints(1_100), base_numerator: 1, base_denominator: 1 })
        );
        // 1,005 × 11 % = 110.55 → 111
        let f = platform().invoice(day(2024, 6, 1), &PKP, &[line(1, 1_005)]).unwrap();
        assert_eq!((f.dpp, f.ppn), (Rupiah(1_005), Rupiah(111)));
        // The new rule starts on 1 January 2025.
        let f = platform().invoice(day(2025, 1, 1), &PKP, &[line(1, 1_005)]).unwrap();
        assert_eq!(f.ppn_applied.unwrap().rate_bp, BasisPoints(1_200));
    }

    #[test]
    fn ppn_is_twelve_percent_of_the_printed_dpp() {
        // 250 × 11/12 = 229.17 → 229; 229 × 12 % = 27.48 → 27 (11 % of 250 would be 28).
        let f = platform().invoice(day(2025, 2, 1), &PKP, &[line(1, 250)]).unwrap();
        assert_eq!((f.dpp, f.ppn), (Rupiah(229), Rupiah(27)));
    }

    #[test]
    fn taxes_are_rounded_once_on_the_total_not_per_line() {
        // 0.5 % of Rp100 per line is 0.5 → 1 each, 3 per invoice line by line;
        // 0.5 % of the total Rp300 is 1.5 → 2.
        let f = platform().invoice(day(2026, 1, 5), &NON_PKP, &[line(1, 100), line(1, 100), line(1, 100)]).unwrap();
        assert_eq!(f.pph22, Rupiah(2));
    }

    #[test]
    fn rounding_down_is_configurable_per_entry() {
        let mut rules = platform();
        rules.ppn[1].rounding = Rounding::Down;
        rules.pph22_platform[0].rounding = Rounding::Down;
        let f = rules.invoice(day(2026, 3, 10), &PKP, &ten_million()).unwrap();
        // 9,166,666.67 → 9,166,666; × 12 % = 1,099,999.92 → 1,099,999
        assert_eq!((f.dpp, f.ppn), (Rupiah(9_166_666), Rupiah(1_099_999)));
        // 199 × 0.5 % = 0.995 → 0
        let f = rules.invoice(day(2026, 3, 10), &NON_PKP, &[line(1, 199)]).unwrap();
        assert_eq!(f.pph22, Rupiah(0));
        let f = platform().invoice(day(2026, 3, 10), &NON_PKP, &[line(1, 199)]).unwrap();
        assert_eq!(f.pph22, Rupiah(1));
    }

    #[test]
    fn bad_invoices_are_typed_errors() {
        let on = day(2026, 3, 10);
        let rules = platform();
        assert_eq!(rules.invoice(on, &PKP, &[]), Err(TaxError::EmptyInvoice));
        assert_eq!(rules.invoice(on, &PKP, &[line(1, 1), line(-1, 5)]), Err(TaxError::NegativeQuantity { line: 1 }));
        assert_eq!(rules.invoice(on, &PKP, &[line(1, -5)]), Err(TaxError::NegativePrice { line: 0 }));
        assert_eq!(TaxError::NegativeQuantity { line: 1 }.field().as_deref(), Some("lines[1].quantity"));
        assert_eq!(TaxError::EmptyInvoice.code(), Code::ValidationFailed);
        // A line amount, the subtotal, and the gross total that do not fit.
        assert_eq!(rules.invoice(on, &PKP, &[line(i64::MAX, 2)]), Err(TaxError::Overflow));
        assert_eq!(rules.invoice(on, &NON_PKP, &[line(1, i64::MAX), line(1, 1)]), Err(TaxError::Overflow));
        assert_eq!(rules.invoice(on, &PKP, &[line(1, i64::MAX)]), Err(TaxError::Overflow));
        // Without PPN the largest subtotal is fine.
        let f = rules.invoice(on, &NON_PKP, &[line(1, i64::MAX)]).unwrap();
        assert_eq!(f.gross_total, Rupiah(i64::MAX));
        // Before the first configured date there is no rule to apply.
        assert_eq!(
            rules.invoice(day(2022, 3, 31), &PKP, &[line(1, 1)]),
            Err(TaxError::NoRateInForce { tax: "ppn", date: day(2022, 3, 31) })
        );
        assert_eq!(TaxError::NoRateInForce { tax: "ppn", date: on }.code(), Code::Internal);
    }

    #[test]
    fn inconsistent_rules_are_refused() {
        let on = day(2026, 3, 10);
        let mut twice = platform();
        twice.ppn[0].from = twice.ppn[1].from;
        let mut zero = platform();
        zero.ppn[1].base_denominator = 0;
        let mut above_one = platform();
        above_one.ppn[1].base_numerator = 13;
        let mut rate = treasurer();
        rate.pph22_treasurer[0].rate_bp = BasisPoints(10_001);
        let mut empty = platform();
        empty.pph22_platform.clear();
        for rules in [twice, zero, above_one, rate, empty] {
            assert!(matches!(rules.invoice(on, &PKP, &[line(1, 1)]), Err(TaxError::InvalidRules(_))), "{rules:?}");
        }
        assert_eq!(TaxRules::default().validate(), Ok(()));
    }

    #[test]
    fn the_entry_in_force_does_not_depend_on_the_order_of_entries() {
        let mut rules = platform();
        rules.ppn.reverse();
        let f = rules.invoice(day(2024, 12, 31), &PKP, &[line(1, 1_000)]).unwrap();
        assert_eq!(f.ppn, Rupiah(110));
        let f = rules.invoice(day(2025, 1, 1), &PKP, &[line(1, 1_200)]).unwrap();
        assert_eq!((f.dpp, f.ppn), (Rupiah(1_100), Rupiah(132)));
    }

    #[test]
    fn rules_read_from_configuration_keep_defaults_for_missing_keys() {
        let rules: TaxRules = serde_json::from_value(serde_json::json!({ "pph22_collection": "treasurer" })).unwrap();
        assert_eq!(rules, treasurer());

        let rules: TaxRules = serde_json::from_value(serde_json::json!({
            "ppn": [{ "from": "2025-01-01", "rate_bp": 1200, "base_numerator": 11, "base_denominator": 12,
                      "rounding": "down" }],
            "pph22_platform": [{ "from": "2022-04-01", "rate_bp": 50, "exempt_at_most": 1000 }]
        }))
        .unwrap();
        assert_eq!(rules.ppn.len(), 1);
        assert_eq!(rules.ppn[0].rounding, Rounding::Down);
        assert_eq!(rules.pph22_platform[0].exempt_at_most, Some(Rupiah(1_000)));
        assert!(!rules.pph22_platform[0].pp55_exempt);
        assert_eq!(rules.pph22_treasurer, TaxRules::default().pph22_treasurer);

        let round_trip: TaxRules = serde_json::from_value(serde_json::to_value(TaxRules::default()).unwrap()).unwrap();
        assert_eq!(round_trip, TaxRules::default());

        let typo = serde_json::from_value::<TaxRules>(serde_json::json!({ "pph22_colection": "treasurer" }));
        assert!(typo.is_err());
    }

    #[test]
    fn figures_serialize_for_the_invoice() {
        let f = platform().invoice(day(2026, 3, 10), &PKP, &ten_million()).unwrap();
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["date"], "2026-03-10");
        assert_eq!(json["lines"][0]["amount"], 8_000_000);
        assert_eq!(json["dpp"], 9_166_667);
        assert_eq!(json["ppn_applied"]["rate_bp"], 1_200);
        assert_eq!(json["pph22_collection"], "platform");
        assert_eq!(json["pph22_rate_bp"], 50);
        assert_eq!(json["payable"], 11_100_000);
        assert_eq!(json["vendor_receives"], 9_950_000);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn lines() -> impl Strategy<Value = Vec<InvoiceLine>> {
            // Small invoices, and invoices whose amounts approach and pass i64::MAX.
            let quantity = prop_oneof![0..=100i64, 0..=10_000_000i64, 1_000_000..=10_000_000i64];
            let price = prop_oneof![0..=1_000_000i64, 0..=1_000_000_000_000i64];
            prop::collection::vec((quantity, price).prop_map(|(q, p)| line(q, p)), 1..8)
        }

        fn any_day() -> impl Strategy<Value = NaiveDate> {
            (0..(6 * 366i64)).prop_map(|d| day(2022, 4, 1) + chrono::Duration::days(d))
        }

        fn vendor() -> impl Strategy<Value = VendorTaxFacts> {
            (any::<bool>(), prop::option::of(any_day()))
                .prop_map(|(is_pkp, pp55_valid_until)| VendorTaxFacts { is_pkp, pp55_valid_until })
        }

        fn rules() -> impl Strategy<Value = TaxRules> {
            prop_oneof![Just(platform()), Just(treasurer())]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn invoices_add_up_to_the_rupiah(
                rules in rules(), on in any_day(), vendor in vendor(), lines in lines(),
            ) {
                let exact: i128 = lines.iter().map(|l| i128::from(l.quantity) * i128::from(l.unit_price.0)).sum();
                let result = rules.invoice(on, &vendor, &lines);
                let fits = |v: i128| v <= i128::from(i64::MAX);
                // Never a panic; an overflow only when a figure cannot be held.
                if !fits(exact) || lines.iter().any(|l| !fits(i128::from(l.quantity) * i128::from(l.unit_price.0))) {
                    prop_assert_eq!(result, Err(TaxError::Overflow));
                    return Ok(());
                }
                if fits(exact * 112 / 100 + 1) {
                    prop_assert!(result.is_ok(), "{:?}", result);
                }
                let Ok(f) = result else {
                    prop_assert_eq!(result, Err(TaxError::Overflow));
                    return Ok(());
                };

                for figure in [f.subtotal, f.dpp, f.ppn, f.pph22, f.gross_total, f.withheld_by_treasurer,
                               f.collected_by_platform, f.payable, f.vendor_receives] {
                    prop_assert!(figure.0 >= 0, "{:?}", f);
                }
                for (l, lf) in lines.iter().zip(&f.lines) {
                    prop_assert!(lf.amount.0 >= 0);
                    prop_assert_eq!(i128::from(lf.amount.0), i128::from(l.quantity) * i128::from(l.unit_price.0));
                }
                prop_assert_eq!(i128::from(f.subtotal.0), exact);
                prop_assert_eq!(f.gross_total.0, f.subtotal.0 + f.ppn.0);
                prop_assert_eq!(f.payable.0, f.gross_total.0 - f.withheld_by_treasurer.0);
                prop_assert_eq!(f.vendor_receives.0, f.payable.0 - f.collected_by_platform.0);
                prop_assert_eq!(f.vendor_receives.0, f.subtotal.0 - f.pph22.0);
                let taxes = f.ppn.0 + f.pph22.0;
                match rules.pph22_collection {
                    Pph22Collection::Platform => {
                        prop_assert_eq!((f.withheld_by_treasurer.0, f.collected_by_platform.0), (0, taxes));
                        prop_assert_eq!(f.payable, f.gross_total);
                    }
                    Pph22Collection::Treasurer => {
                        prop_assert_eq!((f.withheld_by_treasurer.0, f.collected_by_platform.0), (taxes, 0));
                        prop_assert_eq!(f.payable, f.vendor_receives);
                    }
                }

                // PPN: the rate on the printed DPP, close to 11 % of the price either way.
                if vendor.is_pkp {
                    let applied = f.ppn_applied.unwrap();
                    let (n, d) = (i128::from(applied.base_numerator), i128::from(applied.base_denominator));
                    let dpp_exact = i128::from(f.subtotal.0) * n;
                    prop_assert!((i128::from(f.dpp.0) * d - dpp_exact).abs() * 2 <= d);
                    prop_assert_eq!(f.ppn, f.dpp.apply_bp(applied.rate_bp));
                    let off = (i128::from(f.ppn.0) * 10_000 - i128::from(f.subtotal.0) * 1_100).abs();
                    prop_assert!(off <= 10_000, "PPN {} on {}", f.ppn, f.subtotal);
                } else {
                    prop_assert_eq!((f.dpp.0, f.ppn.0, f.ppn_applied), (0, 0, None));
                }

                // PPh 22: the configured rate on the price before PPN, unless exempt.
                let pp55 = vendor.pp55_valid_until.is_some_and(|u| u >= on);
                let expected_exemption = match rules.pph22_collection {
                    Pph22Collection::Platform => None,
                    Pph22Collection::Treasurer if f.subtotal.0 <= 2_000_000 => Some(Pph22Exemption::AtMostThreshold),
                    Pph22Collection::Treasurer if pp55 => Some(Pph22Exemption::Pp55Certificate),
                    Pph22Collection::Treasurer => None,
                };
                prop_assert_eq!(f.pph22_exemption, expected_exemption);
                match f.pph22_rate_bp {
                    Some(rate) => prop_assert_eq!(f.pph22, f.subtotal.apply_bp(rate)),
                    None => prop_assert_eq!(f.pph22.0, 0),
                }
            }
        }
    }
}
