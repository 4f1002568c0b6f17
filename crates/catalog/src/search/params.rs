//! The buyer's search parameters, checked: every bad one is named, none is guessed.

use super::{SearchQuery, Sort};
use crate::store::{self, CategoryRow};
use crate::CatalogError;
use pasar_core::error::{FieldError, FieldErrors};
use pasar_core::RegionCode;

/// The category tree, as [`parse`] needs it to expand `category` to its descendants.
pub fn category_tree(conn: &mut pasar_db::DbConn) -> Result<Vec<CategoryRow>, CatalogError> {
    Ok(store::categories(conn)?)
}

/// The parameters `GET /products` understands.
pub const PARAMS: [&str; 13] = [
    "q",
    "category",
    "region",
    "vendor",
    "umkk",
    "pdn_priority",
    "min_tkdn_bp",
    "min_price",
    "max_price",
    "in_stock",
    "sort",
    "page",
    "per_page",
];

pub const DEFAULT_PER_PAGE: usize = 20;
pub const MAX_PER_PAGE: usize = 100;
/// How deep pages go: enough to browse, not to scrape (at most 10,000 results).
pub const MAX_PAGE: usize = 100;
const MAX_QUERY_CHARS: usize = 200;

fn boolean(e: &mut FieldErrors, field: &str, v: &str) -> Option<bool> {
    match v {
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            e.add(field, "must be true or false");
            None
        }
    }
}

fn number(e: &mut FieldErrors, field: &str, v: &str, min: i64, max: i64) -> Option<i64> {
    match v.parse::<i64>() {
        Ok(n) if n < min => e.add(field, format!("must be at least {min}")),
        Ok(n) if n > max => e.add(field, format!("must be at most {max}")),
        Ok(n) => return Some(n),
        Err(_) => e.add(field, "must be a whole number"),
    }
    None
}

/// A category (by id or slug) and all its descendants.
fn category_and_descendants(categories: &[CategoryRow], key: &str) -> Option<Vec<String>> {
    let root = categories.iter().find(|c| c.id == key || c.slug == key)?;
    let mut out = vec![root.id.clone()];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i].clone();
        out.extend(categories.iter().filter(|c| c.parent_id.as_deref() == Some(&parent)).map(|c| c.id.clone()));
        i += 1;
    }
    Some(out)
}

