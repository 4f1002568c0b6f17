//! Payment by virtual account. `/api/v1/orders/{id}/virtual-account`: the bendahara asks
//! for a VA, whoever may see the order reads it. `/v1.0/…`: the bank's SNAP calls, on a
//! scope of their own, answered with SNAP `responseCode`s (never problem documents) and
//! verified before their bodies are read. The rules live in `pasar_payment_virtual_account`.

use crate::extract::{path_id, AuthUser};
use crate::orders::Empty;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use pasar_payment_virtual_account::model::VaView;
use pasar_payment_virtual_account::service::{self, CallHeaders, SnapReply, TokenHeaders};
use pasar_payment_virtual_account::snap::{self, INQUIRY, PAYMENT, STATUS};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/orders/{id}/virtual-account")
            .route(web::post().to(issue_virtual_account))
            .route(web::get().to(get_virtual_account)),
    );
}

/// The bank-facing SNAP endpoints, mounted at `/v1.0` outside `/api/v1`.
pub fn configure_bank(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/access-token/b2b").route(web::post().to(access_token)))
        .service(web::resource("/transfer-va/inquiry").route(web::post().to(inquiry)))
        .service(web::resource("/transfer-va/payment").route(web::post().to(payment)))
        .service(web::resource("/transfer-va/status").route(web::post().to(status)));
}

/// Whether a response belongs to the bank-facing scope (left as it is by the problem
/// fallback).
pub fn is_bank_path(path: &str) -> bool {
    path.starts_with("/v1.0/")
}

/// Ask for payment of the order's invoice (the satker's bendahara only): a closed-amount
/// virtual account for the invoice's `payable`, valid until the end of the next working
/// day; the order moves to `awaiting_payment`. Once that VA has expired, asking again
/// issues a new one (the old number then answers "expired").
#[utoipa::path(post, path = "/api/v1/orders/{id}/virtual-account", tag = "orders", security(("bearer" = [])), request_body = Empty,
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    responses(
        (status = 201, body = VaView),
        (status = 403, description = "Not the satker's bendahara", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state`: not invoiced, already paid, or a live VA exists", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn issue_virtual_account(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    _body: crate::extract::ApiJson<Empty>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = path_id::<uuid::Uuid>(&id, "order")?.to_string();
    let (st, now) = (state.clone(), state.now());
    let va = state.run(move |conn| service::issue(conn, &st.payments, now, &actor, &id)).await?;
    Ok(HttpResponse::Created().insert_header((header::CACHE_CONTROL, "no-store")).json(va))
}

/// The invoice's virtual account (the newest): number, amount, expiry and state
/// (`active`, `expired`, `paid`, `replaced`), for whoever may see the order.
#[utoipa::path(get, path = "/api/v1/orders/{id}/virtual-account", tag = "orders", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    responses((status = 200, body = VaView), (status = 404, description = "No such order, or no VA yet", body = Problem, content_type = "application/problem+json")))]
pub async fn get_virtual_account(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = path_id::<uuid::Uuid>(&id, "order")?.to_string();
    let now = state.now();
    let va = state.run(move |conn| service::current(conn, now, &actor, &id)).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(va))
}

fn header_of<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn snap_response(reply: SnapReply, now: chrono::DateTime<chrono::Utc>, zone: pasar_core::Zone) -> HttpResponse {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let stamp = snap::timestamp(now, zone);
    HttpResponse::build(status)
        .insert_header(("x-timestamp", stamp))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(reply.body)
}

async fn access_token(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let now = state.now();
    let headers = TokenHeaders {
        timestamp: header_of(&req, "x-timestamp"),
        client_key: header_of(&req, "x-client-key"),
        signature: header_of(&req, "x-signature"),
    };
    let reply = service::access_token(&state.payments, now, &headers, &body);
    snap_response(reply, now, state.payments.zone)
}

async fn call(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes, service: u8) -> HttpResponse {
    let now = state.now();
    let zone = state.payments.zone;
    let path = match req.uri().query() {
        Some(q) => format!("{}?{q}", req.path()),
        None => req.path().to_owned(),
    };
    let headers = CallHeaders {
        authorization: header_of(&req, "authorization"),
        timestamp: header_of(&req, "x-timestamp"),
        signature: header_of(&req, "x-signature"),
        partner_id: header_of(&req, "x-partner-id"),
        external_id: header_of(&req, "x-external-id"),
        channel_id: header_of(&req, "channel-id"),
    };
    let verified =
        match service::verify_call(&state.payments, now, service, req.method().as_str(), &path, &headers, &body) {
            Ok(v) => v,
            Err(reply) => return snap_response(reply, now, zone),
        };
    let st = state.clone();
    let reply = state
        .run(move |conn| {
            Ok::<_, pasar_payment_virtual_account::PaymentError>(service::handle(
                conn,
                &st.payments,
                now,
                &verified,
                &path,
                &body,
            ))
        })
        .await
        .unwrap_or_else(|_| SnapReply::internal(service));
    snap_response(reply, now, zone)
}

async fn inquiry(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    call(state, req, body, INQUIRY).await
}

async fn payment(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    call(state, req, body, PAYMENT).await
}

async fn status(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    call(state, req, body, STATUS).await
}
