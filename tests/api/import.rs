//! CSV product import: numbers that could be misread are refused by row and column, the
//! API's row limit, and all or nothing even when the import fails after its rows were
//! written (or its process dies): nothing of a failed import is ever seen.

use diesel::prelude::*;
use pasar_catalog::service::{import_products, Importer};
use pasar_tests::{backends, Options, TestApp, World, PASSWORD};
use serde_json::Value;

const HEADER: &str = "name,category,unit,unit_price_idr,sku\n";

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

/// A file of `n` good batik rows, named `{prefix} {i}`, SKUs `{prefix}-{i}`.
fn rows(prefix: &str, n: usize) -> String {
    let mut out = String::from(HEADER);
    for i in 1..=n {
        out.push_str(&format!("Kain {prefix} {i},batik,pcs,{},{prefix}-{i}\n", 10_000 + i));
    }
    out
}

async fn post_csv(app: &TestApp, vendor: &str, token: &str, body: impl Into<Vec<u8>>) -> (u16, Value) {
    let mut resp = awc::Client::new()
        .post(format!("{}/api/v1/vendors/{vendor}/products/import", app.base))
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("content-type", "text/csv"))
        .send_body(body.into())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = resp.body().limit(1 << 24).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or_default())
}

/// What the database holds of a vendor's products, visible or not: products, their
/// prices, product imports, and search-queue entries for them.
fn stored(app: &TestApp, vendor: &str) -> (i64, i64, i64, i64) {
    use pasar_db::schema::{product_imports, product_prices, products, search_queue};
    let mut c = app.db();
    let ids: Vec<String> =
        products::table.filter(products::vendor_id.eq(vendor)).select(products::id).load(&mut *c).unwrap();
    let prices: i64 =
        product_prices::table.filter(product_prices::product_id.eq_any(&ids)).count().get_result(&mut *c).unwrap();
    let imports: i64 =
        product_imports::table.filter(product_imports::vendor_id.eq(vendor)).count().get_result(&mut *c).unwrap();
    let queued: i64 = search_queue::table
        .filter(search_queue::entity_kind.eq("product"))
        .filter(search_queue::entity_id.eq_any(&ids))
        .count()
        .get_result(&mut *c)
        .unwrap();
    (ids.len() as i64, prices, imports, queued)
}

async fn listed(app: &TestApp, vendor: &str, token: &str) -> usize {
    let r = app.get(&format!("/api/v1/vendors/{vendor}/products?limit=100"), Some(token)).await.expect(200);
    r["items"].as_array().unwrap().len()
}

async fn search_total(app: &TestApp, q: &str) -> u64 {
    app.get(&format!("/api/v1/products?q={q}"), None).await.expect(200)["total"].as_u64().unwrap()
}

/// Waits until search finds `n` products for `q` (the index follows the database within
/// a moment, never in the same request).
async fn search_until(app: &TestApp, q: &str, n: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(45);
    while search_total(app, q).await != n {
        assert!(std::time::Instant::now() < deadline, "[{}] search for {q} never found {n}", app.name());
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn numbers_that_could_be_misread_are_refused_by_row_and_column() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let (v, t) = app.approved_vendor(w.token("curator"), "angka@katalog.test", "CV Angka", "9120001000544").await;

        // Decimals, commas, bad groups, a currency, too many digits: each cell is named,
        // and nothing is stored.
        let file = "name,category,unit,unit_price_idr,tkdn_certificate,tkdn_bp,bmp_bp,tkdn_valid_until\n\
            Kain 1,batik,pcs,52000.50,,,,\n\
            Kain 2,batik,pcs,\"52,5\",,,,\n\
            Kain 3,batik,pcs,1.25.000,,,,\n\
            Kain 4,batik,pcs,Rp 5000,,,,\n\
            Kain 5,batik,pcs,99999999999999999999,,,,\n\
            Kain 6,batik,pcs,1.250.000,TKDN-1/2026,45.5,\"1,5\",2030-12-31\n\
            Kain 7,batik,pcs,1.250.000,TKDN-1/2026,4550,1.500,2030-12-31\n";
        let (status, problem) = post_csv(&app, &v, &t, file).await;
        assert_eq!(status, 422, "[{}] {problem}", app.name());
        assert_eq!(problem["code"], "validation_failed");
        assert_eq!(
            fields(&problem),
            [
                "rows[1].unit_price_idr",
                "rows[2].unit_price_idr",
                "rows[3].unit_price_idr",
                "rows[4].unit_price_idr",
                "rows[5].unit_price_idr",
                "rows[6].tkdn_bp",
                "rows[6].bmp_bp",
                "rows[7].bmp_bp",
            ],
            "[{}]",
            app.name()
        );
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("52000.50"), "{problem}");

        // Negative, empty and out-of-range values are refused by the product's rules, by
        // row and column too.
        let file = "name,category,unit,unit_price_idr,tkdn_certificate,tkdn_bp,bmp_bp,tkdn_valid_until\n\
            Kain 1,batik,pcs,-5,,,,\n\
            Kain 2,batik,pcs,,,,,\n\
            Kain 3,batik,pcs,0,,,,\n\
            Kain 4,batik,pcs,5.000,TKDN-1/2026,10001,1501,2030-12-31\n";
        let (status, problem) = post_csv(&app, &v, &t, file).await;
        assert_eq!(status, 422, "[{}] {problem}", app.name());
        assert_eq!(
            fields(&problem),
            [
                "rows[1].unit_price_idr",
                "rows[2].unit_price_idr",
                "rows[3].unit_price_idr",
                "rows[4].tkdn_bp",
                "rows[4].bmp_bp",
            ],
            "[{}]",
            app.name()
        );
        assert_eq!(stored(&app, &v), (0, 0, 0, 0), "[{}] nothing stored", app.name());

        // Thousands in Indonesian notation are read as such.
        let file =
            "name,category,unit,unit_price_idr,stock,weight_grams,tkdn_certificate,tkdn_bp,bmp_bp,tkdn_valid_until\n\
            Kain Batik Tulis,batik,pcs,1.250.000,2.500,1.200,TKDN-1/2026,4550,1500,2030-12-31\n\
            Kain Batik Cap,batik,pcs,52000,7,300,,,,\n";
        let (status, report) = post_csv(&app, &v, &t, file).await;
        assert_eq!((status, report["created"].as_u64()), (201, Some(2)), "[{}] {report}", app.name());
        let items = app.get(&format!("/api/v1/vendors/{v}/products"), Some(&t)).await.expect(200)["items"].clone();
        let tulis = items.as_array().unwrap().iter().find(|p| p["name"] == "Kain Batik Tulis").unwrap().clone();
        assert_eq!(
            (tulis["unit_price_idr"].as_i64(), tulis["stock"].as_i64(), tulis["weight_grams"].as_i64()),
            (Some(1_250_000), Some(2_500), Some(1_200))
        );
        assert_eq!((tulis["tkdn_bp"].as_i64(), tulis["bmp_bp"].as_i64()), (Some(4_550), Some(1_500)));
        let id = tulis["id"].as_str().unwrap();
        let prices = app.get(&format!("/api/v1/products/{id}/price-history"), Some(&t)).await.expect(200);
        assert_eq!(prices[0]["unit_price_idr"], 1_250_000, "[{}] the first price is kept", app.name());
    }
}

