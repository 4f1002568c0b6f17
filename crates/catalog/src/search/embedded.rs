//! The embedded search engine: a tantivy index on disk (`data/search` by default), so
//! that a single `pasar` binary searches with nothing else installed.
//!
//! Relevance is built to match Meilisearch's bucket sort rather than BM25: each query
//! word scores the best of a few fixed values (exact in the name 10, prefix 9, one typo
//! 7, two typos 5; 3, 2.5 and 2 in the brand, vendor name and description), and a
//! product's score is the sum over the words. Equal scores are then truly equally relevant, and
//! the priority order breaks the tie, as it does with Meilisearch's custom ranking rules.

use super::{SearchDoc, SearchError, SearchIndex, SearchQuery, SearchResults, Sort};
use async_trait::async_trait;
use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA, SINK_STATE};
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::columnar::{ColumnValues, StrColumn};
use tantivy::directory::MmapDirectory;
use tantivy::indexer::LogMergePolicy;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument, Term,
};

const TOKENIZER: &str = "pasar";
/// Writer memory: enough for bulk loads without holding the whole catalogue in RAM.
const WRITER_HEAP_BYTES: usize = 64 * 1024 * 1024;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    name: Field,
    /// The brand, the vendor's name and the description, in one field: fewer fields
    /// mean fewer typo automata to run per query word.
    other: Field,
    vendor_id: Field,
    category_id: Field,
    regions: Field,
    regency: Field,
    unit_price_idr: Field,
    tkdn_bp: Field,
    priority: Field,
    published_at: Field,
    umkk: Field,
    pdn_priority: Field,
    in_stock: Field,
    source: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(TOKENIZER).set_index_option(IndexRecordOption::Basic),
    );
    let number = || NumericOptions::default().set_indexed().set_fast();
    let fields = Fields {
        id: b.add_text_field("id", STRING),
        name: b.add_text_field("name", words.clone()),
        other: b.add_text_field("other", words),
        vendor_id: b.add_text_field("vendor_id", STRING),
        category_id: b.add_text_field("category_id", STRING | FAST),
        regions: b.add_text_field("regions", STRING),
        regency: b.add_text_field("regency", STRING | FAST),
        unit_price_idr: b.add_i64_field("unit_price_idr", number()),
        tkdn_bp: b.add_i64_field("tkdn_bp", number()),
        priority: b.add_i64_field("priority", number()),
        published_at: b.add_i64_field("published_at", number()),
        umkk: b.add_bool_field("umkk", INDEXED | FAST),
        pdn_priority: b.add_bool_field("pdn_priority", INDEXED | FAST),
        in_stock: b.add_bool_field("in_stock", INDEXED),
        source: b.add_bytes_field("source", STORED),
    };
    (b.build(), fields)
}

