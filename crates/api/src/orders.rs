//! `/api/v1/cart`, `/api/v1/checkout`, `/api/v1/orders/*`, `/api/v1/satkers/{id}/budgets`:
//! e-purchasing. The rules live in `pasar_order`; see `docs/ORDERS.md`.

use crate::extract::{one_of, path_id, query, ApiJson, AuthUser, MaybeAuthUser, PageParams};
use crate::idempotency::{self, Idempotent};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use pasar_core::id::OrganizationId;
use pasar_order::cart::{self, BudgetInput, BudgetView, CartView, CheckoutInput, CheckoutView};
use pasar_order::flow::{
    self, AddendumInput, BastInput, NegotiationInput, RatingInput, ReasonInput, ReceiptInput, ShipmentInput,
};
use pasar_order::model::OrderState;
use pasar_order::view::{self, ListQuery, OrderSummary, OrderView};
use pasar_order::OrderError;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/cart").route(web::get().to(get_cart)))
        .service(
            web::resource("/cart/lines/{product_id}")
                .route(web::put().to(put_cart_line))
                .route(web::delete().to(delete_cart_line)),
        )
        .service(web::resource("/checkout").route(web::post().to(checkout)))
        .service(
            web::resource("/satkers/{id}/budgets").route(web::get().to(get_budgets)).route(web::put().to(put_budgets)),
        )
        .service(web::resource("/orders").route(web::get().to(list_orders)))
        .service(web::resource("/orders/{id}").route(web::get().to(get_order)))
        .service(web::resource("/orders/{id}/negotiation").route(web::post().to(negotiate)))
        .service(web::resource("/orders/{id}/approve").route(web::post().to(approve)))
        .service(web::resource("/orders/{id}/reject").route(web::post().to(reject)))
        .service(web::resource("/orders/{id}/cancel").route(web::post().to(cancel)))
        .service(web::resource("/orders/{id}/accept").route(web::post().to(accept)))
        .service(web::resource("/orders/{id}/decline").route(web::post().to(decline)))
        .service(web::resource("/orders/{id}/shipments").route(web::post().to(ship)))
        .service(web::resource("/orders/{id}/receipt").route(web::post().to(receive)))
        .service(web::resource("/orders/{id}/bast").route(web::post().to(sign_bast)))
        .service(web::resource("/orders/{id}/bast/countersign").route(web::post().to(countersign_bast)))
        .service(web::resource("/orders/{id}/invoice").route(web::get().to(invoice)))
        .service(web::resource("/orders/{id}/addenda").route(web::post().to(propose_addendum)))
        .service(web::resource("/orders/{id}/addenda/{version}/accept").route(web::post().to(accept_addendum)))
        .service(web::resource("/orders/{id}/addenda/{version}/reject").route(web::post().to(reject_addendum)))
        .service(web::resource("/orders/{id}/rating").route(web::post().to(rate)))
        .service(web::resource("/vendors/{id}/rating").route(web::get().to(vendor_rating)));
}

fn order_id(raw: &str) -> Result<String, ApiError> {
    Ok(path_id::<uuid::Uuid>(raw, "order")?.to_string())
}

/// The caller's cart (a satker's PP or PPK): every line with its current price and
/// stock and whether it can still be bought.
#[utoipa::path(get, path = "/api/v1/cart", tag = "orders", security(("bearer" = [])),
    responses((status = 200, body = CartView), (status = 403, description = "Not a PP or PPK", body = Problem, content_type = "application/problem+json")))]
pub async fn get_cart(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let (st, now) = (state.clone(), state.now());
    let cart = state.run(move |conn| cart::get_cart(conn, &st.orders, now, &actor)).await?;
    Ok(HttpResponse::Ok().json(cart))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartLineRequest {
    /// At least the product's minimum order.
    #[schema(minimum = 1, maximum = 1000000)]
    pub quantity: i64,
}

/// Put a product in the cart with this quantity (replacing the line's quantity).
#[utoipa::path(put, path = "/api/v1/cart/lines/{product_id}", tag = "orders", security(("bearer" = [])), request_body = CartLineRequest,
    params(("product_id" = uuid::Uuid, Path, description = "Product id")),
    responses((status = 200, body = CartView), (status = 403, description = "Not a PP or PPK", body = Problem, content_type = "application/problem+json")))]
pub async fn put_cart_line(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<CartLineRequest>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(b)) = (user, body);
    let product = path_id::<uuid::Uuid>(&id, "product")?.to_string();
    let (st, now) = (state.clone(), state.now());
    let cart = state.run(move |conn| cart::put_cart_line(conn, &st.orders, now, &actor, &product, b.quantity)).await?;
    Ok(HttpResponse::Ok().json(cart))
}

