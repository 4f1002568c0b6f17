//! `/api/v1/ocds/*`: the open-contracting feed (OCDS 1.1) of orders whose Surat Pesanan
//! was signed, and Pasar's OCDS extension. Public: transparency data, read without a
//! token; it names organisations only (see `docs/OCDS.md`). The rules live in
//! `pasar_report::ocds`.

use crate::extract::{query, PageParams};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use pasar_report::ocds::{self, FeedQuery};
use serde::Deserialize;
use utoipa::IntoParams;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/ocds/releases").route(web::get().to(releases)))
        .service(web::resource("/ocds/records/{ocid}").route(web::get().to(record)))
        .service(web::resource("/ocds/extension/codelists/{name}").route(web::get().to(extension_codelist)))
        .service(web::resource("/ocds/extension/{file}").route(web::get().to(extension_file)));
}

/// The feed's query: a page (`limit`, `cursor`) and where to start (`since`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReleaseQuery {
    /// How many releases (1–100, default 20).
    pub limit: Option<String>,
    /// The cursor in the previous page's `links.next`.
    pub cursor: Option<String>,
    /// Only releases dated at or after this instant: RFC 3339, or a date (`YYYY-MM-DD`,
    /// from the start of that day in the marketplace's time zone).
    #[param(value_type = Option<chrono::DateTime<chrono::Utc>>, example = "2026-12-01T00:00:00Z")]
    pub since: Option<String>,
}

const CACHE: &str = "public, max-age=60";

/// The URL of this request as the public sees it.
fn public_uri(state: &AppState, req: &HttpRequest) -> String {
    match req.uri().query() {
        Some(q) => format!("{}{}?{q}", state.ocds.public_url, req.path()),
        None => format!("{}{}", state.ocds.public_url, req.path()),
    }
}

/// The OCDS release package of the orders' contracting processes, oldest first, one
/// page at a time (public, no token). Each order whose Surat Pesanan was signed is a
/// process `{prefix}-{order id}`; a release is cut when the PPK signs the Surat Pesanan
/// (award and contract), when the vendor countersigns it, for each accepted addendum
/// (contract amendment), for each payment (transaction) and when the order completes or
/// is cancelled. `links.next` (absent on the last page) continues the feed; fetching
/// the last page again later returns what has happened since. Releases appear a few
/// seconds (`ocds.settle_secs`) after their event. Items carry TKDN, BMP, PDN class,
/// UMKK and locality through Pasar's extension (`extensions`). Only organisations are
/// named; no person, address or note.
#[utoipa::path(get, path = "/api/v1/ocds/releases", tag = "ocds",
    params(ReleaseQuery),
    responses(
        (status = 200, description = "An OCDS 1.1 release package with `links.next`", body = Object, content_type = "application/json"),
        (status = 400, description = "A bad `limit`, `cursor` or `since`, named", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn releases(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let q: ReleaseQuery = query(&req)?;
    let page = PageParams { limit: q.limit.clone(), cursor: q.cursor.clone() }.parse()?;
    let since = q
        .since
        .as_deref()
        .map(|s| ocds::parse_since(s, state.ocds.zone))
        .transpose()
        .map_err(|e| ApiError::invalid_query("since", e.to_string()))?;
    let feed = FeedQuery { limit: page.limit, after: page.after, since };
    let (st, now) = (state.clone(), state.now());
    let (releases, next) = state.run(move |conn| ocds::releases(conn, &st.ocds, now, &feed)).await?;
    let next = next.map(|cursor| {
        let mut url = format!("{}{}?limit={}&cursor={cursor}", state.ocds.public_url, req.path(), page.limit);
        if let Some(s) = &q.since {
            url.push_str("&since=");
            url.push_str(&url_escape(s));
        }
        url
    });
    let package = ocds::release_package(&state.ocds, public_uri(&state, &req), now, releases, next);
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, CACHE)).json(package))
}

/// Percent-encodes what a query value may not hold as it is.
fn url_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The OCDS record package of one contracting process (public, no token): every
/// release of the order and the compiled release (the releases merged by the OCDS
/// merge rules). An ocid this server did not issue, or an order without a signed Surat
/// Pesanan, is 404.
#[utoipa::path(get, path = "/api/v1/ocds/records/{ocid}", tag = "ocds",
    params(("ocid" = String, Path, description = "`{ocds.ocid_prefix}-{order id}`",
        pattern = r"^ocds-[a-z0-9]{6}(-[A-Za-z0-9-]+)?-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")),
    responses(
        (status = 200, description = "An OCDS 1.1 record package", body = Object, content_type = "application/json"),
        (status = 404, description = "No such contracting process", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record(
    state: web::Data<AppState>,
    req: HttpRequest,
    ocid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ocid = ocid.into_inner();
    if ocid.len() > 200 {
        return Err(ApiError::not_found("No such contracting process."));
    }
    let (st, now) = (state.clone(), state.now());
    let record = state.run(move |conn| ocds::record(conn, &st.ocds, now, &ocid)).await?;
    let package = ocds::record_package(&state.ocds, public_uri(&state, &req), now, record);
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, CACHE)).json(package))
}

/// A file of Pasar's OCDS extension (public): `extension.json`, `release-schema.json`
/// (the JSON Merge Patch of the release schema) or `README.md` (every field described).
/// Served by the binary itself, so that the `extensions` URL of a package resolves on a
/// closed network.
#[utoipa::path(get, path = "/api/v1/ocds/extension/{file}", tag = "ocds",
    params(("file" = String, Path, description = "The file's name",
        pattern = r"^(extension\.json|release-schema\.json|README\.md)$")),
    responses(
        (status = 200, description = "The file (JSON, or Markdown for the README)",
            content((Object = "application/json"), (String = "text/markdown"))),
        (status = 404, description = "No such file", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn extension_file(state: web::Data<AppState>, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    serve(&state, &file)
}

/// A codelist of Pasar's OCDS extension (public, CSV): `pdnClass.csv`,
/// `vendorScale.csv` or `partyScale.csv`.
#[utoipa::path(get, path = "/api/v1/ocds/extension/codelists/{name}", tag = "ocds",
    params(("name" = String, Path, description = "The codelist's file name", pattern = r"^[A-Za-z]+\.csv$")),
    responses(
        (status = 200, description = "The codelist", content_type = "text/csv"),
        (status = 404, description = "No such codelist", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn extension_codelist(state: web::Data<AppState>, name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    serve(&state, &format!("codelists/{name}"))
}

fn serve(state: &AppState, path: &str) -> Result<HttpResponse, ApiError> {
    let (mime, body) = ocds::extension::file(path, &state.ocds.public_url)
        .ok_or_else(|| ApiError::not_found("No such file of the extension."))?;
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(body))
}
