//! The curator's pages: the vendor and product queues, claiming a vendor, the review
//! with remarks per field and per document, the decision, a pending change shown as a
//! diff (an approved vendor's counted facts; a published product's reviewed fields),
//! and taking a product down. Every action is the service function the REST API calls,
//! with its own access rules.

use crate::ctx::{see_other, Ctx, PageError, PageResult};
use crate::desk::{self, actor, dom_id, is_failure, refusal_status, service_errors, Form};
use crate::forms::Errors;
use crate::resource;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use pasar_api::AppState;
use pasar_catalog::model::ProductStatus;
use pasar_catalog::service::{self as catalog, ProductReview, ProductView};
use pasar_core::id::{DocumentId, OrganizationId, ProductId};
use pasar_core::page::PageRequest;
use pasar_vendor_onboarding::documents;
use pasar_vendor_onboarding::facts::{self, FactsReview};
use pasar_vendor_onboarding::model::VendorStatus;
use pasar_vendor_onboarding::service::{self as vendors, Remark, ReviewInput, VendorReply, VendorView};
use std::collections::HashMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/kurasi").route(web::get().to(|| async { see_other("/kurasi/penyedia") })))
        .service(resource("/kurasi/penyedia").route(web::get().to(vendor_queue)))
        .service(resource("/kurasi/penyedia/{id}").route(web::get().to(vendor_review)))
        .service(resource("/kurasi/penyedia/{id}/klaim").route(web::post().to(claim_vendor)))
        .service(resource("/kurasi/penyedia/{id}/putusan").route(web::post().to(decide_vendor)))
        .service(resource("/kurasi/penyedia/{id}/fakta").route(web::post().to(decide_facts)))
        .service(resource("/kurasi/penyedia/{id}/dokumen/{doc}").route(web::get().to(document_file)))
        .service(resource("/kurasi/produk").route(web::get().to(product_queue)))
        .service(resource("/kurasi/produk/{id}").route(web::get().to(product_review)))
        .service(resource("/kurasi/produk/{id}/putusan").route(web::post().to(decide_product)))
        .service(resource("/kurasi/produk/{id}/turun").route(web::post().to(take_down)));
}

