//! The vendor's and the curator's day: a vendor registers, verifies, completes the
//! profile (a field error first), uploads documents and submits; a curator claims and
//! approves it; the vendor lists a product with a photo and submits it; the curator
//! approves it; buyers then find it, a PP buys it and the order is paid through the
//! bank (the whole story, through the pages). And one vendor cannot open another's product.

use crate::harness::{available, Browser, Setup};
use fantoccini::Locator;
use pasar_tests::smtp::SmtpSink;
use pasar_tests::snap::TestBank;
use pasar_tests::{backends, Options, TestApp, World, PASSWORD};
use serde_json::json;
use std::time::{Duration, Instant};

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";

/// Files the browser uploads: a PDF document and a real (decodable) PNG photo.
struct Files {
    _dir: tempfile::TempDir,
    pdf: String,
    png: String,
}

fn files() -> Files {
    let dir = tempfile::tempdir().expect("a folder for uploads");
    let pdf = dir.path().join("dokumen.pdf");
    std::fs::write(&pdf, pasar_tests::PDF).unwrap();
    let png = dir.path().join("batik.png");
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 120]));
    img.save(&png).expect("a PNG");
    Files { pdf: pdf.display().to_string(), png: png.display().to_string(), _dir: dir }
}

#[actix_web::test]
async fn a_vendor_registers_and_lists_a_product_that_a_curator_approves() {
    if !available() {
        return;
    }
    let sink = SmtpSink::start();
    let uploads = files();
    for backend in backends() {
        let bank = TestBank::new();
        let mut payments = pasar_tests::default_config().payments;
        payments.banks = vec![bank.config("jatim", "8808")];
        let options = Options { smtp_url: Some(sink.url()), payments: Some(payments), ..Options::default() };
        let app = TestApp::start(backend, options).await;
        let w = World::build(&app).await;
        let (ppk, bendahara) = (w.user_id("ppk").to_owned(), w.token("bendahara").to_owned());
        let name = app.name();
        let email = format!("sri-{name}@batik-sri.test");
        let (pdf, png) = (uploads.pdf.clone(), uploads.png.clone());
        let mail_sink = &sink;
        let app_ref = &app;
        Browser::with(&app.base, Setup::default(), |b| async move {
            // Logged out, the shop sends the browser to the login page and back.
            b.go("/toko").await;
            assert_eq!(b.path().await, "/masuk?kembali=%2Ftoko", "[{name}]");

            b.click_link("Daftar sebagai penyedia").await;
            assert_eq!(b.h1().await, "Daftar sebagai penyedia");
            b.axe("the registration form").await;
            b.screenshots("daftar").await;
            b.fill("#legal_name", "UD Batik Sri Rejeki").await;
            b.choose("#legal_form", "ud").await;
            b.fill("#owner_name", "Bu Sri").await;
            b.fill("#email", &email).await;
            b.fill("#password", "pendek").await;
            b.click("main form button[type=submit]").await;
            assert!(b.exists(".error-summary a[href='#password']").await, "[{name}] the short password");
            assert_eq!(b.value("#legal_name").await, "UD Batik Sri Rejeki", "the input is kept");
            b.fill("#password", PASSWORD).await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.h1().await, "Periksa surel Anda", "[{name}]");

            // Logged in before confirming the address: the shop says so and sends the
            // mail again, once a minute at most.
            b.login_as(&email, "/toko").await;
            assert!(b.exists("#belum-verifikasi").await, "[{name}] not verified yet");
            b.click("#belum-verifikasi button").await;
            assert!(b.text(".error-summary").await.contains("Coba lagi dalam"), "[{name}] throttled");
            app_ref.advance_secs(61);
            b.click("#belum-verifikasi button").await;
            assert_eq!(b.text(".notice[role=status]").await, "Surel konfirmasi baru sedang dikirim.");
            b.click("form[action='/toko/kirim'] button").await;
            assert!(b.text(".error-summary").await.contains("belum dikonfirmasi"), "[{name}] submit needs it");

            // The link in the latest mail.
            app_ref
                .eventually(20, "two verification mails", || {
                    mail_sink.received().iter().filter(|m| m.to == vec![email.clone()]).count() == 2
                })
                .await;
            let mail = mail_sink.received().into_iter().rfind(|m| m.to == vec![email.clone()]).unwrap().text();
            let link = mail.lines().map(str::trim).find(|l| l.contains("/verifikasi-email?token=")).unwrap().to_owned();
            b.go(&link[link.find("/verifikasi-email").unwrap()..]).await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.h1().await, "Alamat email terkonfirmasi");

            b.login_as(&email, "/toko").await;
            assert_eq!(b.h1().await, "UD Batik Sri Rejeki");
            assert!(!b.exists("#belum-verifikasi").await, "[{name}] verified");
            assert_eq!(b.text("#status-toko").await, "Draf: belum dikirim");
            assert!(b.texts(".todo a").await.contains(&"NIB".to_owned()), "[{name}] NIB missing");
            assert!(b.exists(".site-nav a[href='/toko']").await, "the shop in the header");
            assert!(!b.exists(".site-nav a[href='/kurasi/penyedia']").await, "no curation for vendors");
            b.axe("the shop's dashboard").await;
            b.screenshots("toko").await;

            // The profile: a wrong NIB is shown beside its field, the rest kept.
            b.click_link("NIB").await;
            assert!(b.path().await.starts_with("/toko/profil"), "[{name}]");
            b.fill("#nib", "91200010").await;
            b.fill("#npwp", "01.234.567.8-901.000").await;
            b.fill("#kbli_codes", "13134, 47711").await;
            b.fill("#address_street", "Jl. Majapahit 17").await;
            b.fill("#address_region_code", "35.76.01").await;
            b.fill("#address_postal_code", "61318").await;
            b.fill("#contact_phone", "0812-3456-7890").await;
            b.fill("#business_capital_idr", "350.000.000").await;
            b.choose("#tax_status", "non_pkp").await;
            b.fill("#bank_account_bank_name", "Bank Jatim").await;
            b.fill("#bank_account_account_number", "0011223344").await;
            b.fill("#bank_account_account_holder", "UD Batik Sri Rejeki").await;
            b.click("main form button[type=submit]").await;
            assert!(b.exists(".error-summary a[href='#nib']").await, "[{name}] summary links to the NIB");
            assert!(
                b.text("#nib-galat").await.ends_with("harus 13 angka NIB"),
                "[{name}] {}",
                b.text("#nib-galat").await
            );
            assert_eq!(b.value("#npwp").await, "01.234.567.8-901.000", "the input is kept");
            b.axe("the profile with an error").await;
            b.screenshots("toko-profil-galat").await;
            b.fill("#nib", "9120001000099").await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.path().await, "/toko/profil?disimpan=1");
            assert_eq!(b.value("#nib").await, "9120001000099");
            assert_eq!(b.value("#business_capital_idr").await, "350000000");

            // The documents, one with an expiry date.
            b.click_link("Dokumen").await;
            for (kind, number) in
                [("nib", "9120001000099"), ("npwp", "012345678901000"), ("bank_account", "0011223344")]
            {
                b.choose("#kind", kind).await;
                b.fill("#number", number).await;
                if kind == "nib" {
                    b.set_date("#valid_until", "2099-12-31").await;
                }
                b.attach("#file", &pdf).await;
                b.click("main form button[type=submit]").await;
                assert_eq!(b.path().await, "/toko/dokumen?diunggah=1", "[{name}] {kind}");
            }
            let table = b.text("#daftar-dokumen").await;
            assert!(table.contains("31 Desember 2099") && table.contains("Buku rekening"), "[{name}] {table}");
            b.axe("the documents").await;
            b.screenshots("toko-dokumen").await;

            b.click_link("Dasbor").await;
            assert!(!b.exists(".todo").await, "[{name}] nothing missing");
            b.click("main form button[type=submit]").await;
            assert_eq!(b.text("#status-toko").await, "Menunggu kurator", "[{name}]");

            // The curator claims and approves it.
            b.login_as("curator@pasar.test", "/kurasi/penyedia").await;
            assert!(b.exists(".site-nav a[href='/kurasi/penyedia']").await);
            assert!(!b.exists(".site-nav a[href='/toko']").await, "no shop for curators");
            b.axe("the vendor queue").await;
            b.screenshots("kurasi-penyedia").await;
            b.click_link("UD Batik Sri Rejeki").await;
            assert!(b.text("#dokumen-penyedia").await.contains("dokumen.pdf"), "[{name}] documents listed");
            b.click("#klaim").await;
            assert_eq!(b.text("#status-penyedia").await, "Sedang diperiksa kurator");
            assert!(b.exists("label[for='catatan-nib']").await, "a remark beside each field");
            assert!(b.exists("#catatan-documents_nib").await, "and each document");
            // Asking for changes without saying which is refused beside the decision.
            b.tick("#decision-revision").await;
            b.click("#putuskan").await;
            assert!(b.exists(".error-summary").await, "[{name}] a revision needs remarks");
            b.axe("a vendor's review").await;
            b.screenshots("kurasi-penyedia-periksa").await;
            // A remark beside the NIB: the vendor is asked to fix it.
            b.fill("#catatan-nib", "NIB tidak sama dengan dokumen NIB").await;
            b.tick("#decision-revision").await;
            b.click("#putuskan").await;
            assert_eq!(b.text("#status-penyedia").await, "Perlu diperbaiki", "[{name}]");

            // The vendor sees the remark on the dashboard and the profile, and sends again.
            b.login_as(&email, "/toko").await;
            assert_eq!(b.text("#status-toko").await, "Perlu diperbaiki");
            let remarks = b.text(".remarks").await;
            assert!(remarks.contains("NIB: NIB tidak sama dengan dokumen NIB"), "[{name}] {remarks}");
            b.click(".remarks a[href='/toko/profil#nib']").await;
            assert!(b.text("#catatan-kurator").await.contains("NIB tidak sama"), "[{name}] beside the form");
            b.axe("the profile with the curator's remarks").await;
            b.screenshots("toko-profil-catatan").await;
            b.click_link("Dasbor").await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.text("#status-toko").await, "Menunggu kurator", "[{name}]");

            b.login_as("curator@pasar.test", "/kurasi/penyedia").await;
            b.click_link("UD Batik Sri Rejeki").await;
            b.click("#klaim").await;
            b.tick("#decision").await;
            b.click("#putuskan").await;
            assert_eq!(b.text("#status-penyedia").await, "Disetujui", "[{name}]");

            // The vendor lists a product with a photo and sends it to the curator.
            b.login_as(&email, "/toko").await;
            assert_eq!(b.text("#status-toko").await, "Disetujui");
            b.click_link("Produk").await;
            b.click_link("Tambah produk").await;
            b.fill("#name", "Kain Batik Tulis Sri Rejeki").await;
            b.choose("#category_id", BATIK).await;
            b.fill("#description", "Batik tulis pewarna alam, 2 x 1,15 m.").await;
            b.choose("#unit", "pcs").await;
            b.fill("#unit_price_idr", "1.250.000").await;
            b.fill("#stock", "12").await;
            b.axe("the new product form").await;
            b.screenshots("toko-produk-baru").await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.h1().await, "Kain Batik Tulis Sri Rejeki", "[{name}]");
            assert_eq!(b.text("#status-produk").await, "Draf");
            b.attach("#photo", &png).await;
            b.click("form[enctype] button[type=submit]").await;
            assert!(b.path().await.ends_with("?foto=1"), "[{name}] {}", b.path().await);
            assert!(b.exists(".photo-list img").await, "[{name}] the photo is shown");
            let loaded = b
                .client
                .execute("return document.querySelector('.photo-list img').naturalWidth;", vec![])
                .await
                .unwrap();
            assert!(loaded.as_u64().unwrap_or(0) > 0, "[{name}] the thumbnail loads for the vendor");
            b.click("#kirim-produk").await;
            assert_eq!(b.text("#status-produk").await, "Menunggu kurator");
            b.axe("a product of the shop").await;
            b.screenshots("toko-produk").await;
            b.click_link("Produk").await;
            assert!(b.text("#daftar-produk").await.contains("Kain Batik Tulis Sri Rejeki"));
            b.axe("the shop's products").await;

            // The curator approves it.
            b.login_as("curator@pasar.test", "/kurasi/produk").await;
            b.click_link("Kain Batik Tulis Sri Rejeki").await;
            assert!(b.text("#perubahan").await.contains("Rp1.250.000"), "[{name}]");
            b.axe("a product's review").await;
            b.screenshots("kurasi-produk-periksa").await;
            b.tick("#decision").await;
            b.click("#putuskan").await;
            assert_eq!(b.text("#status-produk").await, "Tayang", "[{name}]");

            // Buyers find it.
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                b.go("/produk?q=sri+rejeki").await;
                if b.text("#judul-hasil").await == "1 produk ditemukan" {
                    break;
                }
                assert!(Instant::now() < deadline, "[{name}] the product was not found by search");
                actix_web::rt::time::sleep(Duration::from_millis(200)).await;
            }
            assert_eq!(b.texts(".cards .card h3").await, vec!["Kain Batik Tulis Sri Rejeki"]);

            // A PP of a satker buys it; the order goes through every step to the bank's payment.
            let link = b.client.find(Locator::Css(".cards .card h3 a")).await.unwrap();
            let href = link.attr("href").await.unwrap().unwrap_or_default();
            let product = href.trim_start_matches("/produk/").to_owned();
            let id = crate::buying::order_to_paid(&b, app_ref, &ppk, &bendahara, &email, &bank, &product).await;
            b.login_as(&email, "/toko/pesanan").await;
            assert!(b.text("main").await.contains("Selesai"), "[{name}] the vendor sees it paid: {id}");

            // The auditor finds every step of the order in the audit log, the chain intact.
            b.login_as("auditor@pasar.test", "/").await;
            b.go(&format!("/audit?entity_id={id}")).await;
            assert!(b.text("#rantai").await.contains("Rantai hash utuh"), "[{name}] {}", b.text("#rantai").await);
            let steps = b.texts("main table tbody td code").await;
            for action in [
                "order.checkout",
                "order.approve",
                "order.accept",
                "order.ship",
                "order.receive",
                "order.sign_bast",
                "order.countersign_bast",
                "order.request_payment",
                "order.pay",
                "order.complete",
            ] {
                assert!(steps.iter().any(|s| s == action), "[{name}] {action} in the log: {steps:?}");
            }
        })
        .await;
    }
}

