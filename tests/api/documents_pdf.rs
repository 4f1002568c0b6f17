//! The order's documents as PDF and their public check by SHA-256, on both databases:
//! an order goes through the Surat Pesanan, the BAST and the invoice; each PDF carries
//! its hash, whoever may read the order may fetch it, and anyone can confirm a hash.

use crate::orders::{market, order_of, probe, product, seats};
use pasar_tests::{backends, Options, TestApp};
use serde_json::{json, Value};

const KINDS: [(&str, &str); 3] = [("surat-pesanan", "surat_pesanan"), ("bast", "bast"), ("invoice", "invoice")];

fn sha256(text: &str) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()))
}

/// The PDF body as text (its content streams are not compressed: the hash is readable).
fn pdf_text(app: &TestApp, r: pasar_tests::Reply) -> String {
    assert_eq!(r.status, 200, "[{}] {}", app.name(), r.body);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert!(r.header("content-disposition").unwrap_or_default().contains(".pdf"));
    r.body.as_str().expect("a PDF, not JSON").to_owned()
}

#[actix_web::test]
async fn documents_as_pdf_and_their_public_check() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let m = market(&app, 7).await;
        let (pp, ppk) = (m.w.token("pejabat_pengadaan").to_owned(), m.w.token("ppk").to_owned());
        let kain = product(&app, &m, "Kain Tenun Ikat", 450_000, 20).await;
        let order = order_of(&app, m.w.user_id("ppk"), &pp, &kain, 3).await;
        let id = order["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/orders/{id}");
        let pdf = |kind: &str| format!("{path}/documents/{kind}.pdf");

        // Nothing is issued before the PPK signs: no PDF yet.
        app.get(&pdf("surat-pesanan"), Some(&pp)).await.expect_problem(404, "not_found");

        let signed = app.post(&format!("{path}/approve"), Some(&ppk), json!({})).await.expect(200);
        let sp_hash = signed["surat_pesanan"]["sha256"].as_str().unwrap().to_owned();
        app.get(&pdf("bast"), Some(&pp)).await.expect_problem(404, "not_found");
        app.post(&format!("{path}/accept"), Some(&m.vendor), json!({})).await.expect(200);
        app.post(&format!("{path}/shipments"), Some(&m.vendor), json!({ "lines": [{ "line": 1, "quantity": 3 }] }))
            .await
            .expect(200);
        let receipt = json!({ "lines": [{ "line": 1, "accepted_quantity": 2, "condition": "good" }] });
        app.post(&format!("{path}/receipt"), Some(&ppk), receipt).await.expect(200);
        let bast = app
            .post(&format!("{path}/bast"), Some(&ppk), json!({ "bast_number": "031/BAST/SDN-K1/2026" }))
            .await
            .expect(200);
        // The BAST is kept as signed text, and its hash is the SHA-256 of that text.
        let bast_text = bast["bast"]["content"].as_str().expect("the BAST's text").to_owned();
        let bast_hash = bast["bast"]["sha256"].as_str().unwrap().to_owned();
        assert_eq!(bast_hash, sha256(&bast_text), "[{}]", app.name());
        assert!(bast_text.contains("diterima 2"), "{bast_text}");
        app.get(&pdf("invoice"), Some(&pp)).await.expect_problem(404, "not_found");
        let invoiced = app.post(&format!("{path}/bast/countersign"), Some(&m.vendor), json!({})).await.expect(200);
        let invoice_hash = invoiced["invoice_sha256"].as_str().expect("the invoice's hash").to_owned();
        let payable = invoiced["invoice"]["payable_idr"].as_i64().unwrap();
        let hashes = [sp_hash.clone(), bast_hash.clone(), invoice_hash.clone()];
        assert_eq!(app.get(&path, Some(&pp)).await.expect(200)["bast"]["sha256"], bast_hash.as_str());

        // Each PDF: A4, its number, its hash printed, the verify address of the QR code.
        let numbers = [
            signed["surat_pesanan"]["number"].as_str().unwrap().to_owned(),
            "031/BAST/SDN-K1/2026".to_owned(),
            invoiced["invoice_number"].as_str().unwrap().to_owned(),
        ];
        for (((kind, _), hash), number) in KINDS.iter().zip(&hashes).zip(&numbers) {
            let text = pdf_text(&app, app.get(&pdf(kind), Some(&pp)).await);
            assert!(text.starts_with("%PDF-"), "[{}] {kind}", app.name());
            assert!(text.contains(hash.as_str()), "[{}] {kind}: the hash is printed", app.name());
            assert!(text.contains(number.as_str()), "[{}] {kind}: {number}", app.name());
            assert!(text.contains(&format!("{}/verify/{hash}", app.config.public_url())), "[{}] {kind}", app.name());
            assert!(text.contains("/MediaBox [0 0 595.28 841.89]"), "A4");
            assert!(text.contains("SDN Kranggan 1") && text.contains("UD Tenun Ikat"), "the parties");
        }
        let sp_pdf = pdf_text(&app, app.get(&pdf("surat-pesanan"), Some(&pp)).await);
        assert!(sp_pdf.contains("Rp1.350.000"), "the total as people read it");
        app.get(&format!("{path}/documents/kwitansi.pdf"), Some(&pp)).await.expect_problem(404, "not_found");
        app.get(&format!("{path}/documents/bast"), Some(&pp)).await.expect_problem(404, "not_found");
        app.get(&pdf("bast"), None).await.expect_problem(401, "unauthenticated");

        // Whoever may read the order may fetch its PDFs; strangers get 404.
        let s = seats(&m);
        let readers = ["pp", "ppk", "ppk2", "bendahara", "vendor", "auditor", "admin"];
        let cells: Vec<(&str, u16)> = [("pp_b", 404), ("vendor_b", 404), ("curator", 404)]
            .into_iter()
            .chain(readers.iter().map(|r| (*r, 200)))
            .collect();
        for (kind, _) in KINDS {
            probe(&app, &s, "GET", &pdf(kind), None, &cells).await;
        }

        // Anyone may check a hash: the document's facts, and nothing private.
        for ((_, kind), hash) in KINDS.iter().zip(&hashes) {
            let v = app.get(&format!("/api/v1/verify/{hash}"), None).await.expect(200);
            assert_eq!(v["kind"], *kind, "[{}] {v}", app.name());
            assert_eq!(v["sha256"], hash.as_str());
            assert_eq!(v["buyer"], "SDN Kranggan 1");
            assert_eq!(v["buyer_parent"], "Dinas Pendidikan");
            assert_eq!(v["vendor"], "UD Tenun Ikat");
            assert!(v["issued_on"].is_string());
            let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(
                keys,
                ["buyer", "buyer_parent", "issued_on", "kind", "number", "sha256", "total_idr", "vendor"],
                "no people, no contacts, no lines, no order id"
            );
        }
        let totals: Vec<Value> = {
            let mut out = Vec::new();
            for h in &hashes {
                out.push(app.get(&format!("/api/v1/verify/{h}"), None).await.expect(200)["total_idr"].clone());
            }
            out
        };
        assert_eq!(totals, [json!(3 * 450_000), json!(2 * 450_000), json!(payable)], "[{}]", app.name());
        let upper = app.get(&format!("/api/v1/verify/{}", sp_hash.to_uppercase()), None).await.expect(200);
        assert_eq!(upper["number"], numbers[0].as_str(), "a hash is read in either case");
        let unknown = "0".repeat(64);
        app.get(&format!("/api/v1/verify/{unknown}"), None).await.expect_problem(404, "not_found");
        let bad = app.get("/api/v1/verify/not-a-hash", None).await.expect_problem(422, "validation_failed");
        assert_eq!(bad["errors"][0]["field"], "hash");

        // BASTs and invoices issued before the register are hashed at start-up, the same.
        {
            use diesel::prelude::*;
            use pasar_db::schema::{order_documents, orders};
            let mut conn = app.db();
            diesel::delete(order_documents::table.filter(order_documents::kind.ne("surat_pesanan")))
                .execute(&mut *conn)
                .unwrap();
            diesel::update(orders::table.find(&id))
                .set(orders::bast_content.eq(None::<String>))
                .execute(&mut *conn)
                .unwrap();
            drop(conn);
            app.get(&format!("/api/v1/verify/{bast_hash}"), None).await.expect_problem(404, "not_found");
            // What `pasar` does when it starts: migrations, then the register's backfill.
            pasar_server::open_database(&app.config).expect("start-up");
            let count = |kind: &str| -> i64 {
                order_documents::table
                    .filter(order_documents::kind.eq(kind.to_owned()))
                    .count()
                    .get_result(&mut *app.db())
                    .unwrap()
            };
            assert_eq!((count("bast"), count("invoice")), (1, 1), "[{}]", app.name());
            pasar_server::open_database(&app.config).expect("a second start");
            assert_eq!((count("bast"), count("invoice")), (1, 1), "once");
        }
        for h in [&bast_hash, &invoice_hash] {
            app.get(&format!("/api/v1/verify/{h}"), None).await.expect(200);
        }
        let after = app.get(&path, Some(&pp)).await.expect(200);
        assert_eq!(after["bast"]["content"], bast_text.as_str());
        let registered =
            after["history"].as_array().unwrap().iter().filter(|h| h["action"] == "order.document_registered");
        assert_eq!(registered.count(), 2, "[{}] each registration audited", app.name());
    }
}