/// Take a product out of the cart.
#[utoipa::path(delete, path = "/api/v1/cart/lines/{product_id}", tag = "orders", security(("bearer" = [])),
    params(("product_id" = uuid::Uuid, Path, description = "Product id")),
    responses((status = 200, body = CartView), (status = 403, description = "Not a PP or PPK", body = Problem, content_type = "application/problem+json")))]
pub async fn delete_cart_line(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let product = path_id::<uuid::Uuid>(&id, "product")?.to_string();
    let (st, now) = (state.clone(), state.now());
    let cart = state.run(move |conn| cart::delete_cart_line(conn, &st.orders, now, &actor, &product)).await?;
    Ok(HttpResponse::Ok().json(cart))
}

/// Check out the whole cart: one order per vendor, in one transaction, at each
/// product's HST, with the stock reserved. An `Idempotency-Key` is required.
#[utoipa::path(post, path = "/api/v1/checkout", tag = "orders", security(("bearer" = [])), request_body = CheckoutInput,
    params(("Idempotency-Key" = String, Header, min_length = 1, max_length = 255, pattern = "^[A-Za-z0-9_.:~+/=-]+$",
        description = "Required: 1–255 letters, digits or `-_.:~+/=` (a UUID is fine), new for each checkout. \
                       Sending the same request again returns the first answer instead of ordering twice.")),
    responses(
        (status = 201, body = CheckoutView, headers(("Idempotency-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same key"))),
        (status = 400, description = "`Idempotency-Key` missing or malformed (`invalid_header`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a PP or PPK; or `ceiling_exceeded`: an order above the PP's ceiling", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`insufficient_stock` naming the line; `budget_exceeded` with what remains; an empty cart (`invalid_state`); `idempotency_key_in_progress`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn checkout(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Idempotent<CheckoutInput>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), Idempotent { idempotency, body: input }) = (user, body);
    let idempotency = idempotency.required()?;
    let (st, now, who) = (state.clone(), state.now(), actor.clone());
    idempotency
        .run(&state, &who, move |conn| {
            let view = cart::checkout(conn, &st.orders, now, &actor, input)?;
            idempotency::json_reply(StatusCode::CREATED, &view)
        })
        .await
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BudgetQuery {
    /// Only this fiscal year.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2200)]
    pub fiscal_year: Option<String>,
}

/// The satker's budgets (pagu) per budget line and fiscal year, with what its orders
/// commit against each (the satker's PP, PPK and bendahara, administrators, auditors).
#[utoipa::path(get, path = "/api/v1/satkers/{id}/budgets", tag = "orders", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Satker id"), BudgetQuery),
    responses((status = 200, body = Vec<BudgetView>)))]
