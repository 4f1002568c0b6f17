//! Search over HTTP: buyers find published products with typos, filters, facets and
//! the priority order; the index follows every change, survives an outage of the engine
//! and never shows what buyers may not see.

use pasar_tests::{backends, search_engines, Options, TestApp, World, PASSWORD};
use serde_json::{json, Value};

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";
const SERAGAM: &str = "0193a000-0000-7000-8000-000000000032";

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

fn names(reply: &Value) -> Vec<String> {
    reply["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| format!("{}|{}", i["name"].as_str().unwrap(), i["vendor_name"].as_str().unwrap()))
        .collect()
}

/// Lists, submits and approves a product; returns its id.
async fn publish(app: &TestApp, vendor: &str, curator: &str, body: Value) -> String {
    let p = app.post("/api/v1/products", Some(vendor), body).await.expect(201);
    let id = p["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/products/{id}/submit"), Some(vendor), json!({})).await.expect(200);
    app.post(&format!("/api/v1/products/{id}/review"), Some(curator), json!({ "decision": "approve" }))
        .await
        .expect(200);
    id
}

fn batik(name: &str, category: &str, price: i64, stock: i64, tkdn: Option<(i64, i64)>) -> Value {
    let mut body =
        json!({ "name": name, "category_id": category, "unit": "pcs", "unit_price_idr": price, "stock": stock });
    if let Some((t, b)) = tkdn {
        body["local_content"] =
            json!({ "certificate": "TKDN-1/2026", "tkdn_bp": t, "bmp_bp": b, "valid_until": "2030-01-01" });
    }
    body
}

/// How many products match `query`.
async fn total(app: &TestApp, query: &str) -> u64 {
    app.get(&format!("/api/v1/products?{query}"), None).await.expect(200)["total"].as_u64().unwrap()
}

