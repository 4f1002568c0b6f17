//! The CSV format of a product import. One header row naming the columns (any order),
//! then one product per row. Columns:
//!
//! | column | required | example |
//! |---|---|---|
//! | `name` | yes | `Kertas HVS A4 80 gsm` |
//! | `category` | yes | `kertas` (a category slug) or a category id |
//! | `unit` | yes | `rim` |
//! | `unit_price_idr` | yes | `52000` |
//! | `description`, `brand`, `sku` | no | |
//! | `min_order`, `stock`, `weight_grams` | no | `1`, `250`, `2500` |
//! | `tkdn_certificate`, `tkdn_bp`, `bmp_bp`, `tkdn_valid_until` | no | `TKDN-123/2026`, `4500`, `1000`, `2029-12-31` |
//! | `specs` | no | `ukuran=A4; gramatur=80 gsm` |

use crate::service::{LocalContentInput, ProductInput};
use pasar_core::FieldError;
use std::collections::BTreeMap;

const REQUIRED: [&str; 4] = ["name", "category", "unit", "unit_price_idr"];
const OPTIONAL: [&str; 11] = [
    "description",
    "brand",
    "sku",
    "min_order",
    "stock",
    "weight_grams",
    "tkdn_certificate",
    "tkdn_bp",
    "bmp_bp",
    "tkdn_valid_until",
    "specs",
];
/// Rows in one import, at most.
pub const MAX_ROWS: usize = 200_000;

/// A parsed row: the product input and its category reference (a slug or an id).
pub type Row = ProductInput;

/// Parses the file into product inputs; problems of the file's shape and of values that
/// are not numbers are reported here, each as `rows[N].column` (or `header.column`).
pub fn parse(text: &[u8]) -> Result<Vec<Row>, Vec<FieldError>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(text);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim_start_matches('\u{feff}').to_ascii_lowercase()).collect(),
        Err(e) => return Err(vec![FieldError::new("header", format!("is not readable CSV: {e}"))]),
    };
    let mut errors = Vec::new();
    for col in &header {
        if !REQUIRED.contains(&col.as_str()) && !OPTIONAL.contains(&col.as_str()) {
            errors.push(FieldError::new(format!("header.{col}"), "is not a column of the import format"));
        }
    }
    for col in REQUIRED {
        if !header.iter().any(|h| h == col) {
            errors.push(FieldError::new(format!("header.{col}"), "is a required column"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let n = i + 1;
        if n > MAX_ROWS {
            return Err(vec![FieldError::new("rows", format!("at most {MAX_ROWS} rows per import"))]);
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(FieldError::new(format!("rows[{n}]"), format!("is not a valid CSV row: {e}")));
                continue;
            }
        };
        let get = |col: &str| {
            header
                .iter()
                .position(|h| h == col)
                .and_then(|i| record.get(i))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let mut number = |col: &str| -> Option<i64> {
            let v = get(col)?;
            match v.replace(['.', '_'], "").parse::<i64>() {
                Ok(x) => Some(x),
                Err(_) => {
                    errors.push(FieldError::new(format!("rows[{n}].{col}"), format!("'{v}' is not a whole number")));
                    None
                }
            }
        };
        let unit_price_idr = number("unit_price_idr");
        let min_order = number("min_order");
        let stock = number("stock");
        let weight_grams = number("weight_grams");
        let tkdn_bp = number("tkdn_bp");
        let bmp_bp = number("bmp_bp");
        let specs = get("specs").map(|s| {
            s.split(';')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect::<BTreeMap<_, _>>()
        });
        let has_tkdn = ["tkdn_certificate", "tkdn_bp", "bmp_bp", "tkdn_valid_until"].iter().any(|c| get(c).is_some());
        rows.push(ProductInput {
            name: get("name"),
            description: get("description"),
            category_id: get("category"),
            brand: get("brand"),
            sku: get("sku"),
            unit: get("unit").map(|u| u.to_ascii_lowercase()),
            unit_price_idr,
            min_order,
            stock,
            weight_grams,
            specs,
            local_content: has_tkdn.then(|| LocalContentInput {
                certificate: get("tkdn_certificate"),
                tkdn_bp,
                bmp_bp,
                valid_until: get("tkdn_valid_until"),
                document_id: None,
            }),
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// The CSV column a product field comes from, for error messages.
pub fn column_of(field: &str) -> &str {
    match field {
        "category_id" => "category",
        "local_content.certificate" => "tkdn_certificate",
        "local_content.tkdn_bp" => "tkdn_bp",
        "local_content.bmp_bp" => "bmp_bp",
        "local_content.valid_until" => "tkdn_valid_until",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_columns_in_any_order_and_names_bad_cells() {
        let ok =
            b"unit_price_idr,name,category,unit,specs\n52.000,Kertas HVS A4,kertas,RIM,ukuran=A4; gramatur=80 gsm\n";
        let rows = parse(ok).unwrap();
        assert_eq!(rows[0].unit_price_idr, Some(52_000));
        assert_eq!(rows[0].unit.as_deref(), Some("rim"));
        assert_eq!(rows[0].specs.as_ref().unwrap()["gramatur"], "80 gsm");

        let bad = b"name,category,unit,unit_price_idr,colour\nA,kertas,rim,1\n";
        let e = parse(bad).unwrap_err();
        assert_eq!(e[0].field, "header.colour");
        let bad = b"name,category,unit,unit_price_idr\nA,kertas,rim,murah\nB,kertas,rim\n";
        let e = parse(bad).unwrap_err();
        assert_eq!(e[0].field, "rows[1].unit_price_idr");
        assert_eq!(e[1].field, "rows[2]");
    }
}
