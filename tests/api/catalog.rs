//! The catalogue: categories, products with local content, price history, curation,
//! and who sees what.

use pasar_tests::{backends, Options, TestApp, World, PDF, PNG};
use serde_json::json;

const ATK: &str = "0193a000-0000-7000-8000-000000000002";
const SERAGAM: &str = "0193a000-0000-7000-8000-000000000032";
const BATIK: &str = "0193a000-0000-7000-8000-000000000031";
const MAKANAN: &str = "0193a000-0000-7000-8000-000000000001";

fn fields(problem: &serde_json::Value) -> Vec<String> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn categories_are_seeded_public_and_managed_by_admins() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let tree = app.get("/api/v1/categories", None).await.expect(200);
        let slugs: Vec<&str> = tree.as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
        for s in ["makanan-minuman", "atk", "batik-tekstil", "kerajinan", "elektronik", "furnitur", "jasa"] {
            assert!(slugs.contains(&s), "[{}] {s} seeded", app.name());
        }
        let body =
            json!({ "slug": "obat-herbal", "name": "Obat Herbal", "parent_id": MAKANAN, "kbli_prefixes": ["2102"] });
        app.post("/api/v1/categories", Some(w.token("curator")), body.clone()).await.expect_problem(403, "forbidden");
        let made = app.post("/api/v1/categories", Some(&w.admin), body.clone()).await.expect(201);
        app.post("/api/v1/categories", Some(&w.admin), body).await.expect_problem(409, "already_exists");
        let r = app
            .post(
                "/api/v1/categories",
                Some(&w.admin),
                json!({ "slug": "Bad Slug", "name": "", "kbli_prefixes": ["1"] }),
            )
            .await;
        assert_eq!(fields(&r.expect_problem(422, "validation_failed")), vec!["slug", "name", "kbli_prefixes[0]"]);
        // A category cannot become its own ancestor.
        let r = app
            .request(
                "PATCH",
                &format!("/api/v1/categories/{MAKANAN}"),
                Some(&w.admin),
                Some(json!({ "parent_id": made["id"] })),
            )
            .await;
        assert_eq!(fields(&r.expect_problem(422, "validation_failed")), vec!["parent_id"]);
        let closed = app
            .request(
                "PATCH",
                &format!("/api/v1/categories/{}", made["id"].as_str().unwrap()),
                Some(&w.admin),
                Some(json!({ "active": false })),
            )
            .await
            .expect(200);
        assert_eq!(closed["active"], false);
    }
}

