//! The search contract: the same questions, the same answers, from every engine.
//!
//! The embedded engine runs it always; Meilisearch when `MEILI_URL` (and, if the
//! instance has one, `MEILI_MASTER_KEY`) is set, in an index of its own that is deleted
//! afterwards.

use pasar_catalog::model::{LocalContent, PriorityTier};
use pasar_catalog::search::embedded::Embedded;
use pasar_catalog::search::meili::Meili;
use pasar_catalog::search::{SearchDoc, SearchIndex, SearchQuery, Sort};
use pasar_core::BasisPoints;

const ATK: &str = "cat-atk";
const KERTAS: &str = "cat-kertas";
const FURNITUR: &str = "cat-furnitur";
const BATIK: &str = "cat-batik";
const FOOD: &str = "cat-food";

struct P {
    id: &'static str,
    name: &'static str,
    category: &'static str,
    price: i64,
    tkdn: u32,
    bmp: u32,
    umkk: bool,
    local: bool,
    region: &'static str,
    stock: i64,
    published: i64,
}

fn doc(p: &P) -> SearchDoc {
    let lc = LocalContent::new(BasisPoints(p.tkdn), BasisPoints(p.bmp)).unwrap();
    let regions = pasar_catalog::search::sync::region_levels(p.region);
    SearchDoc {
        id: p.id.into(),
        vendor_id: format!("vendor-{}", &p.id[..1]),
        vendor_name: format!("Usaha {}", &p.id[..1].to_uppercase()),
        name: p.name.into(),
        brand: String::new(),
        description: String::new(),
        category_id: p.category.into(),
        regency: regions.get(1).cloned().unwrap_or_default(),
        regions,
        unit: "pcs".into(),
        unit_price_idr: p.price,
        min_order: 1,
        stock: p.stock,
        in_stock: p.stock > 0,
        tkdn_bp: lc.tkdn.0.into(),
        bmp_bp: lc.bmp.0.into(),
        pdn_priority: lc.pdn_priority(),
        tkdn_25: lc.tkdn_25(),
        priority_tier: lc.tier(),
        umkk: p.umkk,
        local: p.local,
        priority: SearchDoc::priority_of(&lc, p.umkk, p.local),
        published_at: p.published,
        thumbnail_url: None,
    }
}

/// The catalogue every engine is asked about. Ids start with the vendor's letter.
fn fixture() -> Vec<SearchDoc> {
    let p = |id, name, category, price, tkdn, bmp, umkk, local, region, stock, published| P {
        id,
        name,
        category,
        price,
        tkdn,
        bmp,
        umkk,
        local,
        region,
        stock,
        published,
    };
    [
        // Four identical office chairs: only the priority tells them apart.
        p("a-chair-plain", "Kursi Kantor Jaring", FURNITUR, 900_000, 0, 0, true, true, "35.76", 5, 1_000),
        p("b-chair-pdn", "Kursi Kantor Jaring", FURNITUR, 950_000, 3_500, 1_000, false, false, "35.15", 5, 1_001),
        p("c-chair-umkk", "Kursi Kantor Jaring", FURNITUR, 990_000, 3_000, 500, true, false, "35.15", 5, 1_002),
        p("d-chair-local", "Kursi Kantor Jaring", FURNITUR, 980_000, 3_000, 500, true, true, "35.76.01", 0, 1_003),
        p("a-desk", "Meja Kantor Kayu Jati", FURNITUR, 2_500_000, 2_600, 0, true, true, "35.76", 3, 1_004),
        p("e-paper", "Kertas HVS A4 80 gram", KERTAS, 55_000, 0, 0, false, true, "35.76", 100, 1_005),
        p("e-pen", "Pulpen Gel Hitam", ATK, 3_000, 0, 0, false, true, "35.76", 0, 1_006),
        p("f-batik", "Batik Tulis Mojokerto", BATIK, 750_000, 8_000, 1_500, true, true, "35.76", 2, 1_007),
        p("g-coffee", "Kopi Bubuk Robusta", FOOD, 45_000, 5_000, 0, true, false, "35.07", 50, 1_008),
        p("g-rice-box", "Nasi Kotak Ayam Bakar", FOOD, 35_000, 0, 0, true, false, "35.07", 20, 1_009),
        p("h-laptop", "Laptop Office 14 inch", ATK, 9_500_000, 2_000, 500, false, false, "31.71", 4, 1_010),
    ]
    .iter()
    .map(doc)
    .collect()
}

fn q(text: &str) -> SearchQuery {
    SearchQuery { text: text.into(), page: 1, per_page: 20, ..SearchQuery::default() }
}

