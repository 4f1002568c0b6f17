//! `GET /health/live` (the process answers) and `GET /health/ready` (it can serve:
//! the database answers; with the search index's backlog).

use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;
use pasar_core::Code;
use serde::Serialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/health/live").route(web::get().to(live)))
        .service(web::resource("/health/ready").route(web::get().to(ready)));
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
    /// `postgres` or `sqlite`, on readiness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
    /// On readiness: how far the search index lags behind the database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchHealth>,
    pub version: &'static str,
}

/// The search index's backlog. Search can lag (an engine outage) while the service is
/// ready: writes go on and the index catches up, so this informs and never fails.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchHealth {
    /// `embedded` or `meilisearch`.
    pub engine: &'static str,
    /// Products and vendors whose changes the index has not taken yet.
    pub queued: i64,
    /// The age of the oldest of them, in seconds.
    pub oldest_secs: i64,
}

/// Liveness: the process is up.
#[utoipa::path(get, path = "/health/live", tag = "health", responses((status = 200, body = Health)))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok", database: None, search: None, version: env!("CARGO_PKG_VERSION") })
}

/// Readiness: the database answers a query.
#[utoipa::path(get, path = "/health/ready", tag = "health", responses(
    (status = 200, body = Health),
    (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json"),
))]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pool = state.pool.clone();
    let now = state.now();
    let (backend, (queued, oldest_secs)) = web::block(move || {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        conn.batch_execute("SELECT 1").map_err(|e| e.to_string())?;
        let backlog = pasar_catalog::search_queue::backlog(&mut conn, now).map_err(|e| e.to_string())?;
        let backend = match conn.backend() {
            pasar_db::Backend::Postgres => "postgres",
            pasar_db::Backend::Sqlite => "sqlite",
        };
        Ok::<_, String>((backend, backlog))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        let mut err = ApiError::new(Code::Unavailable, "The database does not answer.");
        err.retry_after = Some(5);
        err
    })?;
    let search = Some(SearchHealth { engine: state.search.engine(), queued, oldest_secs });
    Ok(HttpResponse::Ok().json(Health {
        status: "ok",
        database: Some(backend),
        search,
        version: env!("CARGO_PKG_VERSION"),
    }))
}