/// Whether a file name is one tantivy writes: `meta.json`, `.managed.json`, its lock
/// files, and `<32 hex digits>.<ext>` segment files.
fn is_index_file(name: &str) -> bool {
    if matches!(name, "meta.json" | ".managed.json") || name.starts_with(".tantivy-") {
        return true;
    }
    name.split_once('.').is_some_and(|(stem, _)| stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

fn engine_err(e: impl std::fmt::Display) -> SearchError {
    SearchError::Engine(e.to_string())
}

struct Inner {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

/// The embedded engine. Cheap to clone; one per process (tantivy locks the directory
/// for its writer).
#[derive(Clone)]
pub struct Embedded {
    inner: Arc<Inner>,
    path: Option<PathBuf>,
}

impl Embedded {
    /// Opens the index under `dir`, creating it if needed. An index written with another
    /// layout (an older Pasar) is discarded and started afresh: it is only a copy of the
    /// database, and the server rebuilds an empty index at start-up.
    pub fn open(dir: &Path) -> Result<Embedded, SearchError> {
        std::fs::create_dir_all(dir).map_err(|e| engine_err(format!("{}: {e}", dir.display())))?;
        let (schema, fields) = schema();
        let open =
            |schema: Schema| -> tantivy::Result<Index> { Index::open_or_create(MmapDirectory::open(dir)?, schema) };
        let index = match open(schema.clone()) {
            Ok(index) => index,
            Err(tantivy::TantivyError::SchemaError(why)) => {
                tracing::warn!(dir = %dir.display(), %why, "search index layout changed; starting it afresh");
                // Only the index's own files: `search.dir` might have been pointed at a
                // folder that holds other things.
                for entry in std::fs::read_dir(dir).map_err(engine_err)?.flatten() {
                    let p = entry.path();
                    if p.is_file() && is_index_file(&entry.file_name().to_string_lossy()) {
                        std::fs::remove_file(&p).map_err(engine_err)?;
                    }
                }
                open(schema).map_err(engine_err)?
            }
            Err(e) => return Err(engine_err(e)),
        };
        Self::from_index(index, fields, Some(dir.to_owned()))
    }

    /// An index in memory (tests).
    pub fn in_memory() -> Result<Embedded, SearchError> {
        let (schema, fields) = schema();
        Self::from_index(Index::create_in_ram(schema), fields, None)
    }

    fn from_index(index: Index, fields: Fields, path: Option<PathBuf>) -> Result<Embedded, SearchError> {
        index.tokenizers().register(TOKENIZER, analyzer());
        let writer: IndexWriter = index.writer_with_num_threads(1, WRITER_HEAP_BYTES).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => SearchError::Unavailable(
                "the search index is in use by another pasar process (stop the server first)".into(),
            ),
            other => engine_err(other),
        })?;
        // Every segment costs each query its own pass, so merge sooner than tantivy's
        // default (8 segments a level), and purge replaced documents early.
        let mut policy = LogMergePolicy::default();
        policy.set_min_num_segments(3);
        policy.set_del_docs_ratio_before_merge(0.3);
        writer.set_merge_policy(Box::new(policy));
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(engine_err)?;
        Ok(Embedded { inner: Arc::new(Inner { index, reader, writer: Mutex::new(writer), fields }), path })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T, SearchError> + Send + 'static,
    ) -> Result<T, SearchError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner)).await.map_err(engine_err)?
    }
}

