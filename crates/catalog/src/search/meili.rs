//! Meilisearch, the production search engine, through `meilisearch-sdk`. The index
//! settings are the code's, applied at start-up ([`SearchIndex::prepare`]): nobody
//! configures the engine by hand, and a new release brings its settings with it.

use super::{SearchDoc, SearchError, SearchIndex, SearchQuery, SearchResults, Sent, Sort, FACETS};
use async_trait::async_trait;
use meilisearch_sdk::client::Client;
use meilisearch_sdk::errors::Error as MeiliError;
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::{
    FacetingSettings, MinWordSizeForTypos, PaginationSetting, Settings, TypoToleranceSettings,
};
use meilisearch_sdk::task_info::TaskInfo;
use meilisearch_sdk::tasks::Task;
use std::collections::BTreeMap;
use std::time::Duration;

pub const SEARCHABLE: [&str; 4] = ["name", "brand", "vendor_name", "description"];
pub const FILTERABLE: [&str; 9] =
    ["category_id", "regions", "regency", "vendor_id", "umkk", "pdn_priority", "in_stock", "tkdn_bp", "unit_price_idr"];
pub const SORTABLE: [&str; 4] = ["unit_price_idr", "tkdn_bp", "published_at", "priority"];
/// An explicit sort first (a no-op without one), then Meilisearch's relevance, then the
/// purchasing priority and the newest among equally relevant products.
pub const RANKING: [&str; 8] =
    ["sort", "words", "typo", "proximity", "attribute", "exactness", "priority:asc", "published_at:desc"];

/// A Meilisearch index of the products.
pub struct Meili {
    client: Client,
    index: String,
    /// How long to wait for the engine to apply a write.
    task_timeout: Duration,
}

/// A task's uid, in the form the client's task calls take.
struct TaskUid(u32);

impl AsRef<u32> for TaskUid {
    fn as_ref(&self) -> &u32 {
        &self.0
    }
}

fn err(e: MeiliError) -> SearchError {
    match e {
        // Not created yet (the worker has not reached the engine since it started).
        MeiliError::Meilisearch(e) if e.error_code == meilisearch_sdk::errors::ErrorCode::IndexNotFound => {
            SearchError::Unavailable(e.to_string())
        }
        MeiliError::Meilisearch(e) => SearchError::Engine(e.to_string()),
        other => SearchError::Unavailable(other.to_string()),
    }
}

