//! The documents' public check: someone holding a printed Surat Pesanan, BAST or invoice
//! opens its QR code's address, `/verify/{hash}`, without signing in, and reads the
//! document's number, date, parties and total; a wrong address gives a 404 page. The
//! buyers see a PDF link beside each document.

use crate::harness::{available, Browser, Setup};
use pasar_tests::{backends, Options, TestApp, World};
use serde_json::json;

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";

#[actix_web::test]
async fn a_document_is_checked_by_its_hash_without_signing_in() {
    if !available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (_, vendor) = app.approved_vendor(&curator, "jual@toko.test", "UD Tenun Ikat", "9120002000101").await;
        let body = json!({
            "name": "Kain Tenun Ikat", "category_id": BATIK, "unit": "pcs", "unit_price_idr": 450_000, "stock": 20,
            "local_content": { "certificate": "TKDN-77/2026", "tkdn_bp": 4500, "bmp_bp": 1000, "valid_until": "2030-01-01" },
        });
        let p = app.post("/api/v1/products", Some(&vendor), body).await.expect(201);
        let product = p["id"].as_str().unwrap().to_owned();
        app.post(&format!("/api/v1/products/{product}/submit"), Some(&vendor), json!({})).await.expect(200);
        let review = json!({ "decision": "approve" });
        app.post(&format!("/api/v1/products/{product}/review"), Some(&curator), review).await.expect(200);

        // An order through the API up to its invoice.
        let (pp, ppk) = (w.token("pejabat_pengadaan").to_owned(), w.token("ppk").to_owned());
        app.request("PUT", &format!("/api/v1/cart/lines/{product}"), Some(&pp), Some(json!({ "quantity": 2 })))
            .await
            .expect(200);
        let checkout = json!({
            "method": "e_purchasing", "rup_code": "45678912", "budget_line": "5.1.02.01.01.0024",
            "funding_source": "apbd", "delivery_address": "SDN Kranggan 1, Jl. Kranggan 5, Mojokerto",
            "delivery_date": "2027-01-15", "ppk_id": w.user_id("ppk"),
        });
        let out = app
            .request_with("POST", "/api/v1/checkout", Some(&pp), &[("idempotency-key", b"doc-1")], Some(checkout))
            .await
            .expect(201);
        let id = out["orders"][0]["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/orders/{id}");
        let signed = app.post(&format!("{path}/approve"), Some(&ppk), json!({})).await.expect(200);
        let sp_number = signed["surat_pesanan"]["number"].as_str().unwrap().to_owned();
        let sp_hash = signed["surat_pesanan"]["sha256"].as_str().unwrap().to_owned();
        app.post(&format!("{path}/accept"), Some(&vendor), json!({})).await.expect(200);
        app.post(&format!("{path}/shipments"), Some(&vendor), json!({ "lines": [{ "line": 1, "quantity": 2 }] }))
            .await
            .expect(200);
        let receipt = json!({ "lines": [{ "line": 1, "accepted_quantity": 2, "condition": "good" }] });
        app.post(&format!("{path}/receipt"), Some(&ppk), receipt).await.expect(200);
        app.post(&format!("{path}/bast"), Some(&ppk), json!({ "bast_number": "BAST/027/SDN1/2026" })).await.expect(200);
        let invoiced = app.post(&format!("{path}/bast/countersign"), Some(&vendor), json!({})).await.expect(200);
        let bast_hash = invoiced["bast"]["sha256"].as_str().unwrap().to_owned();
        app.create_user(&w.admin, &w.satker_b, "pp@smpn2.test", &["pejabat_pengadaan"]).await;
        let app = &app;

        // The PP sees a PDF link beside each document and on its print page.
        let order_id = id.clone();
        Browser::with(&app.base, Setup::default(), |b| async move {
            b.login_as("pp@sdn1.test", "/").await;
            b.go(&format!("/pesanan/{order_id}")).await;
            for doc in ["surat-pesanan", "bast", "tagihan"] {
                assert!(b.exists(&format!("a[href='/cetak/{doc}/{order_id}/pdf']")).await, "[{}] {doc}", app.name());
            }
            b.go(&format!("/cetak/bast/{order_id}")).await;
            assert_eq!(b.text(".hash code").await, bast_hash);
            assert_eq!(b.text(&format!("a[href='/cetak/bast/{order_id}/pdf']")).await, "Unduh PDF");
            // The link, with the session: a PDF carrying the hash.
            let script = r#"
                const done = arguments[arguments.length - 1];
                fetch(arguments[0]).then(async r => done([r.status, r.headers.get('content-type'), await r.text()]));
            "#;
            let pdf = format!("/cetak/bast/{order_id}/pdf");
            let got = b.client.execute_async(script, vec![pdf.into()]).await.unwrap();
            assert_eq!(got[0].as_u64(), Some(200), "[{}]", app.name());
            assert_eq!(got[1], "application/pdf");
            let body = got[2].as_str().unwrap();
            assert!(body.starts_with("%PDF-") && body.contains(&bast_hash), "[{}] the BAST's PDF", app.name());
            // Not for a buyer of another satker: a 404, as for the order.
            b.login_as("pp@smpn2.test", "/").await;
            let got = b.client.execute_async(script, vec![format!("/cetak/bast/{order_id}/pdf").into()]).await.unwrap();
            assert_eq!(got[0].as_u64(), Some(404), "[{}] a stranger", app.name());
        })
        .await;

        // Anyone, signed out, checks the Surat Pesanan by its hash.
        Browser::with(&app.base, Setup::default(), |b| async move {
            b.go(&format!("/verify/{sp_hash}")).await;
            assert_eq!(b.h1().await, "Periksa keaslian dokumen", "[{}]", app.name());
            let facts = b.text("main .facts-list").await;
            for fact in [sp_number.as_str(), "Surat Pesanan", "SDN Kranggan 1", "UD Tenun Ikat", "Rp900.000"] {
                assert!(facts.contains(fact), "[{}] {fact} in {facts}", app.name());
            }
            assert!(!facts.contains("ppk@sdn1.test") && !facts.contains("Kain Tenun"), "nothing private: {facts}");
            assert!(b.exists("a[href^='/masuk']").await, "signed out");
            b.axe("the document check").await;
            b.screenshots("verify").await;
            // A hash nobody issued, and one that is not a hash: a 404 page that says so.
            b.go(&format!("/verify/{}", "0".repeat(64))).await;
            assert!(b.text("main").await.contains("Tidak ada dokumen dengan sidik ini"));
            b.go("/verify/bukan-sidik").await;
            assert!(b.text("main").await.contains("Tidak ada dokumen dengan sidik ini"));
            b.axe("an unknown document").await;
        })
        .await;
    }
}
