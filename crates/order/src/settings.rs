//! What an operator configures about buying (`[orders]` in the configuration).

use chrono::NaiveDate;
use pasar_core::{Rupiah, Zone};
use pasar_vendor_onboarding::service::VendorSettings;
use std::sync::Arc;

/// The spending ceilings in force from a date (Perpres 12/2021 and LKPP's rules change
/// them by decree, so they are dated like tax rates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ceilings {
    /// The first day these ceilings hold.
    pub from: NaiveDate,
    /// The largest order a pejabat pengadaan may check out; above it only the PPK may.
    pub pp_max_idr: i64,
    /// The largest direct purchase (`pembelian_langsung`, from micro and small vendors only).
    pub direct_purchase_max_idr: i64,
}

impl Default for Ceilings {
    fn default() -> Self {
        Ceilings {
            from: NaiveDate::from_ymd_opt(2021, 2, 2).expect("a valid date"),
            pp_max_idr: 200_000_000,
            direct_purchase_max_idr: 50_000_000,
        }
    }
}

/// Buying rules.
#[derive(Debug, Clone)]
pub struct OrderSettings {
    /// How the PPK signs the Surat Pesanan.
    pub signer: Arc<dyn crate::documents::Signer>,
    pub vendors: Arc<VendorSettings>,
    /// Ceiling schedules, any order; the latest `from` on or before a day applies.
    pub ceilings: Vec<Ceilings>,
    /// Working days the PPK has to approve an order before it cancels itself.
    pub ppk_days: u32,
    /// Working days the vendor has to countersign a Surat Pesanan before it cancels itself.
    pub vendor_days: u32,
    /// PPN and PPh 22 rules for invoices.
    pub tax: crate::tax::TaxRules,
}

impl Default for OrderSettings {
    fn default() -> Self {
        OrderSettings {
            signer: Arc::new(crate::documents::AccountConfirmation),
            vendors: Arc::new(VendorSettings::default()),
            ceilings: vec![Ceilings::default()],
            ppk_days: 3,
            vendor_days: 3,
            tax: crate::tax::TaxRules::default(),
        }
    }
}

impl OrderSettings {
    pub fn time_zone(&self) -> Zone {
        self.vendors.time_zone
    }

    /// The ceilings in force on `day` (the defaults before the first configured entry).
    pub fn ceilings_on(&self, day: NaiveDate) -> Ceilings {
        self.ceilings.iter().filter(|c| c.from <= day).max_by_key(|c| c.from).copied().unwrap_or_default()
    }

    pub fn pp_ceiling(&self, day: NaiveDate) -> Rupiah {
        Rupiah(self.ceilings_on(day).pp_max_idr)
    }
}