#[actix_web::test]
async fn a_product_is_listed_curated_published_changed_and_taken_down() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (vendor, t) = app.approved_vendor(&curator, "atk@shop.test", "CV Sinar ATK", "9120001000099").await;
        // The helper's vendor holds KBLI 13134 and 47711: batik yes, food no.
        let r = app
            .post(
                "/api/v1/products",
                Some(&t),
                json!({ "name": "Onde-onde", "category_id": MAKANAN, "unit": "pcs", "unit_price_idr": 2500 }),
            )
            .await;
        assert_eq!(fields(&r.expect_problem(422, "validation_failed")), vec!["category_id"]);

        let body = json!({
            "name": "Kain Batik Tulis Majapahit", "description": "Katun primisima, 2 m", "category_id": BATIK,
            "brand": "Majapahit", "sku": "BTK-001", "unit": "pcs", "unit_price_idr": 450_000, "min_order": 2, "stock": 40,
            "weight_grams": 300, "specs": { "bahan": "katun", "ukuran": "200 x 115 cm" },
            "local_content": { "certificate": "TKDN-0001/2026", "tkdn_bp": 4_500, "bmp_bp": 1_000, "valid_until": "2029-12-31" }
        });
        let p = app.post("/api/v1/products", Some(&t), body).await.expect(201);
        let id = p["id"].as_str().unwrap().to_owned();
        assert_eq!(
            (p["status"].as_str(), p["pdn_priority"].as_bool(), p["tkdn_25"].as_bool()),
            (Some("draft"), Some(true), Some(true)),
            "[{}]",
            app.name()
        );
        assert_eq!(p["priority_tier"], "pdn_priority");
        assert_eq!((p["umkk"].as_bool(), p["local"].as_bool()), (Some(true), Some(true)));
        let path = format!("/api/v1/products/{id}");

        // A draft is not public.
        app.get(&path, None).await.expect_problem(404, "not_found");
        app.get(&path, Some(w.token("pejabat_pengadaan"))).await.expect_problem(404, "not_found");

        // Submit → the curator's queue → approved → public.
        app.post(&format!("{path}/submit"), Some(&t), json!({})).await.expect(200);
        let queue = app.get("/api/v1/curation/products", Some(&curator)).await.expect(200);
        assert_eq!(queue["items"][0]["id"], id.as_str());
        app.post(&format!("{path}/review"), Some(&curator), json!({ "decision": "reject" }))
            .await
            .expect_problem(422, "validation_failed");
        app.post(&format!("{path}/review"), Some(&curator), json!({ "decision": "approve" })).await.expect(200);
        let public = app.get(&path, None).await.expect(200);
        assert_eq!(public["name"], "Kain Batik Tulis Majapahit");
        assert!(public.get("status").is_none(), "the public does not see the working state");

        // Price and stock change at once, and every price is kept.
        app.request("PATCH", &path, Some(&t), Some(json!({ "unit_price_idr": 425_000, "stock": 35 })))
            .await
            .expect(200);
        let history = app.get(&format!("{path}/price-history"), None).await.expect(200);
        let prices: Vec<i64> =
            history.as_array().unwrap().iter().map(|p| p["unit_price_idr"].as_i64().unwrap()).collect();
        assert_eq!(prices, vec![450_000, 425_000]);

        // A new name goes back to the curator; buyers keep seeing the approved one.
        let changed = app
            .request("PATCH", &path, Some(&t), Some(json!({ "name": "Kain Batik Tulis Surya Majapahit" })))
            .await
            .expect(200);
        assert_eq!(changed["status"], "changes_submitted");
        assert_eq!(app.get(&path, None).await.expect(200)["name"], "Kain Batik Tulis Majapahit");
        app.request("PATCH", &path, Some(&t), Some(json!({ "category_id": SERAGAM })))
            .await
            .expect_problem(409, "invalid_state");
        let queue = app.get("/api/v1/curation/products?status=changes_submitted", Some(&curator)).await.expect(200);
        assert_eq!(queue["items"][0]["id"], id.as_str());
        app.post(&format!("{path}/review"), Some(&curator), json!({ "decision": "approve" })).await.expect(200);
        assert_eq!(app.get(&path, None).await.expect(200)["name"], "Kain Batik Tulis Surya Majapahit");

        // A rejected change restores the approved version.
        app.request("PATCH", &path, Some(&t), Some(json!({ "local_content": { "certificate": "TKDN-0001/2026", "tkdn_bp": 9_000, "bmp_bp": 1_000, "valid_until": "2029-12-31" } })))
            .await
            .expect(200);
        let back = app
            .post(
                &format!("{path}/review"),
                Some(&curator),
                json!({ "decision": "reject", "reason": "The certificate says 45 %." }),
            )
            .await
            .expect(200);
        assert_eq!((back["status"].as_str(), back["tkdn_bp"].as_i64()), (Some("published"), Some(4_500)));
        assert_eq!(back["review_note"], "The certificate says 45 %.");

        // Taken down with a reason: gone from view until resubmitted and approved.
        app.post(&format!("{path}/takedown"), Some(&t), json!({ "reason": "x" }))
            .await
            .expect_problem(403, "forbidden");
        app.post(&format!("{path}/takedown"), Some(&curator), json!({ "reason": "Photo misleading" }))
            .await
            .expect(200);
        app.get(&path, None).await.expect_problem(404, "not_found");
        app.post(&format!("{path}/submit"), Some(&t), json!({})).await.expect(200);
        app.post(&format!("{path}/review"), Some(&curator), json!({ "decision": "approve" })).await.expect(200);
        app.get(&path, None).await.expect(200);

        // Suspending the vendor hides all its products at once, and it cannot edit them.
        app.post(&format!("/api/v1/vendors/{vendor}/suspend"), Some(&w.admin), json!({ "reason": "Audit" }))
            .await
            .expect(200);
        app.get(&path, None).await.expect_problem(404, "not_found");
        app.request("PATCH", &path, Some(&t), Some(json!({ "stock": 1 }))).await.expect_problem(403, "forbidden");
        app.post(&format!("/api/v1/vendors/{vendor}/reinstate"), Some(&w.admin), json!({ "reason": "Cleared" }))
            .await
            .expect(200);
        app.get(&path, None).await.expect(200);

        // Everything is in the audit log.
        let entries = pasar_db::audit::for_entity(&mut app.db(), "product", &id).unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        for a in ["product.create", "product.submit", "product.review", "product.update", "product.take_down"] {
            assert!(actions.contains(&a), "[{}] {a} in {actions:?}", app.name());
        }
    }
}