impl Inner {
    fn document(&self, doc: &SearchDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.id, &doc.id);
        d.add_text(f.name, &doc.name);
        for text in [&doc.brand, &doc.vendor_name, &doc.description] {
            d.add_text(f.other, text);
        }
        d.add_text(f.vendor_id, &doc.vendor_id);
        d.add_text(f.category_id, &doc.category_id);
        for r in &doc.regions {
            d.add_text(f.regions, r);
        }
        if !doc.regency.is_empty() {
            d.add_text(f.regency, &doc.regency);
        }
        d.add_i64(f.unit_price_idr, doc.unit_price_idr);
        d.add_i64(f.tkdn_bp, doc.tkdn_bp);
        d.add_i64(f.priority, doc.priority);
        d.add_i64(f.published_at, doc.published_at);
        d.add_bool(f.umkk, doc.umkk);
        d.add_bool(f.pdn_priority, doc.pdn_priority);
        d.add_bool(f.in_stock, doc.in_stock);
        d.add_bytes(f.source, &serde_json::to_vec(doc).unwrap_or_default());
        d
    }

    fn apply(&self, upsert: Vec<SearchDoc>, delete: Vec<String>) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().map_err(|_| engine_err("index writer poisoned"))?;
        for id in &delete {
            writer.delete_term(Term::from_field_text(self.fields.id, id));
        }
        for doc in &upsert {
            writer.delete_term(Term::from_field_text(self.fields.id, &doc.id));
            writer.add_document(self.document(doc)).map_err(engine_err)?;
        }
        writer.commit().map_err(engine_err)?;
        drop(writer);
        self.reader.reload().map_err(engine_err)
    }

    /// Merges every segment into one and waits for it (after a rebuild). A merge the
    /// merge policy started meanwhile can make ours fail; then try again with the
    /// segments as they are now.
    fn compact(&self) -> Result<(), SearchError> {
        for attempt in 0..10 {
            let ids = self.index.searchable_segment_ids().map_err(engine_err)?;
            if ids.len() <= 1 {
                break;
            }
            let mut writer = self.writer.lock().map_err(|_| engine_err("index writer poisoned"))?;
            let merge = writer.merge(&ids);
            drop(writer);
            match merge.wait() {
                Ok(_) => break,
                Err(e) if attempt < 9 => {
                    tracing::debug!(error = %e, "segment merge raced a background merge; retrying");
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                Err(e) => return Err(engine_err(e)),
            }
        }
        self.reader.reload().map_err(engine_err)
    }

    fn clear(&self) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().map_err(|_| engine_err("index writer poisoned"))?;
        writer.delete_all_documents().map_err(engine_err)?;
        writer.commit().map_err(engine_err)?;
        drop(writer);
        self.reader.reload().map_err(engine_err)
    }

    /// The words of `text` as the index holds them.
    fn words(&self, text: &str) -> Vec<String> {
        let mut analyzer = self.index.tokenizers().get(TOKENIZER).unwrap_or_else(analyzer);
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out.truncate(10);
        out
    }

    /// One clause per query word: the best of the index terms the word stands for.
    ///
    /// The terms are found once per word and field, by one typo automaton (and a
    /// dictionary range for the prefix of the last word) over each segment's term
    /// dictionary; the query then holds plain term queries, which intersect by skipping
    /// through postings. tantivy's own fuzzy queries would run an automaton per variant
    /// and read every matching posting into a bitset, for every query.
    fn text_query(&self, searcher: &tantivy::Searcher, text: &str) -> Result<Vec<Box<dyn Query>>, SearchError> {
        let f = &self.fields;
        let words = self.words(text);
        let last = words.len().saturating_sub(1);
        let mut clauses = Vec::with_capacity(words.len());
        for (i, word) in words.iter().enumerate() {
            let mut variants: Vec<Box<dyn Query>> = Vec::new();
            for (field, weights) in [(f.name, NAME_WEIGHTS), (f.other, OTHER_WEIGHTS)] {
                let expansion = expand(searcher, field, word, i == last, &weights)?;
                for (term, score) in expansion.terms {
                    let query = TermQuery::new(Term::from_field_text(field, &term), IndexRecordOption::Basic);
                    variants.push(Box::new(ConstScoreQuery::new(Box::new(query), score)));
                }
                if expansion.wide_prefix {
                    let mut upper = word.clone();
                    upper.push(char::MAX);
                    let range = RangeQuery::new(
                        Bound::Included(Term::from_field_text(field, word)),
                        Bound::Excluded(Term::from_field_text(field, &upper)),
                    );
                    variants.push(Box::new(ConstScoreQuery::new(Box::new(range), weights[1])));
                }
            }
            clauses.push(Box::new(DisjunctionMaxQuery::new(variants)) as Box<dyn Query>);
        }
        Ok(clauses)
    }

    fn filters(&self, q: &SearchQuery) -> Vec<Box<dyn Query>> {
        let f = &self.fields;
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        let term = |t: Term| -> Box<dyn Query> { Box::new(TermQuery::new(t, IndexRecordOption::Basic)) };
        // Plain term queries, not a TermSetQuery: that one builds an automaton per query
        // and reads every posting of a big category into a bitset, where an
        // intersection only needs to skip through it.
        match q.categories.as_slice() {
            [] => {}
            [one] => out.push(term(Term::from_field_text(f.category_id, one))),
            many => out.push(Box::new(BooleanQuery::new(
                many.iter().map(|c| (Occur::Should, term(Term::from_field_text(f.category_id, c)))).collect(),
            ))),
        }
        if let Some(r) = &q.region {
            out.push(term(Term::from_field_text(f.regions, r)));
        }
        if let Some(v) = &q.vendor_id {
            out.push(term(Term::from_field_text(f.vendor_id, v)));
        }
        for (field, value) in [(f.umkk, q.umkk), (f.pdn_priority, q.pdn_priority), (f.in_stock, q.in_stock)] {
            if let Some(v) = value {
                out.push(term(Term::from_field_bool(field, v)));
            }
        }
        let range = |field: Field, lo: Option<i64>, hi: Option<i64>| -> Option<Box<dyn Query>> {
            if lo.is_none() && hi.is_none() {
                return None;
            }
            let bound =
                |v: Option<i64>| v.map_or(Bound::Unbounded, |v| Bound::Included(Term::from_field_i64(field, v)));
            Some(Box::new(RangeQuery::new(bound(lo), bound(hi))))
        };
        out.extend(range(f.tkdn_bp, q.min_tkdn_bp, None));
        out.extend(range(f.unit_price_idr, q.min_price, q.max_price));
        out
    }

    fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            self.text_query(&searcher, &q.text)?.into_iter().map(|w| (Occur::Must, w)).collect();
        clauses.extend(self.filters(q).into_iter().map(|f| (Occur::Must, Box::new(ConstScoreQuery::new(f, 0.0)) as _)));
        let query: Box<dyn Query> =
            if clauses.is_empty() { Box::new(AllQuery) } else { Box::new(BooleanQuery::new(clauses)) };

        let sort = q.sort;
        let top = TopDocs::with_limit(q.per_page.max(1)).and_offset((q.page.max(1) - 1) * q.per_page).tweak_score(
            move |segment: &SegmentReader| {
                let ff = segment.fast_fields();
                let col = |name: &str| -> Arc<dyn ColumnValues<i64>> {
                    ff.i64(name).expect("numeric fields are in the schema").first_or_default_col(0)
                };
                let (price, tkdn, priority, published) =
                    (col("unit_price_idr"), col("tkdn_bp"), col("priority"), col("published_at"));
                move |doc: DocId, score: Score| -> [i64; 5] {
                    let score = (score * 100.0).round() as i64;
                    let (pr, pub_at) = (-priority.get_val(doc), published.get_val(doc));
                    match sort {
                        Sort::Relevance => [score, pr, pub_at, 0, 0],
                        Sort::PriceAsc => [-price.get_val(doc), score, pr, pub_at, 0],
                        Sort::PriceDesc => [price.get_val(doc), score, pr, pub_at, 0],
                        Sort::TkdnDesc => [tkdn.get_val(doc), score, pr, pub_at, 0],
                        Sort::Newest => [pub_at, score, pr, 0, 0],
                    }
                }
            },
        );
        let (top, facets) = searcher.search(&query, &(top, FacetCollector)).map_err(engine_err)?;
        let mut hits = Vec::with_capacity(top.len());
        for (_, address) in top {
            hits.push(self.load(&searcher, address)?);
        }
        Ok(SearchResults { hits, total: facets.total, facets: facets.into_map() })
    }

    fn load(&self, searcher: &tantivy::Searcher, address: DocAddress) -> Result<SearchDoc, SearchError> {
        let doc: TantivyDocument = searcher.doc(address).map_err(engine_err)?;
        let bytes = doc.get_first(self.fields.source).and_then(|v| v.as_bytes()).unwrap_or_default();
        serde_json::from_slice(bytes).map_err(engine_err)
    }
}

