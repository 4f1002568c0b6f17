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
                })?)
                .filter(|key| !key.is_empty()),
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

/// The longest cursor: the base64url of a 200-byte key.
pub const MAX_CURSOR_CHARS: usize = 267;

/// A cursor's shape, for the OpenAPI document: base64url without padding, in its
/// canonical form (the last character carries no stray bits).
pub const CURSOR_PATTERN: &str = r"^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-][AQgw]|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048])?$";

/// The key a cursor stands for; `None` for a string that is not base64url at all, or
/// longer than any key. A cursor is only a position in a list the caller may read in
/// full anyway, so a well-formed one the server did not issue is harmless: what it
/// decodes to is kept to printable ASCII (keys are ids and timestamps, and PostgreSQL
/// refuses NUL in text) and the list goes on after that key, or starts over if
/// nothing is left.
pub fn decode_cursor(cursor: &str) -> Option<String> {
    if cursor.len() > MAX_CURSOR_CHARS {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    Some(bytes.into_iter().filter(u8::is_ascii_graphic).map(char::from).collect())
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
        assert_eq!(PageRequest::parse(None, Some("AB")).unwrap_err().field, "cursor", "stray bits");
        assert_eq!(PageRequest::parse(None, Some(&"A".repeat(268))).unwrap_err().field, "cursor", "too long");
        // Well-formed but not issued here: a harmless position, NUL bytes dropped.
        assert_eq!(PageRequest::parse(None, Some("AA")).unwrap().after, None);
        assert_eq!(PageRequest::parse(None, Some("AGEA")).unwrap().after.as_deref(), Some("a"));
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
