//! `/api/v1/reports/*`: P3DN realisation for a pemda, an OPD or a satker over a period,
//! and the order lines behind each figure (administrators and auditors).

use crate::exports::{stream_table, Workbook};
use crate::extract::{query, query_date, AuthUser, PageParams};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use pasar_report::export::Format;
use pasar_report::flags::{self, RedFlags};
use pasar_report::p3dn::{self, Dimension, Lines, LinesQuery, Part, Period, Point, Query, Report};
use pasar_report::tables::{LinesTable, ReportTable};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reports/p3dn").route(web::get().to(p3dn_report)))
        .service(web::resource("/reports/p3dn/export").route(web::get().to(p3dn_export)))
        .service(web::resource("/reports/p3dn/lines").route(web::get().to(p3dn_lines)))
        .service(web::resource("/reports/p3dn/lines/export").route(web::get().to(p3dn_lines_export)))
        .service(web::resource("/reports/red-flags").route(web::get().to(red_flags)));
}

/// Whose spending, over which days, broken down how.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// A pemda, OPD or satker id; absent: the whole marketplace.
    pub org: Option<String>,
    /// A fiscal year (`2026`), a quarter (`2026-Q3`) or a month (`2026-09`); absent with
    /// `from`/`to` absent: this fiscal year.
    #[param(pattern = r"^([0-9]{4}(-(Q[1-4]|0[1-9]|1[0-2]))?)?$")]
    pub period: Option<String>,
    /// First day (marketplace time zone), with `to`, instead of `period`.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    /// Last day, included.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
    /// `opd`, `satker`, `category`, `vendor`, `budget_line` or `funding_source`.
    #[param(value_type = Option<Dimension>)]
    pub group_by: Option<String>,
}

impl ReportParams {
    fn parse(self, state: &AppState) -> Result<(Option<String>, Period, Option<Dimension>), ApiError> {
        // An empty day is not a date (the OpenAPI document says `format: date`).
        let from = query_date(self.from, "from")?;
        let to = query_date(self.to, "to")?;
        let today = state.orders.time_zone().date(state.now());
        let period = Period::parse(self.period.as_deref().filter(|s| !s.is_empty()), from, to, today).map_err(|e| {
            // A malformed period is a bad parameter (400); well-formed parameters that do
            // not go together (from without to, to before from) are 422.
            let malformed = e.0.iter().any(|f| f.field == "period" && f.message.starts_with("must be"));
            let code = if malformed { pasar_core::Code::InvalidQuery } else { pasar_core::Code::ValidationFailed };
            let invalid = ApiError::new(code, "The report's period is invalid.");
            e.0.into_iter().fold(invalid, |a, f| a.with_field(f.field, f.message))
        })?;
        let group_by = self
            .group_by
            .filter(|s| !s.is_empty())
            .map(|s| {
                Dimension::parse(&s).map_err(|_| {
                    ApiError::invalid_query(
                        "group_by",
                        "must be opd, satker, category, vendor, budget_line or funding_source",
                    )
                })
            })
            .transpose()?;
        Ok((self.org.filter(|s| !s.is_empty()), period, group_by))
    }
}