/// A tab of a queue (a status), as a link.
pub struct QueueTab {
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// A line of a queue.
pub struct QueueLine {
    pub href: String,
    pub name: String,
    pub detail: String,
    pub since: String,
    pub waiting: String,
    pub claimed: String,
}

#[derive(Template)]
#[template(path = "kurasi_queue.html")]
pub struct QueuePage<'a> {
    pub ctx: &'a Ctx,
    pub tab: &'static str,
    pub title: String,
    pub tabs: Vec<QueueTab>,
    pub lines: Vec<QueueLine>,
    pub next: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct QueueQuery {
    status: Option<String>,
    lanjut: Option<String>,
}

fn waiting(ctx: &Ctx, seconds: i64) -> String {
    let hours = seconds / 3600;
    if hours < 48 {
        ctx.t_with("kurasi.hours", &[("n", &hours.to_string())])
    } else {
        ctx.t_with("kurasi.days", &[("n", &(hours / 24).to_string())])
    }
}

fn page_request(ctx: &Ctx, cursor: Option<&str>) -> Result<PageRequest, PageError> {
    PageRequest::parse(Some(50), cursor).map_err(|e| ctx.fail(pasar_api::ApiError::invalid_query(e.field, e.message)))
}

fn next_link(base: &str, status: &str, cursor: Option<String>) -> Option<String> {
    cursor.map(|c| {
        format!("{base}?{}", serde_urlencoded::to_string([("status", status), ("lanjut", &c)]).unwrap_or_default())
    })
}

/// `GET /kurasi/penyedia?status=…`: vendors waiting, oldest first, with their waiting time.
pub async fn vendor_queue(ctx: Ctx, state: web::Data<AppState>, q: web::Query<QueueQuery>) -> PageResult {
    let actor = actor(&ctx)?;
    let status_text = q.status.clone().unwrap_or_else(|| "submitted".into());
    if status_text == "perubahan" {
        return facts_queue(ctx, state, actor, q.lanjut.as_deref()).await;
    }
    let status = match status_text.as_str() {
        "submitted" | "in_review" | "revision_requested" | "approved" | "rejected" => {
            VendorStatus::parse(&status_text).unwrap_or(VendorStatus::Submitted)
        }
        _ => return Err(ctx.error_page(StatusCode::BAD_REQUEST, None)),
    };
    let page = page_request(&ctx, q.lanjut.as_deref())?;
    let (st, now) = (state.clone(), state.now());
    let found = state
        .run(move |conn| vendors::queue(conn, &st.vendors, now, &actor, status, &page))
        .await
        .map_err(|e| ctx.fail(e))?;
    let lines = found
        .items
        .iter()
        .map(|i| QueueLine {
            href: format!("/kurasi/penyedia/{}", i.id),
            name: i.trade_name.clone().unwrap_or_else(|| i.legal_name.clone()),
            detail: ctx.t(&format!("legal_form.{}", i.legal_form.as_str())),
            since: i.submitted_at.map(|at| ctx.date_time(&at)).unwrap_or_default(),
            waiting: waiting(&ctx, i.waiting_seconds),
            claimed: if i.claimed_by.is_some() { ctx.t("kurasi.claimed") } else { String::new() },
        })
        .collect();
    let tabs = vendor_tabs(&ctx, &status_text);
    let next = next_link("/kurasi/penyedia", &status_text, found.next_cursor);
    Ok(ctx.ok(&QueuePage { ctx: &ctx, tab: "penyedia", title: ctx.t("kurasi.vendors_title"), tabs, lines, next }))
}

fn vendor_tabs(ctx: &Ctx, current: &str) -> Vec<QueueTab> {
    let mut tabs: Vec<QueueTab> = ["submitted", "in_review", "revision_requested", "approved"]
        .iter()
        .map(|s| QueueTab {
            label: ctx.t(&format!("toko.status.{s}")),
            href: format!("/kurasi/penyedia?status={s}"),
            current: *s == current,
        })
        .collect();
    tabs.push(QueueTab {
        label: ctx.t("kurasi.facts_tab"),
        href: "/kurasi/penyedia?status=perubahan".into(),
        current: current == "perubahan",
    });
    tabs
}

/// `GET /kurasi/penyedia?status=perubahan`: approved vendors' proposed changes of the
/// facts P3DN counts, oldest first.
async fn facts_queue(
    ctx: Ctx,
    state: web::Data<AppState>,
    actor: pasar_auth::Actor,
    cursor: Option<&str>,
) -> PageResult {
    let page = page_request(&ctx, cursor)?;
    let now = state.now();
    let found = state.run(move |conn| facts::queue(conn, now, &actor, &page)).await.map_err(|e| ctx.fail(e))?;
    let lines = found
        .items
        .iter()
        .map(|i| QueueLine {
            href: format!("/kurasi/penyedia/{}", i.vendor_id),
            name: i.legal_name.clone(),
            detail: ctx.t("kurasi.facts_tab"),
            since: ctx.date_time(&i.submitted_at),
            waiting: waiting(&ctx, i.waiting_seconds),
            claimed: String::new(),
        })
        .collect();
    let tabs = vendor_tabs(&ctx, "perubahan");
    let next = next_link("/kurasi/penyedia", "perubahan", found.next_cursor);
    Ok(ctx.ok(&QueuePage { ctx: &ctx, tab: "penyedia", title: ctx.t("kurasi.vendors_title"), tabs, lines, next }))
}

/// `GET /kurasi/produk?status=…`: products and changes waiting, oldest first.
pub async fn product_queue(ctx: Ctx, state: web::Data<AppState>, q: web::Query<QueueQuery>) -> PageResult {
    let actor = actor(&ctx)?;
    let status_text = q.status.clone().unwrap_or_else(|| "submitted".into());
    let status = match status_text.as_str() {
        "submitted" => ProductStatus::Submitted,
        "changes_submitted" => ProductStatus::ChangesSubmitted,
        _ => return Err(ctx.error_page(StatusCode::BAD_REQUEST, None)),
    };
    let page = page_request(&ctx, q.lanjut.as_deref())?;
    let (st, now) = (state.clone(), state.now());
    let found = state
        .run(move |conn| catalog::product_queue(conn, &st.vendors, now, &actor, status, &page))
        .await
        .map_err(|e| ctx.fail(e))?;
    let lines = found
        .items
        .iter()
        .map(|p| QueueLine {
            href: format!("/kurasi/produk/{}", p.id),
            name: p.name.clone(),
            detail: p.vendor_name.clone(),
            since: ctx.date_time(&p.updated_at),
            waiting: String::new(),
            claimed: String::new(),
        })
        .collect();
    let tabs = ["submitted", "changes_submitted"]
        .iter()
        .map(|s| QueueTab {
            label: ctx.t(&format!("kurasi.product_queue.{s}")),
            href: format!("/kurasi/produk?status={s}"),
            current: *s == status_text,
        })
        .collect();
    let next = next_link("/kurasi/produk", &status_text, found.next_cursor);
    Ok(ctx.ok(&QueuePage { ctx: &ctx, tab: "produk", title: ctx.t("kurasi.products_title"), tabs, lines, next }))
}

// --- a vendor's review --------------------------------------------------------------------------

/// A fact of the profile, with the curator's remark input for it.
pub struct FactLine {
    /// The service's name of the field (`address.street`), which a remark names.
    pub field: String,
    pub input: String,
    pub label: String,
    pub value: String,
    pub remark: String,
}

/// A document under review.
pub struct ReviewDoc {
    pub field: String,
    pub input: String,
    pub kind: String,
    pub number: String,
    pub valid_until: String,
    pub expired: bool,
    pub href: String,
    pub file_name: String,
    pub remark: String,
}

/// A row of a diff: the value in force and the proposed one.
pub struct DiffLine {
    pub label: String,
    pub before: String,
    pub after: String,
    pub changed: bool,
}

#[derive(Template)]
#[template(path = "kurasi_vendor.html")]
pub struct VendorReviewPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub tab: &'static str,
    pub id: String,
    pub name: String,
    pub status: String,
    pub can_claim: bool,
    pub can_decide: bool,
    pub notice: String,
    pub facts: Vec<FactLine>,
    pub docs: Vec<ReviewDoc>,
    pub decision: String,
    pub reason: String,
    pub pending: Vec<DiffLine>,
    pub pending_at: String,
    pub facts_errors: Errors,
}