/// What a match is worth, by how it matches: (exact, prefix, one typo, two typos).
type Weights = [f32; 4];
const NAME_WEIGHTS: Weights = [10.0, 9.0, 7.0, 5.0];
/// Brand, vendor name and description.
const OTHER_WEIGHTS: Weights = [3.0, 2.5, 2.0, 1.5];
/// A short last word can be the prefix of thousands of terms: past this many, the
/// prefix is matched as one dictionary range rather than term by term.
const MAX_PREFIX_TERMS: usize = 100;

fn lev_builder(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static TWO: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    let cell = if distance >= 2 { &TWO } else { &ONE };
    cell.get_or_init(|| LevenshteinAutomatonBuilder::new(distance.min(2), true))
}

/// A Levenshtein DFA as an automaton over the term dictionary.
struct Typos<'a>(&'a DFA);

impl tantivy_fst::Automaton for Typos<'_> {
    type State = u32;
    fn start(&self) -> u32 {
        self.0.initial_state()
    }
    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }
    fn can_match(&self, state: &u32) -> bool {
        *state != SINK_STATE
    }
    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// The terms of `field` that `word` stands for, each with its score: the word itself,
/// words within the allowed typos (one from 4 letters, two from 8 where the weights
/// allow it) and, for the last word, words it begins.
fn expand(
    searcher: &tantivy::Searcher,
    field: Field,
    word: &str,
    prefix: bool,
    weights: &Weights,
) -> Result<Expansion, SearchError> {
    let len = word.chars().count();
    let distance: u8 = match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    let first = word.chars().next();
    let mut best: HashMap<String, f32> = HashMap::new();
    let mut wide = false;
    let mut offer = |term: &[u8], score: f32| {
        if let Ok(t) = std::str::from_utf8(term) {
            let entry = best.entry(t.to_owned()).or_insert(score);
            *entry = entry.max(score);
        }
    };
    let dfa = (distance > 0).then(|| lev_builder(distance).build_dfa(word));
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field).map_err(engine_err)?;
        let terms = index.terms();
        if let Some(dfa) = &dfa {
            let mut stream = terms.search(Typos(dfa)).into_stream().map_err(engine_err)?;
            while stream.advance() {
                let Distance::Exact(d) = dfa.eval(stream.key()) else { continue };
                // As in Meilisearch, a typo on the first letter counts twice.
                let first_differs =
                    d > 0 && std::str::from_utf8(stream.key()).ok().and_then(|t| t.chars().next()) != first;
                let typos = d + u8::from(first_differs);
                let score = match typos {
                    0 => weights[0],
                    1 => weights[2],
                    2 if distance >= 2 => weights[3],
                    _ => continue,
                };
                offer(stream.key(), score);
            }
        } else if terms.term_ord(word.as_bytes()).map_err(engine_err)?.is_some() {
            // Too short for typos: only the word itself.
            offer(word.as_bytes(), weights[0]);
        }
        if prefix && !wide {
            let mut upper = word.as_bytes().to_vec();
            upper.push(0xFF);
            let mut stream = terms.range().ge(word.as_bytes()).lt(&upper).into_stream().map_err(engine_err)?;
            let mut n = 0;
            while stream.advance() {
                if n == MAX_PREFIX_TERMS {
                    wide = true;
                    break;
                }
                offer(stream.key(), weights[1]);
                n += 1;
            }
        }
    }
    Ok(Expansion { terms: best.into_iter().collect(), wide_prefix: wide })
}

