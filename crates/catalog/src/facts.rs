//! The facts about a product that P3DN counts, worked out in one place.
//!
//! [`snapshot`] is the one function that says, for a product and its vendor on a given
//! day, what a buyer is offered: the name, unit and highest unit price (HST), the local
//! content that counts (TKDN, BMP, the certificate and whether it has lapsed), the
//! purchasing priority of Perpres 46/2025 and the PDN class, and the vendor's scale,
//! UMKK status, locality and region. The product page and the search documents are
//! built from it, and an order line freezes exactly what it returns, so what a buyer saw,
//! what search ranked and what a report counts can never disagree.

use crate::model::{LocalContent, PriorityTier, ProductStatus};
use crate::shared::vendor_public;
use crate::store::{self, ProductRow};
use crate::CatalogError;
use chrono::NaiveDate;
use pasar_core::BasisPoints;
use pasar_db::DbConn;
use pasar_vendor_onboarding::model::{lapsed, Scale, VendorStatus};
use pasar_vendor_onboarding::service::{PublicVendorView, VendorSettings};
use serde::Serialize;

/// Which version of a product to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// What a curator approved: what buyers see, search finds and orders freeze. A
    /// product never approved has only its working copy.
    Approved,
    /// The vendor's working copy, as the vendor and the curation desk see it.
    WorkingCopy,
}

pasar_core::string_enum!(
    /// Whether spending on a product counts as spending on domestic products (PDN,
    /// produk dalam negeri) or on an import.
    PdnClass {
        Pdn => "pdn",
        Import => "import",
    }
);

/// Everything an order line freezes about a product at the moment of purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProductFacts {
    pub product_id: String,
    pub product_name: String,
    pub category_id: String,
    /// The unit the price is for (`pcs`, `kg`, …); a curator approves any change to it.
    pub unit: String,
    /// The highest unit price (HST), whole rupiah: negotiation may only lower it.
    pub unit_price_idr: i64,
    pub tkdn_certificate: Option<String>,
    /// The certificate's last valid day (`YYYY-MM-DD`).
    pub tkdn_valid_until: Option<String>,
    /// The certificate's valid-until day was before the snapshot's day.
    pub tkdn_lapsed: bool,
    /// TKDN as recorded on the certificate, in basis points.
    pub tkdn_recorded_bp: Option<u32>,
    /// TKDN that counts, in basis points: the recorded figure, or 0 when the certificate
    /// has lapsed.
    pub tkdn_bp: u32,
    /// BMP (Bobot Manfaat Perusahaan) as recorded, in basis points (at most 1500).
    pub bmp_recorded_bp: Option<u32>,
    /// BMP that counts, in basis points (0 where none is recorded).
    pub bmp_bp: u32,
    /// TKDN + BMP ≥ 40 % with TKDN ≥ 25 %.
    pub pdn_priority: bool,
    /// TKDN ≥ 25 %.
    pub tkdn_25: bool,
    pub priority_tier: PriorityTier,
    pub pdn_class: PdnClass,
    pub vendor_id: String,
    pub vendor_name: String,
    /// The vendor's scale by PP 7/2021, if its capital or sales are known.
    pub vendor_scale: Option<Scale>,
    /// Micro, small or a koperasi.
    pub umkk: bool,
    /// In a region the marketplace serves.
    pub local: bool,
    /// The vendor's Kemendagri region code.
    pub vendor_region_code: Option<String>,
    /// The day the facts hold for (the marketplace's local day).
    pub on_date: NaiveDate,
}

impl ProductFacts {
    /// The counted local content.
    pub fn local_content(&self) -> LocalContent {
        LocalContent { tkdn: BasisPoints(self.tkdn_bp), bmp: BasisPoints(self.bmp_bp) }
    }
}

fn basis_points(v: Option<i32>) -> Option<u32> {
    v.map(|v| v.max(0) as u32)
}

/// The facts of `product` (the `version` asked for) sold by `vendor` (its approved
/// profile), as they hold on `on_date`.
pub fn snapshot(product: &ProductRow, vendor: &PublicVendorView, on_date: NaiveDate, version: Version) -> ProductFacts {
    let approved = version == Version::Approved && product.published_name.is_some();
    let r = product;
    let (name, category_id, unit, certificate, tkdn, bmp, valid_until) = if approved {
        (
            r.published_name.clone().unwrap_or_default(),
            r.published_category_id.clone().unwrap_or_default(),
            r.published_unit.clone().unwrap_or_else(|| r.unit.clone()),
            r.published_tkdn_certificate.clone(),
            r.published_tkdn_bp,
            r.published_bmp_bp,
            r.published_tkdn_valid_until.clone(),
        )
    } else {
        (
            r.name.clone(),
            r.category_id.clone(),
            r.unit.clone(),
            r.tkdn_certificate.clone(),
            r.tkdn_bp,
            r.bmp_bp,
            r.tkdn_valid_until.clone(),
        )
    };
    let tkdn_lapsed = lapsed(valid_until.as_deref(), on_date);
    let (tkdn_recorded_bp, bmp_recorded_bp) = (basis_points(tkdn), basis_points(bmp));
    let counted = LocalContent {
        tkdn: BasisPoints(if tkdn_lapsed { 0 } else { tkdn_recorded_bp.unwrap_or(0) }),
        bmp: BasisPoints(bmp_recorded_bp.unwrap_or(0)),
    };
    let priority_tier = counted.tier();
    ProductFacts {
        product_id: r.id.clone(),
        product_name: name,
        category_id,
        unit,
        unit_price_idr: r.unit_price_idr,
        tkdn_certificate: certificate,
        tkdn_valid_until: valid_until,
        tkdn_lapsed,
        tkdn_recorded_bp,
        tkdn_bp: counted.tkdn.0,
        bmp_recorded_bp,
        bmp_bp: counted.bmp.0,
        pdn_priority: counted.pdn_priority(),
        tkdn_25: counted.tkdn_25(),
        priority_tier,
        // Every product listed here is a domestic product; the import tier (and with it
        // this class) is for a product whose origin a curator records as imported.
        pdn_class: if priority_tier == PriorityTier::Import { PdnClass::Import } else { PdnClass::Pdn },
        vendor_id: r.vendor_id.clone(),
        vendor_name: vendor.name.clone(),
        vendor_scale: vendor.scale,
        umkk: vendor.umkk,
        local: vendor.local,
        vendor_region_code: vendor.region_code.clone(),
        on_date,
    }
}

