//! Buying, from the cart to the paid invoice: the PP's cart and checkout, the orders of
//! a satker with their negotiation and every step of the order's life (each shown only
//! to whoever takes it), the PPK's approval queue, the bendahara's invoices and virtual
//! accounts, and the printable Surat Pesanan, BAST and invoice. Every form posts to the
//! same service function as the API; the services decide who may do what.

use crate::ctx::{see_other, Ctx, PageError, PageResult};
use crate::forms::Errors;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use pasar_api::{ApiError, AppState};
use pasar_auth::model::Role;
use pasar_core::page::PageRequest;
use pasar_order::access::Seat;
use pasar_order::cart::{self, Approver, CartView, CheckoutInput};
use pasar_order::flow::{self, LinePrice, NegotiationInput};
use pasar_order::model::{Action, OrderState};
use pasar_order::view::{self, ListQuery, OrderSummary, OrderView};
use pasar_payment_virtual_account::model::VaView;
use pasar_payment_virtual_account::service as payment;
use serde::Deserialize;
use std::collections::HashMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/keranjang").route(web::get().to(cart_page)).route(web::post().to(cart_update)))
        .service(web::resource("/checkout").route(web::get().to(checkout_page)).route(web::post().to(checkout)))
        .service(web::resource("/pesanan").route(web::get().to(orders_page)))
        .service(web::resource("/persetujuan").route(web::get().to(approvals_page)))
        .service(web::resource("/pesanan/{id}").route(web::get().to(order_page)))
        .service(web::resource("/pesanan/{id}/{step}").route(web::post().to(order_step)))
        .service(web::resource("/tagihan").route(web::get().to(invoices_page)))
        .service(web::resource("/tagihan/{id}").route(web::get().to(invoice_page)).route(web::post().to(issue_va)))
        .service(web::resource("/cetak/{doc}/{id}").route(web::get().to(print_page)));
}

/// A submitted form as name/value pairs, repeated names kept.
fn pairs(body: &web::Bytes) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).unwrap_or_default()
}

fn optional(pairs: &[(String, String)], name: &str) -> Option<String> {
    Some(field(pairs, name)).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// A number typed by a person: digits, with dots or spaces grouping thousands allowed
/// (`1.250.000`); anything else is `None`, which the service then refuses by name.
fn whole(raw: &str) -> Option<i64> {
    let digits: String = raw.chars().filter(|c| !matches!(c, '.' | ' ' | '\u{a0}')).collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The words for an order's state, and a class for its colour (never colour alone).
pub fn state_label(ctx: &Ctx, state: OrderState) -> (String, &'static str) {
    let class = match state {
        OrderState::Cancelled => "status-bad",
        OrderState::Completed | OrderState::Paid => "status-ok",
        OrderState::AwaitingPpkApproval | OrderState::Negotiation | OrderState::SuratPesananSigned => "status-warn",
        _ => "status-info",
    };
    (ctx.t(&format!("order_state.{}", state.as_str())), class)
}

fn has_role(ctx: &Ctx, role: Role) -> bool {
    ctx.user.as_ref().is_some_and(|u| u.actor.has(role))
}

// ---- the cart ------------------------------------------------------------------------

pub struct CartRow {
    pub product_id: String,
    pub name: String,
    pub vendor: String,
    pub price: String,
    pub quantity: i64,
    pub amount: String,
    pub problem: Option<String>,
}

#[derive(Template)]
#[template(path = "buy_cart.html")]
pub struct CartPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub rows: Vec<CartRow>,
    pub total: String,
    pub vendors: usize,
    pub buyable: bool,
}

fn cart_rows(ctx: &Ctx, cart: &CartView) -> Vec<CartRow> {
    cart.lines
        .iter()
        .map(|l| CartRow {
            product_id: l.product_id.clone(),
            name: l.product_name.clone().unwrap_or_else(|| ctx.t("cart.gone")),
            vendor: l.vendor_name.clone().unwrap_or_default(),
            price: l.unit_price_idr.map(|p| ctx.money(&p)).unwrap_or_default(),
            quantity: l.quantity,
            amount: l.amount_idr.map(|p| ctx.money(&p)).unwrap_or_default(),
            problem: l.problem.as_deref().map(|p| ctx.service_message(p)),
        })
        .collect()
}

async fn load_cart(ctx: &Ctx, state: &web::Data<AppState>) -> Result<CartView, PageError> {
    let user = ctx.require_user()?;
    let (st, now, actor) = (state.clone(), state.now(), user.actor.clone());
    state.run(move |conn| cart::get_cart(conn, &st.orders, now, &actor)).await.map_err(|e| ctx.fail(e))
}

fn render_cart(ctx: &Ctx, cart: &CartView, errors: Errors, status: StatusCode) -> PageResult {
    let page = CartPage {
        ctx,
        errors,
        rows: cart_rows(ctx, cart),
        total: ctx.money(&cart.total_idr),
        vendors: cart.vendors,
        buyable: !cart.lines.is_empty() && cart.lines.iter().all(|l| l.buyable),
    };
    Ok(ctx.page(status, &page))
}

/// `GET /keranjang`: the PP's (or PPK's) cart at today's prices and stock.
pub async fn cart_page(ctx: Ctx, state: web::Data<AppState>) -> PageResult {
    let cart = load_cart(&ctx, &state).await?;
    render_cart(&ctx, &cart, Errors::none(), StatusCode::OK)
}

/// `POST /keranjang`: puts a quantity of a product in the cart (0 removes it), from the
/// cart itself or from a product's page.
pub async fn cart_update(ctx: Ctx, state: web::Data<AppState>, body: web::Bytes) -> PageResult {
    let user = ctx.require_user()?;
    let f = pairs(&body);
    let product = field(&f, "product_id").to_owned();
    let raw = field(&f, "quantity").to_owned();
    let (st, now, actor) = (state.clone(), state.now(), user.actor.clone());
    let result = match whole(&raw) {
        Some(0) => state
            .run(move |conn| cart::delete_cart_line(conn, &st.orders, now, &actor, &product).map(|_| ()))
            .await
            .map_err(|e| (e, ctx.t("cart.quantity"))),
        Some(q) => state
            .run(move |conn| cart::put_cart_line(conn, &st.orders, now, &actor, &product, q).map(|_| ()))
            .await
            .map_err(|e| (e, ctx.t("cart.quantity"))),
        None => {
            let cart = load_cart(&ctx, &state).await?;
            let mut errors = Errors::none();
            errors.add("quantity", ctx.t("cart.quantity"), ctx.t("cart.quantity_invalid"));
            return render_cart(&ctx, &cart, errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    match result {
        Ok(()) => Ok(see_other("/keranjang")),
        Err((e, label)) if e.code.status() < 500 && e.code.status() != 401 => {
            let cart = load_cart(&ctx, &state).await?;
            let errors = Errors::from_service(&ctx, &e, &[("quantity", label)]);
            render_cart(&ctx, &cart, errors, StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST))
        }
        Err((e, _)) => Err(ctx.fail(e)),
    }
}

// ---- checkout ------------------------------------------------------------------------

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "buy_checkout.html")]
pub struct CheckoutPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub rows: Vec<CartRow>,
    pub total: String,
    pub vendors: usize,
    pub methods: Vec<Choice>,
    pub funding: Vec<Choice>,
    pub approvers: Vec<Choice>,
    pub rup_code: String,
    pub budget_line: String,
    pub delivery_address: String,
    pub delivery_date: String,
    pub note: String,
}

