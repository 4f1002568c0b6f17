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

use crate::input::{LocalContentInput, ProductInput};
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

/// A parsed row: the product input and its category reference (a slug or an id).
pub type Row = ProductInput;

/// Why a file is refused before any row is looked at in detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// More data rows than `limit`.
    TooManyRows { limit: usize },
    /// Problems of the file's shape and of cells that are not numbers.
    Invalid(Vec<FieldError>),
}

/// How a number column may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notation {
    /// Digits, optionally grouped in thousands with dots as Indonesian spreadsheets
    /// write them: `1.250.000` (rupiah, stock, grams).
    Thousands,
    /// Digits only: basis points (`4567` is 45.67 %), where `45.67` or `4.567` would
    /// be read wrongly by somebody.
    Plain,
}

/// Parses a whole number written in `notation`, or says what is wrong with it.
///
/// Accepted is exactly the canonical writing of a number: an optional `-`, then `0` or
/// digits without a leading zero, and with [`Notation::Thousands`] optionally dots
/// between groups of three digits (`1.250.000`, but not `1.25.000`, `1250.000` or
/// `0.500`). Nothing is guessed: `52000.50`, `52,5`, `Rp 5000`, `5 000`, `+5`, `1e6` and
/// numbers beyond the range of `i64` are refused, so that a price is never read as a
/// different number. The sign is accepted so that the caller can say "must not be
/// negative" in the words of its own rules.
pub fn parse_whole(text: &str, notation: Notation) -> Result<i64, String> {
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if body.is_empty() {
        return Err(if text.is_empty() { "is empty".into() } else { "is not a number".into() });
    }
    if !body.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let lower = body.to_ascii_lowercase();
        return Err(if lower.contains("rp") || body.contains('$') {
            "must be a number without the currency (write 5000, not Rp 5000)".into()
        } else if body.contains(',') {
            "must be a whole number: a comma (a decimal or a thousands separator) is not allowed".into()
        } else if body.bytes().any(|b| b.is_ascii_whitespace()) {
            "must not contain spaces".into()
        } else {
            "must be a whole number (digits only)".into()
        });
    }
    let groups: Vec<&str> = body.split('.').collect();
    if groups.len() > 1 {
        if notation == Notation::Plain {
            return Err("must be a whole number written without dots or decimals (45.67 % is 4567)".into());
        }
        let first_ok = digits_only(groups[0]) && groups[0].len() <= 3 && !groups[0].starts_with('0');
        if !first_ok || !groups[1..].iter().all(|g| g.len() == 3 && digits_only(g)) {
            return Err(
                "must be a whole number; dots may only separate thousands (1.250.000), and decimals are not allowed"
                    .into(),
            );
        }
    } else if body.len() > 1 && body.starts_with('0') {
        return Err("must not start with 0".into());
    }
    if negative && body == "0" {
        return Err("must not be -0".into());
    }
    let mut value: i64 = 0;
    for b in body.bytes().filter(u8::is_ascii_digit) {
        let digit = i64::from(b - b'0');
        value = value
            .checked_mul(10)
            .and_then(|v| if negative { v.checked_sub(digit) } else { v.checked_add(digit) })
            .ok_or_else(|| "is too large".to_owned())?;
    }
    Ok(value)
}

/// The notation of each number column.
fn notation_of(col: &str) -> Notation {
    match col {
        "tkdn_bp" | "bmp_bp" => Notation::Plain,
        _ => Notation::Thousands,
    }
}

