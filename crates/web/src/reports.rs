//! P3DN on the pages: the public dashboard (the whole marketplace and each OPD, with
//! charts drawn here as SVG, no script), and for auditors and administrators the report
//! with its filters and breakdowns, the order lines behind every figure, and red flags.
//! Every figure comes from `pasar_report`, the same functions as the API.

use crate::ctx::{Ctx, PageError, PageResult};
use crate::forms::Errors;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use pasar_api::AppState;
use pasar_report::flags::{self, RedFlags};
use pasar_report::p3dn::{self, Dimension, Figures, LinesQuery, Part, Period, Point, Query, Report};
use pasar_report::ReportError;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::resource("/p3dn").route(web::get().to(dashboard)))
        .service(crate::resource("/p3dn/opd/{id}").route(web::get().to(dashboard_opd)))
        .service(crate::resource("/laporan/p3dn").route(web::get().to(report_page)))
        .service(crate::resource("/laporan/p3dn/ekspor").route(web::get().to(report_export)))
        .service(crate::resource("/laporan/p3dn/baris").route(web::get().to(lines_page)))
        .service(crate::resource("/laporan/p3dn/baris/ekspor").route(web::get().to(lines_export)))
        .service(crate::resource("/laporan/tanda-bahaya").route(web::get().to(flags_page)));
}

/// The header's link for those who read reports.
pub fn nav_links(ctx: &Ctx) -> Vec<(&'static str, String)> {
    if ctx.user.as_ref().is_some_and(|u| u.actor.reads_everything()) {
        vec![("/laporan/p3dn", ctx.t("p3dn.nav_reports"))]
    } else {
        Vec::new()
    }
}

/// A report's filters as the form sends them.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ReportForm {
    pub org: String,
    pub period: String,
    pub from: String,
    pub to: String,
    pub group_by: String,
    pub point: String,
    pub part: String,
    pub key: String,
    pub lanjut: String,
    /// `csv` or `xlsx`, for the export links.
    pub format: String,
}

