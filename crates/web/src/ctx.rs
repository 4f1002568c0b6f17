//! What every page knows about its request — language, CSRF token, who is logged in —
//! and the way pages answer: rendered HTML, redirects, and error pages.

use crate::format;
use crate::i18n::{self, Lang};
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use chrono::{DateTime, Utc};
use futures_util::future::LocalBoxFuture;
use pasar_api::{ApiError, AppState};
use pasar_auth::service::SessionUser;
use pasar_core::{Code, Zone};

/// The session cookie: the opaque refresh token of the login (a revocable row).
pub const SESSION_COOKIE: &str = "pasar_sesi";
/// The CSRF cookie (double submit: each form repeats it in the `csrf` field).
pub const CSRF_COOKIE: &str = "pasar_csrf";
/// The language chosen with the switch.
pub const LANG_COOKIE: &str = "pasar_bahasa";

/// The CSRF token of this request, put there by [`crate::guard`].
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// What a page's template receives as `ctx`.
pub struct Ctx {
    pub lang: Lang,
    pub csrf: String,
    /// The logged-in user, if any.
    pub user: Option<SessionUser>,
    pub marketplace: String,
    pub zone: Zone,
    /// This page's path and query, where the language switch and login come back to.
    pub here: String,
    pub request_id: Option<String>,
    /// Cookies are `Secure` when the marketplace is served over https.
    pub secure: bool,
}

fn state_of(req: &HttpRequest) -> Option<&AppState> {
    req.app_data::<web::Data<AppState>>().map(|d| d.get_ref())
}

/// The language a request asks for: the switch's cookie, else Indonesian.
pub fn lang_of(req: &HttpRequest) -> Lang {
    req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())).unwrap_or_default()
}

