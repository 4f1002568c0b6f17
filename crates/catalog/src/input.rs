//! What a vendor sends for a product, before it is checked: the body of
//! `POST /products` and `PATCH /products/{id}`, and one row of a CSV import. The rules
//! that turn it into a product row live in `service`; [`crate::import`] parses CSV
//! into it, so it sits below both.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A product's certified local content, as sent and as shown.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalContentInput {
    /// The TKDN certificate number (from SIINas).
    #[schema(max_length = 100)]
    pub certificate: Option<String>,
    /// TKDN in basis points (45.67 % = 4567).
    #[schema(minimum = 0, maximum = 10000)]
    pub tkdn_bp: Option<i64>,
    /// BMP in basis points, at most 1500.
    #[schema(minimum = 0, maximum = 1500)]
    pub bmp_bp: Option<i64>,
    /// `YYYY-MM-DD`, not in the past.
    #[schema(format = Date)]
    pub valid_until: Option<String>,
    /// The vendor's uploaded TKDN certificate (a document of kind `tkdn`).
    #[schema(value_type = Option<uuid::Uuid>)]
    pub document_id: Option<String>,
}

/// A new product or changes to one; on update, absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// An open category whose KBLI rule the vendor meets.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub category_id: Option<String>,
    /// Blank clears it.
    #[schema(max_length = 100)]
    pub brand: Option<String>,
    /// The vendor's own code, unique among its products; blank clears it.
    #[schema(max_length = 64)]
    pub sku: Option<String>,
    #[schema(value_type = Option<crate::model::Unit>)]
    pub unit: Option<String>,
    /// The highest unit price (HST), whole rupiah; negotiation may only lower it.
    #[schema(minimum = 1)]
    pub unit_price_idr: Option<i64>,
    #[schema(minimum = 1, maximum = 2147483647)]
    pub min_order: Option<i64>,
    #[schema(minimum = 0, maximum = 2147483647)]
    pub stock: Option<i64>,
    #[schema(minimum = 0, maximum = 2147483647)]
    pub weight_grams: Option<i64>,
    /// Specifications as key–value pairs (at most 50; keys 1 to 100 characters, values at most 500).
    pub specs: Option<BTreeMap<String, String>>,
    pub local_content: Option<LocalContentInput>,
}