fn none(ctx: &Ctx, v: &Option<String>) -> String {
    v.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| ctx.t("kurasi.empty"))
}

fn money_or_none(ctx: &Ctx, v: Option<i64>) -> String {
    v.map(|n| ctx.money(&n)).unwrap_or_else(|| ctx.t("kurasi.empty"))
}

fn facts_of(ctx: &Ctx, v: &VendorView) -> Vec<(&'static str, String)> {
    vec![
        ("legal_name", v.legal_name.clone()),
        ("trade_name", none(ctx, &v.trade_name)),
        ("legal_form", ctx.t(&format!("legal_form.{}", v.legal_form.as_str()))),
        ("nib", none(ctx, &v.nib)),
        ("npwp", none(ctx, &v.npwp)),
        ("kbli_codes", if v.kbli_codes.is_empty() { ctx.t("kurasi.empty") } else { v.kbli_codes.join(", ") }),
        ("address.street", none(ctx, &v.address.street)),
        ("address.region_code", none(ctx, &v.address.region_code)),
        ("address.postal_code", none(ctx, &v.address.postal_code)),
        ("contact.name", none(ctx, &v.contact.name)),
        ("contact.phone", none(ctx, &v.contact.phone)),
        ("contact.email", none(ctx, &v.contact.email)),
        ("business_capital_idr", money_or_none(ctx, v.business_capital_idr)),
        ("annual_sales_idr", money_or_none(ctx, v.annual_sales_idr)),
        (
            "tax_status",
            v.tax_status.map(|t| ctx.t(&format!("toko.tax.{}", t.as_str()))).unwrap_or_else(|| ctx.t("kurasi.empty")),
        ),
        (
            "pp55_valid_until",
            v.pp55_valid_until.as_deref().map(|d| ctx.iso_date(d)).unwrap_or_else(|| ctx.t("kurasi.empty")),
        ),
        ("bank_account.bank_name", none(ctx, &v.bank_account.bank_name)),
        ("bank_account.account_number", none(ctx, &v.bank_account.account_number)),
        ("bank_account.account_holder", none(ctx, &v.bank_account.account_holder)),
    ]
}

