//! Product search: one [`SearchIndex`] trait, two engines that answer the same questions
//! the same way ([`embedded::Embedded`], tantivy on disk, the zero-setup default;
//! [`meili::Meili`], Meilisearch in production), and the glue that keeps an index in
//! step with the database ([`sync`]).
//!
//! The contract both engines keep:
//! - every word of the query must match a word of the name, brand, vendor name or
//!   description, with typos allowed (one from 4 letters, two from 8), the last word
//!   also as a prefix (search as you type);
//! - relevance ranks by how well the words match (exact before a typo, the name before
//!   the other fields); among equally relevant products, the better priority comes first
//!   (see [`SearchDoc::priority`]), then the newest;
//! - an explicit sort (price, TKDN, newest) comes before relevance;
//! - filters are exact; facet counts and the total count every match, not just a page.

pub mod embedded;
pub mod meili;
pub mod params;
pub mod sync;

use crate::model::{LocalContent, PriorityTier};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// What the index holds of a product: its approved (published) version, with the
/// vendor's facts, and the flags a buyer filters on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchDoc {
    pub id: String,
    pub vendor_id: String,
    pub vendor_name: String,
    pub name: String,
    pub brand: String,
    /// The first 300 characters of the description.
    pub description: String,
    pub category_id: String,
    /// The vendor's region code at every level (province, regency, district, village),
    /// so that a filter on a province finds its regencies' vendors.
    pub regions: Vec<String>,
    /// The vendor's regency (kabupaten/kota) code, or empty: the region facet.
    pub regency: String,
    pub unit: String,
    pub unit_price_idr: i64,
    pub min_order: i64,
    pub stock: i64,
    pub in_stock: bool,
    pub tkdn_bp: i64,
    pub bmp_bp: i64,
    pub pdn_priority: bool,
    pub tkdn_25: bool,
    pub priority_tier: PriorityTier,
    pub umkk: bool,
    pub local: bool,
    /// The purchasing priority as one number, lower first: the Perpres 46/2025 tier,
    /// then UMKK vendors, then local vendors (`tier * 4 + !umkk * 2 + !local`).
    pub priority: i64,
    /// Unix seconds of the first publication.
    pub published_at: i64,
    /// The cover photo's thumbnail, if any.
    pub thumbnail_url: Option<String>,
}

impl SearchDoc {
    pub fn priority_of(lc: &LocalContent, umkk: bool, local: bool) -> i64 {
        lc.tier() as i64 * 4 + i64::from(!umkk) * 2 + i64::from(!local)
    }
}

/// How the hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    /// Highest TKDN first.
    TkdnDesc,
    Newest,
}

impl Sort {
    pub const ALL: [(&'static str, Sort); 5] = [
        ("relevance", Sort::Relevance),
        ("price_asc", Sort::PriceAsc),
        ("price_desc", Sort::PriceDesc),
        ("tkdn_desc", Sort::TkdnDesc),
        ("newest", Sort::Newest),
    ];
}

/// A question to the index. Built and checked by [`params::parse`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    pub text: String,
    /// Any of these categories (a category and its descendants).
    pub categories: Vec<String>,
    /// Vendors in this region (at any level).
    pub region: Option<String>,
    pub vendor_id: Option<String>,
    pub umkk: Option<bool>,
    pub pdn_priority: Option<bool>,
    pub min_tkdn_bp: Option<i64>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub in_stock: Option<bool>,
    pub sort: Sort,
    /// From 1.
    pub page: usize,
    pub per_page: usize,
}

/// The facets counted over every match.
pub const FACETS: [&str; 4] = ["category_id", "regency", "umkk", "pdn_priority"];

/// An answer: one page of hits, the number of all matches, and the facet counts
/// (`facet → value → count`; booleans as `"true"`/`"false"`, values with no match
/// left out).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResults {
    pub hits: Vec<SearchDoc>,
    pub total: u64,
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The engine could not be reached or failed; retrying later may help.
    #[error("search engine unavailable: {0}")]
    Unavailable(String),
    /// The engine refused the request or answered nonsense.
    #[error("search engine error: {0}")]
    Engine(String),
}

/// Changes sent to an engine that applies them in the background: the engine's tasks to
/// wait for, in the order they were sent (empty: applied already).
#[derive(Debug, Default)]
pub struct Sent {
    pub tasks: Vec<u32>,
}