/// The approved facts of a product buyers can see, as they hold on `on_date` (the
/// marketplace's local day): what an order line freezes. "Not found" for a product
/// buyers cannot see (never approved, taken down, deleted, or its vendor not approved).
pub fn of_product(
    conn: &mut DbConn,
    settings: &VendorSettings,
    product_id: &str,
    on_date: NaiveDate,
) -> Result<ProductFacts, CatalogError> {
    let row = store::find_product(conn, product_id)?.ok_or(CatalogError::NotFound("product"))?;
    let visible = ProductStatus::parse(&row.status).map_err(crate::shared::corrupt)?.is_visible();
    let (vendor, vendor_status) = vendor_public(conn, settings, &row.vendor_id)?;
    if !visible || vendor_status != VendorStatus::Approved {
        return Err(CatalogError::NotFound("product"));
    }
    Ok(snapshot(&row, &vendor, on_date, Version::Approved))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pasar_vendor_onboarding::model::LegalForm;

    fn product() -> ProductRow {
        let t = chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap().naive_utc();
        ProductRow {
            id: "p".into(),
            vendor_id: "v".into(),
            status: "changes_submitted".into(),
            name: "Kursi Lipat Baru".into(),
            description: String::new(),
            category_id: "c2".into(),
            brand: None,
            sku: None,
            unit: "set".into(),
            unit_price_idr: 250_000,
            min_order: 1,
            stock: 3,
            weight_grams: None,
            specs_json: "{}".into(),
            tkdn_certificate: Some("TKDN-2".into()),
            tkdn_bp: Some(1_000),
            bmp_bp: Some(500),
            tkdn_valid_until: Some("2030-01-01".into()),
            tkdn_document_id: None,
            published_name: Some("Kursi Lipat".into()),
            published_category_id: Some("c1".into()),
            published_unit: Some("pcs".into()),
            published_tkdn_certificate: Some("TKDN-1".into()),
            published_tkdn_bp: Some(3_000),
            published_bmp_bp: Some(1_000),
            published_tkdn_valid_until: Some("2026-12-31".into()),
            published_at: Some(t),
            review_note: None,
            submitted_at: None,
            created_at: t,
            updated_at: t,
            deleted_at: None,
        }
    }

    fn vendor() -> PublicVendorView {
        PublicVendorView {
            id: "0193a000-0000-7000-8000-0000000000aa".parse().unwrap(),
            name: "UD Kayu Jati".into(),
            kbli_codes: vec![],
            legal_name: "UD Kayu Jati".into(),
            legal_form: LegalForm::Ud,
            region_code: Some("35.76".into()),
            scale: Some(Scale::Mikro),
            umkk: true,
            local: true,
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn buyers_get_the_approved_version_and_the_vendor_its_working_copy() {
        let f = snapshot(&product(), &vendor(), day("2026-12-02"), Version::Approved);
        assert_eq!((f.product_name.as_str(), f.unit.as_str(), f.category_id.as_str()), ("Kursi Lipat", "pcs", "c1"));
        assert_eq!((f.tkdn_bp, f.bmp_bp, f.priority_tier), (3_000, 1_000, PriorityTier::PdnPriority));
        assert!(f.pdn_priority && f.tkdn_25 && !f.tkdn_lapsed);
        assert_eq!((f.umkk, f.local, f.vendor_scale), (true, true, Some(Scale::Mikro)));
        assert_eq!(f.pdn_class, PdnClass::Pdn);
        let w = snapshot(&product(), &vendor(), day("2026-12-02"), Version::WorkingCopy);
        assert_eq!((w.product_name.as_str(), w.unit.as_str()), ("Kursi Lipat Baru", "set"));
        assert_eq!(w.priority_tier, PriorityTier::TkdnBelow25);
    }

    #[test]
    fn a_lapsed_certificate_counts_as_no_tkdn_from_the_next_day() {
        let last_day = snapshot(&product(), &vendor(), day("2026-12-31"), Version::Approved);
        assert!(!last_day.tkdn_lapsed);
        let next = snapshot(&product(), &vendor(), day("2027-01-01"), Version::Approved);
        assert!(next.tkdn_lapsed);
        assert_eq!((next.tkdn_bp, next.tkdn_recorded_bp), (0, Some(3_000)));
        assert_eq!(next.priority_tier, PriorityTier::Domestic);
        assert!(!next.pdn_priority && !next.tkdn_25);
    }

    #[test]
    fn a_product_never_approved_has_only_its_working_copy() {
        let mut p = product();
        p.published_name = None;
        let f = snapshot(&p, &vendor(), day("2026-12-02"), Version::Approved);
        assert_eq!((f.product_name.as_str(), f.unit.as_str()), ("Kursi Lipat Baru", "set"));
    }
}