/// P3DN realisation (administrators and auditors): total spend, PDN, UMKK and local
/// spend and shares, weighted TKDN, orders and vendors, each against its target, at two
/// points — committed (Surat Pesanan signed in the period) and realised (paid in the
/// period) — with an optional breakdown. Read from the facts frozen on each order line.
#[utoipa::path(get, path = "/api/v1/reports/p3dn", tag = "reports", security(("bearer" = [])), params(ReportParams),
    responses(
        (status = 200, body = Report),
        (status = 400, description = "A malformed period, day or breakdown", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`org` is not a pemda, OPD or satker", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn p3dn_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let (org, period, group_by) = query::<ReportParams>(&req)?.parse(&state)?;
    let targets = state.reports.targets;
    let report = state
        .run(move |conn| {
            let scope = p3dn::scope(conn, org.as_deref())?;
            p3dn::report(conn, &actor, &targets, &Query { scope, period, group_by })
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Which lines of a report to list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinesParams {
    /// As for the report.
    pub org: Option<String>,
    #[param(pattern = r"^([0-9]{4}(-(Q[1-4]|0[1-9]|1[0-2]))?)?$")]
    pub period: Option<String>,
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
    #[param(value_type = Option<Dimension>)]
    pub group_by: Option<String>,
    /// `committed` (default) or `realised`.
    #[param(value_type = Option<Point>)]
    pub point: Option<String>,
    /// `all` (default), `pdn`, `umkk` or `local`.
    #[param(value_type = Option<Part>)]
    pub part: Option<String>,
    /// One group of the `group_by` breakdown (its `key`).
    pub key: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// `csv` (default) or `xlsx`: for `/reports/p3dn/lines/export` only.
    #[param(schema_with = crate::exports::formats)]
    pub format: Option<String>,
}

/// The order lines behind a figure of the P3DN report, with their sum (which equals the
/// figure), oldest order first (administrators and auditors).
#[utoipa::path(get, path = "/api/v1/reports/p3dn/lines", tag = "reports", security(("bearer" = [])), params(LinesParams),
    responses(
        (status = 200, body = Lines),
        (status = 400, description = "A malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`org` is not a pemda, OPD or satker", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn p3dn_lines(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: LinesParams = query(&req)?;
    let page = PageParams { limit: q.limit.clone(), cursor: q.cursor.clone() }.parse()?;
    export_format(q.format.as_deref())?;
    let (org, lq) = lines_query(&state, q)?;
    let zone = state.orders.time_zone();
    let lines = state
        .run(move |conn| {
            let lq = with_scope(conn, org, lq)?;
            p3dn::lines(conn, &actor, zone, &lq, &page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(lines))
}

/// The drill-down's query without its scope (resolved with a connection): the `org`
/// asked for and the rest.
fn lines_query(state: &AppState, q: LinesParams) -> Result<(Option<String>, LinesQuery), ApiError> {
    let point = match q.point.as_deref().filter(|s| !s.is_empty()) {
        None => Point::Committed,
        Some(s) => Point::parse(s).map_err(|_| ApiError::invalid_query("point", "must be committed or realised"))?,
    };
    let part = match q.part.as_deref().filter(|s| !s.is_empty()) {
        None => Part::All,
        Some(s) => Part::parse(s).map_err(|_| ApiError::invalid_query("part", "must be all, pdn, umkk or local"))?,
    };
    let key = q.key.filter(|s| !s.is_empty());
    let report = ReportParams { org: q.org, period: q.period, from: q.from, to: q.to, group_by: q.group_by };
    let (org, period, group_by) = report.parse(state)?;
    if key.is_some() && group_by.is_none() {
        // Each is well-formed; together they are not.
        return Err(ApiError::new(pasar_core::Code::ValidationFailed, "A group's key needs its breakdown.")
            .with_field("key", "needs group_by"));
    }
    let everything = p3dn::Scope { kind: "all".into(), id: None, name: None };
    Ok((org, LinesQuery { query: Query { scope: everything, period, group_by }, point, part, key }))
}

fn with_scope(
    conn: &mut pasar_db::DbConn,
    org: Option<String>,
    mut lq: LinesQuery,
) -> Result<LinesQuery, pasar_report::ReportError> {
    lq.query.scope = p3dn::scope(conn, org.as_deref())?;
    Ok(lq)
}

/// `format`: `csv` (default) or `xlsx`.
fn export_format(raw: Option<&str>) -> Result<Format, ApiError> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(Format::Csv),
        Some(s) => Format::parse(s).map_err(|m| ApiError::invalid_query("format", m)),
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportExportParams {
    /// `csv` (default) or `xlsx`.
    #[param(schema_with = crate::exports::formats)]
    pub format: Option<String>,
    /// As for the report.
    pub org: Option<String>,
    #[param(pattern = r"^([0-9]{4}(-(Q[1-4]|0[1-9]|1[0-2]))?)?$")]
    pub period: Option<String>,
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
    #[param(value_type = Option<Dimension>)]
    pub group_by: Option<String>,
}

/// The P3DN report as a file (administrators and auditors): a row for the whole scope,
/// then one per group of the breakdown, committed figures then realised.
#[utoipa::path(get, path = "/api/v1/reports/p3dn/export", tag = "reports", security(("bearer" = [])),
    params(ReportExportParams),
    responses(
        (status = 200, description = "The file (`p3dn-YYYY-MM-DD.csv` or `.xlsx`)",
            content((String = "text/csv"), (Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, description = "A malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`org` is not a pemda, OPD or satker", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn p3dn_export(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: ReportExportParams = query(&req)?;
    let format = export_format(q.format.as_deref())?;
    let report = ReportParams { org: q.org, period: q.period, from: q.from, to: q.to, group_by: q.group_by };
    let (org, period, group_by) = report.parse(&state)?;
    let targets = state.reports.targets;
    // The caller's right is checked and the scope resolved (a bad one named) before the
    // file starts: once its first bytes are out, the status can no longer change.
    p3dn::may_read(&actor)?;
    let scope = state.run(move |conn| p3dn::scope(conn, org.as_deref())).await?;
    let table = ReportTable::new(actor, targets, Query { scope, period, group_by });
    stream_table(state, format, "p3dn", move || Box::new(table)).await
}

/// The lines behind a figure as a file (administrators and auditors), with the same
/// parameters as `/reports/p3dn/lines` (no paging: all of them).
#[utoipa::path(get, path = "/api/v1/reports/p3dn/lines/export", tag = "reports", security(("bearer" = [])),
    params(LinesParams),
    responses(
        (status = 200, description = "The file (`p3dn-baris-YYYY-MM-DD.csv` or `.xlsx`)",
            content((String = "text/csv"), (Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, description = "A malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`org` is not a pemda, OPD or satker", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn p3dn_lines_export(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: LinesParams = query(&req)?;
    let format = export_format(q.format.as_deref())?;
    // (The file holds every line: paging parameters are checked, then not needed.)
    PageParams { limit: q.limit.clone(), cursor: q.cursor.clone() }.parse()?;
    p3dn::may_read(&actor)?;
    let (org, lq) = lines_query(&state, q)?;
    let zone = state.orders.time_zone();
    let lq = state.run(move |conn| with_scope(conn, org, lq)).await?;
    let table = LinesTable::new(actor, zone, lq);
    stream_table(state, format, "p3dn-baris", move || Box::new(table)).await
}

/// Whose orders, over which days, and the thresholds to apply instead of the configured ones.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlagParams {
    /// As for the P3DN report.
    pub org: Option<String>,
    #[param(pattern = r"^([0-9]{4}(-(Q[1-4]|0[1-9]|1[0-2]))?)?$")]
    pub period: Option<String>,
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
    /// The ceiling purchases may be split to stay under, whole rupiah.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub split_ceiling_idr: Option<String>,
    /// Orders this many days apart or less count together (1–366).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 366)]
    pub split_window_days: Option<String>,
}

/// Red flags over the Surat Pesanan signed in the period (administrators and auditors):
/// possible split purchases, unit prices far above their category's median or the
/// product's own recent price, and how concentrated spend is on few vendors and on
/// vendors outside the marketplace's regions. Each flag names its orders.
#[utoipa::path(get, path = "/api/v1/reports/red-flags", tag = "reports", security(("bearer" = [])), params(FlagParams),
    responses(
        (status = 200, body = RedFlags),
        (status = 400, description = "A malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`org` is not a pemda, OPD or satker", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn red_flags(state: web::Data<AppState>, req: HttpRequest, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: FlagParams = query(&req)?;
    let mut thresholds = state.reports.red_flags;
    if let Some(s) = q.split_ceiling_idr.as_deref().filter(|s| !s.is_empty()) {
        thresholds.split_ceiling_idr =
            s.parse().ok().filter(|v: &i64| *v > 0).ok_or_else(|| {
                ApiError::invalid_query("split_ceiling_idr", "must be a whole number of rupiah above 0")
            })?;
    }
    if let Some(s) = q.split_window_days.as_deref().filter(|s| !s.is_empty()) {
        thresholds.split_window_days = s
            .parse()
            .ok()
            .filter(|v: &u32| (1..=366).contains(v))
            .ok_or_else(|| ApiError::invalid_query("split_window_days", "must be a whole number from 1 to 366"))?;
    }
    let report = ReportParams { org: q.org, period: q.period, from: q.from, to: q.to, group_by: None };
    let (org, period, _) = report.parse(&state)?;
    let zone = state.orders.time_zone();
    let flags = state
        .run(move |conn| {
            let scope = p3dn::scope(conn, org.as_deref())?;
            flags::red_flags(conn, &actor, &thresholds, zone, &Query { scope, period, group_by: None })
        })
        .await?;
    Ok(HttpResponse::Ok().json(flags))
}