impl ReportForm {
    /// The query string of these filters, `extra` replacing or adding parameters.
    fn link(&self, path: &str, extra: &[(&str, &str)]) -> String {
        let mut params: Vec<(&str, &str)> = [
            ("org", self.org.as_str()),
            ("period", self.period.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("group_by", self.group_by.as_str()),
        ]
        .into_iter()
        .filter(|(k, v)| !v.is_empty() && !extra.iter().any(|(e, _)| e == k))
        .collect();
        params.extend(extra.iter().filter(|(_, v)| !v.is_empty()));
        format!("{path}?{}", serde_urlencoded::to_string(&params).unwrap_or_default())
    }

    fn period(&self, ctx: &Ctx, today: chrono::NaiveDate) -> Result<Period, Errors> {
        let mut errors = Errors::none();
        let date = |field: &str, s: &str, errors: &mut Errors| {
            if s.is_empty() {
                return None;
            }
            let parsed = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            if parsed.is_none() {
                errors.add(field, ctx.t(&format!("p3dn.{field}")), ctx.t("p3dn.bad_date"));
            }
            parsed
        };
        let from = date("from", &self.from, &mut errors);
        let to = date("to", &self.to, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let period = (!self.period.is_empty()).then_some(self.period.as_str());
        Period::parse(period, from, to, today).map_err(|e| {
            let mut errors = Errors::none();
            for f in e.0 {
                errors.add(&f.field, ctx.t(&format!("p3dn.{}", f.field)), ctx.service_message(&f.message));
            }
            errors
        })
    }

    fn group_by(&self) -> Option<Dimension> {
        Dimension::parse(&self.group_by).ok()
    }
}

/// A bar of a share against its target, drawn as SVG (widths in tenths of a percent).
pub struct Bar {
    pub label: String,
    pub value: String,
    pub width: u32,
    pub target: Option<u32>,
    pub target_text: String,
    /// `met`, `missed` or `none` (no target or no spend).
    pub status: &'static str,
    pub status_text: String,
}

/// A line of the figures table: the measure, then committed and realised.
pub struct FigureRow {
    pub label: String,
    pub committed: String,
    pub realised: String,
}

/// One group of a breakdown, formatted.
pub struct GroupRow {
    pub name: String,
    /// The public dashboard's page of this group, if it has one.
    pub href: Option<String>,
    /// The lines behind its committed and realised spend (auditors).
    pub committed_href: Option<String>,
    pub realised_href: Option<String>,
    pub committed: String,
    pub realised: String,
    pub pdn: String,
    pub umkk: String,
    pub umkk_bar: Bar,
    pub local: String,
    pub tkdn: String,
    pub orders: String,
}

/// Everything the report pages and the dashboard show of one report.
pub struct ReportView {
    pub scope: String,
    pub period: String,
    pub figures: Vec<FigureRow>,
    pub committed_bars: Vec<Bar>,
    pub realised_bars: Vec<Bar>,
    pub by: String,
    pub groups: Vec<GroupRow>,
    pub method: String,
}

fn share_text(ctx: &Ctx, bp: Option<u32>) -> String {
    bp.map(|b| ctx.percent_bp(&i64::from(b))).unwrap_or_else(|| "—".into())
}

fn bar(ctx: &Ctx, label: String, bp: Option<u32>, target: Option<u32>) -> Bar {
    let status = match (bp, target) {
        (Some(b), Some(t)) if b >= t => "met",
        (Some(_), Some(_)) => "missed",
        _ => "none",
    };
    Bar {
        label,
        value: share_text(ctx, bp),
        width: bp.map(|b| b.min(10_000) / 10).unwrap_or(0),
        target: target.map(|t| t.min(10_000) / 10),
        target_text: target
            .map(|t| ctx.t_with("p3dn.target", &[("t", &ctx.percent_bp(&i64::from(t)))]))
            .unwrap_or_default(),
        status,
        status_text: ctx.t(&format!("p3dn.status_{status}")),
    }
}

fn bars(ctx: &Ctx, f: &Figures) -> Vec<Bar> {
    vec![
        bar(ctx, ctx.t("p3dn.pdn_share"), f.pdn.share_bp, f.pdn.target_bp),
        bar(ctx, ctx.t("p3dn.umkk_share"), f.umkk.share_bp, f.umkk.target_bp),
        bar(ctx, ctx.t("p3dn.local_share"), f.local.share_bp, f.local.target_bp),
        bar(ctx, ctx.t("p3dn.tkdn"), f.tkdn.weighted_bp, f.tkdn.target_bp),
    ]
}

fn with_share(ctx: &Ctx, idr: i64, bp: Option<u32>) -> String {
    format!("{} ({})", ctx.money(&idr), share_text(ctx, bp))
}

/// The report as the pages show it; `links` makes the drill-down links (auditors), and
/// `group_href` the dashboard's links to each group.
fn view(ctx: &Ctx, r: &Report, links: Option<&ReportForm>, group_href: impl Fn(&str) -> Option<String>) -> ReportView {
    let (c, z) = (&r.committed, &r.realised);
    let row = |label: &str, a: String, b: String| FigureRow { label: ctx.t(label), committed: a, realised: b };
    let figures = vec![
        row("p3dn.total", ctx.money(&c.total_idr), ctx.money(&z.total_idr)),
        row("p3dn.pdn", with_share(ctx, c.pdn.idr, c.pdn.share_bp), with_share(ctx, z.pdn.idr, z.pdn.share_bp)),
        row("p3dn.umkk", with_share(ctx, c.umkk.idr, c.umkk.share_bp), with_share(ctx, z.umkk.idr, z.umkk.share_bp)),
        row(
            "p3dn.local",
            with_share(ctx, c.local.idr, c.local.share_bp),
            with_share(ctx, z.local.idr, z.local.share_bp),
        ),
        row("p3dn.tkdn", share_text(ctx, c.tkdn.weighted_bp), share_text(ctx, z.tkdn.weighted_bp)),
        row("p3dn.orders", ctx.count(&(c.orders as u64)), ctx.count(&(z.orders as u64))),
        row("p3dn.vendors", ctx.count(&(c.vendors as u64)), ctx.count(&(z.vendors as u64))),
    ];
    let (by, groups) = match &r.breakdown {
        None => (String::new(), Vec::new()),
        Some(b) => {
            let groups = b
                .groups
                .iter()
                .map(|g| {
                    let drill = |point: &str| {
                        links.map(|f| {
                            f.link(
                                "/laporan/p3dn/baris",
                                &[("group_by", b.by.as_str()), ("key", &g.key), ("point", point)],
                            )
                        })
                    };
                    GroupRow {
                        name: g.name.clone(),
                        href: group_href(&g.key),
                        committed_href: drill("committed"),
                        realised_href: drill("realised"),
                        committed: ctx.money(&g.committed.total_idr),
                        realised: ctx.money(&g.realised.total_idr),
                        pdn: share_text(ctx, g.committed.pdn.share_bp),
                        umkk: share_text(ctx, g.committed.umkk.share_bp),
                        umkk_bar: bar(ctx, g.name.clone(), g.committed.umkk.share_bp, g.committed.umkk.target_bp),
                        local: share_text(ctx, g.committed.local.share_bp),
                        tkdn: share_text(ctx, g.committed.tkdn.weighted_bp),
                        orders: ctx.count(&(g.committed.orders as u64)),
                    }
                })
                .collect();
            (ctx.t(&format!("p3dn.by_{}", b.by.as_str())), groups)
        }
    };
    ReportView {
        scope: r.scope.name.clone().unwrap_or_else(|| ctx.t("p3dn.everything")),
        period: period_text(ctx, &r.period),
        figures,
        committed_bars: bars(ctx, c),
        realised_bars: bars(ctx, z),
        by,
        groups,
        method: ctx.t("p3dn.method"),
    }
}

fn period_text(ctx: &Ctx, p: &Period) -> String {
    let day = |d: chrono::NaiveDate| ctx.iso_date(&d.to_string());
    format!("{} – {}", day(p.from), day(p.to))
}

/// The choices of a select, with the chosen one marked.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices(options: Vec<(String, String)>, chosen: &str) -> Vec<Choice> {
    options.into_iter().map(|(value, label)| Choice { selected: value == chosen, value, label }).collect()
}

fn dimension_choices(ctx: &Ctx, chosen: &str) -> Vec<Choice> {
    let mut options = vec![(String::new(), ctx.t("p3dn.no_breakdown"))];
    for d in ["opd", "satker", "category", "vendor", "budget_line", "funding_source"] {
        options.push((d.to_owned(), ctx.t(&format!("p3dn.by_{d}"))));
    }
    choices(options, chosen)
}

/// The pemda, OPD and satker a report may be about, as choices: pemda first, then OPD,
/// then satker.
async fn org_choices(state: &AppState, ctx: &Ctx, chosen: &str) -> Result<Vec<Choice>, PageError> {
    let orgs = state.run(p3dn::organisations).await.map_err(|e| ctx.fail(e))?;
    let mut out = vec![(String::new(), ctx.t("p3dn.everything"))];
    for kind in ["pemda", "opd", "satker"] {
        for o in orgs.iter().filter(|o| o.kind == kind) {
            out.push((o.id.clone(), format!("{} — {}", ctx.t(&format!("p3dn.kind_{kind}")), o.name)));
        }
    }
    Ok(choices(out, chosen))
}

fn report_error(ctx: &Ctx, e: pasar_api::problem::ApiError) -> Result<Errors, PageError> {
    if e.code == pasar_core::Code::ValidationFailed {
        Ok(Errors::from_service(ctx, &e, &[("org", ctx.t("p3dn.org"))]))
    } else {
        Err(ctx.fail(e))
    }
}

// ---- the public dashboard ----

#[derive(Template)]
#[template(path = "p3dn_dashboard.html")]
pub struct DashboardPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub heading: String,
    pub periods: Vec<Choice>,
    pub action: String,
    pub report: Option<ReportView>,
    pub back: bool,
}