#[actix_web::test]
async fn a_vendor_cannot_open_another_vendors_product() {
    if !available() {
        return;
    }
    let uploads = files();
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let pdf = uploads.pdf.clone();
        let curator = w.token("curator").to_owned();
        let (vendor_a, token_a) = app.approved_vendor(&curator, "a@batik-a.test", "UD Batik A", "9120001000011").await;
        // A certificate that lapses in ten days: the dashboard warns of it.
        let soon = (app.now() + chrono::TimeDelta::days(10)).format("%Y-%m-%d").to_string();
        let fields = [("kind", "sni"), ("number", "SNI-8230"), ("valid_until", soon.as_str())];
        app.multipart(
            "POST",
            &format!("/api/v1/vendors/{vendor_a}/documents"),
            &token_a,
            &fields,
            Some(("sni.pdf", "application/pdf", pasar_tests::PDF)),
        )
        .await
        .expect(201);
        app.approved_vendor(&curator, "b@batik-b.test", "UD Batik B", "9120001000022").await;
        let body = json!({ "name": "Batik Cap A", "category_id": BATIK, "unit": "pcs", "unit_price_idr": 150_000 });
        let p = app.post("/api/v1/products", Some(&token_a), body).await.expect(201);
        let id = p["id"].as_str().unwrap().to_owned();
        let sold = published(&app, &token_a, &curator, "Batik Tulis A").await;
        let order = signed_order(&app, &w, &sold, 1).await;
        let name = app.name();
        Browser::with(&app.base, Setup { javascript: false, ..Setup::default() }, |b| async move {
            b.login_as("a@batik-a.test", "/toko").await;
            let warning = b.text("section[aria-labelledby='judul-kedaluwarsa']").await;
            assert!(warning.contains("Sertifikat SNI: berlaku sampai"), "[{name}] {warning}");
            b.go(&format!("/toko/produk/{id}")).await;
            assert_eq!(b.h1().await, "Batik Cap A", "[{name}] the owner's own product");

            // With JavaScript off: a field error beside its field, and an upload.
            b.go("/toko/profil").await;
            b.fill("#address_postal_code", "6131").await;
            b.click("main form button[type=submit]").await;
            assert!(b.exists(".error-summary a[href='#address_postal_code']").await, "[{name}]");
            assert!(b.text("#address_postal_code-galat").await.ends_with("harus kode pos 5 angka"));
            b.go("/toko/dokumen").await;
            b.choose("#kind", "halal").await;
            b.fill("#number", "ID35110000123").await;
            b.attach("#file", &pdf).await;
            b.click("main form button[type=submit]").await;
            assert!(b.text("#daftar-dokumen").await.contains("Sertifikat halal"), "[{name}] uploaded");
            // The same page in English.
            b.click_link("English").await;
            assert_eq!(b.h1().await, "Legal documents");
            b.click_link("Bahasa Indonesia").await;

            b.login_as("b@batik-b.test", "/toko").await;
            b.go(&format!("/toko/produk/{id}")).await;
            assert_eq!(b.h1().await, "Halaman tidak ditemukan", "[{name}] another vendor's product");
            b.go("/toko/produk").await;
            assert!(!b.text("main").await.contains("Batik Cap A"), "[{name}] not in the other's list");
            // Nor its order, nor its photos.
            b.go(&format!("/toko/pesanan/{order}")).await;
            assert_eq!(b.h1().await, "Halaman tidak ditemukan", "[{name}] another vendor's order");
            b.go("/toko/pesanan").await;
            assert!(!b.exists("#daftar-pesanan").await, "[{name}] no orders of others");
            // A vendor is no curator.
            b.go("/kurasi/penyedia").await;
            assert_eq!(b.h1().await, "Akses ditolak", "[{name}]");
        })
        .await;
    }
}

