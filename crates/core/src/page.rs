//! Cursor pagination: `?limit=` (default 20, at most 100) and an opaque `cursor`.
//!
//! Lists are ordered by their UUID v7 id, which sorts by creation time, so the cursor
//! is simply the last id of the previous page (base64url, so clients treat it as
//! opaque). Keyset pagination stays fast at any depth and never skips or repeats a row
//! when rows are added meanwhile.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// A validated page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    /// Only rows whose key sorts after this one.
    pub after: Option<String>,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { limit: DEFAULT_LIMIT, after: None }
    }
}

/// Which query parameter was wrong and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageError {
    pub field: &'static str,
    pub message: String,
}

impl PageRequest {
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, PageError> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as u32,
            Some(_) => return Err(PageError { field: "limit", message: format!("must be between 1 and {MAX_LIMIT}") }),
        };
        let after =
            match cursor {
                None | Some("") => None,
                Some(c) => Some(decode_cursor(c).ok_or_else(|| PageError {
                    field: "cursor",
                    message: "is not a cursor this server issued".into(),
                })?),
            };
        Ok(PageRequest { limit, after })
    }

    /// How many rows to fetch: one more than the page, to learn whether another follows.
    pub fn fetch_limit(&self) -> i64 {
        self.limit as i64 + 1
    }
}

/// One page of a list, as every list endpoint answers.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `fetch_limit()` rows ordered by `key`.
    pub fn from_rows(mut rows: Vec<T>, req: &PageRequest, key: impl Fn(&T) -> String) -> Self {
        let next_cursor = if rows.len() > req.limit as usize {
            rows.truncate(req.limit as usize);
            rows.last().map(|last| encode_cursor(&key(last)))
        } else {
            None
        };
        Page { items: rows, next_cursor }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

pub fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let key = String::from_utf8(bytes).ok()?;
    // Keys are ids and timestamps: printable ASCII only (PostgreSQL rejects NUL in text).
    (!key.is_empty() && key.len() <= 200 && key.bytes().all(|b| b.is_ascii_graphic())).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_bounded_and_defaults() {
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, 20);
        assert_eq!(PageRequest::parse(Some(100), None).unwrap().limit, 100);
        assert_eq!(PageRequest::parse(Some(0), None).unwrap_err().field, "limit");
        assert_eq!(PageRequest::parse(Some(101), None).unwrap_err().field, "limit");
        assert_eq!(PageRequest::parse(None, Some("%%")).unwrap_err().field, "cursor");
        assert_eq!(PageRequest::parse(None, Some("AA")).unwrap_err().field, "cursor", "a NUL byte");
    }

    #[test]
    fn pages_chain_through_cursors() {
        let req = PageRequest::parse(Some(2), None).unwrap();
        let page = Page::from_rows(vec!["a", "b", "c"], &req, |s| s.to_string());
        assert_eq!(page.items, vec!["a", "b"]);
        let next = PageRequest::parse(Some(2), page.next_cursor.as_deref()).unwrap();
        assert_eq!(next.after.as_deref(), Some("b"));
        let last = Page::from_rows(vec!["c"], &next, |s| s.to_string());
        assert_eq!(last.next_cursor, None);
    }
}