fn choices(options: Vec<(String, String)>, selected: &str) -> Vec<Choice> {
    options.into_iter().map(|(value, label)| Choice { selected: value == selected, value, label }).collect()
}

async fn render_checkout(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    form: &[(String, String)],
    errors: Errors,
    status: StatusCode,
) -> PageResult {
    let cart = load_cart(ctx, state).await?;
    let actor = ctx.require_user()?.actor.clone();
    let approvers: Vec<Approver> =
        state.run(move |conn| cart::approvers(conn, &actor)).await.map_err(|e| ctx.fail(e))?;
    let method = match field(form, "method") {
        "" => "e_purchasing",
        m => m,
    };
    let page = CheckoutPage {
        ctx,
        errors,
        rows: cart_rows(ctx, &cart),
        total: ctx.money(&cart.total_idr),
        vendors: cart.vendors,
        methods: choices(
            pasar_order::model::Method::ALL
                .iter()
                .map(|m| (m.as_str().to_owned(), ctx.t(&format!("method.{}", m.as_str()))))
                .collect(),
            method,
        ),
        funding: choices(
            pasar_order::model::FundingSource::ALL
                .iter()
                .map(|m| (m.as_str().to_owned(), ctx.t(&format!("funding.{}", m.as_str()))))
                .collect(),
            field(form, "funding_source"),
        ),
        approvers: choices(approvers.into_iter().map(|a| (a.id, a.name)).collect(), field(form, "ppk_id")),
        rup_code: field(form, "rup_code").to_owned(),
        budget_line: field(form, "budget_line").to_owned(),
        delivery_address: field(form, "delivery_address").to_owned(),
        delivery_date: field(form, "delivery_date").to_owned(),
        note: field(form, "note").to_owned(),
    };
    Ok(ctx.page(status, &page))
}

/// `GET /checkout`: what the orders will record, with the cart to check.
pub async fn checkout_page(ctx: Ctx, state: web::Data<AppState>) -> PageResult {
    render_checkout(&ctx, &state, &[], Errors::none(), StatusCode::OK).await
}

