//! `/api/v1/admin/*`: the operator's tools. The outbox: messages waiting, delivered or
//! given up on (dead letters), and sending a dead letter again. The audit log: its
//! entries, filtered, and the verification of its hash chain.

use crate::extract::{path_id, query, AuthUser, PageParams};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use pasar_auth::audit::{self, AuditEntryView, AuditFilter};
use pasar_auth::outbox::{self, Operator, OutboxFilter, OutboxStatus, OutboxView};
use pasar_db::audit::Verification;
use serde::Deserialize;
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/outbox").route(web::get().to(list_outbox)))
        .service(web::resource("/admin/outbox/{id}/retry").route(web::post().to(retry_outbox)))
        .service(web::resource("/admin/audit").route(web::get().to(list_audit)))
        .service(web::resource("/admin/audit/verification").route(web::get().to(verify_audit)));
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `pending`, `sent` or `dead`.
    #[param(pattern = "^(pending|sent|dead)$")]
    pub status: Option<String>,
    /// Only messages of this kind (`mail`, …).
    #[param(pattern = "^[a-z_]{1,50}$")]
    pub kind: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// A page of outbox messages (for the OpenAPI document).
#[derive(ToSchema)]
pub struct OutboxPage {
    pub items: Vec<OutboxView>,
    pub next_cursor: Option<String>,
}

/// The outbox, oldest first (administrators and auditors): `?status=dead` lists the
/// dead letters, messages given up on after `outbox.max_attempts` failures or expired.
/// A message's content is never shown.
#[utoipa::path(get, path = "/api/v1/admin/outbox", tag = "admin", security(("bearer" = [])), params(OutboxQuery),
    responses(
        (status = 200, body = OutboxPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_outbox(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: OutboxQuery = query(&req)?;
    let page = PageParams { limit: q.limit, cursor: q.cursor }.parse()?;
    let status = match q.status.as_deref() {
        None => None,
        Some("pending") => Some(OutboxStatus::Pending),
        Some("sent") => Some(OutboxStatus::Sent),
        Some("dead") => Some(OutboxStatus::Dead),
        Some(_) => return Err(ApiError::invalid_query("status", "must be pending, sent or dead")),
    };
    let kind = match q.kind {
        None => None,
        Some(k) if (1..=50).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') => Some(k),
        Some(_) => return Err(ApiError::invalid_query("kind", "must be 1 to 50 lower-case letters or _")),
    };
    let filter = OutboxFilter { status, kind };
    let page = state.run(move |conn| outbox::list(conn, &actor, filter, &page)).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Send a dead letter again (administrators): back to pending, due now, its attempts
/// reset; recorded in the audit log. A dead letter whose content expired (a one-time
/// link in it is no longer valid) cannot be sent again: `409`.
#[utoipa::path(post, path = "/api/v1/admin/outbox/{id}/retry", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Outbox message id")),
    responses(
        (status = 200, body = OutboxView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a dead letter, or its content expired", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn retry_outbox(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id: uuid::Uuid = path_id(&id, "outbox message")?;
    let now = state.now();
    let view = state.run(move |conn| outbox::retry(conn, now, Operator::User(&actor), &id.to_string())).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries about this kind of entity (`order`, `organization`, …).
    pub entity_type: Option<String>,
    /// Only entries about this entity.
    pub entity_id: Option<String>,
    /// Only this action (`order.approve`, …).
    pub action: Option<String>,
    /// Only entries of this user.
    pub actor_id: Option<String>,
    /// From this day (marketplace time zone), included.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    /// Until this day, included.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// A page of audit entries (for the OpenAPI document).
#[derive(ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryView>,
    pub next_cursor: Option<String>,
}

/// The audit log, newest first (administrators and auditors), filtered by entity,
/// action, actor and days. Personal numbers are masked in every entry.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", security(("bearer" = [])), params(AuditQuery),
    responses(
        (status = 200, body = AuditPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad day, or `to` before `from`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_audit(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: AuditQuery = query(&req)?;
    let page = PageParams { limit: q.limit, cursor: q.cursor }.parse()?;
    // The pages send an empty date for "no limit"; a client of the API sends none.
    crate::extract::query_date(q.from.clone(), "from")?;
    crate::extract::query_date(q.to.clone(), "to")?;
    let filter = AuditFilter {
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        action: q.action,
        actor_id: q.actor_id,
        from: q.from,
        to: q.to,
    };
    let zone = state.vendors.time_zone;
    let page = state.run(move |conn| audit::list(conn, &actor, zone, filter, &page)).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Walks the whole hash chain of the audit log and says whether it holds, or names the
/// first broken entry (administrators and auditors).
#[utoipa::path(get, path = "/api/v1/admin/audit/verification", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, body = AuditVerification),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify_audit(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let report: Verification = state.run(move |conn| audit::verify(conn, &actor)).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The chain's verification (for the OpenAPI document).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AuditVerification {
    /// How many entries were checked.
    checked: u64,
    /// The first broken entry and why; `null` when the chain holds.
    first_broken: Option<BrokenLinkDoc>,
    /// Entries committed but not sealed into the chain yet (PostgreSQL, for a moment).
    unsealed: u64,
}

/// Where the chain breaks (for the OpenAPI document).
#[derive(ToSchema)]
#[schema(as = AuditBrokenLink)]
#[allow(dead_code)]
pub struct BrokenLinkDoc {
    seq: i64,
    reason: String,
}