/// Parses the file into product inputs; problems of the file's shape and of values that
/// are not numbers are reported here, each as `rows[N].column` (or `header.column`).
/// `max_rows` refuses a file with more data rows than that (the API's limit; the
/// command line has none).
pub fn parse(text: &[u8], max_rows: Option<usize>) -> Result<Vec<Row>, FileError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(text);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim_start_matches('\u{feff}').to_ascii_lowercase()).collect(),
        Err(e) => return Err(FileError::Invalid(vec![FieldError::new("header", format!("is not readable CSV: {e}"))])),
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
        return Err(FileError::Invalid(errors));
    }
    let position = |col: &str| header.iter().position(|h| h == col);
    let columns: BTreeMap<&str, Option<usize>> =
        REQUIRED.iter().chain(OPTIONAL.iter()).map(|c| (*c, position(c))).collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let n = i + 1;
        if max_rows.is_some_and(|limit| n > limit) {
            return Err(FileError::TooManyRows { limit: max_rows.unwrap_or_default() });
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(FieldError::new(format!("rows[{n}]"), format!("is not a valid CSV row: {e}")));
                continue;
            }
        };
        let get = |col: &str| {
            columns.get(col).copied().flatten().and_then(|i| record.get(i)).filter(|v| !v.is_empty()).map(str::to_owned)
        };
        let mut number = |col: &str| -> Option<i64> {
            let v = get(col)?;
            match parse_whole(&v, notation_of(col)) {
                Ok(x) => Some(x),
                Err(why) => {
                    let shown: String = v.chars().take(40).collect();
                    errors.push(FieldError::new(format!("rows[{n}].{col}"), format!("'{shown}' {why}")));
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
        Err(FileError::Invalid(errors))
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

    fn invalid(text: &[u8]) -> Vec<FieldError> {
        match parse(text, None) {
            Err(FileError::Invalid(e)) => e,
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn reads_columns_in_any_order_and_names_bad_cells() {
        let ok =
            b"unit_price_idr,name,category,unit,specs\n52.000,Kertas HVS A4,kertas,RIM,ukuran=A4; gramatur=80 gsm\n";
        let rows = parse(ok, None).unwrap();
        assert_eq!(rows[0].unit_price_idr, Some(52_000));
        assert_eq!(rows[0].unit.as_deref(), Some("rim"));
        assert_eq!(rows[0].specs.as_ref().unwrap()["gramatur"], "80 gsm");

        let e = invalid(b"name,category,unit,unit_price_idr,colour\nA,kertas,rim,1\n");
        assert_eq!(e[0].field, "header.colour");
        let e = invalid(b"name,category,unit,unit_price_idr\nA,kertas,rim,murah\nB,kertas,rim\n");
        assert_eq!(e[0].field, "rows[1].unit_price_idr");
        assert_eq!(e[1].field, "rows[2]");
    }

    #[test]
    fn money_that_could_be_misread_is_refused_with_its_row_and_column() {
        let file = b"name,category,unit,unit_price_idr,stock,tkdn_bp,bmp_bp\n\
            A,kertas,rim,52000.50,1,,\n\
            B,kertas,rim,\"52,5\",1.000,,\n\
            C,kertas,rim,1.25.000,1,45.5,\n\
            D,kertas,rim,Rp 5000,1,4567,1.500\n\
            E,kertas,rim,1.250.000,2.500,4567,1500\n\
            F,kertas,rim,99999999999999999999,0,,\n";
        let e = invalid(file);
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "rows[1].unit_price_idr",
                "rows[2].unit_price_idr",
                "rows[3].unit_price_idr",
                "rows[3].tkdn_bp",
                "rows[4].unit_price_idr",
                "rows[4].bmp_bp",
                "rows[6].unit_price_idr",
            ]
        );
        assert!(e[0].message.contains("52000.50"), "{}", e[0].message);
        let ok = parse(b"name,category,unit,unit_price_idr,stock,tkdn_bp\nE,kertas,rim,1.250.000,2.500,4567\n", None)
            .unwrap();
        assert_eq!((ok[0].unit_price_idr, ok[0].stock), (Some(1_250_000), Some(2_500)));
        assert_eq!(ok[0].local_content.as_ref().unwrap().tkdn_bp, Some(4_567));
    }

    #[test]
    fn a_row_limit_refuses_bigger_files() {
        let file = b"name,category,unit,unit_price_idr\nA,kertas,rim,1\nB,kertas,rim,2\nC,kertas,rim,3\n";
        assert_eq!(parse(file, Some(3)).unwrap().len(), 3);
        assert_eq!(parse(file, Some(2)).unwrap_err(), FileError::TooManyRows { limit: 2 });
        assert_eq!(parse(file, None).unwrap().len(), 3);
    }

    #[test]
    fn whole_numbers_accepted_and_refused() {
        use Notation::{Plain, Thousands};
        let accepted: &[(&str, Notation, i64)] = &[
            ("0", Thousands, 0),
            ("7", Thousands, 7),
            ("52000", Thousands, 52_000),
            ("52.000", Thousands, 52_000),
            ("1.250.000", Thousands, 1_250_000),
            ("999.999", Thousands, 999_999),
            ("-1", Thousands, -1),
            ("-1.250", Thousands, -1_250),
            ("9223372036854775807", Thousands, i64::MAX),
            ("9.223.372.036.854.775.807", Thousands, i64::MAX),
            ("-9223372036854775808", Thousands, i64::MIN),
            ("4567", Plain, 4_567),
            ("10000", Plain, 10_000),
            ("0", Plain, 0),
        ];
        for (text, notation, value) in accepted {
            assert_eq!(parse_whole(text, *notation), Ok(*value), "{text} ({notation:?})");
        }
        let refused: &[(&str, Notation)] = &[
            ("", Thousands),
            ("-", Thousands),
            ("52000.50", Thousands),
            ("52000.5", Thousands),
            ("52,5", Thousands),
            ("52,000", Thousands),
            ("1.25.000", Thousands),
            ("1.2500", Thousands),
            ("1250.000", Thousands),
            ("1.250.00", Thousands),
            (".250", Thousands),
            ("250.", Thousands),
            ("1..250", Thousands),
            ("0.500", Thousands),
            ("0.5", Thousands),
            ("012", Thousands),
            ("00", Thousands),
            ("-0", Thousands),
            ("--1", Thousands),
            ("+5", Thousands),
            ("Rp 5000", Thousands),
            ("Rp5.000", Thousands),
            ("5000 rupiah", Thousands),
            ("5 000", Thousands),
            ("5\u{a0}000", Thousands),
            (" 5", Thousands),
            ("1e6", Thousands),
            ("5_000", Thousands),
            ("٥٠٠٠", Thousands),
            ("9223372036854775808", Thousands),
            ("9.223.372.036.854.775.808", Thousands),
            ("-9223372036854775809", Thousands),
            ("99999999999999999999999", Thousands),
            ("4.567", Plain),
            ("45.67", Plain),
            ("45,67", Plain),
            ("4567%", Plain),
            ("1.500", Plain),
        ];
        for (text, notation) in refused {
            assert!(parse_whole(text, *notation).is_err(), "{text:?} ({notation:?}) must be refused");
        }
        assert!(parse_whole("Rp 5000", Thousands).unwrap_err().contains("currency"));
        assert!(parse_whole("52,5", Thousands).unwrap_err().contains("comma"));
        assert!(parse_whole("52000.50", Thousands).unwrap_err().contains("decimals"));
        assert!(parse_whole("99999999999999999999", Thousands).unwrap_err().contains("too large"));
    }

    /// `1.250.000` for 1250000, as Indonesian spreadsheets write it.
    fn grouped(v: i64) -> String {
        let digits = v.unsigned_abs().to_string();
        let mut out = String::from(if v < 0 { "-" } else { "" });
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        out
    }

    /// Every string of up to six characters from digits, separators, signs, a space and
    /// a letter is accepted exactly when it is the plain or the grouped writing of the
    /// number it is read as: nothing else is ever turned into a number.
    #[test]
    fn only_the_canonical_writings_of_a_number_are_accepted_exhaustively() {
        const ALPHABET: [char; 9] = ['0', '1', '5', '9', '.', ',', '-', ' ', 'R'];
        let mut accepted = 0;
        let mut text = String::new();
        let mut counter = vec![0usize; 0];
        for len in 0..=6 {
            counter.clear();
            counter.resize(len, 0);
            loop {
                text.clear();
                text.extend(counter.iter().map(|&k| ALPHABET[k]));
                for notation in [Notation::Thousands, Notation::Plain] {
                    if let Ok(v) = parse_whole(&text, notation) {
                        accepted += 1;
                        let canonical =
                            text == v.to_string() || (notation == Notation::Thousands && text == grouped(v));
                        assert!(canonical, "{text:?} was read as {v} ({notation:?})");
                    }
                }
                // The next string of this length, like an odometer.
                let mut i = 0;
                while i < len {
                    counter[i] += 1;
                    if counter[i] < ALPHABET.len() {
                        break;
                    }
                    counter[i] = 0;
                    i += 1;
                }
                if i == len {
                    break;
                }
            }
        }
        assert!(accepted > 1_000, "the alphabet holds many numbers ({accepted})");
    }

    /// The other way round: the plain and the grouped writing of numbers spread over the
    /// whole range (every one below 20,000, then a deterministic scatter up to i64's
    /// limits) read back as themselves.
    #[test]
    fn every_number_reads_back_from_both_writings() {
        let mut values: Vec<i64> = (-1_000..20_000).collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let bits = (x % 64) as u32;
            values.push((x >> (64 - bits.max(1))) as i64);
            values.push(-((x >> (64 - bits.max(1)).max(1)) as i64));
        }
        values.extend([i64::MAX, i64::MIN, i64::MAX - 1, i64::MIN + 1, 1_000, 999_999, 1_000_000]);
        for v in values {
            assert_eq!(parse_whole(&v.to_string(), Notation::Thousands), Ok(v), "{v}");
            assert_eq!(parse_whole(&grouped(v), Notation::Thousands), Ok(v), "{}", grouped(v));
            assert_eq!(parse_whole(&v.to_string(), Notation::Plain), Ok(v), "{v}");
            if v.unsigned_abs() >= 1_000 {
                assert!(parse_whole(&grouped(v), Notation::Plain).is_err(), "{}", grouped(v));
            }
        }
    }
}