/// Fiscal years and their quarters around today, for the dashboard's period select.
fn period_choices(ctx: &Ctx, today: chrono::NaiveDate, chosen: &str) -> Vec<Choice> {
    use chrono::Datelike;
    let mut options = Vec::new();
    for y in (today.year() - 2..=today.year()).rev() {
        options.push((y.to_string(), ctx.t_with("p3dn.year", &[("y", &y.to_string())])));
        for q in 1..=4 {
            options.push((
                format!("{y}-Q{q}"),
                ctx.t_with("p3dn.quarter", &[("q", &q.to_string()), ("y", &y.to_string())]),
            ));
        }
    }
    choices(options, chosen)
}

async fn public_report(
    ctx: &Ctx,
    state: &AppState,
    form: &ReportForm,
    org: Option<String>,
    group_by: Dimension,
) -> Result<(Errors, Option<Report>), PageError> {
    let today = state.orders.time_zone().date(state.now());
    let period = match form.period(ctx, today) {
        Ok(p) => p,
        Err(errors) => return Ok((errors, None)),
    };
    let targets = state.reports.targets;
    let report = state
        .run(move |conn| {
            let scope = p3dn::scope(conn, org.as_deref())?;
            if scope.kind == "satker" {
                return Err(ReportError::NotFound("OPD"));
            }
            p3dn::compute(conn, &targets, &Query { scope, period, group_by: Some(group_by) })
        })
        .await;
    match report {
        Ok(r) => Ok((Errors::none(), Some(r))),
        Err(e) if e.code == pasar_core::Code::ValidationFailed => Err(ctx.error_page(StatusCode::NOT_FOUND, None)),
        Err(e) => Err(ctx.fail(e)),
    }
}