/// A local path to go back to: must start with one `/` (never another site).
pub fn local_path(raw: Option<&str>) -> String {
    match raw {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\") && !p.contains(['\r', '\n']) => {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

impl Ctx {
    /// The context without looking up the session (error pages raised before a
    /// handler runs).
    pub fn anonymous(req: &HttpRequest) -> Ctx {
        let state = state_of(req);
        let here = match req.query_string() {
            "" => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        };
        Ctx {
            lang: lang_of(req),
            csrf: req.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default(),
            user: None,
            marketplace: state.map(|s| s.vendors.marketplace_name.clone()).unwrap_or_else(|| "Pasar".into()),
            zone: state.map(|s| s.vendors.time_zone).unwrap_or_default(),
            here,
            request_id: pasar_api::extract::request_id(req),
            secure: state.is_some_and(|s| s.auth.public_url.starts_with("https://")),
        }
    }

    /// The context with the logged-in user, if the session cookie is a live session.
    pub async fn load(req: &HttpRequest) -> Ctx {
        let mut ctx = Ctx::anonymous(req);
        if let (Some(cookie), Some(state)) = (req.cookie(SESSION_COOKIE), req.app_data::<web::Data<AppState>>()) {
            let presented = cookie.value().to_owned();
            let (now, rid) = (state.now(), ctx.request_id.clone());
            ctx.user = state.run(move |conn| pasar_auth::service::session_user(conn, now, &presented, rid)).await.ok();
        }
        ctx
    }

    // --- for templates ---------------------------------------------------------------

    /// The message `key` in the page's language.
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    /// The message `key` with `{name}` placeholders filled.
    pub fn t_with(&self, key: &str, args: &[(&str, &str)]) -> String {
        i18n::t_with(self.lang, key, args)
    }

    /// A message from a service (English, as the API gives it) in the page's language
    /// where the catalogue's `[svc]` table has it.
    pub fn service_message(&self, message: &str) -> String {
        i18n::catalogue(self.lang).get(&format!("svc.{message}")).unwrap_or(message).to_owned()
    }

    pub fn money(&self, idr: &i64) -> String {
        format::money(*idr)
    }

    pub fn count(&self, n: &u64) -> String {
        format::count(*n, self.lang)
    }

    pub fn percent_bp(&self, bp: &i64) -> String {
        format::percent_bp(*bp, self.lang)
    }

    pub fn iso_date(&self, s: &str) -> String {
        format::iso_date(s, self.lang)
    }

    pub fn date_time(&self, at: &DateTime<Utc>) -> String {
        format::date_time(*at, self.zone, self.lang)
    }

    pub fn asset(&self, name: &str) -> String {
        crate::assets::url(name)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The language switch's link to the other language, coming back here.
    pub fn switch_url(&self) -> String {
        let back: String =
            serde_urlencoded::to_string([("ke", self.lang.other().code()), ("kembali", self.here.as_str())])
                .unwrap_or_default();
        format!("/bahasa?{back}")
    }

    /// The other language's name, in that language.
    pub fn other_lang_name(&self) -> String {
        i18n::t(self.lang.other(), "lang.name")
    }

    pub fn other_lang_code(&self) -> &'static str {
        self.lang.other().code()
    }

    pub fn user_name(&self) -> &str {
        self.user.as_ref().map(|u| u.name.as_str()).unwrap_or_default()
    }

    pub fn logged_in(&self) -> bool {
        self.user.is_some()
    }

    /// Whether the user buys for a satker (a PP or PPK), who sees "add to cart".
    pub fn buys(&self) -> bool {
        self.user.as_ref().is_some_and(|u| {
            u.actor.has_any(&[pasar_auth::model::Role::PejabatPengadaan, pasar_auth::model::Role::Ppk])
        })
    }

    /// The header's links for the logged-in user's roles.
    pub fn nav(&self) -> Vec<(&'static str, String)> {
        let mut links = crate::buying::nav_links(self);
        links.extend(crate::admin::nav_links(self));
        links.extend(crate::reports::nav_links(self));
        links
    }

    // --- answers ---------------------------------------------------------------------

    /// A cookie of the pages: HttpOnly, SameSite=Lax, Secure on https, for the whole site.
    pub fn cookie<'c>(&self, name: &'c str, value: String) -> Cookie<'c> {
        Cookie::build(name, value).path("/").http_only(true).same_site(SameSite::Lax).secure(self.secure).finish()
    }

    /// A cookie that removes `name`.
    pub fn removal<'c>(&self, name: &'c str) -> Cookie<'c> {
        let mut c = self.cookie(name, String::new());
        c.make_removal();
        c
    }

    /// Renders a page with `status`.
    pub fn page(&self, status: StatusCode, template: &impl Template) -> HttpResponse {
        match template.render() {
            Ok(html) => HttpResponse::build(status).content_type("text/html; charset=utf-8").body(html),
            Err(e) => {
                tracing::error!(error = %e, "rendering a page failed");
                HttpResponse::InternalServerError().content_type("text/html; charset=utf-8").body(
                    "<!doctype html><html lang=\"id\"><title>500</title><h1>Terjadi kesalahan / Something went wrong</h1></html>",
                )
            }
        }
    }

    pub fn ok(&self, template: &impl Template) -> HttpResponse {
        self.page(StatusCode::OK, template)
    }

    /// The error page with `status`, its title and text from the catalogue's
    /// `error.<status>` messages (or `detail` in place of the text).
    pub fn error_page(&self, status: StatusCode, detail: Option<String>) -> PageError {
        let key = match status.as_u16() {
            s @ (400 | 403 | 404 | 405 | 409 | 413 | 429 | 503) => s,
            s if s >= 500 => 500,
            _ => 400,
        };
        let page = crate::pages::ErrorPage {
            ctx: self,
            title: self.t(&format!("error.{key}.title")),
            text: detail.unwrap_or_else(|| self.t(&format!("error.{key}.text"))),
        };
        let res = self.page(status, &page);
        PageError::from_response(res)
    }

    /// A service's refusal as a page: 404 and 403 as such, a missing login as a way
    /// to log in, others with their status.
    pub fn fail(&self, e: ApiError) -> PageError {
        match e.code {
            Code::Unauthenticated | Code::InvalidToken => PageError::redirect(&self.login_url()),
            Code::Internal => {
                tracing::error!(detail = %e.detail, "a page failed");
                self.error_page(StatusCode::INTERNAL_SERVER_ERROR, None)
            }
            code => self.error_page(
                StatusCode::from_u16(code.status()).unwrap_or(StatusCode::BAD_REQUEST),
                Some(self.service_message(&e.detail)),
            ),
        }
    }

    /// The login page, coming back here afterwards.
    pub fn login_url(&self) -> String {
        format!("/masuk?{}", serde_urlencoded::to_string([("kembali", self.here.as_str())]).unwrap_or_default())
    }

    /// The logged-in user, or a [`PageError`] that sends the browser to the login page.
    pub fn require_user(&self) -> Result<&SessionUser, PageError> {
        self.user.as_ref().ok_or_else(|| PageError::redirect(&self.login_url()))
    }
}

/// `See Other` to `to` (POST/redirect/GET).
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to)).finish()
}

impl FromRequest for Ctx {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Ctx, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(Ctx::load(&req).await) })
    }
}

/// A page that did not go as asked: an error page, or a redirect (to the login page).
/// Built fully rendered, so that it needs no request to answer.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

impl PageError {
    pub fn redirect(to: &str) -> PageError {
        PageError { status: StatusCode::SEE_OTHER, location: Some(to.to_owned()), body: String::new() }
    }

    fn from_response(res: HttpResponse) -> PageError {
        let status = res.status();
        let body = match res.into_body().try_into_bytes() {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(_) => String::new(),
        };
        PageError { status, location: None, body }
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "page answered {}", self.status)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if let Some(to) = &self.location {
            return res.insert_header((header::LOCATION, to.as_str())).finish();
        }
        res.content_type("text/html; charset=utf-8").body(self.body.clone())
    }
}

pub type PageResult = Result<HttpResponse, PageError>;

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed_back() {
        assert_eq!(local_path(Some("/produk?q=batik")), "/produk?q=batik");
        for outside in ["//evil.test/x", "/\\evil.test", "https://evil.test", "produk", "/a\r\nSet-Cookie: x"] {
            assert_eq!(local_path(Some(outside)), "/", "{outside}");
        }
        assert_eq!(local_path(None), "/");
    }
}
