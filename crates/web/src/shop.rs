//! The rest of the vendor's shop: the orders inbox (accept, decline with a reason,
//! ship, countersign the BAST), invoices with their payment status, the team (invite,
//! list) and the CSV import with its row errors. The same service functions as the
//! REST API; an order of another vendor is a 404 page, by the order service's rule.

use crate::ctx::{see_other, Ctx, PageError, PageResult};
use crate::desk::{self, is_failure, refusal_status, service_errors, Field, Form, Group};
use crate::forms::Errors;
use crate::resource;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use pasar_api::{ApiError, AppState};
use pasar_auth::Actor;
use pasar_core::page::PageRequest;
use pasar_order::model::OrderState;
use pasar_order::view::{self, ListQuery, OrderSummary};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/toko/pesanan").route(web::get().to(orders_page)))
        .service(resource("/toko/pesanan/{id}").route(web::get().to(order_page)))
        .service(resource("/toko/tagihan").route(web::get().to(invoices_page)))
        .service(resource("/toko/tim").route(web::get().to(team_page)).route(web::post().to(invite)))
        .service(resource("/toko/impor").route(web::get().to(import_form)).route(web::post().to(import)));
}

fn my_vendor(ctx: &Ctx) -> Result<(Actor, String), PageError> {
    let actor = desk::actor(ctx)?;
    if !ctx.is_vendor() {
        return Err(ctx.error_page(StatusCode::FORBIDDEN, Some(ctx.t("toko.not_vendor"))));
    }
    let id = actor.organization_id.to_string();
    Ok((actor, id))
}

fn state_text(ctx: &Ctx, s: OrderState) -> String {
    ctx.t(&format!("toko.order_state.{}", s.as_str()))
}

fn state_class(s: OrderState) -> &'static str {
    match s {
        OrderState::Paid | OrderState::Completed => "status-ok",
        OrderState::Cancelled => "status-warn",
        OrderState::SuratPesananSigned | OrderState::AcceptedByVendor | OrderState::BastSigned => "status-warn",
        _ => "status-wait",
    }
}

/// An order in a list.
pub struct OrderLine {
    pub href: String,
    pub number: String,
    pub created: String,
    pub total: String,
    pub state: String,
    pub state_class: &'static str,
    pub due: String,
}

fn order_line(ctx: &Ctx, o: &OrderSummary) -> OrderLine {
    OrderLine {
        href: format!("/pesanan/{}", o.id),
        number: o.sp_number.clone().unwrap_or_else(|| o.checkout_ref.clone()),
        created: ctx.date_time(&o.created_at),
        total: ctx.money(&o.total_idr),
        state: state_text(ctx, o.state),
        state_class: state_class(o.state),
        due: o.due_at.map(|at| ctx.date_time(&at)).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "toko_orders.html")]
pub struct OrdersPage<'a> {
    pub ctx: &'a Ctx,
    pub tab: &'static str,
    pub title: String,
    pub intro: String,
    pub orders: Vec<OrderLine>,
    pub next: Option<String>,
    /// The list as a file (CSV, XLSX).
    pub exports: Vec<crate::exports::ExportLink>,
}

#[derive(serde::Deserialize, Default)]
pub struct Cursor {
    lanjut: Option<String>,
}

async fn list(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    actor: &Actor,
    vendor: &str,
    only: Option<OrderState>,
    cursor: Option<&str>,
) -> Result<(Vec<OrderSummary>, Option<String>), PageError> {
    let page =
        PageRequest::parse(Some(50), cursor).map_err(|e| ctx.fail(ApiError::invalid_query(e.field, e.message)))?;
    let lq = ListQuery { state: only, vendor_id: Some(vendor.to_owned()), satker_id: None, from: None, to: None };
    let (st, a) = (state.clone(), actor.clone());
    let found =
        state.run(move |conn| view::list_orders(conn, &st.orders, &a, lq, &page)).await.map_err(|e| ctx.fail(e))?;
    Ok((found.items, found.next_cursor))
}

