//! P3DN on the pages: the public dashboard (whole marketplace, then one OPD) logged out,
//! the auditor's report with a breakdown, a period error beside its field, the lines
//! behind a figure adding up to it, and red flags; a PP gets the 403 page.

use crate::harness::{available, Browser, Setup};
use pasar_tests::{backends, Options, TestApp, World};
use serde_json::json;

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";

/// Two orders of SDN Kranggan 1 with their Surat Pesanan signed: Rp2.100.000 committed.
async fn signed_orders(app: &TestApp, w: &World) {
    let curator = w.token("curator");
    let (_, vendor) = app.approved_vendor(curator, "jual@toko.test", "UD Tenun Ikat", "9120002000101").await;
    let body = json!({
        "name": "Kain Tenun Ikat", "category_id": BATIK, "unit": "pcs", "unit_price_idr": 350_000, "stock": 100,
        "local_content": { "certificate": "TKDN-77/2026", "tkdn_bp": 4500, "bmp_bp": 1000, "valid_until": "2030-01-01" },
    });
    let p = app.post("/api/v1/products", Some(&vendor), body).await.expect(201);
    let product = p["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/products/{product}/submit"), Some(&vendor), json!({})).await.expect(200);
    app.post(&format!("/api/v1/products/{product}/review"), Some(curator), json!({ "decision": "approve" }))
        .await
        .expect(200);
    for qty in [2, 4] {
        let pp = w.token("pejabat_pengadaan");
        app.request("PUT", &format!("/api/v1/cart/lines/{product}"), Some(pp), Some(json!({ "quantity": qty })))
            .await
            .expect(200);
        let checkout = json!({
            "method": "e_purchasing", "rup_code": "45678912", "budget_line": "5.1.02.01.01.0024",
            "funding_source": "apbd", "delivery_address": "SDN Kranggan 1, Mojokerto",
            "delivery_date": "2027-01-15", "ppk_id": w.user_id("ppk"),
        });
        let key = uuid::Uuid::now_v7().to_string();
        let out = app
            .request_with("POST", "/api/v1/checkout", Some(pp), &[("idempotency-key", key.as_bytes())], Some(checkout))
            .await
            .expect(201);
        let id = out["orders"][0]["id"].as_str().unwrap();
        app.post(&format!("/api/v1/orders/{id}/approve"), Some(w.token("ppk")), json!({})).await.expect(200);
    }
}

#[actix_web::test]
async fn the_public_sees_the_p3dn_dashboard_and_the_auditor_drills_down() {
    if !available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        signed_orders(&app, &w).await;
        let opd = w.opd.clone();

        Browser::with(&app.base, Setup::default(), |b| async move {
            // Logged out: the whole marketplace by OPD, linked from every page's footer.
            b.go("/").await;
            b.click_link("Realisasi P3DN").await;
            assert_eq!(b.h1().await, "Realisasi P3DN");
            let figures = b.text(".p3dn-figures").await;
            assert!(figures.contains("Rp2.100.000"), "{figures}");
            assert!(figures.contains("Rp2.100.000 (100 %)"), "all of it UMKK and PDN: {figures}");
            assert!(b.text(".p3dn-charts").await.contains("tercapai"));
            b.axe("the P3DN dashboard").await;
            b.screenshots("p3dn").await;
            b.click_link("Dinas Pendidikan").await;
            assert_eq!(b.path().await, format!("/p3dn/opd/{opd}"));
            assert_eq!(b.h1().await, "Dinas Pendidikan");
            assert!(b.text(".p3dn-groups").await.contains("SDN Kranggan 1"));
            b.axe("an OPD's dashboard").await;
            // The report pages are not public.
            b.go("/laporan/p3dn").await;
            assert!(b.path().await.starts_with("/masuk"), "{}", b.path().await);

            // The auditor: the report by satker, then the lines behind a figure.
            b.login_as("auditor@pasar.test", "/").await;
            b.click_link("Laporan P3DN").await;
            assert_eq!(b.h1().await, "Laporan realisasi P3DN");
            b.fill("#period", "2026-13").await;
            b.click("form[action='/laporan/p3dn'] button[type=submit]").await;
            assert!(b.exists(".error-summary a[href='#period']").await, "{}", b.text("main").await);
            assert!(b.text("#period-galat").await.contains("harus tahun"), "{}", b.text("#period-galat").await);
            b.axe("the report with a period error").await;
            b.fill("#period", "").await;
            b.choose("#group_by", "satker").await;
            b.click("form[action='/laporan/p3dn'] button[type=submit]").await;
            assert!(b.text(".p3dn-groups").await.contains("SDN Kranggan 1"), "{}", b.text("main").await);
            b.axe("the P3DN report by satker").await;
            b.screenshots("laporan-p3dn").await;
            b.click(".p3dn-groups tbody td a").await;
            assert!(b.path().await.starts_with("/laporan/p3dn/baris"), "{}", b.path().await);
            assert!(b.text("#jumlah").await.contains("Rp2.100.000"), "{}", b.text("#jumlah").await);
            assert_eq!(b.texts("main tbody tr").await.len(), 2);
            b.axe("the lines behind a figure").await;
            b.go("/laporan/tanda-bahaya").await;
            assert_eq!(b.h1().await, "Tanda bahaya");
            b.axe("red flags").await;

            // A PP: the 403 page.
            b.login_as("pp@sdn1.test", "/").await;
            assert!(!b.exists(".site-nav a[href='/laporan/p3dn']").await);
            for path in ["/laporan/p3dn", "/laporan/p3dn/baris", "/laporan/tanda-bahaya"] {
                b.go(path).await;
                assert_eq!(b.h1().await, "Akses ditolak", "{path}");
            }
        })
        .await;
    }
}