/// `POST /checkout`: one order per vendor, as `POST /api/v1/checkout` makes them. A
/// second submission of the same form finds the cart empty and changes nothing.
pub async fn checkout(ctx: Ctx, state: web::Data<AppState>, body: web::Bytes) -> PageResult {
    let user = ctx.require_user()?;
    let f = pairs(&body);
    let input = CheckoutInput {
        method: field(&f, "method").to_owned(),
        rup_code: field(&f, "rup_code").to_owned(),
        budget_line: field(&f, "budget_line").to_owned(),
        funding_source: field(&f, "funding_source").to_owned(),
        delivery_address: field(&f, "delivery_address").to_owned(),
        delivery_date: field(&f, "delivery_date").to_owned(),
        ppk_id: field(&f, "ppk_id").to_owned(),
        note: optional(&f, "note"),
    };
    let (st, now, actor) = (state.clone(), state.now(), user.actor.clone());
    match state.run(move |conn| cart::checkout(conn, &st.orders, now, &actor, input)).await {
        Ok(made) => {
            let to = match made.orders.as_slice() {
                [one] => format!("/pesanan/{}", one.summary.id),
                _ => "/pesanan".to_owned(),
            };
            Ok(see_other(&to))
        }
        Err(e) if e.code.status() < 500 && e.code.status() != 401 => {
            let labels: Vec<(&str, String)> = [
                "method",
                "rup_code",
                "budget_line",
                "funding_source",
                "delivery_address",
                "delivery_date",
                "ppk_id",
                "note",
            ]
            .into_iter()
            .map(|n| (n, ctx.t(&format!("checkout.{n}"))))
            .collect();
            let errors = Errors::from_service(&ctx, &e, &labels);
            let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
            render_checkout(&ctx, &state, &f, errors, status).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

// ---- lists ---------------------------------------------------------------------------

pub struct OrderItem {
    pub id: String,
    pub created: String,
    pub number: String,
    pub state: String,
    pub state_class: &'static str,
    pub total: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "buy_orders.html")]
pub struct OrdersPage<'a> {
    pub ctx: &'a Ctx,
    pub title: String,
    pub intro: String,
    pub base: &'static str,
    pub tabs: Vec<Choice>,
    pub items: Vec<OrderItem>,
    pub next: Option<String>,
    /// Where a row links: the order, or the invoice.
    pub link: &'static str,
    /// The list as a file (CSV, XLSX), as the page shows it.
    pub exports: Vec<crate::exports::ExportLink>,
}

fn item(ctx: &Ctx, o: &OrderSummary) -> OrderItem {
    let (state, state_class) = state_label(ctx, o.state);
    OrderItem {
        id: o.id.clone(),
        created: ctx.date_time(&o.created_at),
        number: o.invoice_number.clone().or_else(|| o.sp_number.clone()).unwrap_or_else(|| "—".into()),
        state,
        state_class,
        total: ctx.money(&o.total_idr),
        due: o.due_at.map(|d| ctx.date_time(&d)).unwrap_or_default(),
    }
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    status: Option<String>,
    cursor: Option<String>,
}

/// One list of orders: its words (`<words>.title`, `<words>.intro`), its address, the
/// states it offers as tabs (all of them: an "all" tab first) and where a row links.
struct Listing {
    words: &'static str,
    base: &'static str,
    states: &'static [OrderState],
    link: &'static str,
    /// The list its export buttons download (`/ekspor/{export}`), if it has them.
    export: Option<&'static str>,
}

async fn list(ctx: Ctx, state: web::Data<AppState>, q: ListParams, l: &Listing) -> PageResult {
    let user = ctx.require_user()?;
    let selected = q.status.as_deref().and_then(|s| OrderState::parse(s).ok()).filter(|s| l.states.contains(s));
    let selected = selected.or_else(|| (l.states.len() < OrderState::ALL.len()).then(|| l.states[0]));
    let page =
        PageRequest::parse(Some(50), q.cursor.as_deref()).map_err(|_| ctx.error_page(StatusCode::BAD_REQUEST, None))?;
    let (st, actor) = (state.clone(), user.actor.clone());
    let query = ListQuery { state: selected, ..Default::default() };
    let list = state
        .run(move |conn| view::list_orders(conn, &st.orders, &actor, query, &page))
        .await
        .map_err(|e| ctx.fail(e))?;
    let mut tabs = Vec::new();
    if l.states.len() == OrderState::ALL.len() {
        tabs.push(Choice { value: l.base.to_owned(), label: ctx.t("orders.all"), selected: selected.is_none() });
    }
    for s in l.states {
        tabs.push(Choice {
            value: format!("{}?status={}", l.base, s.as_str()),
            label: state_label(&ctx, *s).0,
            selected: selected == Some(*s),
        });
    }
    let next = list.next_cursor.as_ref().map(|c| {
        let mut q = vec![("cursor", c.as_str())];
        if let Some(s) = selected {
            q.push(("status", s.as_str()));
        }
        format!("{}?{}", l.base, serde_urlencoded::to_string(q).unwrap_or_default())
    });
    let items = list.items.iter().map(|o| item(&ctx, o)).collect();
    let (title, intro) = (ctx.t(&format!("{}.title", l.words)), ctx.t(&format!("{}.intro", l.words)));
    let exports = l.export.map(|e| crate::exports::links(&ctx, e, selected.map(|s| s.as_str()))).unwrap_or_default();
    let page = OrdersPage { ctx: &ctx, title, intro, base: l.base, tabs, items, next, link: l.link, exports };
    Ok(ctx.ok(&page))
}

/// `GET /pesanan`: the orders the caller may see (a satker's, a vendor's, or all).
const ORDERS: Listing =
    Listing { words: "orders", base: "/pesanan", states: OrderState::ALL, link: "/pesanan", export: Some("pesanan") };

/// `GET /persetujuan`: the PPK's queue, each with the day it cancels itself.
const APPROVALS: Listing = Listing {
    words: "approvals",
    base: "/persetujuan",
    states: &[OrderState::AwaitingPpkApproval, OrderState::Negotiation, OrderState::Shipped, OrderState::Received],
    link: "/pesanan",
    export: None,
};

/// `GET /tagihan`: the bendahara's invoices, by where their payment stands.
const INVOICES: Listing = Listing {
    words: "invoices",
    base: "/tagihan",
    states: &[OrderState::Invoiced, OrderState::AwaitingPayment, OrderState::Paid, OrderState::Completed],
    link: "/tagihan",
    export: Some("tagihan"),
};

pub async fn orders_page(ctx: Ctx, state: web::Data<AppState>, q: web::Query<ListParams>) -> PageResult {
    list(ctx, state, q.into_inner(), &ORDERS).await
}

pub async fn approvals_page(ctx: Ctx, state: web::Data<AppState>, q: web::Query<ListParams>) -> PageResult {
    list(ctx, state, q.into_inner(), &APPROVALS).await
}

pub async fn invoices_page(ctx: Ctx, state: web::Data<AppState>, q: web::Query<ListParams>) -> PageResult {
    list(ctx, state, q.into_inner(), &INVOICES).await
}

// ---- one order -----------------------------------------------------------------------

pub struct LineRow {
    pub line: i32,
    pub name: String,
    pub product_id: String,
    pub quantity: i64,
    pub unit: String,
    pub hst: String,
    pub hst_idr: i64,
    pub price: String,
    pub price_idr: i64,
    pub amount: String,
    pub shipped: i64,
    pub accepted: String,
    pub facts: String,
}

pub struct RoundRow {
    pub round: i32,
    pub who: String,
    pub what: String,
    pub prices: String,
    pub note: String,
    pub when: String,
}

pub struct HistoryRow {
    pub when: String,
    pub what: String,
}

pub struct DocLink {
    pub href: String,
    pub label: String,
    /// The same document as a PDF.
    pub pdf_href: String,
    pub pdf_label: String,
}

fn doc_link(ctx: &Ctx, doc: &str, id: &str, label: String) -> DocLink {
    DocLink {
        href: format!("/cetak/{doc}/{id}"),
        pdf_href: format!("/cetak/{doc}/{id}/pdf"),
        pdf_label: ctx.t_with("document_pdf.download_of", &[("document", &label)]),
        label,
    }
}

/// What the caller may do next, each a form on the page.
#[derive(Default)]
pub struct Steps {
    pub offer: bool,
    pub counter: bool,
    pub accept_prices: bool,
    pub end_negotiation: bool,
    pub approve: bool,
    pub reject: bool,
    pub cancel: bool,
    pub accept: bool,
    pub decline: bool,
    pub ship: bool,
    pub receive: bool,
    pub sign_bast: bool,
    pub countersign_bast: bool,
    pub rate: bool,
    pub pay: bool,
}

#[derive(Template)]
#[template(path = "buy_order.html")]
pub struct OrderPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub id: String,
    pub state: String,
    pub state_class: &'static str,
    pub due: String,
    pub facts: Vec<(String, String)>,
    pub lines: Vec<LineRow>,
    pub total: String,
    pub rounds: Vec<RoundRow>,
    pub documents: Vec<DocLink>,
    /// The invoice's figures, once it is issued.
    pub invoice: Vec<Figure>,
    pub history: Vec<HistoryRow>,
    pub steps: Steps,
    pub conditions: Vec<Choice>,
}