async fn load_vendor(ctx: &Ctx, state: &web::Data<AppState>, raw: &str) -> Result<(String, VendorView), PageError> {
    let a = actor(ctx)?;
    let id = pasar_api::extract::path_id::<OrganizationId>(raw, "vendor").map_err(|e| ctx.fail(e))?.to_string();
    let (st, vid) = (state.clone(), id.clone());
    let reply =
        state.run(move |conn| vendors::get_vendor(conn, &st.vendors, Some(&a), &vid)).await.map_err(|e| ctx.fail(e))?;
    match reply {
        VendorReply::Full(v) if ctx.is_curator() || ctx.user.as_ref().is_some_and(|u| u.actor.reads_everything()) => {
            Ok((id, *v))
        }
        _ => Err(ctx.error_page(StatusCode::NOT_FOUND, None)),
    }
}

async fn vendor_review_page<'a>(
    ctx: &'a Ctx,
    state: &web::Data<AppState>,
    raw: &str,
    errors: Errors,
    form: Option<&Form>,
    facts_errors: Errors,
) -> Result<VendorReviewPage<'a>, PageError> {
    let (id, v) = load_vendor(ctx, state, raw).await?;
    let a = actor(ctx)?;
    let (now, zone, vid) = (state.now(), state.vendors.time_zone, id.clone());
    let docs =
        state.run(move |conn| documents::list(conn, now, zone, &a, &vid, false)).await.map_err(|e| ctx.fail(e))?;
    let typed = |name: &str| form.map(|f| f.get(name)).unwrap_or_default();
    let facts = facts_of(ctx, &v)
        .into_iter()
        .map(|(field, value)| FactLine {
            field: field.to_owned(),
            input: format!("catatan-{}", dom_id(field)),
            label: ctx.t(&format!("toko.field.{}", dom_id(field))),
            value,
            remark: typed(&format!("catatan-{}", dom_id(field))),
        })
        .collect();
    let docs = docs
        .iter()
        .map(|d| {
            let field = format!("documents.{}", d.kind.as_str());
            ReviewDoc {
                input: format!("catatan-{}", dom_id(&field)),
                remark: typed(&format!("catatan-{}", dom_id(&field))),
                field,
                kind: ctx.t(&format!("toko.doc_kind.{}", d.kind.as_str())),
                number: d.number.clone().unwrap_or_default(),
                valid_until: d
                    .valid_until
                    .as_deref()
                    .map(|s| ctx.iso_date(s))
                    .unwrap_or_else(|| ctx.t("toko.no_expiry")),
                expired: d.expired,
                href: format!("/kurasi/penyedia/{id}/dokumen/{}", d.id),
                file_name: d.file_name.clone(),
            }
        })
        .collect();
    // An approved vendor's proposed change of its counted facts, beside the values in force.
    let (pending, pending_at) = match &v.pending_facts {
        Some(p) => {
            let n = &p.proposed;
            let rows: Vec<(&str, String, String)> = vec![
                (
                    "legal_form",
                    ctx.t(&format!("legal_form.{}", v.legal_form.as_str())),
                    ctx.t(&format!("legal_form.{}", n.legal_form.as_str())),
                ),
                (
                    "business_capital_idr",
                    money_or_none(ctx, v.business_capital_idr),
                    money_or_none(ctx, n.business_capital_idr),
                ),
                ("annual_sales_idr", money_or_none(ctx, v.annual_sales_idr), money_or_none(ctx, n.annual_sales_idr)),
                ("address_region_code", none(ctx, &v.address.region_code), none(ctx, &n.region_code)),
                (
                    "tax_status",
                    v.tax_status
                        .map(|t| ctx.t(&format!("toko.tax.{}", t.as_str())))
                        .unwrap_or_else(|| ctx.t("kurasi.empty")),
                    n.tax_status
                        .map(|t| ctx.t(&format!("toko.tax.{}", t.as_str())))
                        .unwrap_or_else(|| ctx.t("kurasi.empty")),
                ),
                ("pp55_valid_until", none(ctx, &v.pp55_valid_until), none(ctx, &n.pp55_valid_until)),
            ];
            let lines = rows
                .into_iter()
                .map(|(f, before, after)| DiffLine {
                    label: ctx.t(&format!("toko.field.{f}")),
                    changed: before != after,
                    before,
                    after,
                })
                .collect();
            (lines, p.submitted_at.to_rfc3339())
        }
        None => (Vec::new(), String::new()),
    };
    let notice = ["diklaim=1", "diputus=1", "fakta=1"]
        .iter()
        .find(|f| ctx.here.contains(*f))
        .map(|f| ctx.t(&format!("kurasi.done.{}", f.trim_end_matches("=1"))))
        .unwrap_or_default();
    Ok(VendorReviewPage {
        ctx,
        errors,
        tab: "penyedia",
        name: v.trade_name.clone().unwrap_or_else(|| v.legal_name.clone()),
        status: ctx.t(&format!("toko.status.{}", v.status.as_str())),
        can_claim: matches!(v.status, VendorStatus::Submitted | VendorStatus::InReview),
        can_decide: v.status == VendorStatus::InReview,
        notice,
        facts,
        docs,
        decision: typed("decision"),
        reason: typed("reason"),
        pending,
        pending_at,
        facts_errors,
        id,
    })
}