/// `GET /toko/pesanan`: the orders inbox, newest first, with the deadline of each.
pub async fn orders_page(ctx: Ctx, state: web::Data<AppState>, q: web::Query<Cursor>) -> PageResult {
    let (actor, id) = my_vendor(&ctx)?;
    let (items, next) = list(&ctx, &state, &actor, &id, None, q.lanjut.as_deref()).await?;
    let next =
        next.map(|c| format!("/toko/pesanan?{}", serde_urlencoded::to_string([("lanjut", c)]).unwrap_or_default()));
    Ok(ctx.ok(&OrdersPage {
        ctx: &ctx,
        tab: "pesanan",
        title: ctx.t("toko.orders_title"),
        intro: ctx.t("toko.orders_intro"),
        orders: items.iter().map(|o| order_line(&ctx, o)).collect(),
        next,
        exports: crate::exports::links(&ctx, "pesanan", None),
    }))
}

/// `GET /toko/tagihan`: invoices and their payment status.
pub async fn invoices_page(ctx: Ctx, state: web::Data<AppState>) -> PageResult {
    let (actor, id) = my_vendor(&ctx)?;
    let mut all = Vec::new();
    for s in [OrderState::Invoiced, OrderState::AwaitingPayment, OrderState::Paid, OrderState::Completed] {
        let (items, _) = list(&ctx, &state, &actor, &id, Some(s), None).await?;
        all.extend(items);
    }
    all.sort_by_key(|o| std::cmp::Reverse(o.updated_at));
    let orders = all
        .iter()
        .map(|o| {
            let mut line = order_line(&ctx, o);
            line.number = o.invoice_number.clone().unwrap_or(line.number);
            line.state = ctx.t(&format!("toko.payment_state.{}", o.state.as_str()));
            line
        })
        .collect();
    Ok(ctx.ok(&OrdersPage {
        ctx: &ctx,
        tab: "tagihan",
        title: ctx.t("toko.invoices_title"),
        intro: ctx.t("toko.invoices_intro"),
        orders,
        next: None,
        exports: crate::exports::links(&ctx, "tagihan", None),
    }))
}

/// `GET /toko/pesanan/{id}`: the order page every party shares, where the vendor's steps
/// (accept, decline, ship, countersign the BAST) are forms beside the buyer's.
pub async fn order_page(id: web::Path<String>) -> HttpResponse {
    see_other(&format!("/pesanan/{}", id.into_inner()))
}

// --- the team ------------------------------------------------------------------------------------

/// A member or an open invitation.
pub struct MemberLine {
    pub name: String,
    pub email: String,
    pub role: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "toko_team.html")]
pub struct TeamPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub tab: &'static str,
    pub members: Vec<MemberLine>,
    pub pending: Vec<MemberLine>,
    pub groups: Vec<Group>,
    pub notice: String,
}

async fn team_view<'a>(
    ctx: &'a Ctx,
    state: &web::Data<AppState>,
    errors: Errors,
    email: &str,
) -> Result<TeamPage<'a>, PageError> {
    let (actor, id) = my_vendor(ctx)?;
    let now = state.now();
    let team = state
        .run(move |conn| pasar_vendor_onboarding::team::team(conn, now, &actor, &id))
        .await
        .map_err(|e| ctx.fail(e))?;
    let members = team
        .members
        .iter()
        .map(|u| MemberLine {
            name: u.name.clone(),
            email: u.email.clone(),
            role: u.roles.iter().map(|r| ctx.t(&format!("toko.role.{}", r.as_str()))).collect::<Vec<_>>().join(", "),
            status: if u.active { ctx.t("toko.member_active") } else { ctx.t("toko.member_inactive") },
        })
        .collect();
    let pending = team
        .pending
        .iter()
        .map(|i| MemberLine {
            name: String::new(),
            email: i.email.clone(),
            role: ctx.t("toko.role.vendor_staff"),
            status: ctx.t_with("toko.invited_until", &[("date", &ctx.date_time(&i.expires_at))]),
        })
        .collect();
    let groups = vec![Group {
        legend: ctx.t("toko.invite_heading"),
        fields: vec![Field::new("email", ctx.t("toko.field.email"), email)
            .kind("email")
            .autocomplete("off")
            .hint(ctx.t("toko.hint.invite"))],
    }];
    Ok(TeamPage {
        ctx,
        errors,
        tab: "tim",
        members,
        pending,
        groups,
        notice: if ctx.here.contains("diundang=1") { ctx.t("toko.invited") } else { String::new() },
    })
}

