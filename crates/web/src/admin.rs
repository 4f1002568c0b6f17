//! The administrator's pages: the organisation tree, users and their roles, categories,
//! the holiday calendar, a satker's budgets, the outbox, the bank reconciliations and
//! the webhook subscriptions.
//! Auditors read the same pages without their forms. Every list and every form calls the
//! same service function as the API; the services decide who may read and who may
//! change, and their refusals become the 403/404 pages.

use crate::ctx::{see_other, Ctx, PageError, PageResult};
use crate::forms::{read_form, Errors};
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use pasar_api::{ApiError, AppState};
use pasar_auth::calendar::{self, HolidayInput};
use pasar_auth::model::{OrgKind, Role};
use pasar_auth::outbox::{self, Operator, OutboxFilter, OutboxStatus};
use pasar_auth::service::{self, NewOrganization, NewUser, OrganizationFilter, OrganizationView, UserFilter};
use pasar_auth::service::{SessionUser, UserChanges};
use pasar_auth::webhooks;
use pasar_catalog::service::CategoryInput;
use pasar_core::page::PageRequest;
use pasar_order::cart::{self, BudgetInput, BudgetLineInput};
use pasar_payment_virtual_account::reconcile::{self, Outcome, Reconciler};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use crate::resource;
    cfg.service(resource("/admin").route(web::get().to(index)))
        .service(
            resource("/admin/organisasi").route(web::get().to(organisations)).route(web::post().to(add_organisation)),
        )
        .service(resource("/admin/pengguna").route(web::get().to(users)).route(web::post().to(add_user)))
        .service(resource("/admin/pengguna/{id}/status").route(web::post().to(user_status)))
        .service(resource("/admin/kategori").route(web::get().to(categories)).route(web::post().to(add_category)))
        .service(resource("/admin/hari-libur").route(web::get().to(holidays)).route(web::post().to(add_holiday)))
        .service(resource("/admin/hari-libur/{date}/hapus").route(web::post().to(remove_holiday)))
        .service(resource("/admin/anggaran").route(web::get().to(budgets)).route(web::post().to(set_budget)))
        .service(resource("/admin/outbox").route(web::get().to(outbox_page)))
        .service(resource("/admin/outbox/{id}/kirim-ulang").route(web::post().to(retry_message)))
        .service(
            resource("/admin/rekonsiliasi")
                .route(web::get().to(reconciliations))
                .route(web::post().to(upload_statement)),
        )
        .service(resource("/admin/rekonsiliasi/{id}").route(web::get().to(reconciliation)))
        .service(resource("/admin/webhook").route(web::get().to(webhooks)).route(web::post().to(add_webhook)))
        .service(resource("/admin/webhook/{id}/status").route(web::post().to(webhook_status)))
        .service(resource("/admin/webhook/{id}/rahasia").route(web::post().to(rotate_webhook_secret)))
        .service(resource("/admin/webhook/{id}/uji").route(web::post().to(ping_webhook)))
        .service(resource("/admin/webhook/{id}/hapus").route(web::post().to(remove_webhook)));
}

/// The header's links for administrators and auditors.
pub fn nav_links(ctx: &Ctx) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if ctx.user.as_ref().is_some_and(|u| u.actor.reads_everything()) {
        out.push(("/admin", ctx.t("admin_nav.admin")));
        out.push(("/audit", ctx.t("admin_nav.audit")));
    }
    out
}

/// A page for administrators and auditors only, for lists whose service any signed-in
/// user may call (the calendar, the categories): others get the 403 page.
fn reader(ctx: &Ctx) -> Result<&SessionUser, PageError> {
    let user = ctx.require_user()?;
    if user.actor.reads_everything() {
        Ok(user)
    } else {
        Err(ctx.error_page(StatusCode::FORBIDDEN, None))
    }
}

/// Whether the forms are shown: the services refuse every other caller anyway.
fn is_admin(ctx: &Ctx) -> bool {
    ctx.user.as_ref().is_some_and(|u| u.actor.has(Role::Admin))
}

fn actor(ctx: &Ctx) -> Result<pasar_auth::Actor, PageError> {
    Ok(ctx.require_user()?.actor.clone())
}

fn text(s: &str) -> Option<String> {
    Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned)
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices(items: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Choice> {
    items.into_iter().map(|(value, label)| Choice { selected: value == selected, value, label }).collect()
}

/// A link to the next page of a list, keeping its filters.
fn next_link(path: &str, mut params: Vec<(&str, String)>, cursor: Option<String>) -> Option<String> {
    let cursor = cursor?;
    params.retain(|(_, v)| !v.is_empty());
    params.push(("lanjut", cursor));
    Some(format!("{path}?{}", serde_urlencoded::to_string(&params).unwrap_or_default()))
}

fn page_request(cursor: &str) -> PageRequest {
    PageRequest::parse(Some(100), Some(cursor))
        .unwrap_or_else(|_| PageRequest::parse(Some(100), None).unwrap_or_default())
}

// ---- the index -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin_index.html")]
pub struct IndexPage<'a> {
    pub ctx: &'a Ctx,
    pub admin: bool,
}

/// `GET /admin`: where the administrator's and the auditor's pages are.
pub async fn index(ctx: Ctx) -> PageResult {
    reader(&ctx)?;
    Ok(ctx.ok(&IndexPage { ctx: &ctx, admin: is_admin(&ctx) }))
}

// ---- organisations -------------------------------------------------------------------

/// Every organisation (a few hundred at most in one pemda's marketplace), read page by
/// page through the service.
async fn all_organisations(ctx: &Ctx, state: &web::Data<AppState>) -> Result<Vec<OrganizationView>, PageError> {
    let actor = actor(ctx)?;
    state
        .run(move |conn| {
            let mut out = Vec::new();
            let mut req = PageRequest::parse(Some(100), None).unwrap_or_default();
            for _ in 0..50 {
                let filter = OrganizationFilter { kind: None, parent_id: None, only_id: None };
                let page = service::list_organizations(conn, &actor, filter, &req)?;
                out.extend(page.items);
                match page.next_cursor {
                    Some(c) => req = PageRequest::parse(Some(100), Some(&c)).unwrap_or_default(),
                    None => break,
                }
            }
            Ok::<_, pasar_auth::AuthError>(out)
        })
        .await
        .map_err(|e| ctx.fail(e))
}

