//! Files in an S3-compatible store: with `files.s3_*` set, vendors' documents and
//! product photos go to the bucket (under the configured prefix), come back through the
//! API unchanged, and a store that goes away is a 503 that reveals nothing of it.

use pasar_core::storage::FileStore;
use pasar_server::config::FilesConfig;
use pasar_server::files::S3Store;
use pasar_tests::{backends, s3_available, Options, TestApp, World, PDF};
use serde_json::json;

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([30, 90, 160]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The bucket as another client sees it: from its root, not through the app's prefix.
fn bucket_root(app: &TestApp) -> S3Store {
    let root = FilesConfig { s3_prefix: String::new(), ..app.config.files.clone() };
    S3Store::connect(&root).expect("a client of the test bucket")
}

#[actix_web::test]
async fn documents_and_photos_are_kept_in_the_bucket_and_read_back_through_the_api() {
    if !s3_available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options { s3: true, ..Options::default() }).await;
        let name = app.name();
        let prefix = app.config.files.s3_prefix.clone();
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();

        // A vendor's legal document.
        let (vendor, owner) = app.register_vendor("s3@vendor.test", "UD Berkas Awan", "ud").await;
        let docs = format!("/api/v1/vendors/{vendor}/documents");
        let fields = [("kind", "nib"), ("number", "9120001000777"), ("valid_until", "2099-12-31")];
        let doc =
            app.multipart("POST", &docs, &owner, &fields, Some(("nib.pdf", "application/pdf", PDF))).await.expect(201);
        let doc_id = doc["id"].as_str().unwrap().to_owned();
        let file = format!("{docs}/{doc_id}/file");
        let (status, content_type, bytes) = app.download(&file, &owner).await;
        assert_eq!((status, content_type.as_str(), bytes.as_slice()), (200, "application/pdf", PDF), "[{name}]");

        // A product photo and its thumbnail.
        let (_, seller) = app.approved_vendor(&curator, "foto@vendor.test", "UD Foto Awan", "9120001000778").await;
        let body = json!({ "name": "Kain Batik Awan", "category_id": BATIK, "unit": "pcs", "unit_price_idr": 250_000 });
        let product = app.post("/api/v1/products", Some(&seller), body).await.expect(201);
        let product_id = product["id"].as_str().unwrap().to_owned();
        let picture = png(640, 480);
        let images = format!("/api/v1/products/{product_id}/images");
        let img =
            app.multipart("POST", &images, &seller, &[], Some(("a.png", "image/png", &picture))).await.expect(201);
        let image_id = img["id"].as_str().unwrap().to_owned();
        let (status, content_type, original) = app.download(img["url"].as_str().unwrap(), &seller).await;
        assert_eq!((status, content_type.as_str()), (200, "image/png"), "[{name}]");
        assert!(original == picture, "[{name}] the photo comes back byte for byte");
        let (status, _, thumb) = app.download(img["thumbnail_url"].as_str().unwrap(), &seller).await;
        assert_eq!(status, 200);
        let thumb_picture = image::load_from_memory(&thumb).unwrap();
        assert_eq!((thumb_picture.width(), thumb_picture.height()), (320, 240), "[{name}]");

        // They are in the bucket, under the configured prefix, and not on the local disk.
        let root = bucket_root(&app);
        assert_eq!(root.get(&format!("{prefix}/vendors/{vendor}/{doc_id}.pdf")).unwrap(), PDF, "[{name}]");
        let stored = root.get(&format!("{prefix}/products/{product_id}/{image_id}.png")).unwrap();
        assert!(stored == picture, "[{name}] the photo is in the bucket");
        assert_eq!(root.get(&format!("{prefix}/products/{product_id}/{image_id}.thumb.jpg")).unwrap(), thumb);
        assert!(!app.dir.path().join("files").exists(), "[{name}] nothing was written to the local disk");

        // A removed photo leaves the bucket too.
        app.request("DELETE", &format!("{images}/{image_id}"), Some(&seller), None).await.expect(204);
        let gone = root.get(&format!("{prefix}/products/{product_id}/{image_id}.png"));
        assert!(matches!(gone, Err(pasar_core::storage::StorageError::NotFound)), "[{name}] {gone:?}");
    }
}

#[actix_web::test]
async fn a_store_that_goes_away_is_a_503_that_reveals_nothing() {
    if !s3_available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options { s3: true, ..Options::default() }).await;
        let name = app.name();
        let files = app.config.files.clone();
        let _w = World::build(&app).await;
        let (vendor, owner) = app.register_vendor("down@vendor.test", "UD Awan Mendung", "ud").await;
        let docs = format!("/api/v1/vendors/{vendor}/documents");
        let fields = [("kind", "nib"), ("number", "1"), ("valid_until", "2099-12-31")];
        let doc =
            app.multipart("POST", &docs, &owner, &fields, Some(("nib.pdf", "application/pdf", PDF))).await.expect(201);
        let file = format!("{docs}/{}/file", doc["id"].as_str().unwrap());

        app.files_down(true);
        let reveals = |body: &serde_json::Value| {
            let text = body.to_string();
            [
                &files.s3_secret_access_key,
                &files.s3_access_key_id,
                &files.s3_bucket,
                &files.s3_endpoint,
                &files.s3_prefix,
            ]
            .iter()
            .any(|s| text.contains(s.trim_start_matches("http://")))
        };
        let r = app.get(&file, Some(&owner)).await;
        assert_eq!(r.header("retry-after"), Some("5"), "[{name}]");
        let problem = r.expect_problem(503, "unavailable");
        assert!(!reveals(&problem), "[{name}] {problem}");

        let fields = [("kind", "npwp"), ("number", "2"), ("valid_until", "2099-12-31")];
        let r = app.multipart("POST", &docs, &owner, &fields, Some(("npwp.pdf", "application/pdf", PDF))).await;
        let problem = r.expect_problem(503, "unavailable");
        assert!(!reveals(&problem), "[{name}] {problem}");
        // The failed upload left no document behind.
        let listed = app.get(&docs, Some(&owner)).await.expect(200);
        assert_eq!(listed.as_array().unwrap().len(), 1, "[{name}] {listed}");

        // Back again: everything works as before.
        app.files_down(false);
        let (status, _, bytes) = app.download(&file, &owner).await;
        assert_eq!((status, bytes.as_slice()), (200, PDF), "[{name}]");
    }
}