#[actix_web::test]
async fn the_api_refuses_files_over_the_row_limit() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let (v, t) = app.approved_vendor(w.token("curator"), "besar@katalog.test", "CV Besar", "9120001000544").await;
        assert_eq!(app.config.catalog.import_max_rows, 20_000);
        let (status, problem) = post_csv(&app, &v, &t, rows("BSR", 20_001)).await;
        assert_eq!(status, 413, "[{}] {problem}", app.name());
        assert_eq!(problem["code"], "payload_too_large");
        assert_eq!(fields(&problem), ["rows"]);
        assert!(problem["detail"].as_str().unwrap().contains("20000"), "the limit is named: {problem}");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("20000"), "{problem}");
        assert_eq!(stored(&app, &v), (0, 0, 0, 0), "[{}] nothing stored", app.name());
    }
}

#[actix_web::test]
async fn a_bad_row_in_the_last_batch_leaves_nothing() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let (v, t) = app.approved_vendor(w.token("curator"), "akhir@katalog.test", "CV Akhir", "9120001000544").await;
        // Three batches of rows; the very last row names a category the vendor may not use.
        let mut file = rows("AKH", 2_499);
        file.push_str("Nasi kotak,nasi-kotak-katering,porsi,25000,AKH-2500\n");
        let (status, problem) = post_csv(&app, &v, &t, file).await;
        assert_eq!(status, 422, "[{}] {problem}", app.name());
        assert_eq!(fields(&problem), ["rows[2500].category"], "[{}]", app.name());
        assert_eq!(listed(&app, &v, &t).await, 0);
        assert_eq!(stored(&app, &v), (0, 0, 0, 0), "[{}] no product, price, import or queue entry", app.name());

        // A SKU twice in one file is a problem of the later row.
        let mut file = rows("DUP", 1_500);
        file.push_str("Kain lagi,batik,pcs,1000,DUP-7\n");
        let (status, problem) = post_csv(&app, &v, &t, file).await;
        assert_eq!(status, 422, "[{}] {problem}", app.name());
        assert_eq!(fields(&problem), ["rows[1501].sku"]);

        // The same file without the bad row imports every row.
        let (status, report) = post_csv(&app, &v, &t, rows("AKH", 2_499)).await;
        assert_eq!((status, report["created"].as_u64()), (201, Some(2_499)), "[{}] {report}", app.name());
        assert_eq!(stored(&app, &v), (2_499, 2_499, 1, 0), "[{}] drafts are not queued for search", app.name());
        assert_eq!(listed(&app, &v, &t).await, 100, "[{}] a full page of them", app.name());
        // One audit entry for the import, listing its products.
        let entries: Vec<Option<String>> = {
            use pasar_db::schema::audit_log;
            let mut c = app.db();
            audit_log::table
                .filter(audit_log::action.eq("product.import"))
                .select(audit_log::after_json)
                .load(&mut *c)
                .unwrap()
        };
        assert_eq!(entries.len(), 1, "[{}]", app.name());
        let after: Value = serde_json::from_str(entries[0].as_deref().unwrap()).unwrap();
        assert_eq!((after["vendor_id"].as_str(), after["status"].as_str()), (Some(v.as_str()), Some("draft")));
        assert_eq!(after["products"].as_array().unwrap().len(), 2_499);
    }
}