/// Searches until `check` holds on the reply (the index follows the database within
/// a moment); returns that reply.
async fn search_until(app: &TestApp, query: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(45);
    loop {
        let r = app.get(&format!("/api/v1/products?{query}"), None).await;
        if r.status == 200 && check(&r.body) {
            return r.body;
        }
        assert!(std::time::Instant::now() < deadline, "[{}] {what}: last reply {} {}", app.name(), r.status, r.body);
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn buyers_find_published_products_by_priority_with_typos_filters_and_facets() {
    for (backend, meilisearch) in backends().into_iter().flat_map(|b| search_engines().into_iter().map(move |m| (b, m)))
    {
        let app = TestApp::start(backend, Options { meilisearch, ..Options::default() }).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        // A: a small local batik maker. B: a large firm outside the region.
        let (_, a) = app.approved_vendor(&curator, "a@batik.test", "UD Batik Kranggan", "9120001000011").await;
        let (vb, b) = app.approved_vendor(&curator, "b@batik.test", "PT Batik Nusantara Raya", "9120001000012").await;
        let big = json!({ "business_capital_idr": 20_000_000_000i64, "address": { "street": "Jl. Raya 1", "region_code": "35.15.01", "postal_code": "61211" } });
        app.request("PATCH", &format!("/api/v1/vendors/{vb}"), Some(&b), Some(big)).await.expect(200);
        // Capital and region count for P3DN: in force once a curator approves them.
        app.post(&format!("/api/v1/vendors/{vb}/facts/review"), Some(&curator), json!({ "decision": "approve" }))
            .await
            .expect(200);

        let a_tulis =
            publish(&app, &a, &curator, batik("Kain Batik Tulis Majapahit", BATIK, 450_000, 10, Some((3_000, 500))))
                .await;
        publish(&app, &b, &curator, batik("Kain Batik Tulis Majapahit", BATIK, 500_000, 0, Some((4_500, 1_000)))).await;
        let a_seragam = publish(&app, &a, &curator, batik("Seragam Batik Sekolah", SERAGAM, 150_000, 5, None)).await;
        // A draft and a product waiting for the curator are never found.
        app.post("/api/v1/products", Some(&a), batik("Kain Batik Cap Draf", BATIK, 90_000, 1, None)).await.expect(201);
        let waiting = app
            .post("/api/v1/products", Some(&a), batik("Kain Batik Cap Antre", BATIK, 95_000, 1, None))
            .await
            .expect(201);
        app.post(&format!("/api/v1/products/{}/submit", waiting["id"].as_str().unwrap()), Some(&a), json!({}))
            .await
            .expect(200);

        // Typos, and the priority among equally relevant products: PDN priority first
        // (B), although A is UMKK and local; the reply says why.
        let r = search_until(&app, "q=kain%20batk", "both cloths indexed", |r| r["total"] == 2).await;
        assert_eq!(
            names(&r),
            vec!["Kain Batik Tulis Majapahit|PT Batik Nusantara Raya", "Kain Batik Tulis Majapahit|UD Batik Kranggan"],
            "[{}]",
            app.name()
        );
        assert_eq!(r["items"][0]["priority_tier"], "pdn_priority");
        assert!(r["items"][0]["why"].as_str().unwrap().starts_with("PDN priority"));
        assert!(r["items"][1]["why"].as_str().unwrap().contains("UMKK vendor; local vendor"));
        assert!(r["ranking"].as_array().unwrap().iter().any(|x| x.as_str().unwrap().contains("Perpres 46/2025")));
        assert_eq!(
            (r["sort"].as_str(), r["page"].as_i64(), r["total_pages"].as_i64()),
            (Some("relevance"), Some(1), Some(1))
        );

        // Everything published, with facets over all matches; buyers and the public
        // get the same answer.
        let all = search_until(&app, "q=batik", "three products", |r| r["total"] == 3).await;
        assert_eq!(all["facets"]["umkk"], json!({ "true": 2, "false": 1 }));
        assert_eq!(all["facets"]["pdn_priority"], json!({ "true": 1, "false": 2 }));
        assert_eq!(all["facets"]["regency"], json!({ "35.76": 2, "35.15": 1 }));
        assert_eq!(all["facets"]["category_id"][BATIK], 2);
        let as_buyer = app.get("/api/v1/products?q=batik", Some(w.token("pejabat_pengadaan"))).await.expect(200);
        assert_eq!(names(&as_buyer), names(&all));

        // Filters, sorts and pages.
        assert_eq!(total(&app, "category=batik-tekstil").await, 3, "a category includes its descendants");
        assert_eq!(total(&app, "category=batik").await, 2);
        assert_eq!(total(&app, &format!("category={SERAGAM}")).await, 1);
        assert_eq!(total(&app, "umkk=true").await, 2);
        assert_eq!(total(&app, "region=35.76").await, 2);
        assert_eq!(total(&app, "region=35").await, 3);
        assert_eq!(total(&app, &format!("vendor={vb}")).await, 1);
        assert_eq!(total(&app, "pdn_priority=true").await, 1);
        assert_eq!(total(&app, "min_tkdn_bp=3000").await, 2);
        assert_eq!(total(&app, "min_price=150000&max_price=450000").await, 2);
        assert_eq!(total(&app, "in_stock=true&umkk=true").await, 2);
        assert_eq!(total(&app, "in_stock=true&q=kain%20batik%20tulis").await, 1);
        let cheap = app.get("/api/v1/products?q=batik&sort=price_asc", None).await.expect(200);
        let prices: Vec<i64> =
            cheap["items"].as_array().unwrap().iter().map(|i| i["unit_price_idr"].as_i64().unwrap()).collect();
        assert_eq!(prices, vec![150_000, 450_000, 500_000]);
        let by_tkdn = app.get("/api/v1/products?sort=tkdn_desc", None).await.expect(200);
        assert_eq!(by_tkdn["items"][0]["tkdn_bp"], 4_500);
        assert_eq!(by_tkdn["ranking"][0], "highest TKDN first");
        let page2 = app.get("/api/v1/products?q=batik&per_page=1&page=2", None).await.expect(200);
        assert_eq!((page2["total"].as_i64(), page2["total_pages"].as_i64()), (Some(3), Some(3)));
        assert_eq!(names(&page2)[0], names(&all)[1]);

        // Bad parameters: every one named, 400, never a 500.
        let bad = app
            .get("/api/v1/products?sort=cheapest&min_price=-5&min_tkdn_bp=10001&colour=red&umkk=ya&category=nope&vendor=x", None)
            .await
            .expect_problem(400, "invalid_query");
        assert_eq!(
            fields(&bad),
            vec!["sort", "min_price", "min_tkdn_bp", "colour", "umkk", "category", "vendor"],
            "[{}]",
            app.name()
        );
        let bad = app.get("/api/v1/products?page=0&per_page=500", None).await.expect_problem(400, "invalid_query");
        assert_eq!(fields(&bad), vec!["page", "per_page"]);
        let bad = app.get("/api/v1/products?page=101", None).await.expect_problem(400, "invalid_query");
        assert_eq!(fields(&bad), vec!["page"]);
        let bad = app
            .get("/api/v1/products?min_price=9&max_price=1&q=a&q=b", None)
            .await
            .expect_problem(400, "invalid_query");
        assert_eq!(fields(&bad), vec!["q"]);
        // A price range that holds nothing is no error: nothing is in it.
        assert_eq!(total(&app, "min_price=450000&max_price=150000").await, 0);
        // A well-formed search for a category that does not exist is about an unknown id.
        let missing = app.get("/api/v1/products?category=tidak-ada", None).await.expect_problem(404, "not_found");
        assert_eq!(fields(&missing), vec!["category"]);

        // The index follows the database: a price change, a take-down, a suspension.
        app.request(
            "PATCH",
            &format!("/api/v1/products/{a_seragam}"),
            Some(&a),
            Some(json!({ "unit_price_idr": 140_000 })),
        )
        .await
        .expect(200);
        search_until(&app, "q=seragam", "the new price", |r| r["items"][0]["unit_price_idr"] == 140_000).await;
        app.post(
            &format!("/api/v1/products/{a_tulis}/takedown"),
            Some(&curator),
            json!({ "reason": "Foto tidak sesuai" }),
        )
        .await
        .expect(200);
        search_until(&app, "q=kain%20batik", "the taken-down cloth gone", |r| r["total"] == 1).await;
        let admin = w.admin.clone();
        app.post(&format!("/api/v1/vendors/{vb}/suspend"), Some(&admin), json!({ "reason": "Audit" }))
            .await
            .expect(200);
        search_until(&app, "q=kain%20batik", "the suspended vendor's cloth gone", |r| r["total"] == 0).await;
        app.post(&format!("/api/v1/vendors/{vb}/reinstate"), Some(&admin), json!({ "reason": "Selesai" }))
            .await
            .expect(200);
        search_until(&app, "q=kain%20batik", "the reinstated vendor's cloth back", |r| r["total"] == 1).await;
    }
}

#[actix_web::test]
async fn product_writes_survive_a_search_outage_and_the_index_catches_up() {
    for (backend, meilisearch) in backends().into_iter().flat_map(|b| search_engines().into_iter().map(move |m| (b, m)))
    {
        let app = TestApp::start(backend, Options { meilisearch, ..Options::default() }).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (_, a) = app.approved_vendor(&curator, "a@batik.test", "UD Batik Kranggan", "9120001000021").await;
        let first = publish(&app, &a, &curator, batik("Kain Batik Tulis Majapahit", BATIK, 450_000, 10, None)).await;
        search_until(&app, "q=majapahit", "indexed before the outage", |r| r["total"] == 1).await;

        // The engine stops. Searching says so (503); writes go on regardless.
        app.search_down(true);
        let r = app.get("/api/v1/products?q=majapahit", None).await.expect_problem(503, "unavailable");
        assert!(r["detail"].as_str().unwrap().contains("Search is unavailable"));
        let second = publish(&app, &a, &curator, batik("Seragam Batik Sekolah", SERAGAM, 150_000, 5, None)).await;
        app.request(
            "PATCH",
            &format!("/api/v1/products/{first}"),
            Some(&a),
            Some(json!({ "unit_price_idr": 400_000 })),
        )
        .await
        .expect(200);
        // The changes wait in the queue, with the failure recorded for operators.
        app.eventually(10, "a failed attempt recorded", || {
            use diesel::prelude::*;
            use pasar_db::schema::search_queue;
            let failed: i64 = search_queue::table
                .filter(search_queue::last_error.is_not_null())
                .count()
                .get_result(&mut *app.db())
                .unwrap();
            failed >= 1
        })
        .await;

        // Readiness stays green (writes work) and shows the backlog.
        let ready = app.get("/health/ready", None).await.expect(200);
        assert!(ready["search"]["queued"].as_i64().unwrap() >= 1, "[{}] {ready}", app.name());

        // The engine comes back: the index catches up on its own.
        app.search_down(false);
        // Each queued change is retried on its own backoff, so the new product may be
        // searchable a round before the price change: wait for both, not the first.
        let price_of_first = |r: &Value| {
            r["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["id"] == first.as_str())
                .map(|i| i["unit_price_idr"].clone())
        };
        let r = search_until(&app, "q=batik", "both writes applied", |r| {
            r["total"] == 2 && price_of_first(r) == Some(json!(400_000))
        })
        .await;
        assert!(r["items"].as_array().unwrap().iter().any(|i| i["id"] == second.as_str()));
        app.eventually(10, "the queue drained", || {
            use diesel::prelude::*;
            let n: i64 = pasar_db::schema::search_queue::table.count().get_result(&mut *app.db()).unwrap();
            n == 0
        })
        .await;
        assert_eq!(app.get("/health/ready", None).await.expect(200)["search"]["queued"], 0);
    }
}

#[actix_web::test]
async fn a_lapsed_tkdn_certificate_costs_the_product_its_priority_until_renewed() {
    for (backend, meilisearch) in backends().into_iter().flat_map(|b| search_engines().into_iter().map(move |m| (b, m)))
    {
        let app = TestApp::start(backend, Options { meilisearch, ..Options::default() }).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (_, a) = app.approved_vendor(&curator, "a@batik.test", "UD Batik Kranggan", "9120001000031").await;
        let today = chrono::Utc::now().date_naive();
        let mut body = batik("Kain Batik Tulis Surya", BATIK, 450_000, 10, Some((3_000, 1_000)));
        body["local_content"]["valid_until"] = json!((today + chrono::TimeDelta::days(10)).to_string());
        let id = publish(&app, &a, &curator, body).await;
        search_until(&app, "q=surya&pdn_priority=true", "a priority product", |r| r["total"] == 1).await;

        // Eleven days on, the certificate has lapsed: the product keeps its recorded
        // figures but counts as without TKDN, on its page and in search.
        app.advance_days(11);
        let (a, curator) = (app.login("a@batik.test", PASSWORD).await, app.login("curator@pasar.test", PASSWORD).await);
        let p = app.get(&format!("/api/v1/products/{id}"), None).await.expect(200);
        assert_eq!(p["tkdn_lapsed"], true, "[{}] {p}", app.name());
        assert_eq!((p["pdn_priority"].clone(), p["tkdn_25"].clone()), (json!(false), json!(false)));
        assert_eq!(p["priority_tier"], "domestic");
        assert_eq!(p["tkdn_bp"], 3_000);
        let r = search_until(&app, "q=surya", "the lapse reaches the index", |r| {
            r["items"][0]["priority_tier"] == "domestic"
        })
        .await;
        assert_eq!(r["items"][0]["pdn_priority"], false, "[{}] {r}", app.name());
        assert_eq!(total(&app, "q=surya&pdn_priority=true").await, 0);
        assert_eq!(total(&app, "q=surya&min_tkdn_bp=2500").await, 0);

        // A lapsed date is refused; a current certificate goes to the curator and, once
        // approved, restores the priority.
        let path = format!("/api/v1/products/{id}");
        let lapsed = json!({ "local_content": { "certificate": "TKDN-1/2026", "tkdn_bp": 3000, "bmp_bp": 1000,
            "valid_until": (today + chrono::TimeDelta::days(5)).to_string() } });
        let e = app.request("PATCH", &path, Some(&a), Some(lapsed)).await.expect_problem(422, "validation_failed");
        assert_eq!(fields(&e), ["local_content.valid_until"], "[{}] {e}", app.name());
        let renewed = json!({ "local_content": { "certificate": "TKDN-2/2026", "tkdn_bp": 3000, "bmp_bp": 1000,
            "valid_until": (today + chrono::TimeDelta::days(400)).to_string() } });
        let p = app.request("PATCH", &path, Some(&a), Some(renewed)).await.expect(200);
        assert_eq!(p["status"], "changes_submitted", "[{}] {p}", app.name());
        app.post(&format!("{path}/review"), Some(&curator), json!({ "decision": "approve" })).await.expect(200);
        search_until(&app, "q=surya&pdn_priority=true", "the renewed certificate counts again", |r| r["total"] == 1)
            .await;
    }
}