/// `GET /p3dn`: the whole marketplace's realisation against the targets, by OPD. Public.
pub async fn dashboard(ctx: Ctx, state: web::Data<AppState>, q: web::Query<ReportForm>) -> PageResult {
    let form = ReportForm { from: String::new(), to: String::new(), ..q.into_inner() };
    let (errors, report) = public_report(&ctx, &state, &form, None, Dimension::Opd).await?;
    let today = state.orders.time_zone().date(state.now());
    let report = report.map(|r| view(&ctx, &r, None, |key| Some(format!("/p3dn/opd/{key}"))));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let page = DashboardPage {
        heading: ctx.t("p3dn.dashboard_title"),
        periods: period_choices(&ctx, today, &form.period),
        action: "/p3dn".into(),
        ctx: &ctx,
        errors,
        report,
        back: false,
    };
    Ok(page.ctx.page(status, &page))
}

/// `GET /p3dn/opd/{id}`: one OPD's realisation, by satker. Public.
pub async fn dashboard_opd(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<ReportForm>,
) -> PageResult {
    let form = ReportForm { from: String::new(), to: String::new(), ..q.into_inner() };
    let id = id.into_inner();
    let (errors, report) = public_report(&ctx, &state, &form, Some(id.clone()), Dimension::Satker).await?;
    if report.as_ref().is_some_and(|r| r.scope.kind != "opd") {
        return Err(ctx.error_page(StatusCode::NOT_FOUND, None));
    }
    let today = state.orders.time_zone().date(state.now());
    let report = report.map(|r| view(&ctx, &r, None, |_| None));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let heading = report.as_ref().map(|r| r.scope.clone()).unwrap_or_default();
    let page = DashboardPage {
        heading,
        periods: period_choices(&ctx, today, &form.period),
        action: format!("/p3dn/opd/{id}"),
        ctx: &ctx,
        errors,
        report,
        back: true,
    };
    Ok(page.ctx.page(status, &page))
}

// ---- the auditor's report ----

#[derive(Template)]
#[template(path = "p3dn_report.html")]
pub struct ReportPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub form: ReportForm,
    pub orgs: Vec<Choice>,
    pub dimensions: Vec<Choice>,
    pub report: Option<ReportView>,
    /// Links to every figure's lines: (label, committed, realised).
    pub drill: Vec<(String, String, String)>,
    pub flags_href: String,
    /// The report as CSV and XLSX: (label, link).
    pub exports: Vec<(String, String)>,
}

fn reader(ctx: &Ctx) -> Result<(), PageError> {
    let user = ctx.require_user()?;
    if user.actor.reads_everything() {
        Ok(())
    } else {
        Err(ctx.error_page(StatusCode::FORBIDDEN, None))
    }
}