#[actix_web::test]
async fn vendors_touch_only_their_own_products_and_buyers_cannot_list() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (a, ta) = app.approved_vendor(&curator, "a@katalog.test", "CV Alpha", "9120001000311").await;
        let (b, tb) = app.approved_vendor(&curator, "b@katalog.test", "CV Beta", "9120001000322").await;
        let draft = app
            .post(
                "/api/v1/products",
                Some(&ta),
                json!({ "name": "Batik Draft", "category_id": BATIK, "unit": "pcs", "unit_price_idr": 100_000 }),
            )
            .await
            .expect(201);
        let draft = draft["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/products/{draft}");

        app.get(&path, Some(&tb)).await.expect_problem(404, "not_found");
        app.request("PATCH", &path, Some(&tb), Some(json!({ "unit_price_idr": 1 })))
            .await
            .expect_problem(404, "not_found");
        app.request("DELETE", &path, Some(&tb), None).await.expect_problem(404, "not_found");
        app.post(&format!("{path}/submit"), Some(&tb), json!({})).await.expect_problem(404, "not_found");
        app.get(&format!("{path}/price-history"), Some(&tb)).await.expect_problem(404, "not_found");
        app.get(&format!("/api/v1/vendors/{a}/products"), Some(&tb)).await.expect_problem(404, "not_found");
        let own = app.get(&format!("/api/v1/vendors/{b}/products"), Some(&tb)).await.expect(200);
        assert!(own["items"].as_array().unwrap().is_empty());
        let mine = app.get(&format!("/api/v1/vendors/{a}/products"), Some(&ta)).await.expect(200);
        assert_eq!(mine["items"][0]["status"], "draft");

        // Buyers, curators and auditors do not list products; a draft vendor neither.
        for role in ["pejabat_pengadaan", "ppk", "curator", "auditor"] {
            app.post(
                "/api/v1/products",
                Some(w.token(role)),
                json!({ "name": "X", "category_id": ATK, "unit": "pcs", "unit_price_idr": 1 }),
            )
            .await
            .expect_problem(403, "forbidden");
        }
        let (_, draft_vendor) = app.register_vendor("draft@katalog.test", "UD Draft", "ud").await;
        app.post(
            "/api/v1/products",
            Some(&draft_vendor),
            json!({ "name": "X", "category_id": ATK, "unit": "pcs", "unit_price_idr": 1 }),
        )
        .await
        .expect_problem(403, "forbidden");
        // Curators and auditors read the full record; curators cannot edit it.
        app.get(&path, Some(w.token("auditor"))).await.expect(200);
        app.request("PATCH", &path, Some(&curator), Some(json!({ "stock": 1 }))).await.expect_problem(403, "forbidden");
        // Deleted is gone for its vendor too.
        app.request("DELETE", &path, Some(&ta), None).await.expect(204);
        app.get(&path, Some(&ta)).await.expect_problem(404, "not_found");
    }
}

#[actix_web::test]
async fn bad_product_input_names_the_field() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let (_, t) = app.approved_vendor(w.token("curator"), "bad@katalog.test", "CV Salah", "9120001000433").await;
        let r = app.post("/api/v1/products", Some(&t), json!({})).await;
        assert_eq!(
            fields(&r.expect_problem(422, "validation_failed")),
            vec!["name", "category_id", "unit", "unit_price_idr"]
        );
        let bad = json!({ "name": "X", "category_id": BATIK, "unit": "ton", "unit_price_idr": -5, "min_order": 0, "stock": -1,
                          "local_content": { "tkdn_bp": 10_001, "bmp_bp": 1_600, "valid_until": "31-12-2029" } });
        let r = app.post("/api/v1/products", Some(&t), bad).await.expect_problem(422, "validation_failed");
        let f = fields(&r);
        for expected in [
            "unit",
            "unit_price_idr",
            "min_order",
            "stock",
            "local_content.tkdn_bp",
            "local_content.bmp_bp",
            "local_content.valid_until",
        ] {
            assert!(f.contains(&expected.to_string()), "[{}] {expected} not in {f:?}", app.name());
        }
        let r = app.post("/api/v1/products", Some(&t), json!({ "name": "X", "category_id": BATIK, "unit": "pcs", "unit_price_idr": 10, "local_content": { "tkdn_bp": 3000 } })).await;
        assert_eq!(fields(&r.expect_problem(422, "validation_failed")), vec!["local_content.certificate"]);
        let ok = json!({ "name": "X", "category_id": BATIK, "unit": "pcs", "unit_price_idr": 10, "sku": "A-1" });
        app.post("/api/v1/products", Some(&t), ok.clone()).await.expect(201);
        app.post("/api/v1/products", Some(&t), ok).await.expect_problem(409, "already_exists");
        app.post(
            "/api/v1/products",
            Some(&t),
            json!({ "name": "X", "category_id": "nope", "unit": "pcs", "unit_price_idr": 10 }),
        )
        .await
        .expect_problem(422, "validation_failed");
        app.get("/api/v1/products/not-a-uuid", None).await.expect_problem(404, "not_found");
        app.get("/api/v1/curation/products?status=draft", Some(w.token("curator")))
            .await
            .expect_problem(400, "invalid_query");
    }
}