/// A published product of the vendor `token`, approved by `curator`.
async fn published(app: &TestApp, token: &str, curator: &str, name: &str) -> String {
    let body = json!({ "name": name, "category_id": BATIK, "unit": "pcs", "unit_price_idr": 450_000, "stock": 20 });
    let p = app.post("/api/v1/products", Some(token), body).await.expect(201);
    let id = p["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/products/{id}/submit"), Some(token), json!({})).await.expect(200);
    app.post(&format!("/api/v1/products/{id}/review"), Some(curator), json!({ "decision": "approve" }))
        .await
        .expect(200);
    id
}

/// An order of `qty` of `product` by the satker's PP, approved by its PPK: the Surat
/// Pesanan waits for the vendor. Its id.
async fn signed_order(app: &TestApp, w: &World, product: &str, qty: i64) -> String {
    let (pp, ppk) = (w.token("pejabat_pengadaan"), w.token("ppk"));
    app.request("PUT", &format!("/api/v1/cart/lines/{product}"), Some(pp), Some(json!({ "quantity": qty })))
        .await
        .expect(200);
    let body = json!({
        "method": "e_purchasing", "rup_code": "45678912", "budget_line": "5.1.02.01.01.0024",
        "funding_source": "apbd", "delivery_address": "SDN Kranggan 1, Jl. Kranggan 5, Mojokerto",
        "delivery_date": "2027-01-15", "ppk_id": w.user_id("ppk"),
    });
    let key = uuid::Uuid::now_v7().to_string();
    let out = app
        .request_with("POST", "/api/v1/checkout", Some(pp), &[("idempotency-key", key.as_bytes())], Some(body))
        .await
        .expect(201);
    let id = out["orders"][0]["id"].as_str().unwrap().to_owned();
    let signed = app.post(&format!("/api/v1/orders/{id}/approve"), Some(ppk), json!({})).await.expect(200);
    assert_eq!(signed["state"], "surat_pesanan_signed");
    id
}

