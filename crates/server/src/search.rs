//! The search engine and the worker that keeps it in step with the database.
//!
//! The worker applies the search queue (written by every product and vendor change in
//! its own transaction). While the engine is unreachable it keeps retrying with
//! back-off; nothing is lost, because the queue is in the database. At start, an empty
//! index over a database with published products (a new engine, a wiped folder) is
//! rebuilt.

use crate::config::Config;
use crate::worker::Worker;
use anyhow::Context;
use pasar_catalog::search::embedded::Embedded;
use pasar_catalog::search::meili::Meili;
use pasar_catalog::search::{sync, SearchIndex};
use pasar_core::clock::local_date;
use pasar_core::clock::SharedClock;
use pasar_db::DbPool;
use pasar_vendor_onboarding::service::VendorSettings;
use std::sync::Arc;
use std::time::Duration;

/// The engine the configuration names: Meilisearch when `search.meilisearch_url` is set,
/// else the embedded index under `search.dir`.
pub fn open_index(config: &Config) -> anyhow::Result<Arc<dyn SearchIndex>> {
    let s = &config.search;
    if s.meilisearch_url.is_empty() {
        let dir = config.search_dir();
        let index = Embedded::open(&dir).with_context(|| format!("opening the search index in {}", dir.display()))?;
        Ok(Arc::new(index))
    } else {
        let key = Some(s.meilisearch_api_key.as_str()).filter(|k| !k.is_empty());
        Ok(Arc::new(Meili::new(&s.meilisearch_url, key, &s.meilisearch_index).context("search.meilisearch_url")?))
    }
}

/// The index the worker thread uses. Meilisearch gets a client of its own: an HTTP
/// client's pooled connections are driven by the runtime that opened them, and the
/// worker's runtime only runs while the worker works, so a connection it opened and
/// the API then reused would hang. The embedded engine is shared (one writer per
/// process).
pub fn worker_index(config: &Config, shared: Arc<dyn SearchIndex>) -> anyhow::Result<Arc<dyn SearchIndex>> {
    if config.search.meilisearch_url.is_empty() {
        Ok(shared)
    } else {
        open_index(config)
    }
}

pub fn describe(config: &Config) -> String {
    if config.search.meilisearch_url.is_empty() {
        format!("embedded, index in {}", config.search_dir().display())
    } else {
        format!("Meilisearch at {} (index {})", config.search.meilisearch_url, config.search.meilisearch_index)
    }
}

/// Starts the search worker, on a thread with its own async runtime (the engines'
/// clients are async).
pub fn start(
    pool: DbPool,
    clock: SharedClock,
    vendors: Arc<VendorSettings>,
    index: Arc<dyn SearchIndex>,
    poll: Duration,
) -> anyhow::Result<Worker> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut state = Indexer { pool, clock, vendors, index, ready: false, failing: false, swept: None, tidied: None };
    Ok(Worker::spawn("pasar-search", poll, move || runtime.block_on(state.round())))
}

struct Indexer {
    pool: DbPool,
    clock: SharedClock,
    vendors: Arc<VendorSettings>,
    index: Arc<dyn SearchIndex>,
    /// Settings applied and the index checked since start.
    ready: bool,
    /// Whether the last round failed (to log a change of state once, not every round).
    failing: bool,
    /// The day lapsed TKDN certificates were last looked for.
    swept: Option<chrono::NaiveDate>,
    /// When abandoned product imports were last looked for.
    tidied: Option<std::time::Instant>,
}

/// How often the worker looks for product imports whose process died.
const TIDY_EVERY: Duration = Duration::from_secs(600);

impl Indexer {
    /// One round; `true` if there may be more to do at once.
    async fn round(&mut self) -> bool {
        let result = self.try_round().await;
        match (&result, self.failing) {
            (Err(e), false) => tracing::warn!(error = %e, "search index update failed; will retry"),
            (Ok(_), true) => tracing::info!("search index reachable again; catching up"),
            _ => {}
        }
        self.failing = result.is_err();
        result.unwrap_or(false)
    }

    async fn try_round(&mut self) -> anyhow::Result<bool> {
        let mut conn = self.pool.get()?;
        if !self.ready {
            self.index.prepare().await?;
            let visible = pasar_catalog::search::sync::count_visible(&mut conn)?;
            if visible > 0 && self.index.count().await? == 0 {
                tracing::info!(
                    products = visible,
                    engine = self.index.engine(),
                    "search index is empty; rebuilding it"
                );
                let n =
                    sync::rebuild(&mut conn, &self.vendors, self.index.as_ref(), self.clock.now(), &|_, _| {}).await?;
                tracing::info!(documents = n, "search index rebuilt");
            }
            self.ready = true;
        }
        let now = self.clock.now();
        let today = local_date(now, self.vendors.time_zone);
        if self.swept != Some(today) {
            let n = sync::queue_lapsed_certificates(&mut conn, now, self.vendors.time_zone)?;
            if n > 0 {
                tracing::info!(products = n, "TKDN certificates lapsed; queued for the search index");
            }
            self.swept = Some(today);
        }
        if self.tidied.is_none_or(|t| t.elapsed() >= TIDY_EVERY) {
            // Out of sight, but they take room: an import whose process died.
            let n = pasar_catalog::service::discard_abandoned_imports(&mut conn, now)?;
            if n > 0 {
                tracing::info!(imports = n, "removed abandoned product imports");
            }
            self.tidied = Some(std::time::Instant::now());
        }
        let n = sync::apply_due(&mut conn, &self.vendors, self.index.as_ref(), now).await?;
        Ok(n > 0)
    }
}