/// `GET /toko/tim`: the vendor's users and open invitations.
pub async fn team_page(ctx: Ctx, state: web::Data<AppState>) -> PageResult {
    let page = team_view(&ctx, &state, Errors::none(), "").await?;
    Ok(ctx.ok(&page))
}

/// `POST /toko/tim`: invites a staff member (the owner).
pub async fn invite(ctx: Ctx, state: web::Data<AppState>, body: web::Bytes) -> PageResult {
    let (actor, id) = my_vendor(&ctx)?;
    let f = Form::parse(&body);
    let email = f.get("email");
    let (st, now, e2) = (state.clone(), state.now(), email.clone());
    let done =
        state.run(move |conn| pasar_vendor_onboarding::team::invite(conn, &st.auth, now, &actor, &id, &e2)).await;
    match done {
        Ok(_) => Ok(see_other("/toko/tim?diundang=1")),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let errors = service_errors(&ctx, &e, &[("email", ctx.t("toko.field.email"))]);
            let page = team_view(&ctx, &state, errors, &email).await?;
            Ok(ctx.page(refusal_status(&e), &page))
        }
    }
}

// --- CSV import ------------------------------------------------------------------------------------

/// A problem of the import: the row, the column and the message.
pub struct RowError {
    pub row: String,
    pub column: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "toko_import.html")]
pub struct ImportPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub tab: &'static str,
    pub rows: Vec<RowError>,
    pub action: String,
    pub notice: String,
}

fn import_page<'a>(ctx: &'a Ctx, errors: Errors, rows: Vec<RowError>, notice: String) -> ImportPage<'a> {
    ImportPage { ctx, errors, tab: "impor", rows, action: format!("/toko/impor?csrf={}", ctx.csrf), notice }
}

/// `GET /toko/impor`
pub async fn import_form(ctx: Ctx) -> PageResult {
    my_vendor(&ctx)?;
    let notice = match ctx.here.split("dibuat=").nth(1) {
        Some(n) => ctx.t_with("toko.import_done", &[("n", n.split('&').next().unwrap_or_default())]),
        None => String::new(),
    };
    Ok(ctx.ok(&import_page(&ctx, Errors::none(), Vec::new(), notice)))
}

/// `rows[3].unit_price_idr` as (`3`, `unit_price_idr`).
fn row_and_column(field: &str) -> Option<(String, String)> {
    let rest = field.strip_prefix("rows[")?;
    let (n, col) = rest.split_once(']')?;
    Some((n.to_owned(), col.trim_start_matches('.').to_owned()))
}

/// `POST /toko/impor?csrf=…` (multipart, a CSV file): the API's import, all or nothing;
/// each problem shown by row and column.
pub async fn import(ctx: Ctx, state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> PageResult {
    let (actor, id) = my_vendor(&ctx)?;
    let result = match desk::read_upload(&req, payload, &state, &[]).await {
        Err(e) => Err(e),
        Ok(upload) => {
            let (st, now) = (state.clone(), state.now());
            state
                .run(move |conn| {
                    pasar_catalog::service::import_products(
                        conn,
                        now,
                        st.vendors.time_zone,
                        pasar_catalog::service::Importer::User(&actor),
                        &id,
                        &upload.bytes,
                        Some(st.limits.import_rows),
                        &|_| {},
                    )
                })
                .await
        }
    };
    match result {
        Ok(report) => Ok(see_other(&format!("/toko/impor?dibuat={}", report.created))),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let mut rows = Vec::new();
            let mut errors = Errors::none();
            for fe in &e.errors {
                match row_and_column(&fe.field) {
                    Some((row, column)) => {
                        rows.push(RowError { row, column, message: ctx.service_message(&fe.message) })
                    }
                    None => errors.add("file", ctx.t("toko.import_file"), ctx.service_message(&fe.message)),
                }
            }
            if !rows.is_empty() {
                errors.add("", String::new(), ctx.t_with("toko.import_rows", &[("n", &rows.len().to_string())]));
            }
            if errors.is_empty() {
                errors.add("", String::new(), ctx.service_message(&e.detail));
            }
            Ok(ctx.page(refusal_status(&e), &import_page(&ctx, errors, rows, String::new())))
        }
    }
}