pub struct OrgNode {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub children: Vec<OrgNode>,
}

fn kind_label(ctx: &Ctx, kind: OrgKind) -> String {
    ctx.t(&format!("org_kind.{}", kind.as_str()))
}

/// The tree pemda → OPD → satker; the platform, vendors and anything whose parent is
/// missing stay at the top of their own list.
fn tree(ctx: &Ctx, orgs: &[OrganizationView], parent: Option<&str>, kinds: &[OrgKind]) -> Vec<OrgNode> {
    orgs.iter()
        .filter(|o| kinds.contains(&o.kind) && o.parent_id.map(|p| p.to_string()).as_deref() == parent)
        .map(|o| {
            let id = o.id.to_string();
            let below: &[OrgKind] = match o.kind {
                OrgKind::Pemda => &[OrgKind::Opd],
                OrgKind::Opd => &[OrgKind::Satker],
                _ => &[],
            };
            OrgNode {
                children: tree(ctx, orgs, Some(&id), below),
                name: o.name.clone(),
                kind: kind_label(ctx, o.kind),
                region: o.region_code.clone().unwrap_or_default(),
                id,
            }
        })
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrgForm {
    pub kind: String,
    pub name: String,
    pub parent_id: String,
    pub region_code: String,
}

#[derive(Template)]
#[template(path = "admin_organisations.html")]
pub struct OrganisationsPage<'a> {
    pub ctx: &'a Ctx,
    pub admin: bool,
    pub errors: Errors,
    pub pemdas: Vec<OrgNode>,
    pub others: Vec<OrgNode>,
    pub vendors: Vec<OrgNode>,
    pub kinds: Vec<Choice>,
    pub parents: Vec<Choice>,
    pub org_name: String,
    pub region_code: String,
    pub created: bool,
}

async fn render_organisations(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    form: OrgForm,
    errors: Errors,
    status: StatusCode,
) -> PageResult {
    let orgs = all_organisations(ctx, state).await?;
    let pemdas = tree(ctx, &orgs, None, &[OrgKind::Pemda]);
    let others = tree(ctx, &orgs, None, &[OrgKind::Platform, OrgKind::Opd, OrgKind::Satker]);
    let vendors = tree(ctx, &orgs, None, &[OrgKind::Vendor]);
    let kinds = choices(
        [OrgKind::Pemda, OrgKind::Opd, OrgKind::Satker, OrgKind::Vendor]
            .into_iter()
            .map(|k| (k.as_str().to_owned(), kind_label(ctx, k))),
        &form.kind,
    );
    let parents = choices(
        orgs.iter()
            .filter(|o| matches!(o.kind, OrgKind::Pemda | OrgKind::Opd))
            .map(|o| (o.id.to_string(), format!("{} — {}", o.name, kind_label(ctx, o.kind)))),
        &form.parent_id,
    );
    let page = OrganisationsPage {
        ctx,
        admin: is_admin(ctx),
        errors,
        pemdas,
        others,
        vendors,
        kinds,
        parents,
        org_name: form.name,
        region_code: form.region_code,
        created: ctx.here.contains("dibuat=1"),
    };
    Ok(ctx.page(status, &page))
}

/// `GET /admin/organisasi`: the tree of government organisations, the vendors, and
/// (administrators) the form for a new one.
pub async fn organisations(ctx: Ctx, state: web::Data<AppState>) -> PageResult {
    render_organisations(&ctx, &state, OrgForm::default(), Errors::none(), StatusCode::OK).await
}