#[actix_web::test]
async fn a_vendor_works_the_orders_inbox_invoices_team_and_import() {
    if !available() {
        return;
    }
    let uploads = tempfile::tempdir().unwrap();
    let bad_csv = uploads.path().join("salah.csv");
    std::fs::write(
        &bad_csv,
        format!(
            "name,category,unit,unit_price_idr\nSelendang Tenun,{BATIK},pcs,150000\nTaplak Meja,{BATIK},pcs,murah\n"
        ),
    )
    .unwrap();
    let good_csv = uploads.path().join("benar.csv");
    std::fs::write(
        &good_csv,
        format!(
            "name,category,unit,unit_price_idr\nSelendang Tenun,{BATIK},pcs,150000\nTaplak Meja,{BATIK},pcs,95.000\n"
        ),
    )
    .unwrap();
    let (bad_csv, good_csv) = (bad_csv.display().to_string(), good_csv.display().to_string());
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (_, vendor) = app.approved_vendor(&curator, "jual@tenun.test", "UD Tenun Ikat", "9120002000101").await;
        let kain = published(&app, &vendor, &curator, "Kain Tenun Ikat").await;
        let order = signed_order(&app, &w, &kain, 4).await;
        let other = signed_order(&app, &w, &kain, 1).await;
        let name = app.name();
        let (bad, good) = (bad_csv.clone(), good_csv.clone());
        let (app_ref, w_ref) = (&app, &w);
        Browser::with(&app.base, Setup::default(), |b| async move {
            b.login_as("jual@tenun.test", "/toko").await;
            b.click_link("Pesanan").await;
            let inbox = b.text("#daftar-pesanan").await;
            assert!(
                inbox.contains("Surat Pesanan terbit: menunggu Anda") && inbox.contains("Rp1.800.000"),
                "[{name}] {inbox}"
            );
            b.axe("the orders inbox").await;
            b.screenshots("toko-pesanan").await;

            // From the inbox to the order page every party shares. Declining needs a
            // reason, shown beside its field.
            b.go(&format!("/toko/pesanan/{other}")).await;
            assert_eq!(b.path().await, format!("/pesanan/{other}"), "[{name}] one order page for all");
            let decline = format!("form[action='/pesanan/{other}/tolak-sp'] button[type=submit]");
            b.click(&decline).await;
            assert!(b.exists(".error-summary a[href='#reason']").await, "[{name}] the reason is required");
            assert!(b.exists("#reason-galat").await);
            b.axe("an order with an error").await;
            b.fill("#reason", "Stok untuk warna ini habis di penenun.").await;
            b.click(&decline).await;
            assert_eq!(b.text(".lead .status").await, "Dibatalkan", "[{name}]");

            // Accept, then ship what remains.
            b.go("/toko/pesanan").await;
            b.click(&format!("#daftar-pesanan a[href='/pesanan/{order}']")).await;
            b.axe("an order waiting for the vendor").await;
            b.screenshots("toko-pesanan-detail").await;
            b.click(&format!("form[action='/pesanan/{order}/terima'] button")).await;
            assert_eq!(b.text(".lead .status").await, "Diterima penyedia", "[{name}]");
            assert_eq!(b.value("#ship_1").await, "4", "what remains to ship");
            b.fill("#courier", "JNE").await;
            b.fill("#tracking", "JNE-0012345").await;
            b.click(&format!("form[action='/pesanan/{order}/kirim'] button")).await;
            assert_eq!(b.text(".lead .status").await, "Dikirim", "[{name}]");

            // The PPK inspects and signs the BAST (through the API here; the buying
            // journey does it through the pages); the vendor countersigns, which issues
            // the invoice.
            let ppk = w_ref.token("ppk");
            let receipt = json!({ "lines": [{ "line": 1, "accepted_quantity": 4, "condition": "good" }] });
            app_ref.post(&format!("/api/v1/orders/{order}/receipt"), Some(ppk), receipt).await.expect(200);
            app_ref
                .post(&format!("/api/v1/orders/{order}/bast"), Some(ppk), json!({ "bast_number": "027/BAST/2026" }))
                .await
                .expect(200);
            b.go(&format!("/pesanan/{order}")).await;
            b.click(&format!("form[action='/pesanan/{order}/bast-tandatangan'] button")).await;
            assert_eq!(b.text(".lead .status").await, "Tagihan terbit", "[{name}]");
            assert!(b.text("#tagihan").await.contains("Rp"), "[{name}] the invoice's figures");
            b.go("/toko/tagihan").await;
            assert!(b.text("#daftar-pesanan").await.contains("Tagihan terbit, belum ada VA"), "[{name}]");
            b.axe("the invoices").await;
            b.screenshots("toko-tagihan").await;

            // The team: an invitation.
            b.click_link("Tim").await;
            b.fill("#email", "staf@tenun.test").await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.path().await, "/toko/tim?diundang=1");
            assert!(b.text("#daftar-tim").await.contains("staf@tenun.test"), "[{name}]");
            b.axe("the team").await;
            b.screenshots("toko-tim").await;

            // The CSV import: a bad row is named, nothing imported; then all of it.
            b.click_link("Impor CSV").await;
            b.attach("#file", &bad).await;
            b.click("main form button[type=submit]").await;
            let rows = b.text("#galat-baris").await;
            assert!(rows.contains("unit_price_idr"), "[{name}] {rows}");
            b.axe("the import with row errors").await;
            b.screenshots("toko-impor-galat").await;
            b.attach("#file", &good).await;
            b.click("main form button[type=submit]").await;
            assert!(b.text(".notice").await.starts_with("2 produk"), "[{name}]");
            b.click_link("Produk").await;
            assert!(b.text("#daftar-produk").await.contains("Taplak Meja"), "[{name}]");
        })
        .await;
    }
}

