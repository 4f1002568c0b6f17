//! `Idempotency-Key` on `POST /api/v1/products`: the same request sent again gets the
//! first answer and creates nothing more; keys are each user's own, checked, and expire.

use pasar_tests::{backends, Options, Reply, TestApp, World};
use serde_json::{json, Value};

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";
const MAKANAN: &str = "0193a000-0000-7000-8000-000000000001";
const HEADER: &str = "Idempotency-Key";

fn kain(price: i64) -> Value {
    json!({ "name": "Kain Batik Tulis Majapahit", "category_id": BATIK, "unit": "pcs", "unit_price_idr": price })
}

async fn create(app: &TestApp, token: &str, key: Option<&str>, body: Value) -> Reply {
    let headers: Vec<(&str, &[u8])> = key.map(|k| (HEADER, k.as_bytes())).into_iter().collect();
    app.request_with("POST", "/api/v1/products", Some(token), &headers, Some(body)).await
}

/// How many products the vendor holds, drafts included.
async fn product_count(app: &TestApp, vendor: &str, token: &str) -> usize {
    let list = app.get(&format!("/api/v1/vendors/{vendor}/products?limit=100"), Some(token)).await.expect(200);
    list["items"].as_array().expect("items").len()
}

/// An approved vendor; returns `(vendor id, owner token)`.
async fn vendor(app: &TestApp, w: &World, email: &str, nib: &str) -> (String, String) {
    app.approved_vendor(w.token("curator"), email, &format!("UD {nib}"), nib).await
}

#[actix_web::test]
async fn the_same_request_again_gets_the_first_answer_and_creates_one_product() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let (va, a) = vendor(&app, &w, "a@kain.test", "9120001000501").await;
        let (vb, b) = vendor(&app, &w, "b@kain.test", "9120001000502").await;
        let key = "0193a5f0-7c1e-7a00-8000-00000000c0de";

        let first = create(&app, &a, Some(key), kain(450_000)).await;
        assert_eq!(first.status, 201, "[{}] {}", app.name(), first.body);
        assert_eq!(first.header("idempotency-replayed"), None, "the first answer is not a replay");
        let location = first.header("location").expect("location").to_owned();

        // Sent again — keys in another order, as a client may re-serialise — the first
        // answer comes back, marked, and nothing new is made.
        let body = json!({ "unit_price_idr": 450_000, "unit": "pcs", "category_id": BATIK, "name": "Kain Batik Tulis Majapahit" });
        let again = create(&app, &a, Some(key), body).await;
        assert_eq!(again.status, 201, "[{}] {}", app.name(), again.body);
        assert_eq!(again.header("idempotency-replayed"), Some("true"));
        assert_eq!(again.header("location"), Some(location.as_str()));
        assert_eq!(again.header("content-type"), Some("application/json"));
        assert_eq!(again.body, first.body, "[{}] the very same answer", app.name());
        assert_eq!(product_count(&app, &va, &a).await, 1, "[{}] one product", app.name());

        // The same key with another body is refused, naming the header.
        let p = create(&app, &a, Some(key), kain(475_000)).await.expect_problem(422, "idempotency_key_reused");
        assert_eq!(p["errors"][0]["field"], HEADER);
        assert_eq!(product_count(&app, &va, &a).await, 1);

        // Another user's key of the same name is theirs: their own product, not a replay.
        let theirs = create(&app, &b, Some(key), kain(450_000)).await;
        assert_eq!(theirs.status, 201, "[{}] {}", app.name(), theirs.body);
        assert_eq!(theirs.header("idempotency-replayed"), None);
        assert_ne!(theirs.body["id"], first.body["id"], "[{}] never another user's answer", app.name());
        assert_eq!(theirs.body["vendor_id"].as_str(), Some(vb.as_str()));
        assert_eq!((product_count(&app, &va, &a).await, product_count(&app, &vb, &b).await), (1, 1));

        // A refused request made nothing and keeps nothing: the corrected request may use
        // the same key.
        let fixing = "fix-1";
        let wrong = json!({ "name": "Onde-onde", "category_id": MAKANAN, "unit": "pcs", "unit_price_idr": 2_500 });
        create(&app, &a, Some(fixing), wrong.clone()).await.expect_problem(422, "validation_failed");
        create(&app, &a, Some(fixing), wrong).await.expect_problem(422, "validation_failed");
        let fixed = create(&app, &a, Some(fixing), kain(300_000)).await;
        assert_eq!((fixed.status, fixed.header("idempotency-replayed")), (201, None), "{}", fixed.body);
        assert_eq!(product_count(&app, &va, &a).await, 2);

        // Without a key every request is a new one, as before.
        create(&app, &a, None, kain(450_000)).await.expect(201);
        create(&app, &a, None, kain(450_000)).await.expect(201);
        assert_eq!(product_count(&app, &va, &a).await, 4);
    }
}