/// Parses the query-string pairs into a question for the index.
pub fn parse(pairs: &[(String, String)], categories: &[CategoryRow]) -> Result<SearchQuery, Vec<FieldError>> {
    let mut e = FieldErrors::new();
    let mut q = SearchQuery { page: 1, per_page: DEFAULT_PER_PAGE, ..SearchQuery::default() };
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in pairs {
        let key = key.as_str();
        if !PARAMS.contains(&key) {
            let shown: String = key.chars().take(40).collect();
            e.add(shown, format!("unknown parameter; expected one of {}", PARAMS.join(", ")));
            continue;
        }
        if seen.contains(&key) {
            e.add(key, "is given more than once");
            continue;
        }
        seen.push(key);
        // Only the words are trimmed: every other value is exactly as the document says.
        let v = if key == "q" { value.trim() } else { value.as_str() };
        match key {
            "q" => {
                if v.chars().count() > MAX_QUERY_CHARS {
                    e.add("q", format!("must be at most {MAX_QUERY_CHARS} characters"));
                } else {
                    q.text = v.to_owned();
                }
            }
            "category" => match category_and_descendants(categories, v) {
                Some(ids) => q.categories = ids,
                None => e.add("category", "no such category (give its id or slug)"),
            },
            "region" => match RegionCode::parse(v) {
                Ok(r) => q.region = Some(r.as_str().to_owned()),
                Err(m) => e.add("region", m),
            },
            "vendor" => match uuid::Uuid::parse_str(v) {
                Ok(id) if v.len() == 36 => q.vendor_id = Some(id.to_string()),
                _ => e.add("vendor", "must be a vendor id (a UUID)"),
            },
            "umkk" => q.umkk = boolean(&mut e, key, v),
            "pdn_priority" => q.pdn_priority = boolean(&mut e, key, v),
            "in_stock" => q.in_stock = boolean(&mut e, key, v),
            "min_tkdn_bp" => q.min_tkdn_bp = number(&mut e, key, v, 0, 10_000),
            "min_price" => q.min_price = number(&mut e, key, v, 0, i64::MAX / 2),
            "max_price" => q.max_price = number(&mut e, key, v, 0, i64::MAX / 2),
            "sort" => match Sort::ALL.iter().find(|(name, _)| *name == v) {
                Some((_, s)) => q.sort = *s,
                None => e.add(
                    "sort",
                    format!(
                        "unknown sort; expected one of {}",
                        Sort::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                    ),
                ),
            },
            "page" => q.page = number(&mut e, key, v, 1, MAX_PAGE as i64).unwrap_or(1) as usize,
            "per_page" => {
                q.per_page = number(&mut e, key, v, 1, MAX_PER_PAGE as i64).unwrap_or(DEFAULT_PER_PAGE as i64) as usize
            }
            _ => unreachable!("every known parameter is handled"),
        }
    }
    // A `max_price` below `min_price` is no error: nothing costs that, and the engine
    // says so with an empty page.
    e.finish()?;
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn cat(id: &str, parent: Option<&str>, slug: &str) -> CategoryRow {
        let t = chrono::DateTime::UNIX_EPOCH.naive_utc();
        CategoryRow {
            id: id.into(),
            parent_id: parent.map(Into::into),
            slug: slug.into(),
            name: slug.into(),
            kbli_prefixes: String::new(),
            position: 0,
            active: true,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn parses_every_filter() {
        let cats = vec![cat("a", None, "atk"), cat("b", Some("a"), "kertas"), cat("c", Some("b"), "hvs")];
        let q = parse(
            &pairs(&[
                ("q", " kursi kantor "),
                ("category", "atk"),
                ("region", "35.76"),
                ("umkk", "true"),
                ("pdn_priority", "false"),
                ("min_tkdn_bp", "2500"),
                ("min_price", "1000"),
                ("max_price", "5000"),
                ("in_stock", "true"),
                ("sort", "price_asc"),
                ("page", "2"),
                ("per_page", "50"),
            ]),
            &cats,
        )
        .unwrap();
        assert_eq!(q.text, "kursi kantor");
        assert_eq!(q.categories, vec!["a", "b", "c"]);
        assert_eq!(q.region.as_deref(), Some("35.76"));
        assert_eq!((q.umkk, q.pdn_priority, q.in_stock), (Some(true), Some(false), Some(true)));
        assert_eq!((q.min_price, q.max_price, q.min_tkdn_bp), (Some(1000), Some(5000), Some(2500)));
        assert_eq!((q.sort, q.page, q.per_page), (Sort::PriceAsc, 2, 50));
    }

    #[test]
    fn names_every_bad_parameter() {
        let errs = parse(
            &pairs(&[
                ("sort", "cheapest"),
                ("min_price", "-1"),
                ("min_tkdn_bp", "10001"),
                ("umkk", "yes"),
                ("colour", "red"),
                ("category", "nope"),
                ("region", "jatim"),
            ]),
            &[],
        )
        .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["sort", "min_price", "min_tkdn_bp", "umkk", "colour", "category", "region"]);
        let deep = parse(&pairs(&[("page", "101"), ("per_page", "10")]), &[]).unwrap_err();
        assert_eq!(deep[0].field, "page");
        let range = parse(&pairs(&[("min_price", "10"), ("max_price", "5")]), &[]).unwrap();
        assert_eq!((range.min_price, range.max_price), (Some(10), Some(5)), "an empty range is no error");
        for (key, value) in [("umkk", "1"), ("in_stock", " true"), ("region", "35 "), ("vendor", &"0".repeat(32))] {
            let errs = parse(&pairs(&[(key, value)]), &[]).unwrap_err();
            assert_eq!(errs[0].field, key, "{key}={value:?} is refused: the document does not allow it");
        }
    }
}