#[actix_web::test]
async fn products_are_imported_from_csv_all_or_nothing() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (a, ta) = app.approved_vendor(&curator, "csv@katalog.test", "CV Impor", "9120001000544").await;
        let (_, tb) = app.approved_vendor(&curator, "csv2@katalog.test", "CV Lain", "9120001000555").await;
        let path = format!("/api/v1/vendors/{a}/products/import");
        let example =
            std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/examples/products.csv"))
                .unwrap();

        app.request_raw("POST", &path, "application/json", example.clone())
            .await
            .expect_problem(401, "unauthenticated");
        let post_csv = |token: &str, body: Vec<u8>| {
            let token = token.to_owned();
            let path = path.clone();
            let app = &app;
            async move {
                let resp = awc::Client::new()
                    .post(format!("{}{}", app.base, path))
                    .insert_header(("authorization", format!("Bearer {token}")))
                    .insert_header(("content-type", "text/csv"))
                    .send_body(body)
                    .await
                    .unwrap();
                let mut resp = resp;
                let status = resp.status().as_u16();
                let json: serde_json::Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap_or_default();
                (status, json)
            }
        };
        // Another vendor cannot import into this one.
        let (status, _) = post_csv(&tb, example.clone()).await;
        assert_eq!(status, 404, "[{}]", app.name());

        // A file with bad rows imports nothing and names each problem.
        let bad = b"name,category,unit,unit_price_idr,tkdn_bp\nKain,batik,pcs,450000,\nNasi kotak,makanan-ringan,porsi,25000,\nKain 2,batik,ton,-1,\nKain 3,batik,pcs,murah,\n".to_vec();
        let (status, problem) = post_csv(&ta, bad).await;
        assert_eq!(status, 422, "[{}] {problem}", app.name());
        let fields: Vec<&str> =
            problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["rows[4].unit_price_idr"], "number errors are found before any row is stored");
        let bad = b"name,category,unit,unit_price_idr\nKain,batik,pcs,450000\nNasi kotak,makanan-ringan,porsi,25000\nKain 2,batik,ton,-1\n".to_vec();
        let (status, problem) = post_csv(&ta, bad).await;
        assert_eq!(status, 422);
        let fields: Vec<&str> =
            problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["rows[2].category", "rows[3].unit", "rows[3].unit_price_idr"]);
        let listed = app.get(&format!("/api/v1/vendors/{a}/products"), Some(&ta)).await.expect(200);
        assert!(listed["items"].as_array().unwrap().is_empty(), "[{}] nothing half-imported", app.name());

        // The shipped example imports as drafts.
        let (status, report) = post_csv(&ta, example).await;
        assert_eq!((status, report["created"].as_u64()), (201, Some(3)), "{report}");
        let listed = app.get(&format!("/api/v1/vendors/{a}/products"), Some(&ta)).await.expect(200);
        let items = listed["items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        assert!(items.iter().all(|p| p["status"] == "draft"));
        let batik = items.iter().find(|p| p["sku"] == "BTK-001").unwrap();
        assert_eq!((batik["tkdn_bp"].as_i64(), batik["pdn_priority"].as_bool()), (Some(4_500), Some(true)));
        assert_eq!(batik["specs"]["bahan"], "katun");
    }
}