/// A filter value, quoted for Meilisearch's filter syntax.
fn quoted(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The filter expression for `q`: every condition must hold.
pub fn filter(q: &SearchQuery) -> String {
    let mut parts = Vec::new();
    if !q.categories.is_empty() {
        let list: Vec<String> = q.categories.iter().map(|c| quoted(c)).collect();
        parts.push(format!("category_id IN [{}]", list.join(", ")));
    }
    if let Some(r) = &q.region {
        parts.push(format!("regions = {}", quoted(r)));
    }
    if let Some(v) = &q.vendor_id {
        parts.push(format!("vendor_id = {}", quoted(v)));
    }
    for (name, value) in [("umkk", q.umkk), ("pdn_priority", q.pdn_priority), ("in_stock", q.in_stock)] {
        if let Some(v) = value {
            parts.push(format!("{name} = {v}"));
        }
    }
    if let Some(v) = q.min_tkdn_bp {
        parts.push(format!("tkdn_bp >= {v}"));
    }
    if let Some(v) = q.min_price {
        parts.push(format!("unit_price_idr >= {v}"));
    }
    if let Some(v) = q.max_price {
        parts.push(format!("unit_price_idr <= {v}"));
    }
    parts.join(" AND ")
}

impl Meili {
    pub fn new(url: &str, api_key: Option<&str>, index: &str) -> Result<Meili, SearchError> {
        let client = Client::new(url, api_key).map_err(err)?;
        Ok(Meili { client, index: index.to_owned(), task_timeout: Duration::from_secs(120) })
    }

    async fn wait(&self, task: Result<TaskInfo, MeiliError>) -> Result<(), SearchError> {
        let task = task
            .map_err(err)?
            .wait_for_completion(&self.client, Some(Duration::from_millis(20)), Some(self.task_timeout))
            .await
            .map_err(err)?;
        match task {
            Task::Failed { content } => Err(SearchError::Engine(content.error.to_string())),
            _ => Ok(()),
        }
    }

    fn settings() -> Settings {
        Settings::new()
            .with_searchable_attributes(SEARCHABLE)
            .with_filterable_attributes(FILTERABLE)
            .with_sortable_attributes(SORTABLE)
            .with_ranking_rules(RANKING)
            .with_typo_tolerance(TypoToleranceSettings {
                enabled: Some(true),
                disable_on_attributes: None,
                disable_on_words: None,
                // One typo from 4 letters ("kurs" finds "kursi"), two from 8.
                min_word_size_for_typos: Some(MinWordSizeForTypos { one_typo: Some(4), two_typos: Some(8) }),
            })
            // Exact totals however many products match.
            .with_pagination(PaginationSetting { max_total_hits: 1_000_000 })
            .with_faceting(FacetingSettings { max_values_per_facet: 1_000, sort_facet_values_by: None })
    }
}

#[async_trait]
impl SearchIndex for Meili {
    fn engine(&self) -> &'static str {
        "meilisearch"
    }

    async fn prepare(&self) -> Result<(), SearchError> {
        let index = self.client.index(&self.index);
        self.wait(index.set_settings(&Self::settings()).await).await
    }

    async fn apply(&self, upsert: Vec<SearchDoc>, delete: Vec<String>) -> Result<(), SearchError> {
        let sent = self.send(upsert, delete).await?;
        self.confirm(sent).await
    }

    /// Enqueues the deletions, then the additions, as tasks, without waiting for them:
    /// Meilisearch applies an index's tasks in the order they were enqueued, so batches
    /// sent one after another land in that order.
    async fn send(&self, upsert: Vec<SearchDoc>, delete: Vec<String>) -> Result<Sent, SearchError> {
        let index = self.client.index(&self.index);
        let mut sent = Sent::default();
        if !delete.is_empty() {
            sent.tasks.push(index.delete_documents(&delete).await.map_err(err)?.task_uid);
        }
        if !upsert.is_empty() {
            sent.tasks.push(index.add_or_replace(&upsert, Some("id")).await.map_err(err)?.task_uid);
        }
        Ok(sent)
    }

    async fn confirm(&self, sent: Sent) -> Result<(), SearchError> {
        for uid in sent.tasks {
            let task = self
                .client
                .wait_for_task(TaskUid(uid), Some(Duration::from_millis(20)), Some(self.task_timeout))
                .await
                .map_err(err)?;
            if let Task::Failed { content } = task {
                return Err(SearchError::Engine(content.error.to_string()));
            }
        }
        Ok(())
    }

    async fn clear(&self) -> Result<(), SearchError> {
        self.wait(self.client.index(&self.index).delete_all_documents().await).await
    }

    async fn count(&self) -> Result<u64, SearchError> {
        match self.client.index(&self.index).get_stats().await {
            Ok(stats) => Ok(stats.number_of_documents as u64),
            Err(MeiliError::Meilisearch(e)) if e.error_code == meilisearch_sdk::errors::ErrorCode::IndexNotFound => {
                Ok(0)
            }
            Err(e) => Err(err(e)),
        }
    }

    async fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let index = self.client.index(&self.index);
        let filter = filter(q);
        let sort: &[&str] = match q.sort {
            Sort::Relevance => &[],
            Sort::PriceAsc => &["unit_price_idr:asc"],
            Sort::PriceDesc => &["unit_price_idr:desc"],
            Sort::TkdnDesc => &["tkdn_bp:desc"],
            Sort::Newest => &["published_at:desc"],
        };
        let mut search = index.search();
        search
            .with_query(&q.text)
            .with_matching_strategy(MatchingStrategies::ALL)
            .with_facets(Selectors::Some(&FACETS))
            .with_page(q.page.max(1))
            .with_hits_per_page(q.per_page);
        if !filter.is_empty() {
            search.with_filter(&filter);
        }
        if !sort.is_empty() {
            search.with_sort(sort);
        }
        let res = search.execute::<SearchDoc>().await.map_err(err)?;
        let mut facets: BTreeMap<String, BTreeMap<String, u64>> =
            FACETS.iter().map(|f| (f.to_string(), BTreeMap::new())).collect();
        for (facet, values) in res.facet_distribution.unwrap_or_default() {
            let counts = facets.entry(facet).or_default();
            counts.extend(values.into_iter().filter(|(v, n)| !v.is_empty() && *n > 0).map(|(v, n)| (v, n as u64)));
        }
        Ok(SearchResults {
            hits: res.hits.into_iter().map(|h| h.result).collect(),
            total: res.total_hits.or(res.estimated_total_hits).unwrap_or(0) as u64,
            facets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_quoted_and_joined() {
        let q = SearchQuery {
            categories: vec!["a".into(), "b\"c".into()],
            region: Some("35.76".into()),
            umkk: Some(true),
            min_price: Some(10),
            max_price: Some(20),
            ..SearchQuery::default()
        };
        assert_eq!(
            filter(&q),
            r#"category_id IN ["a", "b\"c"] AND regions = "35.76" AND umkk = true AND unit_price_idr >= 10 AND unit_price_idr <= 20"#
        );
    }
}