fn steps(seat: Seat, state: OrderState, order: &OrderView) -> Steps {
    let can = |a: Action| state.after(a).is_ok();
    let buyer = matches!(seat, Seat::Buyer { .. });
    let ppk = matches!(seat, Seat::Buyer { order_ppk: true });
    let vendor = seat == Seat::Vendor;
    // Who spoke last in the negotiation: the other side may accept.
    let last = order.negotiation.iter().rev().find(|r| r.action == "offer" || r.action == "counter");
    let last_party = last.map(|r| r.party.as_str());
    Steps {
        offer: buyer && can(Action::Offer) && last_party != Some("buyer"),
        counter: vendor && can(Action::Counter) && last_party == Some("buyer"),
        accept_prices: can(Action::AcceptPrices)
            && ((buyer && last_party == Some("vendor")) || (vendor && last_party == Some("buyer"))),
        end_negotiation: (buyer || vendor) && can(Action::EndNegotiation),
        approve: ppk && can(Action::Approve),
        reject: ppk && can(Action::Reject),
        cancel: buyer && can(Action::Cancel),
        accept: vendor && can(Action::Accept),
        decline: vendor && can(Action::Decline),
        ship: vendor && can(Action::Ship),
        receive: ppk && can(Action::Receive),
        sign_bast: ppk && can(Action::SignBast),
        countersign_bast: vendor && can(Action::CountersignBast),
        rate: ppk && can(Action::Rate) && order.summary.rating.is_none(),
        pay: seat == Seat::Treasurer && matches!(state, OrderState::Invoiced | OrderState::AwaitingPayment),
    }
}

fn facts_text(ctx: &Ctx, facts: &serde_json::Value) -> String {
    let mut out = Vec::new();
    if let Some(bp) = facts.get("tkdn_bp").and_then(|v| v.as_i64()).filter(|bp| *bp > 0) {
        out.push(ctx.t_with("badge.tkdn", &[("percent", &ctx.percent_bp(&bp))]));
    }
    if facts.get("pdn_priority").and_then(|v| v.as_bool()) == Some(true) {
        out.push(ctx.t("badge.pdn"));
    }
    if facts.get("umkk").and_then(|v| v.as_bool()) == Some(true) {
        out.push(ctx.t("badge.umkk"));
    }
    if facts.get("local").and_then(|v| v.as_bool()) == Some(true) {
        out.push(ctx.t("badge.local"));
    }
    out.join(" · ")
}

