//! Cross-cutting request handling: the request id and its log span, and the fallback
//! that turns any error reply not already in problem form (a 405 from the router, a
//! 413 from a body limit) into one.

use crate::problem::{ApiError, REQUEST_ID};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Next};
use actix_web::{HttpMessage, HttpRequest, ResponseError};
use pasar_core::Code;
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the current request, also available as a request extension.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn acceptable_incoming_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)))
        .then(|| s.to_owned())
}

/// Gives every request an id (the caller's `X-Request-Id` if it is sane, else a new
/// UUID v7), runs it inside a tracing span carrying that id, logs one line when it
/// ends, and returns the id in the `X-Request-Id` header.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(acceptable_incoming_id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.path());
    let started = Instant::now();
    let result = REQUEST_ID
        .scope(id.clone(), async move {
            // Errors that escape the handlers are rendered here, inside the scope, so
            // that their problem body carries the request id too. (The request itself
            // must not be cloned before routing, so the error keeps its own reply.)
            next.call(req).await.map_err(|e| {
                let res = e.error_response();
                actix_web::Error::from(actix_web::error::InternalError::from_response(e.to_string(), res))
            })
        })
        .instrument(span.clone())
        .await;
    let mut res: ServiceResponse<_> = result?;
    let status = res.status().as_u16();
    span.in_scope(|| {
        tracing::info!(status, elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "served");
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HeaderName::from_static(REQUEST_ID_HEADER), v);
    }
    Ok(res)
}

/// A problem document already, or an error page of the web pages (HTML), which keep
/// their own form.
fn is_problem(res: &ServiceResponse<impl MessageBody>) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json") || v.starts_with("text/html"))
}

fn default_detail(code: Code, req: &HttpRequest) -> String {
    match code {
        Code::MethodNotAllowed => format!("{} is not allowed on {}.", req.method(), req.path()),
        Code::NotFound => format!("Nothing is at {}.", req.path()),
        Code::PayloadTooLarge => "The request body is larger than this server accepts.".into(),
        other => other.title().to_owned(),
    }
}

/// Rewrites error replies that are not yet problem+json.
pub fn problem_fallback<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|res: ServiceResponse<B>| {
        // The bank-facing SNAP scope answers in its own format.
        if is_problem(&res) || crate::payments::is_bank_path(res.request().path()) {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        let status = res.status().as_u16();
        let code = Code::for_status(status);
        let (req, old) = res.into_parts();
        let err = if code == Code::Internal {
            ApiError::internal(format!("unhandled {status} reply"))
        } else {
            ApiError::new(code, default_detail(code, &req))
        };
        let mut new = err.error_response();
        for name in [header::ALLOW, header::RETRY_AFTER] {
            if let Some(v) = old.headers().get(&name) {
                new.headers_mut().insert(name, v.clone());
            }
        }
        Ok(ErrorHandlerResponse::Response(ServiceResponse::new(req, new).map_into_right_body()))
    })
}

/// The reply for a path no route matches.
pub async fn no_route(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found(format!("Nothing is at {}.", req.path())))
}