/// `GET /kurasi/penyedia/{id}`: the profile and documents, each with a remark field.
pub async fn vendor_review(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> PageResult {
    let page = vendor_review_page(&ctx, &state, &id, Errors::none(), None, Errors::none()).await?;
    Ok(ctx.ok(&page))
}

/// `POST /kurasi/penyedia/{id}/klaim`: takes the vendor for review.
pub async fn claim_vendor(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> PageResult {
    let (vid, _) = load_vendor(&ctx, &state, &id).await?;
    let a = actor(&ctx)?;
    let (st, now, v2) = (state.clone(), state.now(), vid.clone());
    match state.run(move |conn| vendors::claim(conn, &st.vendors, now, &a, &v2)).await {
        Ok(_) => Ok(see_other(&format!("/kurasi/penyedia/{vid}?diklaim=1"))),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let errors = service_errors(&ctx, &e, &[]);
            let page = vendor_review_page(&ctx, &state, &id, errors, None, Errors::none()).await?;
            Ok(ctx.page(refusal_status(&e), &page))
        }
    }
}

/// `POST /kurasi/penyedia/{id}/putusan`: the decision, with the remarks typed beside
/// fields and documents.
pub async fn decide_vendor(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> PageResult {
    let (vid, v) = load_vendor(&ctx, &state, &id).await?;
    let a = actor(&ctx)?;
    let f = Form::parse(&body);
    let mut remarks = Vec::new();
    for (field, _) in facts_of(&ctx, &v) {
        if let Some(m) = f.opt(&format!("catatan-{}", dom_id(field))) {
            remarks.push(Remark { field: field.to_owned(), message: m });
        }
    }
    for kind in pasar_vendor_onboarding::model::DocumentKind::ALL {
        let field = format!("documents.{}", kind.as_str());
        if let Some(m) = f.opt(&format!("catatan-{}", dom_id(&field))) {
            remarks.push(Remark { field, message: m });
        }
    }
    let input = ReviewInput { decision: f.get("decision"), reason: f.opt("reason"), remarks };
    let (st, now, v2) = (state.clone(), state.now(), vid.clone());
    match state.run(move |conn| vendors::review(conn, &st.vendors, now, &a, &v2, input)).await {
        Ok(_) => Ok(see_other(&format!("/kurasi/penyedia/{vid}?diputus=1"))),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let labels = [("decision", ctx.t("kurasi.decision")), ("reason", ctx.t("toko.field.reason"))];
            let errors = service_errors(&ctx, &e, &labels);
            let page = vendor_review_page(&ctx, &state, &id, errors, Some(&f), Errors::none()).await?;
            Ok(ctx.page(refusal_status(&e), &page))
        }
    }
}

/// `POST /kurasi/penyedia/{id}/fakta`: approves or rejects a proposed change of the
/// counted facts (the one shown: its time goes with the decision).
pub async fn decide_facts(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>, body: web::Bytes) -> PageResult {
    let (vid, _) = load_vendor(&ctx, &state, &id).await?;
    let a = actor(&ctx)?;
    let f = Form::parse(&body);
    let submitted_at =
        f.opt("submitted_at").and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok()).map(|d| d.to_utc());
    let input = FactsReview { decision: f.get("facts_decision"), reason: f.opt("facts_reason"), submitted_at };
    let (st, now, v2) = (state.clone(), state.now(), vid.clone());
    match state.run(move |conn| facts::review(conn, &st.vendors, now, &a, &v2, input)).await {
        Ok(_) => Ok(see_other(&format!("/kurasi/penyedia/{vid}?fakta=1"))),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let mut renamed = pasar_api::ApiError::new(e.code, e.detail.clone());
            for fe in &e.errors {
                renamed = renamed.with_field(format!("facts_{}", fe.field), fe.message.clone());
            }
            let labels = [("facts_decision", ctx.t("kurasi.decision")), ("facts_reason", ctx.t("toko.field.reason"))];
            let facts_errors = service_errors(&ctx, &renamed, &labels);
            let page = vendor_review_page(&ctx, &state, &id, Errors::none(), None, facts_errors).await?;
            Ok(ctx.page(refusal_status(&e), &page))
        }
    }
}