/// A search engine holding the published products.
#[async_trait]
pub trait SearchIndex: Send + Sync {
    /// `embedded` or `meilisearch`.
    fn engine(&self) -> &'static str;
    /// Applies the index settings (fields, filters, sorts, ranking); idempotent, run at
    /// start-up.
    async fn prepare(&self) -> Result<(), SearchError>;
    /// Adds or replaces these documents and removes the products `delete`, visibly for
    /// the next search once this returns.
    async fn apply(&self, upsert: Vec<SearchDoc>, delete: Vec<String>) -> Result<(), SearchError>;
    /// Sends these changes without waiting for the engine to apply them, for engines that
    /// apply writes in the background (Meilisearch); [`SearchIndex::confirm`] then waits
    /// for them. An engine that applies at once applies here.
    async fn send(&self, upsert: Vec<SearchDoc>, delete: Vec<String>) -> Result<Sent, SearchError> {
        self.apply(upsert, delete).await.map(|()| Sent::default())
    }
    /// Waits until changes given to [`SearchIndex::send`] are applied (visible to the next
    /// search), or says why they failed.
    async fn confirm(&self, sent: Sent) -> Result<(), SearchError> {
        let _ = sent;
        Ok(())
    }
    /// Removes every document.
    async fn clear(&self) -> Result<(), SearchError>;
    /// Tidies the index after a bulk load (the embedded engine merges its segments);
    /// engines that manage this themselves do nothing.
    async fn compact(&self) -> Result<(), SearchError> {
        Ok(())
    }
    /// How many documents the index holds.
    async fn count(&self) -> Result<u64, SearchError>;
    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError>;
}

/// An index that an operator (or a test) can take offline: while it is down every call
/// fails as if the engine could not be reached, which is how the queue's retry and
/// catch-up are proven on the embedded engine, where nothing can be unplugged.
pub struct Switchable {
    inner: Arc<dyn SearchIndex>,
    down: AtomicBool,
}

impl Switchable {
    pub fn new(inner: Arc<dyn SearchIndex>) -> Self {
        Switchable { inner, down: AtomicBool::new(false) }
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), SearchError> {
        if self.down.load(Ordering::SeqCst) {
            Err(SearchError::Unavailable("the search engine is stopped".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl SearchIndex for Switchable {
    fn engine(&self) -> &'static str {
        self.inner.engine()
    }
    async fn prepare(&self) -> Result<(), SearchError> {
        self.check()?;
        self.inner.prepare().await
    }
    async fn apply(&self, upsert: Vec<SearchDoc>, delete: Vec<String>) -> Result<(), SearchError> {
        self.check()?;
        self.inner.apply(upsert, delete).await
    }
    async fn send(&self, upsert: Vec<SearchDoc>, delete: Vec<String>) -> Result<Sent, SearchError> {
        self.check()?;
        self.inner.send(upsert, delete).await
    }
    async fn confirm(&self, sent: Sent) -> Result<(), SearchError> {
        self.check()?;
        self.inner.confirm(sent).await
    }
    async fn clear(&self) -> Result<(), SearchError> {
        self.check()?;
        self.inner.clear().await
    }
    async fn compact(&self) -> Result<(), SearchError> {
        self.check()?;
        self.inner.compact().await
    }
    async fn count(&self) -> Result<u64, SearchError> {
        self.check()?;
        self.inner.count().await
    }
    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        self.check()?;
        self.inner.search(query).await
    }
}

/// Why a hit ranks where it does, in words a buyer reads.
pub fn explain(doc: &SearchDoc) -> String {
    let tier = match doc.priority_tier {
        PriorityTier::PdnPriority => "PDN priority: TKDN + BMP at least 40 % (with TKDN at least 25 %)",
        PriorityTier::Tkdn25 => "TKDN at least 25 %",
        PriorityTier::TkdnBelow25 => "TKDN below 25 %",
        PriorityTier::Domestic => "domestic product without a TKDN certificate",
        PriorityTier::Import => "import",
    };
    let mut why = vec![tier.to_owned()];
    why.push(if doc.umkk { "UMKK vendor" } else { "not a UMKK vendor" }.into());
    why.push(if doc.local { "local vendor" } else { "vendor outside the region" }.into());
    why.join("; ")
}

/// The order the reply describes to the buyer, best first.
pub fn ranking_rules(sort: Sort) -> Vec<&'static str> {
    let mut rules = Vec::new();
    match sort {
        Sort::Relevance => {}
        Sort::PriceAsc => rules.push("lowest price first"),
        Sort::PriceDesc => rules.push("highest price first"),
        Sort::TkdnDesc => rules.push("highest TKDN first"),
        Sort::Newest => rules.push("newest first"),
    }
    rules.extend([
        "text relevance: every word matched, exact words before typos, the name before other fields",
        "then the priority of Perpres 46/2025: TKDN + BMP at least 40 % (with TKDN at least 25 %), \
         then TKDN at least 25 %, then TKDN below 25 %, then domestic products without a certificate",
        "then UMKK vendors (micro, small, koperasi)",
        "then local vendors",
        "then the newest",
    ]);
    rules
}