#[actix_web::test]
async fn concurrent_requests_with_one_key_create_exactly_one_product() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let (va, a) = vendor(&app, &w, "a@kain.test", "9120001000501").await;
        let key = "race-0193a5f0";
        let replies = futures_util::future::join_all((0..16).map(|_| create(&app, &a, Some(key), kain(450_000)))).await;
        let mut made = Vec::new();
        let mut ids = std::collections::HashSet::new();
        let mut waits = 0;
        for r in replies {
            match r.status {
                201 => {
                    ids.insert(r.body["id"].as_str().expect("id").to_owned());
                    if r.header("idempotency-replayed").is_none() {
                        made.push(r.body["id"].clone());
                    }
                }
                409 => {
                    waits += 1;
                    assert_eq!(r.header("retry-after"), Some("1"), "[{}]", app.name());
                    r.expect_problem(409, "idempotency_key_in_progress");
                }
                other => panic!("[{}] unexpected {other}: {}", app.name(), r.body),
            }
        }
        println!(
            "[{}] 16 requests, one key: {} did the work, {} replayed, {waits} told to retry",
            app.name(),
            made.len(),
            16 - made.len() - waits
        );
        assert_eq!(made.len(), 1, "[{}] exactly one request did the work", app.name());
        assert_eq!(ids.len(), 1, "[{}] every answer names the same product", app.name());
        assert_eq!(product_count(&app, &va, &a).await, 1, "[{}] exactly one product", app.name());
        // Once the dust settles, the key gives the first answer.
        let later = create(&app, &a, Some(key), kain(450_000)).await;
        assert_eq!((later.status, later.header("idempotency-replayed")), (201, Some("true")));
        assert_eq!(later.body["id"], made[0]);
    }
}

#[actix_web::test]
async fn a_malformed_key_is_refused_naming_the_header() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let (va, a) = vendor(&app, &w, "a@kain.test", "9120001000501").await;
        let long = "k".repeat(256);
        for bad in [&b""[..], long.as_bytes(), b"two words", "kunci-\u{e9}".as_bytes(), b"a,b"] {
            let r = app.request_with("POST", "/api/v1/products", Some(&a), &[(HEADER, bad)], Some(kain(450_000))).await;
            let p = r.expect_problem(400, "invalid_header");
            assert_eq!(p["errors"][0]["field"], HEADER, "[{}] {p}", app.name());
        }
        // Sent twice is ambiguous too.
        let r = app
            .request_with("POST", "/api/v1/products", Some(&a), &[(HEADER, b"k1"), (HEADER, b"k2")], Some(kain(1)))
            .await;
        assert_eq!(r.expect_problem(400, "invalid_header")["errors"][0]["field"], HEADER);
        // The longest key is fine.
        let ok = "k".repeat(255);
        create(&app, &a, Some(&ok), kain(450_000)).await.expect(201);
        assert_eq!(product_count(&app, &va, &a).await, 1, "[{}] refused requests made nothing", app.name());
        // A key does not let anyone past the usual checks.
        create(&app, w.token("pejabat_pengadaan"), Some("buyer-key"), kain(450_000))
            .await
            .expect_problem(403, "forbidden");
        let anonymous =
            app.request_with("POST", "/api/v1/products", None, &[(HEADER, b"anon-key")], Some(kain(450_000))).await;
        anonymous.expect_problem(401, "unauthenticated");
    }
}

#[actix_web::test]
async fn a_key_expires_after_a_day() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let (va, _) = vendor(&app, &w, "a@kain.test", "9120001000501").await;
        let a = app.login("a@kain.test", pasar_tests::PASSWORD).await;
        let key = "daily-order-2026-12-02";
        let first = create(&app, &a, Some(key), kain(450_000)).await.expect(201);
        assert_eq!(create(&app, &a, Some(key), kain(450_000)).await.header("idempotency-replayed"), Some("true"));

        app.advance_days(1);
        let a = app.login("a@kain.test", pasar_tests::PASSWORD).await;
        let next = create(&app, &a, Some(key), kain(450_000)).await;
        assert_eq!((next.status, next.header("idempotency-replayed")), (201, None), "[{}] {}", app.name(), next.body);
        assert_ne!(next.body["id"], first["id"], "[{}] after 24 hours the key starts a new request", app.name());
        assert_eq!(product_count(&app, &va, &a).await, 2);
        // The new answer is the one kept from now on, and another body is refused again.
        assert_eq!(create(&app, &a, Some(key), kain(450_000)).await.body["id"], next.body["id"]);
        create(&app, &a, Some(key), kain(1)).await.expect_problem(422, "idempotency_key_reused");
    }
}
