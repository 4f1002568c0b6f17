//! The public: search, a product, its vendor — with JavaScript and without.

use crate::harness::{available, Browser, Setup};
use pasar_tests::{backends, Options, TestApp, World};
use serde_json::json;

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([120, 60, 20]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";

/// A vendor with a published product that is PDN priority (TKDN 45,67 %); returns
/// `(vendor id, product id)` once search finds it.
async fn catalogue(app: &TestApp) -> (String, String) {
    let w = World::build(app).await;
    let curator = w.token("curator").to_owned();
    let (vendor, token) =
        app.approved_vendor(&curator, "batik@kranggan.test", "UD Batik Kranggan", "9120001000011").await;
    let body = json!({ "name": "Kain Batik Tulis Majapahit", "category_id": BATIK, "unit": "pcs",
        "unit_price_idr": 1_250_000, "stock": 12, "brand": "Kranggan",
        "description": "Batik tulis pewarna alam, 2 x 1,15 m.",
        "local_content": { "certificate": "TKDN-45/2026", "tkdn_bp": 4567, "bmp_bp": 500, "valid_until": "2030-01-01" } });
    let p = app.post("/api/v1/products", Some(&token), body).await.expect(201);
    let id = p["id"].as_str().unwrap().to_owned();
    let photo = png(640, 480);
    let images = format!("/api/v1/products/{id}/images");
    app.multipart("POST", &images, &token, &[], Some(("kain.png", "image/png", &photo))).await.expect(201);
    app.post(&format!("/api/v1/products/{id}/submit"), Some(&token), json!({})).await.expect(200);
    app.post(&format!("/api/v1/products/{id}/review"), Some(&curator), json!({ "decision": "approve" }))
        .await
        .expect(200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let r = app.get("/api/v1/products?q=batik", None).await;
        if r.status == 200 && r.body["total"] == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the product was not indexed: {}", r.body);
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    (vendor, id)
}

#[actix_web::test]
async fn a_buyer_searches_opens_a_product_and_its_vendor() {
    if !available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let (vendor, product) = catalogue(&app).await;
        let name = app.name();
        Browser::with(&app.base, Setup::default(), |b| async move {
            b.go("/").await;
            assert_eq!(
                b.client.find(fantoccini::Locator::Css("html")).await.unwrap().attr("lang").await.unwrap().as_deref(),
                Some("id")
            );
            assert!(b.exists("a.skip-link[href='#isi']").await);
            b.axe("the home page").await;
            b.screenshots("beranda").await;

            b.fill("#q", "batik tulis").await;
            b.click(".search-box button[type=submit]").await;
            assert!(b.path().await.starts_with("/produk?q=batik+tulis"), "[{name}] {}", b.path().await);
            assert_eq!(b.text("#judul-hasil").await, "1 produk ditemukan", "[{name}]");
            let badges = b.texts(".card .badge").await;
            assert_eq!(badges, vec!["TKDN 45,67 %", "Prioritas PDN", "UMKK", "Lokal"], "[{name}]");
            assert!(b.text(".card .why").await.starts_with("Urutan: prioritas PDN"), "[{name}]");
            assert_eq!(b.text(".card .price").await, "Rp1.250.000 / pcs");
            // Facets narrow the search; a filter that the search refuses is shown beside its field.
            assert!(b.exists(".facet a").await, "[{name}] facets");
            b.axe("the search results").await;
            b.screenshots("cari-produk").await;

            b.go("/produk?q=batik&min_price=murah").await;
            assert!(b.exists(".error-summary a[href='#min_price']").await, "[{name}] error summary");
            assert!(b.text("#min_price-galat").await.ends_with("harus bilangan bulat"));
            assert_eq!(b.value("#min_price").await, "murah", "the input is kept");
            b.axe("the search with a bad filter").await;

            b.go("/produk?q=batik").await;
            b.click_link("Kain Batik Tulis Majapahit").await;
            assert_eq!(b.path().await, format!("/produk/{product}"));
            assert_eq!(b.h1().await, "Kain Batik Tulis Majapahit");
            assert_eq!(b.text(".price.big").await, "Rp1.250.000 / pcs");
            assert!(b.text(".facts-list").await.contains("1 Januari 2030"), "[{name}] date in Indonesian");
            assert!(b.text("table.table tbody").await.contains("Rp1.250.000"), "[{name}] price history");
            // The approved photo, loaded from the same server.
            let loaded = b
                .client
                .execute(
                    "const i = document.querySelector('.photos img'); return i && i.complete ? i.naturalWidth : 0;",
                    vec![],
                )
                .await
                .unwrap();
            assert!(loaded.as_u64().unwrap_or(0) > 0, "[{name}] the photo shows: {loaded}");
            b.axe("a product").await;
            b.screenshots("produk").await;

            b.click_link("UD Batik Kranggan").await;
            assert_eq!(b.path().await, format!("/penyedia/{vendor}"));
            assert_eq!(b.h1().await, "UD Batik Kranggan");
            assert!(b.text(".facts-list").await.contains("Belum ada penilaian"), "[{name}] rating shown");
            assert_eq!(b.texts(".cards .card h3").await, vec!["Kain Batik Tulis Majapahit"]);
            b.axe("a vendor").await;
            b.screenshots("penyedia").await;

            b.go("/tidak-ada-di-sini").await;
            assert_eq!(b.h1().await, "Halaman tidak ditemukan");
            b.axe("the not-found page").await;
            b.screenshots("tidak-ditemukan").await;
        })
        .await;
    }
}

#[actix_web::test]
async fn search_product_and_login_work_with_javascript_off() {
    if !available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let (_, product) = catalogue(&app).await;
        Browser::with(&app.base, Setup { javascript: false, ..Setup::default() }, |b| async move {
            b.go("/").await;
            b.fill("#q", "batik").await;
            b.click(".search-box button[type=submit]").await;
            assert_eq!(b.text("#judul-hasil").await, "1 produk ditemukan");
            b.tick(".more-filters summary").await;
            b.tick("#pdn_priority").await;
            b.click(".filters button[type=submit]").await;
            assert!(b.path().await.contains("pdn_priority=true"), "{}", b.path().await);
            assert_eq!(b.text("#judul-hasil").await, "1 produk ditemukan");
            b.click_link("Kain Batik Tulis Majapahit").await;
            assert_eq!(b.path().await, format!("/produk/{product}"));

            b.click_link("Masuk").await;
            b.fill("#email", "pp@sdn1.test").await;
            b.fill("#password", pasar_tests::PASSWORD).await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.path().await, format!("/produk/{product}"), "back where the login started");
            assert!(b.text(".who").await.contains("pp"));
            b.click(".site-nav form button").await;
            assert!(b.exists(".site-nav a[href^='/masuk']").await, "logged out");
        })
        .await;
    }
}