pub async fn get_budgets(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let satker = path_id::<OrganizationId>(&id, "satker")?.to_string();
    let q: BudgetQuery = query(&req)?;
    let year = match q.fiscal_year.as_deref() {
        None => None,
        Some(s) => match s.parse::<i32>() {
            Ok(y) if (2000..=2200).contains(&y) => Some(y),
            _ => return Err(ApiError::invalid_query("fiscal_year", "must be a year between 2000 and 2200")),
        },
    };
    let list = state.run(move |conn| cart::budgets(conn, &actor, &satker, year)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Set budget lines of one fiscal year (an administrator or the satker's PPK). Lines
/// not named stay as they are; a budget cannot go below what is already committed.
#[utoipa::path(put, path = "/api/v1/satkers/{id}/budgets", tag = "orders", security(("bearer" = [])), request_body = BudgetInput,
    params(("id" = uuid::Uuid, Path, description = "Satker id")),
    responses((status = 200, body = Vec<BudgetView>), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn put_budgets(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<BudgetInput>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(input)) = (user, body);
    let satker = path_id::<OrganizationId>(&id, "satker")?.to_string();
    let now = state.now();
    let list = state.run(move |conn| cart::put_budgets(conn, now, &actor, &satker, input)).await?;
    Ok(HttpResponse::Ok().json(list))
}

fn order_states() -> utoipa::openapi::Object {
    one_of(&OrderState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderListQuery {
    #[param(schema_with = order_states)]
    pub state: Option<String>,
    #[param(value_type = Option<uuid::Uuid>)]
    pub vendor_id: Option<String>,
    #[param(value_type = Option<uuid::Uuid>)]
    pub satker_id: Option<String>,
    /// Created on or after this day (`YYYY-MM-DD`, the marketplace's time zone).
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    /// Created on or before this day.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// A page of orders (for the OpenAPI document).
#[derive(ToSchema)]
pub struct OrderPage {
    pub items: Vec<OrderSummary>,
    pub next_cursor: Option<String>,
}

/// Orders, newest first: a satker's PP, PPK and bendahara see the satker's, a vendor
/// its own, administrators and auditors all.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", security(("bearer" = [])),
    params(OrderListQuery),
    responses((status = 200, body = OrderPage), (status = 403, description = "A role that has no orders (a curator)", body = Problem, content_type = "application/problem+json")))]
pub async fn list_orders(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: OrderListQuery = query(&req)?;
    let page = PageParams { limit: q.limit, cursor: q.cursor }.parse()?;
    let id = |v: Option<String>, name: &str| -> Result<Option<String>, ApiError> {
        v.map(|s| {
            uuid::Uuid::parse_str(&s)
                .ok()
                .filter(|_| s.len() == 36)
                .map(|u| u.to_string())
                .ok_or_else(|| ApiError::invalid_query(name, "must be an id"))
        })
        .transpose()
    };
    let lq = ListQuery {
        state: q.state.map(|s| OrderState::parse(&s).map_err(|e| ApiError::invalid_query("state", e))).transpose()?,
        vendor_id: id(q.vendor_id, "vendor_id")?,
        satker_id: id(q.satker_id, "satker_id")?,
        from: crate::extract::query_date(q.from, "from")?,
        to: crate::extract::query_date(q.to, "to")?,
    };
    let st = state.clone();
    let page = state.run(move |conn| view::list_orders(conn, &st.orders, &actor, lq, &page)).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// An order in full: lines with their frozen facts, negotiation, documents, shipments,
/// addenda and history (its satker's buyers and bendahara, its vendor, administrators,
/// auditors; not found for anyone else).
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    responses((status = 200, body = OrderView)))]
pub async fn get_order(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = order_id(&id)?;
    let order = state.run(move |conn| view::get_order(conn, &actor, &id)).await?;
    Ok(HttpResponse::Ok().json(order))
}

/// Runs one order action and answers with the order.
async fn act<F>(state: web::Data<AppState>, id: &str, f: F) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut pasar_db::DbConn, &AppState, &str) -> Result<OrderView, OrderError> + Send + 'static,
{
    let id = order_id(id)?;
    let st = state.clone();
    let order = state.run(move |conn| f(conn, &st, &id)).await?;
    Ok(HttpResponse::Ok().json(order))
}

macro_rules! order_action {
    ($(#[$doc:meta])* $name:ident, $path:literal, $body:ty, |$conn:ident, $st:ident, $actor:ident, $id:ident, $b:ident| $call:expr) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "orders", security(("bearer" = [])), request_body = $body,
            params(("id" = uuid::Uuid, Path, description = "Order id")),
            responses(
                (status = 200, body = OrderView),
                (status = 403, description = "The caller's seat at this order may not do this", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "`invalid_state` naming the order's state; `insufficient_stock`; `budget_exceeded`", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            state: web::Data<AppState>,
            user: AuthUser,
            id: web::Path<String>,
            body: ApiJson<$body>,
        ) -> Result<HttpResponse, ApiError> {
            let (AuthUser($actor), ApiJson($b)) = (user, body);
            act(state, &id, move |$conn, $st, $id| $call).await
        }
    };
}

/// An empty body (`{}`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

order_action!(
    /// A move in the price negotiation: the buyer offers, the vendor counters, either
    /// accepts the other's last proposal or ends it. Every round is kept.
    negotiate, "/api/v1/orders/{id}/negotiation", NegotiationInput,
    |conn, st, actor, id, b| flow::negotiate(conn, &st.orders, st.now(), &actor, id, b)
);
order_action!(
    /// The order's PPK approves and signs the Surat Pesanan (numbered per satker and
    /// year, its SHA-256 kept); the lines' facts are frozen.
    approve, "/api/v1/orders/{id}/approve", Empty,
    |conn, st, actor, id, _b| flow::approve(conn, &st.orders, st.now(), &actor, id)
);
order_action!(
    /// The order's PPK refuses it, with a reason; the stock goes back.
    reject, "/api/v1/orders/{id}/reject", ReasonInput,
    |conn, st, actor, id, b| flow::reject(conn, st.now(), &actor, id, b)
);
order_action!(
    /// The buyer withdraws the order before the Surat Pesanan, with a reason; the stock goes back.
    cancel, "/api/v1/orders/{id}/cancel", ReasonInput,
    |conn, st, actor, id, b| flow::cancel(conn, st.now(), &actor, id, b)
);
order_action!(
    /// The vendor accepts, countersigning the Surat Pesanan.
    accept, "/api/v1/orders/{id}/accept", Empty,
    |conn, st, actor, id, _b| flow::accept(conn, st.now(), &actor, id)
);
order_action!(
    /// The vendor declines the Surat Pesanan, with a reason; the stock goes back.
    decline, "/api/v1/orders/{id}/decline", ReasonInput,
    |conn, st, actor, id, b| flow::decline(conn, st.now(), &actor, id, b)
);
order_action!(
    /// The vendor records a shipment (partial shipments allowed).
    ship, "/api/v1/orders/{id}/shipments", ShipmentInput,
    |conn, st, actor, id, b| flow::ship(conn, st.now(), &actor, id, b)
);
order_action!(
    /// The order's PPK records the inspection of every line: quantity accepted,
    /// condition, notes. Only accepted units are billed.
    receive, "/api/v1/orders/{id}/receipt", ReceiptInput,
    |conn, st, actor, id, b| flow::receive(conn, st.now(), &actor, id, b)
);
order_action!(
    /// The order's PPK signs the BAST with the satker's own BAST number.
    sign_bast, "/api/v1/orders/{id}/bast", BastInput,
    |conn, st, actor, id, b| flow::sign_bast(conn, &st.orders, st.now(), &actor, id, b)
);
order_action!(
    /// The vendor countersigns the BAST; the invoice is issued with its own number.
    countersign_bast, "/api/v1/orders/{id}/bast/countersign", Empty,
    |conn, st, actor, id, _b| flow::countersign_bast(conn, &st.orders, st.now(), &actor, id)
);
order_action!(
    /// The order's PPK proposes an addendum (quantities, prices up to the HST, the
    /// delivery date); the vendor accepts or rejects it.
    propose_addendum, "/api/v1/orders/{id}/addenda", AddendumInput,
    |conn, st, actor, id, b| flow::propose_addendum(conn, &st.orders, st.now(), &actor, id, b)
);
order_action!(
    /// The order's PPK rates the vendor (1–5), once the goods are accepted and invoiced.
    rate, "/api/v1/orders/{id}/rating", RatingInput,
    |conn, st, actor, id, b| flow::rate(conn, st.now(), &actor, id, b)
);

/// The vendor accepts the pending addendum; quantities, prices and stock follow.
#[utoipa::path(post, path = "/api/v1/orders/{id}/addenda/{version}/accept", tag = "orders", security(("bearer" = [])), request_body = Empty,
    params(("id" = uuid::Uuid, Path, description = "Order id"), ("version" = i32, Path, minimum = 2, maximum = 10000, description = "Addendum version")),
    responses((status = 200, body = OrderView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn accept_addendum(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
    _body: ApiJson<Empty>,
) -> Result<HttpResponse, ApiError> {
    decide_addendum(state, user, path, true).await
}

/// The vendor rejects the pending addendum; the order stays as it was.
#[utoipa::path(post, path = "/api/v1/orders/{id}/addenda/{version}/reject", tag = "orders", security(("bearer" = [])), request_body = Empty,
    params(("id" = uuid::Uuid, Path, description = "Order id"), ("version" = i32, Path, minimum = 2, maximum = 10000, description = "Addendum version")),
    responses((status = 200, body = OrderView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn reject_addendum(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
    _body: ApiJson<Empty>,
) -> Result<HttpResponse, ApiError> {
    decide_addendum(state, user, path, false).await
}

async fn decide_addendum(
    state: web::Data<AppState>,
    AuthUser(actor): AuthUser,
    path: web::Path<(String, String)>,
    accept: bool,
) -> Result<HttpResponse, ApiError> {
    let (id, version) = path.into_inner();
    let version = version
        .parse::<i32>()
        .ok()
        .filter(|v| (2..=10_000).contains(v))
        .ok_or_else(|| ApiError::not_found("No such addendum."))?;
    act(state, &id, move |conn, st, id| {
        flow::decide_addendum(conn, st.now(), st.orders.time_zone(), &actor, id, version, accept)
    })
    .await
}

/// The order's invoice: lines × agreed prices, PPN, PPh 22, what the bendahara pays and
/// what the vendor receives (whoever may see the order; 404 before the BAST is countersigned).
#[utoipa::path(get, path = "/api/v1/orders/{id}/invoice", tag = "orders", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    responses((status = 200, body = Object)))]
pub async fn invoice(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = order_id(&id)?;
    let invoice = state.run(move |conn| flow::invoice(conn, &actor, &id)).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(invoice))
}

/// What PPKs said of a vendor after its orders: the average, the count and the latest
/// ratings (anyone who may see the vendor's profile).
#[utoipa::path(get, path = "/api/v1/vendors/{id}/rating", tag = "vendors", security((), ("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Vendor id")),
    responses((status = 200, body = flow::VendorRating)))]
pub async fn vendor_rating(
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let MaybeAuthUser(actor) = user;
    let id = path_id::<OrganizationId>(&id, "vendor")?.to_string();
    let st = state.clone();
    let rating = state
        .run(move |conn| {
            pasar_vendor_onboarding::service::get_vendor(conn, &st.vendors, actor.as_ref(), &id)?;
            flow::vendor_rating(conn, &id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rating))
}