/// What a query word stands for in one field.
struct Expansion {
    terms: Vec<(String, f32)>,
    /// The word begins too many terms to list: match the prefix as a dictionary range
    /// instead (complete, at the cost of reading its postings).
    wide_prefix: bool,
}

/// Counts every match and its facet values, from the fast fields.
struct FacetCollector;

#[derive(Default)]
struct FacetCounts {
    total: u64,
    category: HashMap<String, u64>,
    regency: HashMap<String, u64>,
    umkk: [u64; 2],
    pdn: [u64; 2],
}

impl FacetCounts {
    fn into_map(self) -> BTreeMap<String, BTreeMap<String, u64>> {
        let bools = |c: [u64; 2]| -> BTreeMap<String, u64> {
            [("false", c[0]), ("true", c[1])].into_iter().filter(|(_, n)| *n > 0).map(|(k, n)| (k.into(), n)).collect()
        };
        BTreeMap::from([
            ("category_id".to_owned(), self.category.into_iter().collect()),
            ("regency".to_owned(), self.regency.into_iter().collect()),
            ("umkk".to_owned(), bools(self.umkk)),
            ("pdn_priority".to_owned(), bools(self.pdn)),
        ])
    }
}

struct FacetSegment {
    total: u64,
    category: Option<(StrColumn, Vec<u64>)>,
    regency: Option<(StrColumn, Vec<u64>)>,
    umkk: Arc<dyn ColumnValues<bool>>,
    pdn: Arc<dyn ColumnValues<bool>>,
    umkk_counts: [u64; 2],
    pdn_counts: [u64; 2],
}

impl Collector for FacetCollector {
    type Fruit = FacetCounts;
    type Child = FacetSegment;

