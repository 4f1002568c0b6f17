//! The one table of error codes.
//!
//! Every error a client can see has a stable snake_case `code`, an HTTP status and a
//! title, declared once here. Each capability crate's error enum implements
//! [`ErrorCode`] by naming one of these codes per variant; the API turns any of them
//! into `application/problem+json`. Adding a code is adding one line below — and the
//! OpenAPI snapshot and the docs pick it up from [`Code::ALL`].

use serde::Serialize;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident => ($status:expr, $code:literal, $title:literal), )*) => {
        /// A stable, machine-readable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The HTTP status this code is answered with.
            pub const fn status(self) -> u16 {
                match self { $(Code::$variant => $status,)* }
            }

            /// The snake_case code clients match on.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// A short, human-readable summary that does not change between occurrences.
            pub const fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }
        }
    };
}

error_codes! {
    // 400 — the request itself is malformed.
    /// The body is not valid JSON, or not of the expected shape.
    MalformedJson => (400, "malformed_json", "Malformed JSON body"),
    /// A query-string parameter is malformed or out of range.
    InvalidQuery => (400, "invalid_query", "Invalid query parameter"),
    /// A header is missing or malformed.
    InvalidHeader => (400, "invalid_header", "Invalid header"),
    // 401 — who are you?
    /// No bearer token was given.
    Unauthenticated => (401, "unauthenticated", "Authentication required"),
    /// The token is malformed, wrongly signed, of a refused algorithm or expired.
    InvalidToken => (401, "invalid_token", "Invalid or expired token"),
    /// Email or password is wrong (the reply never says which).
    InvalidCredentials => (401, "invalid_credentials", "Invalid email or password"),
    // 403 — you may not.
    /// The caller is known but lacks the right for this action.
    Forbidden => (403, "forbidden", "Forbidden"),
    /// The caller must verify their email address first.
    EmailNotVerified => (403, "email_not_verified", "Email address not verified"),
    /// The order is above what the caller's role may commit (a PP's ceiling).
    CeilingExceeded => (403, "ceiling_exceeded", "Above the caller's ceiling"),
    // 404
    /// No such resource, or not one the caller may see.
    NotFound => (404, "not_found", "Not found"),
    // 405
    /// The resource exists but not with this HTTP method.
    MethodNotAllowed => (405, "method_not_allowed", "Method not allowed"),
    // 406
    NotAcceptable => (406, "not_acceptable", "Not acceptable"),
    // 409 — the state of things forbids it.
    /// A unique value (email, code, number) is already taken.
    AlreadyExists => (409, "already_exists", "Already exists"),
    /// The resource is not in a state that allows this action.
    InvalidState => (409, "invalid_state", "Conflicting state"),
    /// A request with the same `Idempotency-Key` is still being served; retry after the
    /// `Retry-After` header's seconds to get its answer.
    IdempotencyKeyInProgress => (409, "idempotency_key_in_progress", "Idempotency key in use"),
    /// A line asks for more units than the product has left; `errors` names the line.
    InsufficientStock => (409, "insufficient_stock", "Insufficient stock"),
    /// The order would take a budget line past its pagu; the detail says what remains.
    BudgetExceeded => (409, "budget_exceeded", "Budget exceeded"),
    // 413, 415
    PayloadTooLarge => (413, "payload_too_large", "Request body too large"),
    UnsupportedMediaType => (415, "unsupported_media_type", "Unsupported media type"),
    // 422 — well-formed but not acceptable.
    /// One or more fields are invalid; `errors` names each one.
    ValidationFailed => (422, "validation_failed", "Validation failed"),
    /// The same `Idempotency-Key` was used with a different body.
    IdempotencyKeyReused => (422, "idempotency_key_reused", "Idempotency key reused"),
    // 429
    /// Too many attempts; retry after the `Retry-After` header's seconds.
    TooManyRequests => (429, "too_many_requests", "Too many requests"),
    // 5xx — our fault, never the caller's.
    /// A bug. The reply carries a request id that is also in the server log.
    Internal => (500, "internal", "Internal server error"),
    /// A dependency (database pool, search, bank) is briefly unavailable.
    Unavailable => (503, "unavailable", "Service unavailable"),
}

impl Code {
    /// The `type` URI of RFC 9457: one documentation page per code.
    pub fn type_uri(self) -> String {
        format!("https://pasar.dev/problems/{}", self.as_str().replace('_', "-"))
    }

    /// The code a bare HTTP status stands for when nothing more precise is known.
    pub fn for_status(status: u16) -> Code {
        match status {
            400 => Code::MalformedJson,
            401 => Code::Unauthenticated,
            403 => Code::Forbidden,
            404 => Code::NotFound,
            405 => Code::MethodNotAllowed,
            406 => Code::NotAcceptable,
            409 => Code::InvalidState,
            413 => Code::PayloadTooLarge,
            415 => Code::UnsupportedMediaType,
            422 => Code::ValidationFailed,
            429 => Code::TooManyRequests,
            503 => Code::Unavailable,
            _ => Code::Internal,
        }
    }
}

/// One invalid field: `field` is the JSON path of the input (`lines[0].quantity`),
/// or the query parameter's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// Implemented by each crate's error type: which code, what to tell a person, which
/// fields were wrong, and — for 5xx only — the cause that goes to the log, never to the
/// client.
pub trait ErrorCode: std::error::Error {
    fn code(&self) -> Code;

    /// The `detail` a person reads. Must not reveal other tenants' data.
    fn detail(&self) -> String {
        self.to_string()
    }

    fn field_errors(&self) -> Vec<FieldError> {
        Vec::new()
    }

    /// Seconds until a retry may succeed (429, 503).
    fn retry_after(&self) -> Option<u64> {
        None
    }
}

/// Collects field errors while parsing a request into domain input, so a client learns
/// about every bad field at once instead of one per round trip.
#[derive(Debug, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Keeps the value when `result` is Ok, records the error under `field` otherwise.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_and_carry_error_statuses() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {}", code.as_str());
            assert!(code.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert!((400..600).contains(&code.status()));
        }
        assert_eq!(Code::PayloadTooLarge.type_uri(), "https://pasar.dev/problems/payload-too-large");
    }
}