/// `GET /laporan/p3dn`: the report with every filter, for auditors and administrators.
pub async fn report_page(ctx: Ctx, state: web::Data<AppState>, q: web::Query<ReportForm>) -> PageResult {
    reader(&ctx)?;
    let form = q.into_inner();
    let today = state.orders.time_zone().date(state.now());
    let orgs = org_choices(&state, &ctx, &form.org).await?;
    let (mut errors, mut report) = (Errors::none(), None);
    match form.period(&ctx, today) {
        Err(e) => errors = e,
        Ok(period) => {
            let actor = ctx.require_user()?.actor.clone();
            let targets = state.reports.targets;
            let (org, group_by) = ((!form.org.is_empty()).then(|| form.org.clone()), form.group_by());
            let got = state
                .run(move |conn| {
                    let scope = p3dn::scope(conn, org.as_deref())?;
                    p3dn::report(conn, &actor, &targets, &Query { scope, period, group_by })
                })
                .await;
            match got {
                Ok(r) => report = Some(r),
                Err(e) => errors = report_error(&ctx, e)?,
            }
        }
    }
    let drill = if report.is_some() {
        [("all", "p3dn.total"), ("pdn", "p3dn.pdn"), ("umkk", "p3dn.umkk"), ("local", "p3dn.local")]
            .into_iter()
            .map(|(part, label)| {
                let link = |point: &str| {
                    form.link("/laporan/p3dn/baris", &[("group_by", ""), ("point", point), ("part", part)])
                };
                (ctx.t(label), link("committed"), link("realised"))
            })
            .collect()
    } else {
        Vec::new()
    };
    let report = report.map(|r| view(&ctx, &r, Some(&form), |_| None));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let exports = if report.is_some() { export_links(&ctx, &form, "/laporan/p3dn/ekspor", &[]) } else { Vec::new() };
    let page = ReportPage {
        exports,
        dimensions: dimension_choices(&ctx, &form.group_by),
        flags_href: form.link("/laporan/tanda-bahaya", &[("group_by", "")]),
        ctx: &ctx,
        errors,
        orgs,
        report,
        drill,
        form,
    };
    Ok(page.ctx.page(status, &page))
}

/// One line behind a figure, formatted.
pub struct LineRow {
    pub order_href: String,
    pub sp_number: String,
    pub product: String,
    pub quantity: String,
    pub unit_price: String,
    pub value: String,
    pub tkdn: String,
    pub facts: String,
}

#[derive(Template)]
#[template(path = "p3dn_lines.html")]
pub struct LinesPage<'a> {
    pub ctx: &'a Ctx,
    pub exports: Vec<(String, String)>,
    pub title: String,
    pub back: String,
    pub sum: String,
    pub count: String,
    pub rows: Vec<LineRow>,
    pub next: Option<String>,
}

/// The drill-down a link asks for, its scope resolved; a link that does not parse is
/// the 400 page.
async fn lines_query(ctx: &Ctx, state: &AppState, form: &ReportForm) -> Result<LinesQuery, PageError> {
    let bad = || ctx.error_page(StatusCode::BAD_REQUEST, Some(ctx.t("p3dn.bad_link")));
    let today = state.orders.time_zone().date(state.now());
    let period = form.period(ctx, today).map_err(|_| bad())?;
    let point = if form.point.is_empty() { Ok(Point::Committed) } else { Point::parse(&form.point) };
    let part = if form.part.is_empty() { Ok(Part::All) } else { Part::parse(&form.part) };
    let (Ok(point), Ok(part)) = (point, part) else { return Err(bad()) };
    let (org, group_by) = ((!form.org.is_empty()).then(|| form.org.clone()), form.group_by());
    let key = (!form.key.is_empty()).then(|| form.key.clone());
    let scope = state.run(move |conn| p3dn::scope(conn, org.as_deref())).await.map_err(|e| ctx.fail(e))?;
    Ok(LinesQuery { query: Query { scope, period, group_by }, point, part, key })
}