/// `GET /kurasi/penyedia/{id}/dokumen/{doc}`: a document's file, by the API's rule.
pub async fn document_file(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let a = actor(&ctx)?;
    let vid = pasar_api::extract::path_id::<OrganizationId>(&path.0, "vendor").map_err(|e| ctx.fail(e))?.to_string();
    let doc = pasar_api::extract::path_id::<DocumentId>(&path.1, "document").map_err(|e| ctx.fail(e))?;
    let (st, now) = (state.clone(), state.now());
    let (view, bytes) = state
        .run(move |conn| documents::download(conn, st.files.as_ref(), now, st.vendors.time_zone, &a, &vid, &doc))
        .await
        .map_err(|e| ctx.fail(e))?;
    let ascii: String =
        view.file_name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    Ok(HttpResponse::Ok()
        .content_type(view.content_type.clone())
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"")))
        .insert_header(header::CacheControl(vec![header::CacheDirective::Private, header::CacheDirective::NoStore]))
        .body(bytes))
}

// --- a product's review ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "kurasi_product.html")]
pub struct ProductReviewPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub tab: &'static str,
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub status: String,
    pub notice: String,
    pub facts: Vec<DiffLine>,
    pub is_change: bool,
    pub description: String,
    pub photos: Vec<crate::vendor::PhotoLine>,
    pub image_ids: Vec<String>,
    pub can_decide: bool,
    pub can_take_down: bool,
    pub decision: String,
    pub reason: String,
    pub takedown_reason: String,
}