/// A real picture of `w` × `h` pixels.
fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([180, 40, 40]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[actix_web::test]
async fn product_photos_are_checked_thumbnailed_shown_and_guarded() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (_, a) = app.approved_vendor(&curator, "a@batik.test", "UD Batik Kranggan", "9120001000031").await;
        let (_, b) = app.approved_vendor(&curator, "b@batik.test", "UD Batik Lain", "9120001000032").await;
        let body = json!({ "name": "Kain Batik Tulis Majapahit", "category_id": BATIK, "unit": "pcs", "unit_price_idr": 450_000 });
        let p = app.post("/api/v1/products", Some(&a), body).await.expect(201);
        let id = p["id"].as_str().unwrap().to_owned();
        let images = format!("/api/v1/products/{id}/images");
        let picture = png(800, 400);

        // Only the vendor's own users add photos; pictures are judged by content.
        let up = |token: &str, file: (&'static str, &'static str, Vec<u8>)| {
            let (app, images, token) = (&app, images.clone(), token.to_owned());
            async move { app.multipart("POST", &images, &token, &[], Some((file.0, file.1, &file.2))).await }
        };
        up(&b, ("a.png", "image/png", picture.clone())).await.expect_problem(404, "not_found");
        up(&curator, ("a.png", "image/png", picture.clone())).await.expect_problem(403, "forbidden");
        let r = up(&a, ("a.png", "image/png", PDF.to_vec())).await;
        assert_eq!(fields(&r.expect_problem(422, "validation_failed")), vec!["file"]);
        let r = up(&a, ("a.png", "image/png", PNG.to_vec())).await;
        assert_eq!(
            fields(&r.expect_problem(422, "validation_failed")),
            vec!["file"],
            "[{}] a header alone",
            app.name()
        );
        let r = app.multipart("POST", &images, &a, &[("kind", "nib")], Some(("a.png", "image/png", &picture))).await;
        assert_eq!(fields(&r.expect_problem(422, "validation_failed")), vec!["kind"]);
        let img = up(&a, ("a.png", "image/png", picture.clone())).await.expect(201);
        assert_eq!(
            (img["width"].as_i64(), img["height"].as_i64(), img["position"].as_i64()),
            (Some(800), Some(400), Some(0))
        );

        // A draft's photos are as private as the draft.
        app.get(&images, None).await.expect_problem(404, "not_found");
        assert_eq!(app.get(&images, Some(&a)).await.expect(200).as_array().unwrap().len(), 1);

        // Published: everyone sees them, thumbnails included, and search shows the cover.
        app.post(&format!("/api/v1/products/{id}/submit"), Some(&a), json!({})).await.expect(200);
        app.post(&format!("/api/v1/products/{id}/review"), Some(&curator), json!({ "decision": "approve" }))
            .await
            .expect(200);
        let list = app.get(&images, None).await.expect(200);
        let thumb_url = list[0]["thumbnail_url"].as_str().unwrap().to_owned();
        let (status, content_type, bytes) = app.download(&thumb_url, w.token("pejabat_pengadaan")).await;
        assert_eq!((status, content_type.as_str()), (200, "image/jpeg"));
        let thumb = image::load_from_memory(&bytes).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 160));
        let (status, content_type, original) = app.download(list[0]["url"].as_str().unwrap(), &b).await;
        assert_eq!((status, content_type.as_str(), original.len()), (200, "image/png", picture.len()));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let r = app.get("/api/v1/products?q=majapahit", None).await.expect(200);
            if r["items"][0]["thumbnail_url"] == thumb_url.as_str() {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "[{}] no cover in search: {r}", app.name());
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }

        // Removing: not by another vendor; by the owner, and it is gone.
        let one = format!("{images}/{}", img["id"].as_str().unwrap());
        app.request("DELETE", &one, Some(&b), None).await.expect_problem(404, "not_found");
        let stored = app.dir.path().join("files/products").join(&id);
        assert_eq!(std::fs::read_dir(&stored).unwrap().count(), 2, "the photo and its thumbnail");
        app.request("DELETE", &one, Some(&a), None).await.expect(204);
        assert_eq!(std::fs::read_dir(&stored).unwrap().count(), 0, "[{}] files deleted with the photo", app.name());
        assert!(app.get(&images, None).await.expect(200).as_array().unwrap().is_empty());
        app.get(&one, None).await.expect_problem(404, "not_found");

        // A new photo on a published product waits for the curator, as a change does:
        // buyers see none of it meanwhile, and a rejected change leaves it unapproved.
        let small = png(40, 20);
        let product = format!("/api/v1/products/{id}");
        let pending = up(&a, ("s.png", "image/png", small.clone())).await.expect(201);
        assert_eq!(pending["approved"], false);
        assert_eq!(app.get(&product, Some(&a)).await.expect(200)["status"], "changes_submitted");
        assert!(app.get(&images, None).await.expect(200).as_array().unwrap().is_empty(), "[{}]", app.name());
        let pending_url = pending["thumbnail_url"].as_str().unwrap().to_owned();
        assert_eq!(app.download(&pending_url, w.token("pejabat_pengadaan")).await.0, 404);
        assert_eq!(app.download(&pending_url, &curator).await.0, 200);
        let queue = app.get("/api/v1/curation/products?status=changes_submitted", Some(&curator)).await.expect(200);
        assert!(queue["items"].as_array().unwrap().iter().any(|p| p["id"] == id.as_str()));
        let reject = json!({ "decision": "reject", "reason": "Foto buram" });
        app.post(&format!("{product}/review"), Some(&curator), reject).await.expect(200);
        assert!(app.get(&images, None).await.expect(200).as_array().unwrap().is_empty());
        assert_eq!(app.get(&images, Some(&a)).await.expect(200)[0]["approved"], false);

        // Ten photos at most; a refused one leaves no file behind.
        let mut ids = vec![pending["id"].as_str().unwrap().to_owned()];
        for _ in 1..10 {
            let img = up(&a, ("s.png", "image/png", small.clone())).await.expect(201);
            ids.push(img["id"].as_str().unwrap().to_owned());
        }
        up(&a, ("s.png", "image/png", small.clone())).await.expect_problem(409, "invalid_state");
        assert_eq!(std::fs::read_dir(&stored).unwrap().count(), 20, "[{}] ten photos, ten thumbnails", app.name());

        // The curator approves the photos they saw; one uploaded after they looked waits.
        let review = format!("{product}/review");
        let bad = json!({ "decision": "approve", "images": ["not-an-id"] });
        let e = app.post(&review, Some(&curator), bad).await.expect_problem(422, "validation_failed");
        assert_eq!(fields(&e), ["images[0]"]);
        let seen = &ids[..9];
        app.post(&review, Some(&curator), json!({ "decision": "approve", "images": seen })).await.expect(200);
        let shown = app.get(&images, None).await.expect(200);
        let shown: Vec<&str> = shown.as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(shown, seen, "[{}]", app.name());
        let all = app.get(&images, Some(&a)).await.expect(200);
        assert_eq!(all[9]["approved"], false, "[{}] {all}", app.name());
    }
}