/// `GET /laporan/p3dn/baris`: the order lines behind one figure, with their sum.
pub async fn lines_page(ctx: Ctx, state: web::Data<AppState>, q: web::Query<ReportForm>) -> PageResult {
    reader(&ctx)?;
    let form = q.into_inner();
    let lq = lines_query(&ctx, &state, &form).await?;
    let (point, part) = (lq.point, lq.part);
    let page = pasar_core::page::PageRequest::parse(Some(50), Some(&form.lanjut))
        .map_err(|_| ctx.error_page(StatusCode::BAD_REQUEST, Some(ctx.t("p3dn.bad_link"))))?;
    let actor = ctx.require_user()?.actor.clone();
    let zone = state.orders.time_zone();
    let lines = state.run(move |conn| p3dn::lines(conn, &actor, zone, &lq, &page)).await.map_err(|e| ctx.fail(e))?;
    let rows = lines
        .items
        .iter()
        .map(|l| LineRow {
            order_href: format!("/pesanan/{}", l.order_id),
            sp_number: l.sp_number.clone().unwrap_or_else(|| l.order_id.clone()),
            product: format!("{} ({})", l.product_name, l.unit),
            quantity: match (point, l.accepted_quantity) {
                (Point::Realised, Some(a)) => ctx.count(&(a.max(0) as u64)),
                _ => ctx.count(&(l.quantity.max(0) as u64)),
            },
            unit_price: ctx.money(&l.unit_price_idr),
            value: ctx.money(&l.value_idr),
            tkdn: ctx.percent_bp(&i64::from(l.tkdn_bp)),
            facts: [
                (l.pdn_class == "pdn").then(|| ctx.t("p3dn.fact_pdn")),
                l.umkk.then(|| ctx.t("p3dn.fact_umkk")),
                l.local_vendor.then(|| ctx.t("p3dn.fact_local")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
        })
        .collect();
    let next = lines.next_cursor.as_ref().map(|c| {
        form.link(
            "/laporan/p3dn/baris",
            &[("point", &form.point), ("part", &form.part), ("key", &form.key), ("lanjut", c)],
        )
    });
    let title = ctx.t_with(
        "p3dn.lines_title",
        &[
            ("point", &ctx.t(&format!("p3dn.{}", point.as_str()))),
            ("part", &ctx.t(&format!("p3dn.part_{}", part.as_str()))),
        ],
    );
    let keep = [("point", form.point.as_str()), ("part", form.part.as_str()), ("key", form.key.as_str())];
    let page = LinesPage {
        exports: export_links(&ctx, &form, "/laporan/p3dn/baris/ekspor", &keep),
        title,
        back: form.link("/laporan/p3dn", &[]),
        sum: ctx.money(&lines.sum_idr),
        count: ctx.count(&(lines.count as u64)),
        rows,
        next,
        ctx: &ctx,
    };
    Ok(page.ctx.ok(&page))
}

// ---- red flags ----

pub struct SplitRow {
    pub satker: String,
    pub by: String,
    pub total: String,
    pub span: String,
    pub orders: Vec<(String, String)>,
}

pub struct PriceRow {
    pub order_href: String,
    pub product: String,
    pub price: String,
    pub reference: String,
    pub ratio: String,
}

#[derive(Template)]
#[template(path = "p3dn_flags.html")]
pub struct FlagsPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub form: ReportForm,
    pub orgs: Vec<Choice>,
    pub period: String,
    pub splits: Vec<SplitRow>,
    pub prices: Vec<PriceRow>,
    pub concentration: Vec<FigureRow>,
    pub warnings: Vec<String>,
    pub back: String,
}

/// `GET /laporan/tanda-bahaya`: red flags of a scope and period (auditors, administrators).
pub async fn flags_page(ctx: Ctx, state: web::Data<AppState>, q: web::Query<ReportForm>) -> PageResult {
    reader(&ctx)?;
    let form = q.into_inner();
    let today = state.orders.time_zone().date(state.now());
    let orgs = org_choices(&state, &ctx, &form.org).await?;
    let mut errors = Errors::none();
    let mut found: Option<RedFlags> = None;
    match form.period(&ctx, today) {
        Err(e) => errors = e,
        Ok(period) => {
            let actor = ctx.require_user()?.actor.clone();
            let (thresholds, zone) = (state.reports.red_flags, state.orders.time_zone());
            let org = (!form.org.is_empty()).then(|| form.org.clone());
            let got = state
                .run(move |conn| {
                    let scope = p3dn::scope(conn, org.as_deref())?;
                    flags::red_flags(conn, &actor, &thresholds, zone, &Query { scope, period, group_by: None })
                })
                .await;
            match got {
                Ok(f) => found = Some(f),
                Err(e) => errors = report_error(&ctx, e)?,
            }
        }
    }
    let (mut splits, mut prices, mut concentration, mut warnings, mut period) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), String::new());
    if let Some(f) = &found {
        period = period_text(&ctx, &f.period);
        splits = f
            .split_purchases
            .iter()
            .map(|s| SplitRow {
                satker: s.satker_name.clone(),
                by: format!("{}: {}", ctx.t(&format!("p3dn.by_{}", s.by)), s.key_name),
                total: ctx.money(&s.total_idr),
                span: format!("{} – {}", ctx.date_time(&s.first_at), ctx.date_time(&s.last_at)),
                orders: s.orders.iter().map(|o| (format!("/pesanan/{o}"), o.clone())).collect(),
            })
            .collect();
        prices = f
            .prices
            .iter()
            .map(|p| PriceRow {
                order_href: format!("/pesanan/{}", p.order_id),
                product: p.product_name.clone(),
                price: ctx.money(&p.unit_price_idr),
                reference: format!("{} ({})", ctx.money(&p.reference_idr), ctx.t(&format!("p3dn.{}", p.compared_with))),
                ratio: ctx.percent_bp(&i64::from(p.ratio_bp)),
            })
            .collect();
        let c = &f.concentration;
        let row = |label: &str, v: String| FigureRow { label: ctx.t(label), committed: v, realised: String::new() };
        concentration = vec![
            row("p3dn.total", ctx.money(&c.total_idr)),
            row("p3dn.vendors", ctx.count(&(c.vendors as u64))),
            row("p3dn.top_share", ctx.percent_bp(&i64::from(c.top_share_bp))),
            row("p3dn.hhi", ctx.count(&u64::from(c.hhi))),
            row("p3dn.outside", with_share(&ctx, c.outside_idr, Some(c.outside_share_bp))),
        ];
        if c.hhi_flagged {
            warnings.push(ctx.t("p3dn.hhi_flag"));
        }
        if c.outside_flagged {
            warnings.push(ctx.t("p3dn.outside_flag"));
        }
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FlagsPage {
        back: form.link("/laporan/p3dn", &[]),
        ctx: &ctx,
        errors,
        form,
        orgs,
        period,
        splits,
        prices,
        concentration,
        warnings,
    };
    Ok(page.ctx.page(status, &page))
}