    fn for_segment(&self, _: tantivy::SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<FacetSegment> {
        let ff = segment.fast_fields();
        let strs = |name: &str| -> tantivy::Result<Option<(StrColumn, Vec<u64>)>> {
            Ok(ff.str(name)?.map(|c| {
                let n = c.num_terms();
                (c, vec![0; n])
            }))
        };
        Ok(FacetSegment {
            total: 0,
            category: strs("category_id")?,
            regency: strs("regency")?,
            umkk: ff.bool("umkk")?.first_or_default_col(false),
            pdn: ff.bool("pdn_priority")?.first_or_default_col(false),
            umkk_counts: [0; 2],
            pdn_counts: [0; 2],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        let mut out = FacetCounts::default();
        for f in fruits {
            out.total += f.total;
            for (k, n) in f.category {
                *out.category.entry(k).or_default() += n;
            }
            for (k, n) in f.regency {
                *out.regency.entry(k).or_default() += n;
            }
            for i in 0..2 {
                out.umkk[i] += f.umkk[i];
                out.pdn[i] += f.pdn[i];
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.total += 1;
        for (col, counts) in [&mut self.category, &mut self.regency].into_iter().flatten() {
            for ord in col.term_ords(doc) {
                if let Some(c) = counts.get_mut(ord as usize) {
                    *c += 1;
                }
            }
        }
        self.umkk_counts[usize::from(self.umkk.get_val(doc))] += 1;
        self.pdn_counts[usize::from(self.pdn.get_val(doc))] += 1;
    }

    fn harvest(self) -> FacetCounts {
        let names = |col: Option<(StrColumn, Vec<u64>)>| -> HashMap<String, u64> {
            let mut out = HashMap::new();
            if let Some((col, counts)) = col {
                for (ord, n) in counts.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                    let mut s = String::new();
                    if col.ord_to_str(ord as u64, &mut s).unwrap_or(false) && !s.is_empty() {
                        out.insert(s, n);
                    }
                }
            }
            out
        };
        FacetCounts {
            total: self.total,
            category: names(self.category),
            regency: names(self.regency),
            umkk: self.umkk_counts,
            pdn: self.pdn_counts,
        }
    }
}

#[async_trait]
impl SearchIndex for Embedded {
    fn engine(&self) -> &'static str {
        "embedded"
    }

    async fn prepare(&self) -> Result<(), SearchError> {
        Ok(())
    }

    async fn apply(&self, upsert: Vec<SearchDoc>, delete: Vec<String>) -> Result<(), SearchError> {
        if upsert.is_empty() && delete.is_empty() {
            return Ok(());
        }
        self.blocking(move |i| i.apply(upsert, delete)).await
    }

    async fn clear(&self) -> Result<(), SearchError> {
        self.blocking(|i| i.clear()).await
    }

    async fn compact(&self) -> Result<(), SearchError> {
        self.blocking(|i| i.compact()).await
    }

    async fn count(&self) -> Result<u64, SearchError> {
        Ok(self.inner.reader.searcher().num_docs())
    }

    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        let query = query.clone();
        self.blocking(move |i| i.search(&query)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_index_files_are_wiped() {
        for name in ["meta.json", ".managed.json", ".tantivy-writer.lock", "14c2f4d05eed4519a6b4ef58abf1dedf.idx"] {
            assert!(is_index_file(name), "{name}");
        }
        for name in ["pasar.db", "jwt-secret", "files", "notes.json", "14c2f4d0.idx"] {
            assert!(!is_index_file(name), "{name}");
        }
    }

    #[tokio::test]
    async fn a_short_prefix_of_many_terms_still_finds_every_match() {
        let index = Embedded::in_memory().unwrap();
        let docs: Vec<SearchDoc> = (0..300)
            .map(|i| SearchDoc {
                id: format!("p{i}"),
                vendor_id: "v".into(),
                vendor_name: String::new(),
                name: format!("kata{i:03}"),
                brand: String::new(),
                description: String::new(),
                category_id: "c".into(),
                regions: Vec::new(),
                regency: String::new(),
                unit: "pcs".into(),
                unit_price_idr: 1,
                min_order: 1,
                stock: 1,
                in_stock: true,
                tkdn_bp: 0,
                bmp_bp: 0,
                pdn_priority: false,
                tkdn_25: false,
                priority_tier: crate::model::PriorityTier::Domestic,
                umkk: true,
                local: true,
                priority: 12,
                published_at: i,
                thumbnail_url: None,
            })
            .collect();
        index.apply(docs, Vec::new()).await.unwrap();
        let q = SearchQuery { text: "k".into(), page: 1, per_page: 5, ..SearchQuery::default() };
        assert_eq!(index.search(&q).await.unwrap().total, 300);
    }
}
