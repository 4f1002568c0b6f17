//! Payment by virtual account. `/api/v1/orders/{id}/virtual-account`: the bendahara asks
//! for a VA, whoever may see the order reads it. `/api/v1/reconciliations`: the bank's
//! daily statements compared with Pasar's payments. `/v1.0/…`: the bank's SNAP calls, on
//! a scope of their own, answered with SNAP `responseCode`s (never problem documents) and
//! verified before their bodies are read. The rules live in `pasar_payment_virtual_account`.

use crate::extract::{path_id, query, query_date, AuthUser, PageParams};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use pasar_payment_virtual_account::model::VaView;
use pasar_payment_virtual_account::reconcile::{self, Reconciler, Report, ReportSummary};
use pasar_payment_virtual_account::service::{self, CallHeaders, SnapReply, TokenHeaders};
use pasar_payment_virtual_account::snap::{self, INQUIRY, PAYMENT, STATUS};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/orders/{id}/virtual-account")
            .route(web::post().to(issue_virtual_account))
            .route(web::get().to(get_virtual_account)),
    )
    .service(
        web::resource("/reconciliations")
            .route(web::post().to(create_reconciliation))
            .route(web::get().to(list_reconciliations)),
    )
    .service(web::resource("/reconciliations/{id}").route(web::get().to(get_reconciliation)));
}

/// Which bank collects the payment.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueVa {
    /// The bank's code (`payments.banks[].code`); the first configured bank when absent.
    #[serde(default)]
    pub bank: Option<String>,
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
/// virtual account at the chosen bank for the invoice's `payable`, valid until the end
/// of the next working day; the order moves to `awaiting_payment`. Once that VA has
/// expired, asking again issues a new one (the old number then answers "expired").
#[utoipa::path(post, path = "/api/v1/orders/{id}/virtual-account", tag = "orders", security(("bearer" = [])), request_body = IssueVa,
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    responses(
        (status = 201, body = VaView),
        (status = 403, description = "Not the satker's bendahara", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state`: not invoiced, already paid, or a live VA exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such bank (`bank`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn issue_virtual_account(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: crate::extract::ApiJson<IssueVa>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = path_id::<uuid::Uuid>(&id, "order")?.to_string();
    let (st, now) = (state.clone(), state.now());
    let bank = body.0.bank;
    let va = state.run(move |conn| service::issue(conn, &st.payments, now, &actor, &id, bank.as_deref())).await?;
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
    let (st, now) = (state.clone(), state.now());
    let va = state.run(move |conn| service::current(conn, &st.payments, now, &actor, &id)).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(va))
}

/// The statement's bank and, optionally, its days.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReconcileQuery {
    /// The bank's code (`payments.banks[].code`).
    #[param(required = true, pattern = "^[a-z0-9-]{1,32}$")]
    pub bank: Option<String>,
    /// The statement's first day (marketplace time zone); the first day of its rows when absent.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    /// The statement's last day; the last day of its rows when absent.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
}

/// A page of reconciliations (for the OpenAPI document).
#[derive(ToSchema)]
pub struct ReconciliationPage {
    pub items: Vec<ReportSummary>,
    pub next_cursor: Option<String>,
}

/// Reconcile a bank's daily statement (administrators). The body is the statement as
/// CSV with a header row: `va_number`, `amount` (`1250000` or `1250000.00`), `paid_at`
/// (RFC 3339, or `YYYY-MM-DD HH:MM:SS` in the marketplace's zone), optional
/// `bank_reference`. The report says, per day, which payments match, which the bank
/// reports but Pasar does not know or has not recorded as paid, which Pasar recorded but
/// the bank does not report, and which amounts differ. Nothing is changed; the report is
/// kept, with an audit entry. Bad rows are named `rows[N].column`.
#[utoipa::path(post, path = "/api/v1/reconciliations", tag = "orders", security(("bearer" = [])),
    params(ReconcileQuery),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 201, body = Report),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such bank, or bad rows", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_reconciliation(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: ReconcileQuery = query(&req)?;
    let bank = q.bank.ok_or_else(|| ApiError::invalid_query("bank", "is required: the bank's code"))?;
    let (from, to) = (query_date(q.from, "from")?, query_date(q.to, "to")?);
    crate::extract::require_csv(&req)?;
    let body = crate::extract::read_limited(payload, state.limits.upload_bytes, Some("file")).await?;
    let (st, now) = (state.clone(), state.now());
    let report = state
        .run(move |conn| {
            let request = reconcile::Request { bank: &bank, from, to };
            reconcile::reconcile(conn, &st.payments, now, Reconciler::User(&actor), request, &body)
        })
        .await?;
    Ok(HttpResponse::Created().json(report))
}

/// The reconciliations, newest first, with their totals (administrators and auditors).
#[utoipa::path(get, path = "/api/v1/reconciliations", tag = "orders", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = ReconciliationPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_reconciliations(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let page = query::<PageParams>(&req)?.parse()?;
    let list = state.run(move |conn| reconcile::list(conn, &actor, &page)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// One reconciliation, day by day, with every line (administrators and auditors).
#[utoipa::path(get, path = "/api/v1/reconciliations/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Reconciliation id")),
    responses(
        (status = 200, body = Report),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_reconciliation(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = path_id::<uuid::Uuid>(&id, "reconciliation")?.to_string();
    let report = state.run(move |conn| reconcile::get(conn, &actor, &id)).await?;
    Ok(HttpResponse::Ok().json(report))
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
