use crate::problem::ApiError;
use actix_web::web;
use pasar_auth::{AuthSettings, JwtKeys};
use pasar_core::clock::SharedClock;
use pasar_core::ErrorCode;
use pasar_db::{DbConn, DbError, DbPool};
use std::sync::Arc;

/// Request-size limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest JSON body accepted, in bytes.
    pub json_bytes: usize,
    /// Largest uploaded file, in bytes.
    pub upload_bytes: usize,
    /// Most rows of one CSV product import.
    pub import_rows: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { json_bytes: 1 << 20, upload_bytes: 10 << 20, import_rows: 20_000 }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub keys: JwtKeys,
    pub auth: Arc<AuthSettings>,
    pub vendors: Arc<pasar_vendor_onboarding::service::VendorSettings>,
    /// Buying rules: ceilings, deadlines, tax.
    pub orders: Arc<pasar_order::OrderSettings>,
    /// Payment by virtual account: VA numbers and the bank's SNAP credentials.
    pub payments: Arc<pasar_payment_virtual_account::PaymentSettings>,
    /// P3DN targets and the rest of `[reports]`.
    pub reports: Arc<pasar_report::ReportSettings>,
    /// Uploaded files.
    pub files: Arc<dyn pasar_core::storage::FileStore>,
    pub clock: SharedClock,
    pub limits: Limits,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy you run).
    pub trust_forwarded_for: bool,
    /// The product search engine.
    pub search: Arc<dyn pasar_catalog::search::SearchIndex>,
    /// How long an `Idempotency-Key` and its answer are kept.
    pub idempotency_ttl: chrono::TimeDelta,
    /// The open-contracting feed: ocid prefix, publisher, license, public URL.
    pub ocds: Arc<pasar_report::ocds::OcdsSettings>,
}

impl AppState {
    /// Runs `f` with a pooled connection on the blocking thread pool, so that diesel
    /// (synchronous) never stalls the async workers.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: ErrorCode + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || -> Result<T, ApiError> {
            let mut conn = pool.get().map_err(|e| ApiError::from(DbError::Pool(e)))?;
            f(&mut conn).map_err(ApiError::from)
        })
        .await
        .map_err(|e| ApiError::internal(format!("blocking task failed: {e}")))?
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