/// `POST /admin/organisasi`: a new organisation under its parent.
pub async fn add_organisation(ctx: Ctx, state: web::Data<AppState>, body: web::Bytes) -> PageResult {
    let actor = actor(&ctx)?;
    let form: OrgForm = read_form(&body);
    let input = NewOrganization {
        kind: form.kind.trim().to_owned(),
        name: form.name.clone(),
        parent_id: text(&form.parent_id),
        region_code: text(&form.region_code),
    };
    let now = state.now();
    match state.run(move |conn| service::create_organization(conn, now, &actor, input)).await {
        Ok(_) => Ok(see_other("/admin/organisasi?dibuat=1")),
        Err(e) if is_form_error(&e) => {
            let errors = Errors::from_service(
                &ctx,
                &e,
                &[
                    ("kind", ctx.t("admin_org.kind")),
                    ("name", ctx.t("admin_org.name")),
                    ("parent_id", ctx.t("admin_org.parent")),
                    ("region_code", ctx.t("admin_org.region")),
                ],
            );
            render_organisations(&ctx, &state, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// A refusal the person can fix in the form (bad or taken values); anything else (not
/// allowed, not found) is an error page.
fn is_form_error(e: &ApiError) -> bool {
    matches!(e.code, pasar_core::Code::ValidationFailed | pasar_core::Code::AlreadyExists) || !e.errors.is_empty()
}

// ---- users ---------------------------------------------------------------------------

const ROLES: [Role; 8] = [
    Role::Admin,
    Role::Auditor,
    Role::Curator,
    Role::PejabatPengadaan,
    Role::Ppk,
    Role::Bendahara,
    Role::VendorOwner,
    Role::VendorStaff,
];

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub roles: String,
    pub active: bool,
}

pub struct RoleBox {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct UsersPage<'a> {
    pub ctx: &'a Ctx,
    pub admin: bool,
    pub errors: Errors,
    pub rows: Vec<UserRow>,
    pub filter_orgs: Vec<Choice>,
    pub orgs: Vec<Choice>,
    pub roles: Vec<RoleBox>,
    pub email: String,
    pub full_name: String,
    pub next: Option<String>,
    pub notice: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UsersQuery {
    pub organisasi: String,
    pub lanjut: String,
}

#[derive(Default)]
pub struct UserForm {
    pub organization_id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<String>,
    pub password: String,
}

fn pairs(body: &web::Bytes) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

async fn render_users(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    q: UsersQuery,
    form: UserForm,
    errors: Errors,
    status: StatusCode,
) -> PageResult {
    let actor = actor(ctx)?;
    let filter = UserFilter { organization_id: text(&q.organisasi) };
    let req = page_request(&q.lanjut);
    let page = state.run(move |conn| service::list_users(conn, &actor, filter, &req)).await.map_err(|e| ctx.fail(e))?;
    let orgs = all_organisations(ctx, state).await?;
    let org_name = |id: &str| orgs.iter().find(|o| o.id.to_string() == id).map(|o| o.name.clone()).unwrap_or_default();
    let rows = page
        .items
        .iter()
        .map(|u| UserRow {
            id: u.id.to_string(),
            name: u.name.clone(),
            email: u.email.clone(),
            organisation: org_name(&u.organization_id.to_string()),
            roles: u.roles.iter().map(|r| ctx.t(&format!("role.{}", r.as_str()))).collect::<Vec<_>>().join(", "),
            active: u.active,
        })
        .collect();
    let org_items = orgs
        .iter()
        .map(|o| (o.id.to_string(), format!("{} — {}", o.name, kind_label(ctx, o.kind))))
        .collect::<Vec<_>>();
    let selected_org =
        if form.organization_id.is_empty() { q.organisasi.clone() } else { form.organization_id.clone() };
    let page_view = UsersPage {
        ctx,
        admin: is_admin(ctx),
        errors,
        rows,
        filter_orgs: choices(org_items.clone(), &q.organisasi),
        orgs: choices(org_items, &selected_org),
        roles: ROLES
            .iter()
            .map(|r| RoleBox {
                value: r.as_str(),
                label: ctx.t(&format!("role.{}", r.as_str())),
                checked: form.roles.iter().any(|x| x == r.as_str()),
            })
            .collect(),
        email: form.email,
        full_name: form.name,
        next: next_link("/admin/pengguna", vec![("organisasi", q.organisasi)], page.next_cursor),
        notice: match ctx.here.split_once("selesai=") {
            Some((_, "dibuat")) => Some(ctx.t("admin_users.created")),
            Some((_, "diubah")) => Some(ctx.t("admin_users.changed")),
            _ => None,
        },
    };
    Ok(ctx.page(status, &page_view))
}

/// `GET /admin/pengguna`: the users, of one organisation or all, with their roles.
pub async fn users(ctx: Ctx, state: web::Data<AppState>, q: web::Query<UsersQuery>) -> PageResult {
    render_users(&ctx, &state, q.into_inner(), UserForm::default(), Errors::none(), StatusCode::OK).await
}

/// `POST /admin/pengguna`: a new user in an organisation, with roles.
pub async fn add_user(ctx: Ctx, state: web::Data<AppState>, body: web::Bytes) -> PageResult {
    let actor = actor(&ctx)?;
    let p = pairs(&body);
    let form = UserForm {
        organization_id: field(&p, "organization_id").trim().to_owned(),
        email: field(&p, "email").trim().to_owned(),
        name: field(&p, "name"),
        roles: p.iter().filter(|(k, _)| k == "roles").map(|(_, v)| v.clone()).collect(),
        password: field(&p, "password"),
    };
    let input = NewUser {
        organization_id: form.organization_id.clone(),
        email: form.email.clone(),
        name: form.name.clone(),
        roles: form.roles.clone(),
        password: form.password.clone(),
    };
    let (st, now) = (state.clone(), state.now());
    match state.run(move |conn| service::create_user(conn, &st.auth, now, &actor, input)).await {
        Ok(_) => Ok(see_other("/admin/pengguna?selesai=dibuat")),
        Err(mut e) if is_form_error(&e) => {
            // `roles[i]`: one of the ticked boxes, whose group is `roles`.
            for fe in &mut e.errors {
                if fe.field.starts_with("roles[") {
                    fe.field = "roles".into();
                }
            }
            let errors = Errors::from_service(
                &ctx,
                &e,
                &[
                    ("organization_id", ctx.t("admin_users.organisation")),
                    ("email", ctx.t("admin_users.email")),
                    ("name", ctx.t("admin_users.name")),
                    ("roles", ctx.t("admin_users.roles")),
                    ("password", ctx.t("admin_users.password")),
                ],
            );
            let form = UserForm { password: String::new(), ..form };
            render_users(&ctx, &state, UsersQuery::default(), form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusForm {
    pub active: String,
}

/// `POST /admin/pengguna/{id}/status`: deactivates (`active=false`) or reactivates a
/// user; deactivating ends their sessions.
pub async fn user_status(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>, body: web::Bytes) -> PageResult {
    let actor = actor(&ctx)?;
    let form: StatusForm = read_form(&body);
    let changes = UserChanges { name: None, active: Some(form.active == "true"), roles: None };
    let (id, now) = (id.into_inner(), state.now());
    match state.run(move |conn| service::update_user(conn, now, &actor, &id, changes)).await {
        Ok(_) => Ok(see_other("/admin/pengguna?selesai=diubah")),
        Err(e) if is_form_error(&e) => {
            let errors = Errors::from_service(&ctx, &e, &[]);
            render_users(
                &ctx,
                &state,
                UsersQuery::default(),
                UserForm::default(),
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

// ---- categories ----------------------------------------------------------------------

pub struct CategoryRow {
    pub name: String,
    pub slug: String,
    pub depth: usize,
    pub kbli: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin_categories.html")]
pub struct CategoriesPage<'a> {
    pub ctx: &'a Ctx,
    pub admin: bool,
    pub errors: Errors,
    pub rows: Vec<CategoryRow>,
    pub parents: Vec<Choice>,
    pub slug: String,
    pub cat_name: String,
    pub kbli: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CategoryForm {
    pub slug: String,
    pub name: String,
    pub parent_id: String,
    pub kbli_prefixes: String,
}

async fn render_categories(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    form: CategoryForm,
    errors: Errors,
    status: StatusCode,
) -> PageResult {
    reader(ctx)?;
    let list = state.run(pasar_catalog::service::list_categories).await.map_err(|e| ctx.fail(e))?;
    // Depth first, each category under its parent.
    fn walk(
        list: &[pasar_catalog::service::CategoryView],
        parent: Option<&str>,
        depth: usize,
        out: &mut Vec<CategoryRow>,
    ) {
        for c in list.iter().filter(|c| c.parent_id.as_deref() == parent) {
            out.push(CategoryRow {
                name: c.name.clone(),
                slug: c.slug.clone(),
                depth,
                kbli: c.kbli_prefixes.join(", "),
                active: c.active,
            });
            if depth < 10 {
                walk(list, Some(&c.id), depth + 1, out);
            }
        }
    }
    let mut rows = Vec::new();
    walk(&list, None, 0, &mut rows);
    let parents = choices(list.iter().map(|c| (c.id.clone(), c.name.clone())), &form.parent_id);
    let page = CategoriesPage {
        ctx,
        admin: is_admin(ctx),
        errors,
        rows,
        parents,
        slug: form.slug,
        cat_name: form.name,
        kbli: form.kbli_prefixes,
    };
    Ok(ctx.page(status, &page))
}

/// `GET /admin/kategori`: the category tree, and (administrators) a form for a new one.
pub async fn categories(ctx: Ctx, state: web::Data<AppState>) -> PageResult {
    render_categories(&ctx, &state, CategoryForm::default(), Errors::none(), StatusCode::OK).await
}

/// `POST /admin/kategori`: a new category.
pub async fn add_category(ctx: Ctx, state: web::Data<AppState>, body: web::Bytes) -> PageResult {
    let actor = actor(&ctx)?;
    let form: CategoryForm = read_form(&body);
    let kbli: Vec<String> =
        form.kbli_prefixes.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let input = CategoryInput {
        slug: Some(form.slug.trim().to_owned()),
        name: Some(form.name.clone()),
        parent_id: Some(form.parent_id.trim().to_owned()),
        kbli_prefixes: Some(kbli),
        position: None,
        active: None,
    };
    let now = state.now();
    match state.run(move |conn| pasar_catalog::service::create_category(conn, now, &actor, input)).await {
        Ok(_) => Ok(see_other("/admin/kategori")),
        Err(e) if is_form_error(&e) => {
            let errors = Errors::from_service(
                &ctx,
                &e,
                &[
                    ("slug", ctx.t("admin_cat.slug")),
                    ("name", ctx.t("admin_cat.name")),
                    ("parent_id", ctx.t("admin_cat.parent")),
                    ("kbli_prefixes", ctx.t("admin_cat.kbli")),
                ],
            );
            render_categories(&ctx, &state, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

// ---- the holiday calendar ------------------------------------------------------------

pub struct HolidayRow {
    pub date: String,
    pub day: String,
    pub name: String,
    pub kind: String,
}

#[derive(Template)]
#[template(path = "admin_holidays.html")]
pub struct HolidaysPage<'a> {
    pub ctx: &'a Ctx,
    pub admin: bool,
    pub errors: Errors,
    pub year: i32,
    pub years: Vec<i32>,
    pub rows: Vec<HolidayRow>,
    pub kinds: Vec<Choice>,
    pub date: String,
    pub holiday_name: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct YearQuery {
    pub tahun: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HolidayForm {
    pub date: String,
    pub name: String,
    pub kind: String,
}

async fn render_holidays(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    year: Option<i32>,
    form: HolidayForm,
    errors: Errors,
    status: StatusCode,
) -> PageResult {
    let actor = reader(ctx)?.actor.clone();
    let this_year = chrono::Datelike::year(&state.vendors.time_zone.date(state.now()));
    let year = year.unwrap_or(this_year);
    let list = state.run(move |conn| calendar::list_holidays(conn, &actor, year)).await.map_err(|e| ctx.fail(e))?;
    let rows = list
        .items
        .iter()
        .map(|h| HolidayRow {
            date: h.date.to_string(),
            day: ctx.iso_date(&h.date.to_string()),
            name: h.name.clone(),
            kind: ctx.t(&format!("holiday_kind.{}", h.kind.as_str())),
        })
        .collect();
    let kinds = choices(
        ["national_holiday", "cuti_bersama"].into_iter().map(|k| (k.to_owned(), ctx.t(&format!("holiday_kind.{k}")))),
        &form.kind,
    );
    let page = HolidaysPage {
        ctx,
        admin: is_admin(ctx),
        errors,
        year: list.year,
        years: (this_year - 1..=this_year + 1).collect(),
        rows,
        kinds,
        date: form.date,
        holiday_name: form.name,
    };
    Ok(ctx.page(status, &page))
}

/// `GET /admin/hari-libur?tahun=`: a year's national holidays and cuti bersama.
pub async fn holidays(ctx: Ctx, state: web::Data<AppState>, q: web::Query<YearQuery>) -> PageResult {
    let year = match q.tahun.trim() {
        "" => None,
        raw => match raw.parse::<i32>().ok().and_then(|y| calendar::check_year(y).ok()) {
            Some(y) => Some(y),
            None => return Err(ctx.error_page(StatusCode::BAD_REQUEST, None)),
        },
    };
    render_holidays(&ctx, &state, year, HolidayForm::default(), Errors::none(), StatusCode::OK).await
}

/// `POST /admin/hari-libur`: makes a day a holiday (or renames it).
pub async fn add_holiday(ctx: Ctx, state: web::Data<AppState>, body: web::Bytes) -> PageResult {
    let actor = actor(&ctx)?;
    let form: HolidayForm = read_form(&body);
    let input = HolidayInput { name: Some(form.name.clone()), kind: Some(form.kind.clone()) };
    let (date, now) = (form.date.trim().to_owned(), state.now());
    match state.run(move |conn| calendar::set_holiday(conn, now, &actor, &date, input)).await {
        Ok((view, _)) => Ok(see_other(&format!("/admin/hari-libur?tahun={}", chrono::Datelike::year(&view.date)))),
        Err(e) if is_form_error(&e) => {
            let errors = Errors::from_service(
                &ctx,
                &e,
                &[
                    ("date", ctx.t("admin_hol.date")),
                    ("name", ctx.t("admin_hol.name")),
                    ("kind", ctx.t("admin_hol.kind")),
                ],
            );
            let year = form.date.get(..4).and_then(|y| y.parse().ok()).filter(|y| calendar::check_year(*y).is_ok());
            render_holidays(&ctx, &state, year, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// `POST /admin/hari-libur/{date}/hapus`: the day is a working day again.
pub async fn remove_holiday(ctx: Ctx, state: web::Data<AppState>, date: web::Path<String>) -> PageResult {
    let actor = actor(&ctx)?;
    let (date, now) = (date.into_inner(), state.now());
    let year = date.get(..4).unwrap_or_default().to_owned();
    state.run(move |conn| calendar::delete_holiday(conn, now, &actor, &date)).await.map_err(|e| ctx.fail(e))?;
    Ok(see_other(&format!("/admin/hari-libur?tahun={year}")))
}

// ---- budgets -------------------------------------------------------------------------

pub struct BudgetRow {
    pub year: i32,
    pub line: String,
    pub amount: String,
    pub committed: String,
    pub remaining: String,
}

#[derive(Template)]
#[template(path = "admin_budgets.html")]
pub struct BudgetsPage<'a> {
    pub ctx: &'a Ctx,
    pub admin: bool,
    pub errors: Errors,
    pub satkers: Vec<Choice>,
    pub satker: String,
    pub satker_name: String,
    pub fiscal_year: String,
    pub rows: Vec<BudgetRow>,
    pub budget_line: String,
    pub amount_idr: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BudgetQuery {
    pub satker: String,
    pub tahun: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BudgetForm {
    pub satker: String,
    pub fiscal_year: String,
    pub budget_line: String,
    pub amount_idr: String,
}

async fn render_budgets(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    form: BudgetForm,
    errors: Errors,
    status: StatusCode,
) -> PageResult {
    let actor = actor(ctx)?;
    let orgs = all_organisations(ctx, state).await?;
    let satkers: Vec<_> = orgs.iter().filter(|o| o.kind == OrgKind::Satker).collect();
    let satker_name = satkers.iter().find(|o| o.id.to_string() == form.satker).map(|o| o.name.clone());
    let mut rows = Vec::new();
    if satker_name.is_some() {
        let (satker, year) = (form.satker.clone(), form.fiscal_year.trim().parse::<i32>().ok());
        let list = state.run(move |conn| cart::budgets(conn, &actor, &satker, year)).await.map_err(|e| ctx.fail(e))?;
        rows = list
            .iter()
            .map(|b| BudgetRow {
                year: b.fiscal_year,
                line: b.budget_line.clone(),
                amount: ctx.money(&b.amount_idr),
                committed: ctx.money(&b.committed_idr),
                remaining: ctx.money(&b.remaining_idr),
            })
            .collect();
    }
    let page = BudgetsPage {
        ctx,
        admin: is_admin(ctx),
        errors,
        satkers: choices(satkers.iter().map(|o| (o.id.to_string(), o.name.clone())), &form.satker),
        satker_name: satker_name.unwrap_or_default(),
        satker: form.satker,
        fiscal_year: form.fiscal_year,
        rows,
        budget_line: form.budget_line,
        amount_idr: form.amount_idr,
    };
    Ok(ctx.page(status, &page))
}

/// `GET /admin/anggaran?satker=&tahun=`: a satker's budgets per year and budget line,
/// with what its orders commit.
pub async fn budgets(ctx: Ctx, state: web::Data<AppState>, q: web::Query<BudgetQuery>) -> PageResult {
    reader(&ctx)?;
    let q = q.into_inner();
    let this_year = chrono::Datelike::year(&state.vendors.time_zone.date(state.now()));
    let fiscal_year = if q.tahun.trim().is_empty() { this_year.to_string() } else { q.tahun };
    let form = BudgetForm { satker: q.satker, fiscal_year, ..BudgetForm::default() };
    render_budgets(&ctx, &state, form, Errors::none(), StatusCode::OK).await
}

/// A number typed by a person: digits, with dots or spaces grouping thousands allowed.
fn whole(raw: &str) -> Option<i64> {
    let digits: String = raw.chars().filter(|c| !matches!(c, '.' | ' ' | '\u{a0}')).collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `POST /admin/anggaran`: sets one budget line of one fiscal year.
pub async fn set_budget(ctx: Ctx, state: web::Data<AppState>, body: web::Bytes) -> PageResult {
    let actor = actor(&ctx)?;
    let form: BudgetForm = read_form(&body);
    let year = form.fiscal_year.trim().parse::<i32>();
    let amount = whole(&form.amount_idr);
    let mut errors = Errors::none();
    if year.is_err() {
        errors.add("fiscal_year", ctx.t("admin_budget.year"), ctx.t("admin_budget.year_number"));
    }
    if amount.is_none() {
        errors.add("amount_idr", ctx.t("admin_budget.amount"), ctx.t("admin_budget.amount_number"));
    }
    if !errors.is_empty() {
        return render_budgets(&ctx, &state, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let input = BudgetInput {
        fiscal_year: year.unwrap_or_default(),
        lines: vec![BudgetLineInput {
            budget_line: form.budget_line.trim().to_owned(),
            amount_idr: amount.unwrap_or(0),
        }],
    };
    let (satker, now) = (form.satker.trim().to_owned(), state.now());
    match state.run(move |conn| cart::put_budgets(conn, now, &actor, &satker, input)).await {
        Ok(_) => Ok(see_other(&format!(
            "/admin/anggaran?{}",
            serde_urlencoded::to_string([("satker", form.satker.trim()), ("tahun", form.fiscal_year.trim())])
                .unwrap_or_default()
        ))),
        Err(mut e) if is_form_error(&e) => {
            // One line on this form: `lines[0].x` is the form's `x`.
            for fe in &mut e.errors {
                if let Some(rest) = fe.field.strip_prefix("lines[0].") {
                    fe.field = rest.to_owned();
                }
            }
            let errors = Errors::from_service(
                &ctx,
                &e,
                &[
                    ("fiscal_year", ctx.t("admin_budget.year")),
                    ("budget_line", ctx.t("admin_budget.line")),
                    ("amount_idr", ctx.t("admin_budget.amount")),
                ],
            );
            render_budgets(&ctx, &state, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

// ---- the outbox ----------------------------------------------------------------------

pub struct MessageRow {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub status: String,
    pub status_class: &'static str,
    pub attempts: i32,
    pub last_error: String,
    pub created: String,
    pub next_attempt: String,
    pub retriable: bool,
}

pub struct Tab {
    pub href: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "admin_outbox.html")]
pub struct OutboxPage<'a> {
    pub ctx: &'a Ctx,
    pub admin: bool,
    pub tabs: Vec<Tab>,
    pub dead: bool,
    pub rows: Vec<MessageRow>,
    pub next: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OutboxQuery {
    pub status: String,
    pub lanjut: String,
}

/// `GET /admin/outbox?status=`: messages waiting, sent, or given up on (dead letters,
/// the default), without their contents.
pub async fn outbox_page(ctx: Ctx, state: web::Data<AppState>, q: web::Query<OutboxQuery>) -> PageResult {
    let actor = actor(&ctx)?;
    let q = q.into_inner();
    let status = match q.status.as_str() {
        "" | "dead" => OutboxStatus::Dead,
        "pending" => OutboxStatus::Pending,
        "sent" => OutboxStatus::Sent,
        _ => return Err(ctx.error_page(StatusCode::BAD_REQUEST, None)),
    };
    let req = page_request(&q.lanjut);
    let filter = OutboxFilter { status: Some(status), kind: None };
    let page = state.run(move |conn| outbox::list(conn, &actor, filter, &req)).await.map_err(|e| ctx.fail(e))?;
    let name = status_name(status);
    let rows = page
        .items
        .iter()
        .map(|m| MessageRow {
            id: m.id.clone(),
            kind: m.kind.clone(),
            recipient: m.recipient.clone(),
            status: ctx.t(&format!("outbox_status.{}", status_name(m.status))),
            status_class: match m.status {
                OutboxStatus::Dead => "status-bad",
                OutboxStatus::Sent => "status-ok",
                OutboxStatus::Pending => "status-info",
            },
            attempts: m.attempts,
            last_error: m.last_error.clone().unwrap_or_default(),
            created: ctx.date_time(&m.created_at),
            next_attempt: ctx.date_time(&m.next_attempt_at),
            retriable: m.retriable,
        })
        .collect();
    let tabs = ["dead", "pending", "sent"]
        .into_iter()
        .map(|s| Tab {
            href: format!("/admin/outbox?status={s}"),
            label: ctx.t(&format!("outbox_status.{s}")),
            selected: s == name,
        })
        .collect();
    let page_view = OutboxPage {
        ctx: &ctx,
        admin: is_admin(&ctx),
        tabs,
        dead: status == OutboxStatus::Dead,
        rows,
        next: next_link("/admin/outbox", vec![("status", name.to_owned())], page.next_cursor),
    };
    Ok(ctx.ok(&page_view))
}

fn status_name(s: OutboxStatus) -> &'static str {
    match s {
        OutboxStatus::Dead => "dead",
        OutboxStatus::Pending => "pending",
        OutboxStatus::Sent => "sent",
    }
}

/// `POST /admin/outbox/{id}/kirim-ulang`: sends a dead letter again.
pub async fn retry_message(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> PageResult {
    let actor = actor(&ctx)?;
    let (id, now) = (id.into_inner(), state.now());
    state.run(move |conn| outbox::retry(conn, now, Operator::User(&actor), &id)).await.map_err(|e| ctx.fail(e))?;
    Ok(see_other("/admin/outbox?status=pending"))
}

// ---- reconciliations -----------------------------------------------------------------

pub struct ReportRow {
    pub id: String,
    pub bank: String,
    pub period: String,
    pub rows: usize,
    pub matched: usize,
    pub unknown: usize,
    pub missing: usize,
    pub differs: usize,
    pub balanced: bool,
    pub created: String,
}

#[derive(Template)]
#[template(path = "admin_reconciliations.html")]
pub struct ReconciliationsPage<'a> {
    pub ctx: &'a Ctx,
    pub admin: bool,
    pub errors: Errors,
    pub rows: Vec<ReportRow>,
    pub next: Option<String>,
    pub banks: Vec<Choice>,
    /// The chosen bank, whose statement the upload form takes.
    pub bank: Option<Choice>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReconciliationsQuery {
    pub lanjut: String,
    pub bank: String,
}

/// What people call the bank whose code is `code` (the code itself when it is no longer
/// configured).
fn bank_name(state: &AppState, code: &str) -> String {
    state.payments.banks.iter().find(|b| b.code == code).map(|b| b.name.clone()).unwrap_or_else(|| code.to_owned())
}

fn period(ctx: &Ctx, from: chrono::NaiveDate, to: chrono::NaiveDate) -> String {
    if from == to {
        ctx.iso_date(&from.to_string())
    } else {
        format!("{} – {}", ctx.iso_date(&from.to_string()), ctx.iso_date(&to.to_string()))
    }
}

async fn render_reconciliations(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    q: ReconciliationsQuery,
    errors: Errors,
    status: StatusCode,
) -> PageResult {
    let actor = actor(ctx)?;
    let req = page_request(&q.lanjut);
    let page = state.run(move |conn| reconcile::list(conn, &actor, &req)).await.map_err(|e| ctx.fail(e))?;
    let rows = page
        .items
        .iter()
        .map(|r| ReportRow {
            id: r.id.clone(),
            bank: bank_name(state, &r.bank),
            period: period(ctx, r.from, r.to),
            rows: r.statement_rows,
            matched: r.matched,
            unknown: r.unknown_in_pasar,
            missing: r.missing_at_bank,
            differs: r.amount_differs,
            balanced: r.balanced,
            created: ctx.date_time(&r.created_at),
        })
        .collect();
    let next = next_link("/admin/rekonsiliasi", Vec::new(), page.next_cursor);
    let configured = &state.payments.banks;
    // One bank: no need to choose it.
    let chosen = if configured.len() == 1 && q.bank.is_empty() { configured[0].code.clone() } else { q.bank };
    let banks = choices(configured.iter().map(|b| (b.code.clone(), b.name.clone())), &chosen);
    let bank = configured.iter().find(|b| b.code == chosen).map(|b| Choice {
        value: b.code.clone(),
        label: b.name.clone(),
        selected: true,
    });
    let page = ReconciliationsPage { ctx, admin: is_admin(ctx), errors, rows, next, banks, bank };
    Ok(ctx.page(status, &page))
}

/// `GET /admin/rekonsiliasi?bank=`: the reconciliations of the banks' statements,
/// newest first, and (administrators) the upload of a statement of the chosen bank.
pub async fn reconciliations(ctx: Ctx, state: web::Data<AppState>, q: web::Query<ReconciliationsQuery>) -> PageResult {
    render_reconciliations(&ctx, &state, q.into_inner(), Errors::none(), StatusCode::OK).await
}

/// `POST /admin/rekonsiliasi?csrf=…&bank=…` (multipart, a CSV `file`): the API's
/// reconciliation of the bank's statement; its report page afterwards.
pub async fn upload_statement(
    ctx: Ctx,
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
    q: web::Query<ReconciliationsQuery>,
) -> PageResult {
    let actor = actor(&ctx)?;
    let q = q.into_inner();
    let fields = [("file", ctx.t("admin_rec.file")), ("bank", ctx.t("admin_rec.bank"))];
    let upload = match pasar_api::documents::read_upload(&req, payload, state.limits.upload_bytes, &[]).await {
        Ok(u) => u,
        Err(e) => {
            let errors = Errors::from_service(&ctx, &e, &fields);
            return render_reconciliations(&ctx, &state, q, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (st, now, bank) = (state.clone(), state.now(), q.bank.clone());
    let done = state
        .run(move |conn| {
            let request = reconcile::Request { bank: &bank, from: None, to: None };
            reconcile::reconcile(conn, &st.payments, now, Reconciler::User(&actor), request, &upload.bytes)
        })
        .await;
    match done {
        Ok(report) => Ok(see_other(&format!("/admin/rekonsiliasi/{}", report.id))),
        Err(mut e) if is_form_error(&e) => {
            // A bad row of the statement: which row and column, then what is wrong.
            for fe in &mut e.errors {
                let place = fe.field.strip_prefix("rows[").and_then(|r| r.split_once("]."));
                if let Some((n, column)) = place {
                    let at = ctx.t_with("admin_rec.row", &[("n", n), ("column", column)]);
                    fe.message = format!("{at}: {}", ctx.service_message(&fe.message));
                    fe.field = "file".into();
                }
            }
            let errors = Errors::from_service(&ctx, &e, &fields);
            render_reconciliations(&ctx, &state, q, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

pub struct ItemRow {
    pub outcome: String,
    pub outcome_class: &'static str,
    pub va: String,
    pub bank_amount: String,
    pub pasar_amount: String,
    pub invoice: String,
    pub reason: String,
}

pub struct DayBlock {
    pub day: String,
    pub summary: String,
    pub items: Vec<ItemRow>,
}

#[derive(Template)]
#[template(path = "admin_reconciliation.html")]
pub struct ReconciliationPage<'a> {
    pub ctx: &'a Ctx,
    pub bank: String,
    pub period: String,
    pub sha256: String,
    pub statement_rows: usize,
    pub balanced: bool,
    pub days: Vec<DayBlock>,
}

/// `GET /admin/rekonsiliasi/{id}`: one reconciliation, day by day.
pub async fn reconciliation(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> PageResult {
    let actor = actor(&ctx)?;
    let id = id.into_inner();
    let r = state.run(move |conn| reconcile::get(conn, &actor, &id)).await.map_err(|e| ctx.fail(e))?;
    let days = r
        .days
        .iter()
        .map(|d| {
            let c = &d.counts;
            let money = |v: Option<i64>| v.map(|v| ctx.money(&v)).unwrap_or_default();
            DayBlock {
                day: ctx.iso_date(&d.day.to_string()),
                summary: ctx.t_with(
                    "admin_rec.day_counts",
                    &[
                        ("matched", &c.matched.to_string()),
                        ("unknown", &c.unknown_in_pasar.to_string()),
                        ("missing", &c.missing_at_bank.to_string()),
                        ("differs", &c.amount_differs.to_string()),
                    ],
                ),
                items: d
                    .items
                    .iter()
                    .map(|i| ItemRow {
                        outcome: ctx.t(&format!("rec_outcome.{}", i.outcome.as_str())),
                        outcome_class: if i.outcome == Outcome::Matched { "status-ok" } else { "status-bad" },
                        va: i.virtual_account_no.clone(),
                        bank_amount: money(i.bank_amount_idr),
                        pasar_amount: money(i.pasar_amount_idr),
                        invoice: i.invoice_number.clone().unwrap_or_default(),
                        reason: i.reason.clone().unwrap_or_default(),
                    })
                    .collect(),
            }
        })
        .collect();
    let page = ReconciliationPage {
        ctx: &ctx,
        bank: bank_name(&state, &r.bank),
        period: period(&ctx, r.from, r.to),
        sha256: r.file_sha256.clone(),
        statement_rows: r.statement_rows,
        balanced: r.balanced,
        days,
    };
    Ok(ctx.ok(&page))
}

// ---- webhooks ------------------------------------------------------------------------

pub struct WebhookRow {
    pub id: String,
    pub url: String,
    pub description: String,
    pub events: String,
    pub active: bool,
    pub last_attempt: String,
    pub last_outcome: String,
    pub failing: bool,
}

#[derive(Template)]
#[template(path = "admin_webhooks.html")]
pub struct WebhooksPage<'a> {
    pub ctx: &'a Ctx,
    pub admin: bool,
    pub errors: Errors,
    pub rows: Vec<WebhookRow>,
    pub event_types: Vec<(&'static str, &'static str)>,
    pub url: String,
    pub description: String,
    pub events: String,
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_webhook_secret.html")]
pub struct WebhookSecretPage<'a> {
    pub ctx: &'a Ctx,
    pub url: String,
    pub secret: String,
    pub rotated: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WebhookForm {
    pub url: String,
    pub description: String,
    pub events: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub lanjut: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActiveForm {
    pub active: String,
}

/// The event types or prefixes typed in one box, separated by commas or spaces.
fn event_list(raw: &str) -> Vec<String> {
    raw.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

async fn render_webhooks(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    cursor: &str,
    form: WebhookForm,
    errors: Errors,
    status: StatusCode,
) -> PageResult {
    let actor = actor(ctx)?;
    let req = page_request(cursor);
    let page = state.run(move |conn| webhooks::list(conn, &actor, &req)).await.map_err(|e| ctx.fail(e))?;
    let rows = page
        .items
        .iter()
        .map(|s| WebhookRow {
            id: s.id.clone(),
            url: s.url.clone(),
            description: s.description.clone(),
            events: s.events.join(", "),
            active: s.active,
            last_attempt: s.last_attempt_at.as_ref().map(|t| ctx.date_time(t)).unwrap_or_default(),
            last_outcome: match (&s.last_error, s.last_status) {
                (Some(e), _) => e.clone(),
                (None, Some(code)) => format!("HTTP {code}"),
                (None, None) => String::new(),
            },
            failing: s.last_error.is_some(),
        })
        .collect();
    let events =
        if form.events.is_empty() && errors.is_empty() { "order.*, payment.*".to_owned() } else { form.events };
    let view = WebhooksPage {
        ctx,
        admin: is_admin(ctx),
        errors,
        rows,
        event_types: pasar_db::webhook::EVENT_TYPES.to_vec(),
        url: form.url,
        description: form.description,
        events,
        next: next_link("/admin/webhook", vec![], page.next_cursor),
    };
    Ok(ctx.page(status, &view))
}

/// `GET /admin/webhook`: the subscriptions of the pemda's other systems, how their
/// latest delivery went, and (administrators) a form for a new one.
pub async fn webhooks(ctx: Ctx, state: web::Data<AppState>, q: web::Query<ListQuery>) -> PageResult {
    render_webhooks(&ctx, &state, &q.lanjut, WebhookForm::default(), Errors::none(), StatusCode::OK).await
}

/// `POST /admin/webhook`: subscribes a URL; the next page shows its secret, once.
pub async fn add_webhook(ctx: Ctx, state: web::Data<AppState>, body: web::Bytes) -> PageResult {
    let actor = actor(&ctx)?;
    let form: WebhookForm = read_form(&body);
    let input = webhooks::NewSubscription {
        url: form.url.clone(),
        events: event_list(&form.events),
        description: Some(form.description.clone()),
        active: Some(true),
    };
    let now = state.now();
    match state.run(move |conn| webhooks::create(conn, now, &actor, input)).await {
        Ok(made) => Ok(ctx.ok(&WebhookSecretPage {
            ctx: &ctx,
            url: made.subscription.url,
            secret: made.secret,
            rotated: false,
        })),
        Err(mut e) if is_form_error(&e) => {
            // `events[2]` is the one box `events` here.
            for fe in &mut e.errors {
                if fe.field.starts_with("events[") {
                    fe.field = "events".into();
                }
            }
            let errors = Errors::from_service(
                &ctx,
                &e,
                &[
                    ("url", ctx.t("admin_webhook.url")),
                    ("events", ctx.t("admin_webhook.events")),
                    ("description", ctx.t("admin_webhook.description")),
                ],
            );
            render_webhooks(&ctx, &state, "", form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// `POST /admin/webhook/{id}/status`: `active=1` starts, `active=0` stops new events.
pub async fn webhook_status(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Bytes,
) -> PageResult {
    let actor = actor(&ctx)?;
    let form: ActiveForm = read_form(&body);
    let changes = webhooks::SubscriptionChanges { active: Some(form.active == "1"), ..Default::default() };
    let (id, now) = (id.into_inner(), state.now());
    state.run(move |conn| webhooks::update(conn, now, &actor, &id, changes)).await.map_err(|e| ctx.fail(e))?;
    Ok(see_other("/admin/webhook"))
}

/// `POST /admin/webhook/{id}/rahasia`: a new secret, shown on the next page once.
pub async fn rotate_webhook_secret(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> PageResult {
    let actor = actor(&ctx)?;
    let (id, now) = (id.into_inner(), state.now());
    let made = state.run(move |conn| webhooks::rotate_secret(conn, now, &actor, &id)).await.map_err(|e| ctx.fail(e))?;
    Ok(ctx.ok(&WebhookSecretPage { ctx: &ctx, url: made.subscription.url, secret: made.secret, rotated: true }))
}

/// `POST /admin/webhook/{id}/uji`: queues a test event for this subscription.
pub async fn ping_webhook(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> PageResult {
    let actor = actor(&ctx)?;
    let (id, now) = (id.into_inner(), state.now());
    state.run(move |conn| webhooks::ping(conn, now, &actor, &id)).await.map_err(|e| ctx.fail(e))?;
    Ok(see_other("/admin/webhook"))
}

/// `POST /admin/webhook/{id}/hapus`: deletes the subscription.
pub async fn remove_webhook(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> PageResult {
    let actor = actor(&ctx)?;
    let (id, now) = (id.into_inner(), state.now());
    state.run(move |conn| webhooks::delete(conn, now, &actor, &id)).await.map_err(|e| ctx.fail(e))?;
    Ok(see_other("/admin/webhook"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{catalogue, Lang};

    #[test]
    fn every_built_key_exists() {
        let mut built: Vec<String> = ROLES.iter().map(|r| format!("role.{}", r.as_str())).collect();
        for k in OrgKind::ALL {
            built.push(format!("org_kind.{}", k.as_str()));
        }
        for k in ["national_holiday", "cuti_bersama"] {
            built.push(format!("holiday_kind.{k}"));
        }
        for s in ["dead", "pending", "sent"] {
            built.push(format!("outbox_status.{s}"));
        }
        for o in ["matched", "unknown_in_pasar", "missing_at_bank", "amount_differs"] {
            built.push(format!("rec_outcome.{o}"));
        }
        for lang in Lang::ALL {
            let missing: Vec<_> = built.iter().filter(|k| catalogue(lang).get(k).is_none()).collect();
            assert!(missing.is_empty(), "{}: missing {missing:?}", lang.code());
        }
    }

    #[test]
    fn numbers_as_people_type_them() {
        assert_eq!(whole("150.000.000"), Some(150_000_000));
        assert_eq!(whole("12,5"), None);
    }
}
