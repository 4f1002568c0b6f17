//! Two people change one product at the same moment. Whatever the interleaving, the
//! product ends as if one had acted after the other, and the audit log tells that same
//! story: no write is lost, and a deleted product never comes back.

use pasar_tests::{backends, Options, TestApp, World};
use serde_json::{json, Value};

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";
const ROUNDS: usize = 12;

/// A new product of `vendor` (token `t`), submitted to the curator.
async fn submitted(app: &TestApp, t: &str, n: usize) -> String {
    let body = json!({
        "name": format!("Kain Batik Tulis {n}"), "category_id": BATIK, "unit": "pcs",
        "unit_price_idr": 450_000, "stock": 10,
    });
    let p = app.post("/api/v1/products", Some(t), body).await.expect(201);
    let id = p["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/products/{id}/submit"), Some(t), json!({})).await.expect(200);
    id
}

/// The product's audit actions, oldest first.
fn actions(app: &TestApp, id: &str) -> Vec<String> {
    pasar_db::audit::for_entity(&mut app.db(), "product", id).unwrap().into_iter().map(|r| r.action).collect()
}

fn chain_holds(app: &TestApp) {
    let report = pasar_db::audit::verify(&mut app.db()).unwrap();
    assert_eq!(report.first_broken, None, "[{}]", app.name());
    assert_eq!(report.unsealed, 0, "[{}] every committed entry is sealed once its request is answered", app.name());
}

#[actix_web::test]
async fn approval_racing_deletion_never_brings_the_product_back() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (_, t) = app.approved_vendor(&curator, "race1@shop.test", "CV Balapan", "9120001000101").await;
        for n in 0..ROUNDS {
            let id = submitted(&app, &t, n).await;
            let path = format!("/api/v1/products/{id}");
            let review = format!("{path}/review");
            let (approve, delete) = futures_util::join!(
                app.post(&review, Some(&curator), json!({ "decision": "approve" })),
                app.request("DELETE", &path, Some(&t), None),
            );
            assert_eq!(delete.status, 204, "[{}] the vendor may always delete: {}", app.name(), delete.body);
            let approved = match approve.status {
                200 => true,
                404 => false,
                s => panic!("[{}] approval answered {s}: {}", app.name(), approve.body),
            };
            // Deleted either way: approve-then-delete, or delete-then-nothing-to-approve.
            app.get(&path, None).await.expect_problem(404, "not_found");
            app.get(&path, Some(&t)).await.expect_problem(404, "not_found");
            let expected: Vec<&str> = if approved {
                vec!["product.create", "product.submit", "product.review", "product.delete"]
            } else {
                vec!["product.create", "product.submit", "product.delete"]
            };
            assert_eq!(actions(&app, &id), expected, "[{}] round {n}", app.name());
        }
        chain_holds(&app);
    }
}

#[actix_web::test]
async fn a_price_edit_racing_the_approval_is_never_lost() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (_, t) = app.approved_vendor(&curator, "race2@shop.test", "CV Balapan Dua", "9120001000102").await;
        for n in 0..ROUNDS {
            let id = submitted(&app, &t, n).await;
            let path = format!("/api/v1/products/{id}");
            let price = 400_000 + n as i64;
            let review = format!("{path}/review");
            let (approve, edit) = futures_util::join!(
                app.post(&review, Some(&curator), json!({ "decision": "approve" })),
                app.request("PATCH", &path, Some(&t), Some(json!({ "unit_price_idr": price, "stock": 7 }))),
            );
            assert_eq!(approve.status, 200, "[{}] {}", app.name(), approve.body);
            assert_eq!(edit.status, 200, "[{}] {}", app.name(), edit.body);
            // Both orders end the same way: published, at the new price and stock.
            let public = app.get(&path, None).await.expect(200);
            assert_eq!((public["unit_price_idr"].as_i64(), public["stock"].as_i64()), (Some(price), Some(7)));
            let own = app.get(&path, Some(&t)).await.expect(200);
            assert_eq!(own["status"], "published", "[{}] round {n}", app.name());
            let history = app.get(&format!("{path}/price-history"), None).await.expect(200);
            let prices: Vec<i64> =
                history.as_array().unwrap().iter().map(|p| p["unit_price_idr"].as_i64().unwrap()).collect();
            assert_eq!(prices, vec![450_000, price], "[{}]", app.name());
            let mut seen = actions(&app, &id);
            seen.sort();
            assert_eq!(seen, vec!["product.create", "product.review", "product.submit", "product.update"]);
        }
        chain_holds(&app);
    }
}

#[actix_web::test]
async fn a_take_down_racing_an_edit_stays_down_and_keeps_the_edit() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (_, t) = app.approved_vendor(&curator, "race3@shop.test", "CV Balapan Tiga", "9120001000103").await;
        for n in 0..ROUNDS {
            let id = submitted(&app, &t, n).await;
            let path = format!("/api/v1/products/{id}");
            app.post(&format!("{path}/review"), Some(&curator), json!({ "decision": "approve" })).await.expect(200);
            let price = 300_000 + n as i64;
            let takedown = format!("{path}/takedown");
            let (down, edit) = futures_util::join!(
                app.post(&takedown, Some(&curator), json!({ "reason": "Foto tidak sesuai" })),
                app.request("PATCH", &path, Some(&t), Some(json!({ "unit_price_idr": price }))),
            );
            assert_eq!(down.status, 200, "[{}] {}", app.name(), down.body);
            assert_eq!(
                edit.status,
                200,
                "[{}] the vendor may still edit a product taken down: {}",
                app.name(),
                edit.body
            );
            // Down for buyers, whatever the order; the vendor's edit kept.
            app.get(&path, None).await.expect_problem(404, "not_found");
            let own: Value = app.get(&path, Some(&t)).await.expect(200);
            assert_eq!((own["status"].as_str(), own["unit_price_idr"].as_i64()), (Some("taken_down"), Some(price)));
            let mut seen = actions(&app, &id);
            seen.sort();
            assert_eq!(
                seen,
                vec!["product.create", "product.review", "product.submit", "product.take_down", "product.update"],
                "[{}]",
                app.name()
            );
        }
        chain_holds(&app);
    }
}