fn bp(ctx: &Ctx, v: Option<i32>) -> String {
    v.map(|b| ctx.percent_bp(&(b as i64))).unwrap_or_else(|| ctx.t("kurasi.empty"))
}

async fn product_review_page<'a>(
    ctx: &'a Ctx,
    state: &web::Data<AppState>,
    raw: &str,
    errors: Errors,
    form: Option<&Form>,
) -> Result<ProductReviewPage<'a>, PageError> {
    let a = actor(ctx)?;
    if !ctx.is_curator() && !a.reads_everything() {
        return Err(ctx.error_page(StatusCode::FORBIDDEN, None));
    }
    let id: ProductId = pasar_api::extract::path_id(raw, "product").map_err(|e| ctx.fail(e))?;
    let (st, now) = (state.clone(), state.now());
    let (p, images, cats): (ProductView, _, _) = state
        .run(move |conn| {
            let p = catalog::get_product(conn, &st.vendors, now, Some(&a), &id)?;
            let images = pasar_catalog::images::list(conn, &st.vendors, Some(&a), &id)?;
            let cats = catalog::list_categories(conn)?;
            Ok::<_, pasar_catalog::CatalogError>((p, images, cats))
        })
        .await
        .map_err(|e| ctx.fail(e))?;
    let status = p.status.ok_or_else(|| ctx.error_page(StatusCode::NOT_FOUND, None))?;
    let names: HashMap<String, String> = cats.into_iter().map(|c| (c.id, c.name)).collect();
    let cat = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let unit = |u: &str| ctx.t(&format!("toko.unit.{u}"));
    let is_change = status == ProductStatus::ChangesSubmitted;
    // The reviewed fields: the approved version beside the working copy.
    let published = p.published.as_ref();
    let row = |key: &str, before: Option<String>, after: String| DiffLine {
        label: ctx.t(&format!("toko.pfield.{key}")),
        changed: before.as_ref().is_some_and(|b| *b != after),
        before: before.unwrap_or_default(),
        after,
    };
    let facts = vec![
        row("name", published.map(|x| x.name.clone()), p.name.clone()),
        row("category_id", published.map(|x| cat(&x.category_id)), cat(&p.category_id)),
        row("unit", published.map(|x| unit(&x.unit)), unit(&p.unit)),
        row("unit_price_idr", None, ctx.money(&p.unit_price_idr)),
        row(
            "local_content_certificate",
            published.map(|x| none(ctx, &x.tkdn_certificate)),
            none(ctx, &p.tkdn_certificate),
        ),
        row("local_content_tkdn_bp", published.map(|x| bp(ctx, x.tkdn_bp)), bp(ctx, p.tkdn_bp)),
        row("local_content_bmp_bp", published.map(|x| bp(ctx, x.bmp_bp)), bp(ctx, p.bmp_bp)),
        row(
            "local_content_valid_until",
            published.map(|x| {
                x.tkdn_valid_until.as_deref().map(|d| ctx.iso_date(d)).unwrap_or_else(|| ctx.t("kurasi.empty"))
            }),
            p.tkdn_valid_until.as_deref().map(|d| ctx.iso_date(d)).unwrap_or_else(|| ctx.t("kurasi.empty")),
        ),
        row("brand", None, none(ctx, &p.brand)),
        row("stock", None, p.stock.to_string()),
    ];
    let notice = ["diputus=1", "turun=1"]
        .iter()
        .find(|f| ctx.here.contains(*f))
        .map(|f| ctx.t(&format!("kurasi.done.{}", f.trim_end_matches("=1"))))
        .unwrap_or_default();
    let typed = |name: &str| form.map(|f| f.get(name)).unwrap_or_default();
    Ok(ProductReviewPage {
        ctx,
        errors,
        tab: "produk",
        name: p.name.clone(),
        vendor: p.vendor_name.clone(),
        status: ctx.t(&format!("toko.product_status.{}", status.as_str())),
        notice,
        facts,
        is_change,
        description: p.description.clone(),
        photos: images
            .iter()
            .enumerate()
            .map(|(i, im)| crate::vendor::PhotoLine {
                src: desk::photo_url(&p.id, &im.id),
                alt: ctx.t_with("product.photo_alt", &[("n", &(i + 1).to_string()), ("name", &p.name)]),
                approved: im.approved,
            })
            .collect(),
        image_ids: images.iter().map(|i| i.id.clone()).collect(),
        can_decide: matches!(status, ProductStatus::Submitted | ProductStatus::ChangesSubmitted),
        can_take_down: status.is_visible(),
        decision: typed("decision"),
        reason: typed("reason"),
        takedown_reason: typed("takedown_reason"),
        id: p.id,
    })
}

