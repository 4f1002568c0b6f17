//! `/api/v1/admin/*`: the operator's tools. The outbox: messages waiting, delivered or
//! given up on (dead letters), and sending a dead letter again.

use crate::extract::{path_id, query, AuthUser, PageParams};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use pasar_auth::outbox::{self, Operator, OutboxFilter, OutboxStatus, OutboxView};
use serde::Deserialize;
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/outbox").route(web::get().to(list_outbox)))
        .service(web::resource("/admin/outbox/{id}/retry").route(web::post().to(retry_outbox)));
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