#[actix_web::test]
async fn the_unit_a_price_is_for_changes_only_through_the_curator() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (_, t) = app.approved_vendor(&curator, "unit@shop.test", "UD Satuan", "9120001000301").await;
        let body = json!({ "name": "Kain Batik Cap", "category_id": BATIK, "unit": "pcs", "unit_price_idr": 150_000 });
        let id = app.post("/api/v1/products", Some(&t), body).await.expect(201)["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/products/{id}");
        app.post(&format!("{path}/submit"), Some(&t), json!({})).await.expect(200);
        app.post(&format!("{path}/review"), Some(&curator), json!({ "decision": "approve" })).await.expect(200);

        // "per pcs" does not silently become "per meter": buyers keep the approved unit.
        let changed = app.request("PATCH", &path, Some(&t), Some(json!({ "unit": "meter" }))).await.expect(200);
        assert_eq!((changed["status"].as_str(), changed["unit"].as_str()), (Some("changes_submitted"), Some("meter")));
        assert_eq!(changed["published"]["unit"], "pcs", "[{}]", app.name());
        assert_eq!(app.get(&path, None).await.expect(200)["unit"], "pcs");
        // Rejected: the approved unit comes back.
        app.post(
            &format!("{path}/review"),
            Some(&curator),
            json!({ "decision": "reject", "reason": "Harga per meter?" }),
        )
        .await
        .expect(200);
        assert_eq!(app.get(&path, Some(&t)).await.expect(200)["unit"], "pcs");
        // Approved: in force for buyers.
        app.request("PATCH", &path, Some(&t), Some(json!({ "unit": "meter" }))).await.expect(200);
        app.post(&format!("{path}/review"), Some(&curator), json!({ "decision": "approve" })).await.expect(200);
        assert_eq!(app.get(&path, None).await.expect(200)["unit"], "meter", "[{}]", app.name());
    }
}