#[actix_web::test]
async fn an_import_that_fails_after_writing_its_rows_leaves_nothing_and_never_shows() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let (v, t) = app.approved_vendor(w.token("curator"), "gagal@katalog.test", "CV Gagal", "9120001000544").await;
        let set_batik_open = |open: bool| {
            use pasar_db::schema::categories;
            let mut c = app.db();
            diesel::update(categories::table.filter(categories::slug.eq("batik")))
                .set(categories::active.eq(open))
                .execute(&mut *c)
                .unwrap();
        };

        // The operator publishes 2,500 rows; while the last batch is written, a curator
        // closes the category. The import fails when it would make the rows visible.
        let file = rows("GGL", 2_500);
        let mut conn = app.db();
        let batches = std::cell::Cell::new(0);
        let result = import_products(
            &mut conn,
            chrono::Utc::now(),
            pasar_core::Zone::default(),
            Importer::Operator { publish: true },
            &v,
            file.as_bytes(),
            None,
            &|done| {
                batches.set(batches.get() + 1);
                if done == 2_000 {
                    set_batik_open(false);
                }
            },
        );
        drop(conn);
        assert_eq!(batches.get(), 3, "[{}] the rows were written in three batches", app.name());
        let e = result.expect_err("the import fails");
        let errors = pasar_core::ErrorCode::field_errors(&e);
        assert_eq!(errors.len(), 200, "[{}] {e}", app.name());
        assert_eq!(errors[0].field, "rows[1].category");
        assert_eq!(stored(&app, &v), (0, 0, 0, 0), "[{}] nothing of it is left", app.name());
        assert_eq!(listed(&app, &v, &t).await, 0);

        // Reopened, a small published import is found by search; the failed one never.
        set_batik_open(true);
        let mut conn = app.db();
        import_products(
            &mut conn,
            chrono::Utc::now(),
            pasar_core::Zone::default(),
            Importer::Operator { publish: true },
            &v,
            rows("LAIN", 3).as_bytes(),
            None,
            &|_| {},
        )
        .unwrap();
        drop(conn);
        search_until(&app, "lain", 3).await;
        assert_eq!(search_total(&app, "ggl").await, 0, "[{}] the failed import is not searchable", app.name());
        let (products, prices, imports, _) = stored(&app, &v);
        assert_eq!((products, prices, imports), (3, 3, 1), "[{}]", app.name());
    }
}

#[actix_web::test]
async fn rows_of_an_import_whose_process_died_are_never_seen_and_are_removed() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let email = "mati@katalog.test";
        let (v, t) = app.approved_vendor(w.token("curator"), email, "CV Mati", "9120001000544").await;

        // The process dies after the first batch (here: the progress callback panics).
        let file = rows("MATI", 1_500);
        let mut conn = app.db();
        let died = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            import_products(
                &mut conn,
                chrono::Utc::now(),
                pasar_core::Zone::default(),
                Importer::Operator { publish: true },
                &v,
                file.as_bytes(),
                None,
                &|_| panic!("the importing process dies"),
            )
        }));
        drop(conn);
        assert!(died.is_err());
        let (products, prices, imports, _) = stored(&app, &v);
        assert_eq!((products, prices, imports), (1_000, 1_000, 1), "[{}] one batch was written", app.name());

        // None of it is seen: not in the vendor's list, not by id, not in search.
        let staged: String = {
            use pasar_db::schema::products;
            let mut c = app.db();
            products::table.filter(products::vendor_id.eq(&v)).select(products::id).first(&mut *c).unwrap()
        };
        assert_eq!(listed(&app, &v, &t).await, 0, "[{}]", app.name());
        app.get(&format!("/api/v1/products/{staged}"), Some(&t)).await.expect_problem(404, "not_found");
        app.get(&format!("/api/v1/products/{staged}"), None).await.expect_problem(404, "not_found");
        app.get(&format!("/api/v1/products/{staged}/price-history"), Some(&t)).await.expect_problem(404, "not_found");
        app.post(&format!("/api/v1/products/{staged}/submit"), Some(&t), serde_json::json!({}))
            .await
            .expect_problem(404, "not_found");
        assert_eq!(search_total(&app, "mati").await, 0);

        // Once it has been left alone long enough, the next import removes it.
        app.advance_days(1);
        let t = app.login(email, PASSWORD).await;
        let (status, report) = post_csv(&app, &v, &t, rows("BARU", 2)).await;
        assert_eq!((status, report["created"].as_u64()), (201, Some(2)), "[{}] {report}", app.name());
        assert_eq!(stored(&app, &v), (2, 2, 1, 0), "[{}] the abandoned rows are gone", app.name());
        assert_eq!(listed(&app, &v, &t).await, 2);
    }
}
