//! Buying through the pages: a PP puts a product in the cart and checks out, the PPK
//! approves, the vendor accepts and ships, the PPK inspects and signs the BAST, the vendor
//! countersigns, the bendahara asks for a virtual account and the bank pays it. Plus: a
//! buyer of another satker gets a 404 page for the order.

use crate::harness::{available, Browser, Setup};
use pasar_tests::snap::TestBank;
use pasar_tests::{backends, Options, TestApp, World};
use serde_json::json;

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";

/// Submits the form whose action ends with `step` on the order page.
async fn step(b: &Browser, id: &str, step: &str) {
    b.click(&format!("form[action='/pesanan/{id}/{step}'] button[type=submit]")).await;
}

#[actix_web::test]
async fn an_order_goes_from_cart_to_paid_through_the_pages() {
    if !available() {
        return;
    }
    for backend in backends() {
        let bank = TestBank::new();
        let mut payments = pasar_tests::default_config().payments;
        payments.banks = vec![bank.config("jatim", "8808")];
        let app = TestApp::start(backend, Options { payments: Some(payments), ..Options::default() }).await;
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
        app.create_user(&w.admin, &w.satker_b, "pp@smpn2.test", &["pejabat_pengadaan"]).await;
        let app = &app;
        let product = product.as_str();

        let ppk = w.user_id("ppk").to_owned();
        let bendahara = w.token("bendahara").to_owned();
        Browser::with(&app.base, Setup::default(), |b| async move {
            let id = order_to_paid(&b, app, &ppk, &bendahara, "jual@toko.test", &bank, product).await;
            // A PP of another satker cannot open it.
            b.login_as("pp@smpn2.test", "/").await;
            b.go(&format!("/pesanan/{id}")).await;
            assert_eq!(b.h1().await, "Halaman tidak ditemukan");
        })
        .await;
    }
}

/// The buyer's side of one purchase through the pages, from `product`'s page to the bank's
/// payment: the PP (pp@sdn1.test) orders 3, the PPK approves, the vendor (`vendor_email`)
/// accepts and ships, the PPK inspects and signs the BAST, the vendor countersigns, the
/// bendahara asks for the VA and `bank` pays it. Returns the order's id.
pub async fn order_to_paid(
    b: &Browser,
    app: &TestApp,
    ppk_id: &str,
    bendahara_token: &str,
    vendor_email: &str,
    bank: &TestBank,
    product: &str,
) -> String {
    // The PP: the product's page, the cart, the checkout.
    b.login_as("pp@sdn1.test", "/").await;
    b.go(&format!("/produk/{product}")).await;
    b.fill("#quantity", "3").await;
    b.click("form.add-to-cart button").await;
    assert_eq!(b.path().await, "/keranjang");
    b.axe("the cart").await;
    b.screenshots("keranjang").await;
    b.click_link("Lanjut ke checkout").await;
    assert_eq!(b.h1().await, "Checkout");
    // Nothing filled: every field's error beside it, nothing ordered.
    b.click("form[action='/checkout'] button[type=submit]").await;
    assert!(b.exists(".error-summary a[href='#rup_code']").await);
    assert!(b.exists("#ppk_id-galat").await, "the PPK is required");
    b.axe("the checkout with errors").await;
    b.fill("#rup_code", "45678912").await;
    b.fill("#budget_line", "5.1.02.01.01.0024").await;
    b.choose("#funding_source", "apbd").await;
    b.fill("#delivery_address", "SDN Kranggan 1, Jl. Kranggan 5, Mojokerto").await;
    b.set_date("#delivery_date", "2027-01-15").await;
    b.choose("#ppk_id", ppk_id).await;
    b.screenshots("checkout").await;
    b.click("form[action='/checkout'] button[type=submit]").await;
    let path = b.path().await;
    let id = path.strip_prefix("/pesanan/").unwrap_or_else(|| panic!("on the order: {path}")).to_owned();
    assert_eq!(b.text(".lead .status").await, "Menunggu persetujuan PPK");
    b.axe("an order").await;

    // The PPK: the queue shows the deadline; approving issues the Surat Pesanan.
    b.login_as("ppk@sdn1.test", "/persetujuan").await;
    assert!(b.text("main table").await.contains("Menunggu persetujuan PPK"));
    b.screenshots("persetujuan").await;
    b.go(&format!("/pesanan/{id}")).await;
    step(b, &id, "setujui").await;
    assert_eq!(b.text(".lead .status").await, "Surat Pesanan terbit");
    b.click_link("Surat Pesanan").await;
    assert!(b.text(".hash code").await.len() == 64, "the SP carries its SHA-256");
    b.axe("the printed Surat Pesanan").await;
    b.screenshots("cetak-surat-pesanan").await;

    // The vendor accepts and ships everything.
    b.login_as(vendor_email, "/").await;
    b.go(&format!("/pesanan/{id}")).await;
    step(b, &id, "terima").await;
    assert_eq!(b.text(".lead .status").await, "Diterima penyedia");
    // Shipping more than ordered is refused beside the line's field.
    b.fill("#ship_1", "5").await;
    step(b, &id, "kirim").await;
    assert!(b.exists(".error-summary").await, "too many refused");
    b.fill("#ship_1", "3").await;
    step(b, &id, "kirim").await;
    assert_eq!(b.text(".lead .status").await, "Dikirim");

    // The PPK inspects, signs the BAST.
    b.login_as("ppk@sdn1.test", "/").await;
    b.go(&format!("/pesanan/{id}")).await;
    step(b, &id, "periksa").await;
    assert_eq!(b.text(".lead .status").await, "Diperiksa PPK");
    b.fill("#bast_number", "BAST/027/SDN1/2026").await;
    step(b, &id, "bast").await;
    assert_eq!(b.text(".lead .status").await, "BAST ditandatangani PPK");

    // The vendor countersigns: the invoice.
    b.login_as(vendor_email, "/").await;
    b.go(&format!("/pesanan/{id}")).await;
    step(b, &id, "bast-tandatangan").await;
    assert_eq!(b.text(".lead .status").await, "Tagihan terbit");

    // The bendahara asks for the VA; the bank pays it.
    b.login_as("bendahara@sdn1.test", "/tagihan").await;
    b.click(&format!("a[href='/tagihan/{id}']")).await;
    b.click(&format!("form[action='/tagihan/{id}'] button[type=submit]")).await;
    let number = b.text(".va-number").await;
    assert!(number.starts_with("8808") && number.len() == 20, "{number:?}");
    b.axe("the invoice with its VA").await;
    b.screenshots("tagihan-va").await;
    let va = app.get(&format!("/api/v1/orders/{id}/virtual-account"), Some(bendahara_token)).await.expect(200);
    let paid = bank.pay(app, va["virtual_account_no"].as_str().unwrap(), va["amount_idr"].as_i64().unwrap()).await;
    assert_eq!(paid["responseCode"], "2002500", "{paid}");
    b.go(&format!("/tagihan/{id}")).await;
    assert_eq!(b.text(".lead .status").await, "Selesai");
    id
}