#[actix_web::test]
async fn a_curator_reviews_changes_as_diffs_and_takes_a_product_down() {
    if !available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (_, vendor) = app.approved_vendor(&curator, "jual@tenun.test", "UD Tenun Ikat", "9120002000101").await;
        let kain = published(&app, &vendor, &curator, "Kain Tenun Ikat").await;
        let name = app.name();
        Browser::with(&app.base, Setup::default(), |b| async move {
            // An approved vendor changes a reviewed field of a published product, and a
            // counted fact of its profile: both wait for the curator.
            b.login_as("jual@tenun.test", "/toko").await;
            b.go(&format!("/toko/produk/{kain}")).await;
            assert_eq!(b.text("#status-produk").await, "Tayang");
            b.fill("#name", "Kain Tenun Ikat Sumba").await;
            b.click("#simpan-produk").await;
            assert_eq!(b.text("#status-produk").await, "Perubahan menunggu kurator", "[{name}]");
            b.click_link("Profil").await;
            b.fill("#business_capital_idr", "900.000.000").await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.path().await, "/toko/profil?disimpan=1");

            b.login_as("curator@pasar.test", "/kurasi/produk").await;
            b.click_link("Perubahan").await;
            b.click_link("Kain Tenun Ikat Sumba").await;
            let diff = b.text("#perubahan").await;
            assert!(diff.contains("Kain Tenun Ikat") && diff.contains("berubah"), "[{name}] {diff}");
            assert_eq!(b.text("#perubahan tr.changed del").await, "Kain Tenun Ikat");
            assert_eq!(b.text("#perubahan tr.changed ins").await, "Kain Tenun Ikat Sumba");
            b.axe("a product change as a diff").await;
            b.screenshots("kurasi-produk-perubahan").await;
            b.tick("#decision").await;
            b.click("#putuskan").await;
            assert_eq!(b.text("#status-produk").await, "Tayang", "[{name}]");

            // Taking it down needs a reason, beside its field.
            b.click("#turunkan").await;
            assert!(b.exists(".error-summary a[href='#takedown_reason']").await, "[{name}] the reason is required");
            b.fill("#takedown_reason", "Foto tidak sesuai barang").await;
            b.click("#turunkan").await;
            assert_eq!(b.text("#status-produk").await, "Diturunkan", "[{name}]");

            // The vendor's proposed capital, beside the one in force.
            b.go("/kurasi/penyedia").await;
            b.click_link("Perubahan data P3DN").await;
            b.axe("the queue of proposed changes").await;
            b.click_link("UD Tenun Ikat").await;
            let diff = b.text("#perubahan").await;
            assert!(diff.contains("Rp350.000.000") && diff.contains("Rp900.000.000"), "[{name}] {diff}");
            b.axe("a vendor's proposed change").await;
            b.screenshots("kurasi-penyedia-perubahan").await;
            b.tick("#facts_decision").await;
            b.click("form[action$='/fakta'] button[type=submit]").await;
            assert!(b.text(".notice").await.contains("perubahan tersimpan"), "[{name}]");
            assert!(!b.exists("#perubahan").await, "[{name}] nothing waits any more");
        })
        .await;
    }
}