/// `GET /kurasi/produk/{id}`: the product, the pending change as a diff, its photos.
pub async fn product_review(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> PageResult {
    let page = product_review_page(&ctx, &state, &id, Errors::none(), None).await?;
    Ok(ctx.ok(&page))
}

/// `POST /kurasi/produk/{id}/putusan`: approve or reject, approving the photos shown.
pub async fn decide_product(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> PageResult {
    let a = actor(&ctx)?;
    let pid: ProductId = pasar_api::extract::path_id(&id, "product").map_err(|e| ctx.fail(e))?;
    let f = Form::parse(&body);
    let images: Vec<String> = f.0.iter().filter(|(k, _)| k == "image").map(|(_, v)| v.clone()).collect();
    let input = ProductReview { decision: f.get("decision"), reason: f.opt("reason"), images: Some(images) };
    let (st, now) = (state.clone(), state.now());
    match state.run(move |conn| catalog::review_product(conn, &st.vendors, now, &a, &pid, input)).await {
        Ok(p) => Ok(see_other(&format!("/kurasi/produk/{}?diputus=1", p.id))),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let labels = [("decision", ctx.t("kurasi.decision")), ("reason", ctx.t("toko.field.reason"))];
            let errors = service_errors(&ctx, &e, &labels);
            let page = product_review_page(&ctx, &state, &id, errors, Some(&f)).await?;
            Ok(ctx.page(refusal_status(&e), &page))
        }
    }
}

/// `POST /kurasi/produk/{id}/turun`: takes a published product down, with a reason.
pub async fn take_down(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>, body: web::Bytes) -> PageResult {
    let a = actor(&ctx)?;
    let pid: ProductId = pasar_api::extract::path_id(&id, "product").map_err(|e| ctx.fail(e))?;
    let f = Form::parse(&body);
    let reason = f.get("takedown_reason");
    let (st, now) = (state.clone(), state.now());
    match state.run(move |conn| catalog::take_down(conn, &st.vendors, now, &a, &pid, &reason)).await {
        Ok(p) => Ok(see_other(&format!("/kurasi/produk/{}?turun=1", p.id))),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let mut renamed = pasar_api::ApiError::new(e.code, e.detail.clone());
            for fe in &e.errors {
                let field = if fe.field == "reason" { "takedown_reason".to_owned() } else { fe.field.clone() };
                renamed = renamed.with_field(field, fe.message.clone());
            }
            let errors = service_errors(&ctx, &renamed, &[("takedown_reason", ctx.t("kurasi.takedown_reason"))]);
            let page = product_review_page(&ctx, &state, &id, errors, Some(&f)).await?;
            Ok(ctx.page(refusal_status(&e), &page))
        }
    }
}