async fn load_order(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    id: &str,
) -> Result<(OrderView, Seat, OrderState), PageError> {
    let user = ctx.require_user()?;
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(ctx.error_page(StatusCode::NOT_FOUND, None));
    }
    let (actor, id) = (user.actor.clone(), id.to_owned());
    let (order, seat) =
        state.run(move |conn| view::get_order_at_seat(conn, &actor, &id)).await.map_err(|e| ctx.fail(e))?;
    let state = order.summary.state;
    Ok((order, seat, state))
}

fn order_page_of<'a>(ctx: &'a Ctx, order: &OrderView, seat: Seat, errors: Errors) -> OrderPage<'a> {
    let s = &order.summary;
    let (state, state_class) = state_label(ctx, s.state);
    let mut facts = vec![
        (ctx.t("order.method"), ctx.t(&format!("method.{}", s.method))),
        (ctx.t("checkout.rup_code"), s.rup_code.clone()),
        (ctx.t("checkout.budget_line"), s.budget_line.clone()),
        (ctx.t("checkout.funding_source"), ctx.t(&format!("funding.{}", s.funding_source))),
        (ctx.t("checkout.delivery_address"), s.delivery_address.clone()),
        (ctx.t("checkout.delivery_date"), ctx.iso_date(&s.delivery_date.to_string())),
        (ctx.t("order.vendor"), vendor_name(order)),
        (ctx.t("order.created"), ctx.date_time(&s.created_at)),
    ];
    if let Some(n) = &s.sp_number {
        facts.push((ctx.t("order.sp_number"), n.clone()));
    }
    if let Some(n) = &s.invoice_number {
        facts.push((ctx.t("order.invoice_number"), n.clone()));
    }
    if let Some(r) = &s.cancel_reason {
        facts.push((ctx.t("order.cancel_reason"), r.clone()));
    }
    if let Some(r) = s.rating {
        facts.push((ctx.t("order.rating"), format!("{r}/5")));
    }
    let lines = order
        .lines
        .iter()
        .map(|l| LineRow {
            line: l.line,
            name: l.product_name.clone(),
            product_id: l.product_id.clone(),
            quantity: l.quantity,
            unit: l.unit.clone(),
            hst: ctx.money(&l.hst_unit_price_idr),
            hst_idr: l.hst_unit_price_idr,
            price: ctx.money(&l.unit_price_idr),
            price_idr: l.unit_price_idr,
            amount: ctx.money(&l.amount_idr),
            shipped: l.shipped_quantity,
            accepted: l.accepted_quantity.map(|a| a.to_string()).unwrap_or_else(|| "—".into()),
            facts: facts_text(ctx, &l.facts),
        })
        .collect();
    let rounds = order
        .negotiation
        .iter()
        .map(|r| RoundRow {
            round: r.round,
            who: ctx.t(&format!("negotiation.party_{}", r.party)),
            what: ctx.t(&format!("negotiation.action_{}", r.action)),
            prices: r
                .prices
                .as_ref()
                .and_then(|p| p.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| {
                            Some(format!(
                                "{} {}: {}",
                                ctx.t("order.line"),
                                x.get("line")?.as_i64()?,
                                ctx.money(&x.get("unit_price_idr")?.as_i64()?)
                            ))
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default(),
            note: r.note.clone().unwrap_or_default(),
            when: ctx.date_time(&r.at),
        })
        .collect();
    let mut documents = Vec::new();
    if order.surat_pesanan.is_some() {
        documents.push(doc_link(ctx, "surat-pesanan", &s.id, ctx.t("print.sp")));
    }
    if order.bast.is_some() {
        documents.push(doc_link(ctx, "bast", &s.id, ctx.t("print.bast")));
    }
    if order.invoice.is_some() {
        documents.push(doc_link(ctx, "tagihan", &s.id, ctx.t("print.invoice")));
    }
    let history = order
        .history
        .iter()
        .map(|h| HistoryRow {
            when: ctx.date_time(&h.at),
            what: i18n_or(ctx, &format!("history.{}", h.action), &h.action),
        })
        .collect();
    OrderPage {
        ctx,
        errors,
        id: s.id.clone(),
        state,
        state_class,
        due: s.due_at.map(|d| ctx.date_time(&d)).unwrap_or_default(),
        facts,
        lines,
        total: ctx.money(&s.total_idr),
        rounds,
        documents,
        invoice: order.invoice.as_ref().map(|i| invoice_figures(ctx, i)).unwrap_or_default(),
        history,
        steps: steps(seat, s.state, order),
        conditions: ["good", "damaged", "incomplete", "late"]
            .into_iter()
            .map(|c| Choice { value: c.into(), label: ctx.t(&format!("condition.{c}")), selected: c == "good" })
            .collect(),
    }
}

/// The vendor's name as the lines' frozen facts have it.
fn vendor_name(order: &OrderView) -> String {
    order.lines.first().and_then(|l| l.facts.get("vendor_name")).and_then(|v| v.as_str()).unwrap_or_default().to_owned()
}

/// The catalogue's message for `key`, or `fallback` where it has none.
fn i18n_or(ctx: &Ctx, key: &str, fallback: &str) -> String {
    crate::i18n::catalogue(ctx.lang).get(key).map(str::to_owned).unwrap_or_else(|| fallback.to_owned())
}

/// `GET /pesanan/{id}`: the order for whoever may see it (404 for anyone else), with
/// the forms of the steps the caller may take now.
pub async fn order_page(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> PageResult {
    let (order, seat, _) = load_order(&ctx, &state, &id).await?;
    Ok(ctx.ok(&order_page_of(&ctx, &order, seat, Errors::none())))
}

/// Lines named in a form as `<prefix><line>` (e.g. `price_1`), with a value.
fn per_line(f: &[(String, String)], prefix: &str) -> Vec<(i32, String)> {
    f.iter()
        .filter_map(|(k, v)| {
            let line = k.strip_prefix(prefix)?.parse::<i32>().ok()?;
            Some((line, v.trim().to_owned())).filter(|(_, v)| !v.is_empty())
        })
        .collect()
}

/// A service's `lines[i].x` error, beside the form's `x_<line>` field.
fn line_field(input_lines: &[i32], field: &str, prefix: &str) -> Option<String> {
    let rest = field.strip_prefix("lines[")?;
    let (i, _) = rest.split_once(']')?;
    let line = input_lines.get(i.parse::<usize>().ok()?)?;
    Some(format!("{prefix}{line}"))
}

/// `POST /pesanan/{id}/{step}`: one step of the order, through its service function.
pub async fn order_step(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> PageResult {
    let user = ctx.require_user()?;
    let (id, step) = path.into_inner();
    if uuid::Uuid::parse_str(&id).is_err() {
        return Err(ctx.error_page(StatusCode::NOT_FOUND, None));
    }
    let f = pairs(&body);
    let (st, now, actor, oid) = (state.clone(), state.now(), user.actor.clone(), id.clone());
    let reason = || flow::ReasonInput { reason: field(&f, "reason").to_owned() };
    // The per-line fields the step reads, so that a service error on `lines[i]` can be
    // shown beside the right input.
    let mut named_lines: Vec<i32> = Vec::new();
    let mut line_prefix = "";
    let result: Result<OrderView, ApiError> = match step.as_str() {
        "negosiasi" => {
            let action = field(&f, "action").to_owned();
            let prices = per_line(&f, "price_");
            named_lines = prices.iter().map(|(l, _)| *l).collect();
            line_prefix = "price_";
            let lines: Vec<LinePrice> = prices
                .iter()
                .map(|(line, v)| LinePrice { line: *line, unit_price_idr: whole(v).unwrap_or(0) })
                .collect();
            let input = NegotiationInput {
                lines: (action == "offer" || action == "counter").then_some(lines),
                action,
                note: optional(&f, "note"),
            };
            state.run(move |conn| flow::negotiate(conn, &st.orders, now, &actor, &oid, input)).await
        }
        "setujui" => state.run(move |conn| flow::approve(conn, &st.orders, now, &actor, &oid)).await,
        "tolak" => {
            let input = reason();
            state.run(move |conn| flow::reject(conn, now, &actor, &oid, input)).await
        }
        "batalkan" => {
            let input = reason();
            state.run(move |conn| flow::cancel(conn, now, &actor, &oid, input)).await
        }
        "terima" => state.run(move |conn| flow::accept(conn, now, &actor, &oid)).await,
        "tolak-sp" => {
            let input = reason();
            state.run(move |conn| flow::decline(conn, now, &actor, &oid, input)).await
        }
        "kirim" => {
            let shipped = per_line(&f, "ship_");
            named_lines = shipped.iter().map(|(l, _)| *l).collect();
            line_prefix = "ship_";
            let input = flow::ShipmentInput {
                lines: shipped
                    .iter()
                    .map(|(line, v)| flow::ShippedLine { line: *line, quantity: whole(v).unwrap_or(-1) })
                    .filter(|l| l.quantity != 0)
                    .collect(),
                courier: optional(&f, "courier"),
                tracking: optional(&f, "tracking"),
            };
            state.run(move |conn| flow::ship(conn, now, &actor, &oid, input)).await
        }
        "periksa" => {
            let accepted = per_line(&f, "accepted_");
            named_lines = accepted.iter().map(|(l, _)| *l).collect();
            line_prefix = "accepted_";
            let conditions: HashMap<i32, String> = per_line(&f, "condition_").into_iter().collect();
            let notes: HashMap<i32, String> = per_line(&f, "note_").into_iter().collect();
            let input = flow::ReceiptInput {
                lines: accepted
                    .iter()
                    .map(|(line, v)| flow::InspectedLine {
                        line: *line,
                        accepted_quantity: whole(v).unwrap_or(-1),
                        condition: conditions.get(line).cloned().unwrap_or_default(),
                        note: notes.get(line).cloned(),
                    })
                    .collect(),
            };
            state.run(move |conn| flow::receive(conn, now, &actor, &oid, input)).await
        }
        "bast" => {
            let input = flow::BastInput { bast_number: field(&f, "bast_number").to_owned() };
            state.run(move |conn| flow::sign_bast(conn, &st.orders, now, &actor, &oid, input)).await
        }
        "bast-tandatangan" => state.run(move |conn| flow::countersign_bast(conn, &st.orders, now, &actor, &oid)).await,
        "nilai" => {
            let input =
                flow::RatingInput { score: field(&f, "score").parse().unwrap_or(0), comment: optional(&f, "comment") };
            state.run(move |conn| flow::rate(conn, now, &actor, &oid, input)).await
        }
        _ => return Err(ctx.error_page(StatusCode::NOT_FOUND, None)),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/pesanan/{id}"))),
        Err(e) if e.code.status() < 500 && !matches!(e.code.status(), 401 | 404) => {
            let (order, seat, _) = load_order(&ctx, &state, &id).await?;
            let mut labels: Vec<(String, String)> = ["reason", "bast_number", "score", "comment", "note", "courier"]
                .into_iter()
                .map(|n| (n.to_owned(), ctx.t(&format!("order.field_{n}"))))
                .collect();
            // `lines[i].…` errors go beside the line's input.
            let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let mut mapped = e;
            for fe in &mut mapped.errors {
                if let Some(name) = line_field(&named_lines, &fe.field, line_prefix) {
                    labels.push((name.clone(), ctx.t("order.line")));
                    fe.field = name;
                }
            }
            let refs: Vec<(&str, String)> = labels.iter().map(|(n, l)| (n.as_str(), l.clone())).collect();
            let errors = Errors::from_service(&ctx, &mapped, &refs);
            Ok(ctx.page(status, &order_page_of(&ctx, &order, seat, errors)))
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

// ---- the invoice and its virtual account ---------------------------------------------

pub struct Figure {
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "buy_invoice.html")]
pub struct InvoicePage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub id: String,
    pub number: String,
    pub state: String,
    pub state_class: &'static str,
    pub figures: Vec<Figure>,
    pub va: Option<VaBox>,
    pub may_issue: bool,
    pub banks: Vec<Choice>,
}

/// The VA as the bendahara transfers to it.
pub struct VaBox {
    pub number: String,
    pub bank: String,
    pub amount: String,
    pub expires: String,
    pub state: String,
    pub live: bool,
}

fn invoice_figures(ctx: &Ctx, invoice: &serde_json::Value) -> Vec<Figure> {
    let money = |k: &str| invoice.get(k).and_then(|v| v.as_i64()).map(|v| ctx.money(&v));
    ["subtotal", "dpp", "ppn", "pph22", "gross_total", "withheld_by_treasurer", "payable", "vendor_receives"]
        .into_iter()
        .filter_map(|k| money(k).map(|value| Figure { label: ctx.t(&format!("invoice.{k}")), value }))
        .collect()
}

async fn render_invoice(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    id: &str,
    errors: Errors,
    status: StatusCode,
) -> PageResult {
    let (order, seat, order_state) = load_order(ctx, state, id).await?;
    let Some(invoice) = order.invoice.as_ref() else {
        return Err(ctx.error_page(StatusCode::NOT_FOUND, None));
    };
    let actor = ctx.require_user()?.actor.clone();
    let (st, now, oid) = (state.clone(), state.now(), id.to_owned());
    let va: Option<VaView> = match state.run(move |conn| payment::current(conn, &st.payments, now, &actor, &oid)).await
    {
        Ok(v) => Some(v),
        Err(e) if e.code == pasar_core::Code::NotFound => None,
        Err(e) => return Err(ctx.fail(e)),
    };
    let live = va.as_ref().is_some_and(|v| v.state == "active");
    let (state_text, state_class) = state_label(ctx, order_state);
    let page = InvoicePage {
        ctx,
        errors,
        id: id.to_owned(),
        number: order.summary.invoice_number.clone().unwrap_or_default(),
        state: state_text,
        state_class,
        figures: invoice_figures(ctx, invoice),
        may_issue: seat == Seat::Treasurer
            && !state.payments.banks.is_empty()
            && (order_state == OrderState::Invoiced || (order_state == OrderState::AwaitingPayment && !live)),
        banks: state
            .payments
            .banks
            .iter()
            .enumerate()
            .map(|(i, b)| Choice { value: b.code.clone(), label: b.name.clone(), selected: i == 0 })
            .collect(),
        va: va.map(|v| VaBox {
            number: v.virtual_account_no.trim().to_owned(),
            bank: v.bank_name.clone(),
            amount: ctx.money(&v.amount_idr),
            expires: ctx.date_time(&v.expires_at),
            state: ctx.t(&format!("va.state_{}", v.state)),
            live: v.state == "active",
        }),
    };
    Ok(ctx.page(status, &page))
}

/// `GET /tagihan/{id}`: the invoice, its VA (number, bank, amount, expiry) and where the
/// payment stands; the satker's bendahara asks for the VA here.
pub async fn invoice_page(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> PageResult {
    render_invoice(&ctx, &state, &id, Errors::none(), StatusCode::OK).await
}

/// `POST /tagihan/{id}`: the bendahara asks for a VA at the chosen bank.
pub async fn issue_va(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>, body: web::Bytes) -> PageResult {
    let user = ctx.require_user()?;
    if uuid::Uuid::parse_str(&id).is_err() {
        return Err(ctx.error_page(StatusCode::NOT_FOUND, None));
    }
    let f = pairs(&body);
    let bank = optional(&f, "bank");
    let (st, now, actor, oid) = (state.clone(), state.now(), user.actor.clone(), id.to_string());
    match state.run(move |conn| payment::issue(conn, &st.payments, now, &actor, &oid, bank.as_deref())).await {
        Ok(_) => Ok(see_other(&format!("/tagihan/{id}"))),
        Err(e) if e.code.status() < 500 && !matches!(e.code.status(), 401 | 404) => {
            let errors = Errors::from_service(&ctx, &e, &[("bank", ctx.t("va.bank"))]);
            let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
            render_invoice(&ctx, &state, &id, errors, status).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

// ---- printable documents -------------------------------------------------------------

#[derive(Template)]
#[template(path = "buy_print.html")]
pub struct PrintPage<'a> {
    pub ctx: &'a Ctx,
    pub title: String,
    pub number: String,
    pub facts: Vec<Figure>,
    pub lines: Vec<LineRow>,
    pub figures: Vec<Figure>,
    /// The document's text as signed (the Surat Pesanan, the BAST), shown verbatim.
    pub content: Option<String>,
    /// The hash the order recorded when the document was issued.
    pub sha256: Option<String>,
    /// The same document as a PDF.
    pub pdf_href: String,
}

/// `GET /cetak/{surat-pesanan|bast|tagihan}/{id}`: an A4 page to print, with the
/// document's number, parties, lines and hash.
pub async fn print_page(ctx: Ctx, state: web::Data<AppState>, path: web::Path<(String, String)>) -> PageResult {
    let (doc, id) = path.into_inner();
    let (order, _, _) = load_order(&ctx, &state, &id).await?;
    let s = &order.summary;
    let not_found = || ctx.error_page(StatusCode::NOT_FOUND, None);
    let order_page = order_page_of(&ctx, &order, Seat::Reader, Errors::none());
    let mut facts: Vec<Figure> =
        order_page.facts.iter().map(|(label, value)| Figure { label: label.clone(), value: value.clone() }).collect();
    facts.retain(|f| f.label != ctx.t("order.vendor"));
    let (title, number, content, sha256, figures) = match doc.as_str() {
        "surat-pesanan" => {
            let sp = order.surat_pesanan.as_ref().ok_or_else(not_found)?;
            (ctx.t("print.sp"), sp.number.clone(), sp.content.clone(), sp.sha256.clone(), Vec::new())
        }
        "bast" => {
            let bast = order.bast.as_ref().ok_or_else(not_found)?;
            let mut signed = Vec::new();
            if let Some(at) = bast.signed_at {
                signed.push(Figure { label: ctx.t("print.signed_by_ppk"), value: ctx.date_time(&at) });
            }
            if let Some(at) = bast.vendor_signed_at {
                signed.push(Figure { label: ctx.t("print.signed_by_vendor"), value: ctx.date_time(&at) });
            }
            (ctx.t("print.bast"), bast.number.clone(), bast.content.clone(), bast.sha256.clone(), signed)
        }
        "tagihan" => {
            let invoice = order.invoice.as_ref().ok_or_else(not_found)?;
            let number = s.invoice_number.clone().unwrap_or_default();
            (ctx.t("print.invoice"), number, None, order.invoice_sha256.clone(), invoice_figures(&ctx, invoice))
        }
        _ => return Err(not_found()),
    };
    let pdf_href = format!("/cetak/{doc}/{}/pdf", s.id);
    let page =
        PrintPage { ctx: &ctx, title, number, facts, lines: order_page.lines, figures, content, sha256, pdf_href };
    Ok(ctx.ok(&page))
}

/// The buying links of the header, for the roles that use them.
pub fn nav_links(ctx: &Ctx) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if has_role(ctx, Role::PejabatPengadaan) || has_role(ctx, Role::Ppk) {
        out.push(("/keranjang", ctx.t("buy_nav.cart")));
    }
    // Vendors follow their orders at /toko/pesanan; curators have none.
    let sees_orders = [Role::PejabatPengadaan, Role::Ppk, Role::Bendahara, Role::Admin, Role::Auditor];
    if sees_orders.iter().any(|r| has_role(ctx, *r)) {
        out.push(("/pesanan", ctx.t("buy_nav.orders")));
    }
    if has_role(ctx, Role::Ppk) {
        out.push(("/persetujuan", ctx.t("buy_nav.approvals")));
    }
    if has_role(ctx, Role::Bendahara) {
        out.push(("/tagihan", ctx.t("buy_nav.invoices")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_people_type_them() {
        assert_eq!(whole("1.250.000"), Some(1_250_000));
        assert_eq!(whole(" 12 500 "), Some(12_500));
        assert_eq!(whole("12,5"), None);
        assert_eq!(whole("-3"), None);
        assert_eq!(whole(""), None);
    }

    #[test]
    fn a_line_error_lands_beside_its_input() {
        assert_eq!(line_field(&[2, 3], "lines[1].unit_price_idr", "price_"), Some("price_3".into()));
        assert_eq!(line_field(&[2], "lines[4].quantity", "ship_"), None);
        assert_eq!(line_field(&[2], "reason", "ship_"), None);
    }
}