// ---- exports ----

/// The CSV and XLSX links of a report page: its filters, `keep`, and the format.
fn export_links(ctx: &Ctx, form: &ReportForm, path: &str, keep: &[(&str, &str)]) -> Vec<(String, String)> {
    ["csv", "xlsx"]
        .into_iter()
        .map(|format| {
            let mut extra = keep.to_vec();
            extra.push(("format", format));
            (ctx.t(&format!("export.{format}")), form.link(path, &extra))
        })
        .collect()
}

fn export_format(ctx: &Ctx, raw: &str) -> Result<pasar_report::export::Format, PageError> {
    if raw.is_empty() {
        return Ok(pasar_report::export::Format::Csv);
    }
    pasar_report::export::Format::parse(raw)
        .map_err(|_| ctx.error_page(StatusCode::BAD_REQUEST, Some(ctx.t("p3dn.bad_link"))))
}

/// `GET /laporan/p3dn/ekspor`: the report as a file, through the API's export.
pub async fn report_export(ctx: Ctx, state: web::Data<AppState>, q: web::Query<ReportForm>) -> PageResult {
    reader(&ctx)?;
    let form = q.into_inner();
    let format = export_format(&ctx, &form.format)?;
    let today = state.orders.time_zone().date(state.now());
    let period =
        form.period(&ctx, today).map_err(|_| ctx.error_page(StatusCode::BAD_REQUEST, Some(ctx.t("p3dn.bad_link"))))?;
    let actor = ctx.require_user()?.actor.clone();
    let (org, group_by) = ((!form.org.is_empty()).then(|| form.org.clone()), form.group_by());
    let scope = state.run(move |conn| p3dn::scope(conn, org.as_deref())).await.map_err(|e| ctx.fail(e))?;
    let table = pasar_report::tables::ReportTable::new(actor, state.reports.targets, Query { scope, period, group_by });
    pasar_api::exports::stream_table(state, format, "p3dn", move || Box::new(table)).await.map_err(|e| ctx.fail(e))
}

/// `GET /laporan/p3dn/baris/ekspor`: the lines behind a figure as a file.
pub async fn lines_export(ctx: Ctx, state: web::Data<AppState>, q: web::Query<ReportForm>) -> PageResult {
    reader(&ctx)?;
    let form = q.into_inner();
    let format = export_format(&ctx, &form.format)?;
    let lq = lines_query(&ctx, &state, &form).await?;
    let actor = ctx.require_user()?.actor.clone();
    let table = pasar_report::tables::LinesTable::new(actor, state.orders.time_zone(), lq);
    pasar_api::exports::stream_table(state, format, "p3dn-baris", move || Box::new(table))
        .await
        .map_err(|e| ctx.fail(e))
}
