//! `application/problem+json` (RFC 9457) for every error, with a stable `code` from
//! the one table in `pasar_core::error`, and the request id in every reply.
//!
//! A 5xx is a bug or an outage: its cause is logged once, here, with the request id,
//! and never sent to the client.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use pasar_core::{Code, ErrorCode, FieldError};
use serde::Serialize;
use std::fmt;

tokio::task_local! {
    /// The id of the request being served, set by the request-context middleware.
    pub static REQUEST_ID: String;
}

/// The current request's id, when called while serving one.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(|id| id.clone()).ok()
}

/// The body of every error reply (documented in the OpenAPI document).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `https://pasar.dev/problems/<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    /// Stable and machine-readable, e.g. `validation_failed`.
    pub code: String,
    /// For a person; says what went wrong in this occurrence.
    pub detail: String,
    /// One entry per invalid field or parameter.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The same id is in the `X-Request-Id` header and the server log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// An error on its way out as a problem reply.
#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<u64>,
    /// What went wrong inside, for the log only (5xx).
    cause: Option<String>,
}

impl ApiError {
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        ApiError { code, detail: detail.into(), errors: Vec::new(), retry_after: None, cause: None }
    }

    pub fn with_field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.errors.push(FieldError::new(field, message));
        self
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError::new(Code::NotFound, detail)
    }

    /// A bug: the cause goes to the log with the request id, the client sees neither.
    pub fn internal(cause: impl Into<String>) -> Self {
        ApiError {
            cause: Some(cause.into()),
            ..ApiError::new(Code::Internal, "An internal error occurred. Quote the request id when reporting it.")
        }
    }

    /// A dependency (the search engine) cannot answer now; worth retrying shortly.
    pub fn unavailable(cause: impl Into<String>) -> Self {
        ApiError {
            cause: Some(cause.into()),
            retry_after: Some(5),
            ..ApiError::new(Code::Unavailable, "Search is unavailable right now; try again shortly.")
        }
    }

    /// A problem about one query parameter.
    pub fn invalid_query(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::new(Code::InvalidQuery, format!("The query parameter '{field}' {message}."))
            .with_field(field, message)
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: self.code.type_uri(),
            title: self.code.title().to_owned(),
            status: self.code.status(),
            code: self.code.as_str().to_owned(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
            request_id: current_request_id(),
        }
    }
}

impl<E: ErrorCode> From<E> for ApiError {
    fn from(e: E) -> Self {
        let code = e.code();
        ApiError {
            code,
            // A bug's own words may name paths, tables or hosts: the log gets them, the
            // client gets the request id.
            detail: if code == Code::Internal { ApiError::internal("").detail } else { e.detail() },
            errors: e.field_errors(),
            retry_after: e.retry_after(),
            cause: (code.status() >= 500).then(|| format!("{e:?}")),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let problem = self.problem();
        if self.code.status() >= 500 {
            tracing::error!(
                request_id = problem.request_id.as_deref().unwrap_or("-"),
                code = self.code.as_str(),
                cause = self.cause.as_deref().unwrap_or("-"),
                "request failed"
            );
        }
        problem_response(self.status_code(), &problem, self.retry_after)
    }
}

/// Serialises a problem with its content type (and `Retry-After`, for 429 and 503).
pub fn problem_response(status: StatusCode, problem: &Problem, retry_after: Option<u64>) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
    if let Some(secs) = retry_after {
        res.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    if status == StatusCode::UNAUTHORIZED {
        res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
    }
    // Cannot fail: every field is a string, a number or a list of string pairs.
    res.body(serde_json::to_vec(problem).unwrap_or_default())
}
