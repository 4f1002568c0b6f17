//! The web pages: HTML rendered on the server from templates the compiler checks,
//! served by the same binary as the API and calling the same service functions, so a
//! rule lives once. Indonesian first, English by a switch; every page works with
//! JavaScript off. See `docs/WEB.md` for how to add a page.

pub mod account;
pub mod admin;
pub mod assets;
pub mod audit;
pub mod buying;
pub mod ctx;
pub mod curator;
pub mod desk;
pub mod documents;
pub mod exports;
pub mod format;
pub mod forms;
pub mod i18n;
pub mod pages;
pub mod public;
pub mod reports;
pub mod shop;
pub mod vendor;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use ctx::{CsrfToken, Ctx, CSRF_COOKIE};
use futures_util::StreamExt;
use rand::RngCore;
use subtle::ConstantTimeEq;

pub use ctx::{PageError, PageResult};

/// Registers the pages. Mount it after the API (`pasar_api::app_with_pages`): it takes
/// every path the API does not.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("")
            .wrap(actix_web::middleware::from_fn(guard))
            // Pages and the stylesheet travel compressed (gzip) to browsers that take it.
            .wrap(actix_web::middleware::Compress::default())
            .service(resource("/static/{file}").route(web::get().to(assets::serve)))
            .service(resource("/bahasa").route(web::get().to(account::switch_language)))
            .configure(public::configure)
            .configure(account::configure)
            .configure(buying::configure)
            .configure(vendor::configure)
            .configure(shop::configure)
            .configure(curator::configure)
            .configure(admin::configure)
            .configure(audit::configure)
            .configure(reports::configure)
            .configure(documents::configure)
            .configure(exports::configure)
            .default_service(web::to(not_found)),
    );
}

/// A page's resource: a method it does not take gets the HTML 405 page.
pub fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(wrong_method))
}

async fn wrong_method(req: HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    let ctx = Ctx::load(&req).await;
    Err(ctx.error_page(StatusCode::METHOD_NOT_ALLOWED, None).into())
}

/// Paths that belong to the API: what matches nothing there is a problem document.
fn is_api_path(path: &str) -> bool {
    ["/api/", "/v1.0/", "/health/"].iter().any(|p| path.starts_with(p)) || path == "/api" || path == "/health"
}

/// A path that matches no page: the HTML 404 page (problem+json under the API's paths).
async fn not_found(req: HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    if is_api_path(req.path()) {
        return Err(pasar_api::middleware::no_route(req).await.unwrap_err().into());
    }
    let ctx = Ctx::load(&req).await;
    Err(ctx.error_page(StatusCode::NOT_FOUND, None).into())
}

/// A new CSRF token: 32 random bytes, hex.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The largest urlencoded form the guard reads.
const FORM_LIMIT: usize = 256 * 1024;

/// The token a submission carries: the `csrf` field of an urlencoded form (the body is
/// read and put back for the handler), else the `csrf` query parameter (multipart
/// forms put it in their `action`), else the `X-CSRF-Token` header (scripts).
async fn submitted_token(req: &mut ServiceRequest) -> Option<String> {
    fn field(pairs: &[u8]) -> Option<String> {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(pairs)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v)
    }
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let mut payload = req.take_payload();
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.ok()?;
            if body.len() + chunk.len() > FORM_LIMIT {
                return None;
            }
            body.extend_from_slice(&chunk);
        }
        let body = body.freeze();
        let found = field(&body);
        req.set_payload(actix_web::dev::Payload::from(body));
        return found;
    }
    if let Some(t) = field(req.query_string().as_bytes()) {
        return Some(t);
    }
    req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Around every page: gives the browser a CSRF token (a cookie, which each form
/// repeats in a hidden field), refuses any submission whose token does not match with
/// a 403 page, and adds the security headers.
async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let existing = req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned()).filter(|t| well_formed(t));
    let token = existing.clone().unwrap_or_else(new_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut res = if safe {
        next.call(req).await?.map_into_left_body()
    } else {
        let submitted = submitted_token(&mut req).await;
        let matches = match (&existing, &submitted) {
            (Some(cookie), Some(sent)) => bool::from(cookie.as_bytes().ct_eq(sent.as_bytes())),
            _ => false,
        };
        if matches {
            next.call(req).await?.map_into_left_body()
        } else {
            tracing::info!(path = %req.path(), "form refused: CSRF token missing or wrong");
            let ctx = Ctx::anonymous(req.request());
            let page = actix_web::ResponseError::error_response(
                &ctx.error_page(StatusCode::FORBIDDEN, Some(ctx.t("error.csrf"))),
            );
            req.into_response(page).map_into_right_body()
        }
    };
    // Static files are shared and cached: no cookie on them.
    if existing.is_none() && !res.request().path().starts_with("/static/") {
        let ctx = Ctx::anonymous(res.request());
        let cookie = ctx.cookie(CSRF_COOKIE, token);
        if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    secure_headers(res.headers_mut());
    Ok(res)
}

/// The same headers on every page: no inline script, no framing, no sniffing, no
/// addresses leaked to other sites, and pages kept out of shared caches.
fn secure_headers(headers: &mut actix_web::http::header::HeaderMap) {
    let set = |headers: &mut actix_web::http::header::HeaderMap, name: &'static str, value: &'static str| {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    };
    set(
        headers,
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "referrer-policy", "same-origin");
    set(headers, "x-frame-options", "DENY");
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, "cache-control", "no-store");
    }
}