async fn ids(index: &dyn SearchIndex, query: SearchQuery) -> Vec<String> {
    let res = index.search(&query).await.unwrap_or_else(|e| panic!("{} search failed: {e}", index.engine()));
    res.hits.into_iter().map(|h| h.id).collect()
}

async fn contract(index: &dyn SearchIndex) {
    let engine = index.engine();
    index.prepare().await.unwrap();
    index.clear().await.unwrap();
    index.apply(fixture(), Vec::new()).await.unwrap();
    assert_eq!(index.count().await.unwrap(), 11, "{engine}: document count");

    // Typos: "kurs kantor" finds the office chairs, and only them (the desk lacks "kursi").
    // Among equally relevant chairs, the Perpres 46/2025 tier comes first, then UMKK,
    // then local vendors: PDN priority; then the two TKDN ≥ 25 % UMKK chairs, the local
    // one first; then the chair without TKDN.
    let chairs = vec!["b-chair-pdn", "d-chair-local", "c-chair-umkk", "a-chair-plain"];
    assert_eq!(ids(index, q("kurs kantor")).await, chairs, "{engine}: typo + priority");
    assert_eq!(ids(index, q("KURSI kantor")).await, chairs, "{engine}: case");
    // The last word is a prefix (search as you type).
    assert_eq!(ids(index, q("kursi kan")).await, chairs, "{engine}: prefix");
    // One typo in a longer word, two in a long one.
    assert_eq!(ids(index, q("batk tulis")).await, vec!["f-batik"], "{engine}: one typo");
    assert_eq!(ids(index, q("mojokreto")).await, vec!["f-batik"], "{engine}: transposition");
    assert_eq!(ids(index, q("robustaaa")).await, vec!["g-coffee"], "{engine}: two typos");
    // Every word must match; English words too.
    assert!(ids(index, q("kursi batik")).await.is_empty(), "{engine}: all words");
    assert_eq!(ids(index, q("laptop office")).await, vec!["h-laptop"], "{engine}: English");
    // A typo on the first letter counts twice: "pursi" (5 letters, one typo allowed)
    // does not find "kursi".
    assert!(ids(index, q("pursi kantor")).await.is_empty(), "{engine}: first-letter typo");
    // Short words allow no typo.
    assert!(ids(index, q("mja")).await.is_empty(), "{engine}: no typo below 4 letters");

    // No query: everything, by priority, then newest.
    let all = index.search(&q("")).await.unwrap();
    assert_eq!(all.total, 11, "{engine}: total");
    assert_eq!(all.hits.first().map(|h| h.id.as_str()), Some("f-batik"), "{engine}: best priority first");
    let facet = |name: &str, value: &str| all.facets.get(name).and_then(|m| m.get(value)).copied().unwrap_or(0);
    assert_eq!(facet("category_id", FURNITUR), 5, "{engine}: category facet");
    assert_eq!(facet("category_id", FOOD), 2, "{engine}: category facet");
    assert_eq!(facet("regency", "35.76"), 6, "{engine}: region facet");
    assert_eq!(facet("regency", "35.15"), 2, "{engine}: region facet");
    assert_eq!(facet("umkk", "true"), 7, "{engine}: umkk facet");
    assert_eq!(facet("umkk", "false"), 4, "{engine}: umkk facet");
    assert_eq!(facet("pdn_priority", "true"), 3, "{engine}: pdn facet");
    assert_eq!(facet("pdn_priority", "false"), 8, "{engine}: pdn facet");

    // Pages: the same order cut in pieces, with the same total.
    let mut paged = Vec::new();
    for page in 1..=3 {
        let res = index.search(&SearchQuery { page, per_page: 4, ..q("") }).await.unwrap();
        assert_eq!(res.total, 11, "{engine}: total on page {page}");
        paged.extend(res.hits.into_iter().map(|h| h.id));
    }
    assert_eq!(paged, all.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>(), "{engine}: pages");

    // Filters.
    let f = |edit: &dyn Fn(&mut SearchQuery)| {
        let mut query = q("");
        edit(&mut query);
        query
    };
    let mut got = ids(index, f(&|q| q.categories = vec![ATK.into(), KERTAS.into()])).await;
    got.sort();
    assert_eq!(got, vec!["e-paper", "e-pen", "h-laptop"], "{engine}: categories");
    let mut got = ids(index, f(&|q| q.region = Some("35.76".into()))).await;
    got.sort();
    assert_eq!(
        got,
        vec!["a-chair-plain", "a-desk", "d-chair-local", "e-paper", "e-pen", "f-batik"],
        "{engine}: regency"
    );
    assert_eq!(ids(index, f(&|q| q.region = Some("35".into()))).await.len(), 10, "{engine}: province");
    assert_eq!(
        ids(index, f(&|q| q.region = Some("35.76.01".into()))).await,
        vec!["d-chair-local"],
        "{engine}: district"
    );
    let mut got = ids(index, f(&|q| q.vendor_id = Some("vendor-g".into()))).await;
    got.sort();
    assert_eq!(got, vec!["g-coffee", "g-rice-box"], "{engine}: vendor");
    assert_eq!(ids(index, f(&|q| q.umkk = Some(false))).await.len(), 4, "{engine}: umkk=false");
    let mut got = ids(index, f(&|q| q.pdn_priority = Some(true))).await;
    got.sort();
    assert_eq!(got, vec!["b-chair-pdn", "f-batik", "g-coffee"], "{engine}: pdn_priority");
    let mut got = ids(index, f(&|q| q.min_tkdn_bp = Some(3_000))).await;
    got.sort();
    assert_eq!(got, vec!["b-chair-pdn", "c-chair-umkk", "d-chair-local", "f-batik", "g-coffee"], "{engine}: tkdn");
    let mut got = ids(index, f(&|q| (q.min_price, q.max_price) = (Some(35_000), Some(55_000)))).await;
    got.sort();
    assert_eq!(got, vec!["e-paper", "g-coffee", "g-rice-box"], "{engine}: price range");
    assert_eq!(ids(index, f(&|q| q.in_stock = Some(true))).await.len(), 9, "{engine}: in stock");
    // Text and filters together, with facets counted over the matches only.
    let res = index.search(&SearchQuery { in_stock: Some(true), umkk: Some(true), ..q("kursi kantor") }).await.unwrap();
    assert_eq!(res.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), vec!["c-chair-umkk", "a-chair-plain"]);
    assert_eq!(res.total, 2, "{engine}: filtered total");
    assert_eq!(res.facets["regency"].get("35.15"), Some(&1), "{engine}: filtered facet");

    // Sorts.
    let sorted = |sort| SearchQuery { sort, ..q("kursi") };
    let by_price = vec!["a-chair-plain", "b-chair-pdn", "d-chair-local", "c-chair-umkk"];
    assert_eq!(ids(index, sorted(Sort::PriceAsc)).await, by_price, "{engine}: price_asc");
    let mut desc = by_price.clone();
    desc.reverse();
    assert_eq!(ids(index, sorted(Sort::PriceDesc)).await, desc, "{engine}: price_desc");
    let all_by_tkdn = ids(index, SearchQuery { sort: Sort::TkdnDesc, ..q("") }).await;
    assert_eq!(&all_by_tkdn[..3], &["f-batik", "g-coffee", "b-chair-pdn"], "{engine}: tkdn_desc");
    let newest = ids(index, SearchQuery { sort: Sort::Newest, ..q("") }).await;
    assert_eq!(&newest[..3], &["h-laptop", "g-rice-box", "g-coffee"], "{engine}: newest");

    // Changes: a replaced document is found by its new name, a deleted one no more.
    let mut renamed = fixture().into_iter().find(|d| d.id == "e-pen").unwrap();
    renamed.name = "Pulpen Biru Standar".into();
    index.apply(vec![renamed], vec!["g-coffee".into()]).await.unwrap();
    assert_eq!(ids(index, q("pulpen biru")).await, vec!["e-pen"], "{engine}: replaced");
    assert!(ids(index, q("pulpen hitam")).await.is_empty(), "{engine}: old name gone");
    assert!(ids(index, q("kopi")).await.is_empty(), "{engine}: deleted");
    assert_eq!(index.count().await.unwrap(), 10, "{engine}: count after delete");
    assert_eq!(
        index.search(&q("")).await.unwrap().hits.iter().find(|h| h.id == "f-batik").map(|h| h.priority_tier),
        Some(PriorityTier::PdnPriority),
        "{engine}: documents come back whole"
    );
}

#[tokio::test]
async fn embedded_engine_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let index = Embedded::open(dir.path()).unwrap();
    contract(&index).await;
    // On disk: reopened, it still holds everything.
    drop(index);
    let index = Embedded::open(dir.path()).unwrap();
    assert_eq!(index.count().await.unwrap(), 10);
}

#[tokio::test]
async fn meilisearch_keeps_the_contract() {
    let Ok(url) = std::env::var("MEILI_URL") else {
        println!("skipped: MEILI_URL is not set, so the Meilisearch contract was not checked");
        return;
    };
    let key = std::env::var("MEILI_MASTER_KEY").ok();
    let name = format!("pasar_contract_{}", uuid::Uuid::now_v7().simple());
    let index = Meili::new(&url, key.as_deref(), &name).unwrap();
    contract(&index).await;
    let client = meilisearch_sdk::client::Client::new(url, key).unwrap();
    let _ = client.index(&name).delete().await;
}