#[actix_web::test]
async fn results_are_sorted_and_paged() {
    if !available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (_, token) = app.approved_vendor(&curator, "seragam@kranggan.test", "UD Seragam", "9120001000031").await;
        // 23 products: two pages of 20.
        for n in 1..=23i64 {
            let body = json!({ "name": format!("Seragam Sekolah Nomor {n}"), "category_id": BATIK, "unit": "pcs",
                               "unit_price_idr": 100_000 + n * 1_000, "stock": 5 });
            let p = app.post("/api/v1/products", Some(&token), body).await.expect(201);
            let id = p["id"].as_str().unwrap();
            app.post(&format!("/api/v1/products/{id}/submit"), Some(&token), json!({})).await.expect(200);
            app.post(&format!("/api/v1/products/{id}/review"), Some(&curator), json!({ "decision": "approve" }))
                .await
                .expect(200);
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while app.get("/api/v1/products?q=seragam", None).await.body["total"] != 23 {
            assert!(std::time::Instant::now() < deadline, "not indexed");
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Browser::with(&app.base, Setup { javascript: false, ..Setup::default() }, |b| async move {
            b.go("/produk?q=seragam&sort=price_desc").await;
            assert_eq!(b.text("#judul-hasil").await, "23 produk ditemukan");
            let prices = b.texts(".card .price").await;
            assert_eq!(prices.len(), 20);
            assert_eq!(prices[0], "Rp123.000 / pcs", "the dearest first");
            assert_eq!(b.text(".pagination [aria-current=page]").await, "1");
            b.click_link("Berikutnya").await;
            assert!(b.path().await.contains("page=2"), "{}", b.path().await);
            assert!(b.path().await.contains("sort=price_desc"), "the sort is kept");
            assert_eq!(b.texts(".card .price").await, vec!["Rp103.000 / pcs", "Rp102.000 / pcs", "Rp101.000 / pcs"]);
            assert_eq!(b.text(".pagination [aria-current=page]").await, "2");
            b.click_link("Sebelumnya").await;
            assert_eq!(b.text(".pagination [aria-current=page]").await, "1");
        })
        .await;
    }
}
