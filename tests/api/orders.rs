//! E-purchasing through the API, on both databases: cart, checkout, ceilings and
//! budgets, negotiation, the Surat Pesanan, deadlines, delivery, BAST and invoice, and
//! who may do what to whose order.

use pasar_tests::{backends, Options, TestApp, World};
use serde_json::{json, Value};

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";

/// A satker's buyers, a selling vendor with products, and strangers.
struct Market {
    w: World,
    /// token of the approved selling vendor's owner
    vendor: String,
    vendor_id: String,
    curator: String,
    /// a second PPK of satker A (not the order's)
    ppk2: String,
    /// a PP and a PPK of satker B
    pp_b: String,
    ppk_b: String,
    ppk_b_id: String,
}

async fn market(app: &TestApp, n: u32) -> Market {
    let w = World::build(app).await;
    let curator = w.token("curator").to_owned();
    let (vendor_id, vendor) =
        app.approved_vendor(&curator, &format!("jual{n}@toko.test"), "UD Tenun Ikat", &format!("91200020001{n:02}")).await;
    app.create_user(&w.admin, &w.satker_a, "ppk2@sdn1.test", &["ppk"]).await;
    app.create_user(&w.admin, &w.satker_b, "pp@smpn2.test", &["pejabat_pengadaan"]).await;
    let ppk_b_id = app.create_user(&w.admin, &w.satker_b, "ppk@smpn2.test", &["ppk"]).await;
    let ppk2 = app.login("ppk2@sdn1.test", pasar_tests::PASSWORD).await;
    let pp_b = app.login("pp@smpn2.test", pasar_tests::PASSWORD).await;
    let ppk_b = app.login("ppk@smpn2.test", pasar_tests::PASSWORD).await;
    Market { w, vendor, vendor_id, curator, ppk2, pp_b, ppk_b, ppk_b_id }
}

/// A published product of the market's vendor.
async fn product(app: &TestApp, m: &Market, name: &str, price: i64, stock: i64) -> String {
    let body = json!({
        "name": name, "category_id": BATIK, "unit": "pcs", "unit_price_idr": price, "stock": stock,
        "local_content": { "certificate": "TKDN-77/2026", "tkdn_bp": 4500, "bmp_bp": 1000, "valid_until": "2030-01-01" },
    });
    let p = app.post("/api/v1/products", Some(&m.vendor), body).await.expect(201);
    let id = p["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/products/{id}/submit"), Some(&m.vendor), json!({})).await.expect(200);
    app.post(&format!("/api/v1/products/{id}/review"), Some(&m.curator), json!({ "decision": "approve" }))
        .await
        .expect(200);
    id
}

fn checkout_body(m: &Market) -> Value {
    checkout_for(m.w.user_id("ppk"))
}

/// A checkout to be approved by the PPK `ppk_id`.
fn checkout_for(ppk_id: &str) -> Value {
    json!({
        "method": "e_purchasing", "rup_code": "45678912", "budget_line": "5.1.02.01.01.0024",
        "funding_source": "apbd", "delivery_address": "SDN Kranggan 1, Jl. Kranggan 5, Mojokerto",
        "delivery_date": "2027-01-15", "ppk_id": ppk_id,
    })
}

async fn checkout_as(app: &TestApp, token: &str, body: Value) -> pasar_tests::Reply {
    let key = uuid::Uuid::now_v7().to_string();
    app.request_with("POST", "/api/v1/checkout", Some(token), &[("idempotency-key", key.as_bytes())], Some(body)).await
}

/// Puts `qty` of `product` in the cart of `token` and checks out; the new order.
async fn order_of(app: &TestApp, ppk_id: &str, token: &str, product: &str, qty: i64) -> Value {
    app.request("PUT", &format!("/api/v1/cart/lines/{product}"), Some(token), Some(json!({ "quantity": qty })))
        .await
        .expect(200);
    let out = checkout_as(app, token, checkout_for(ppk_id)).await.expect(201);
    out["orders"][0].clone()
}

fn stock_of(app: &TestApp, product: &str) -> i64 {
    use diesel::prelude::*;
    use pasar_db::schema::products::dsl;
    let n: i32 = dsl::products.find(product).select(dsl::stock).first(&mut *app.db()).unwrap();
    n.into()
}

#[actix_web::test]
async fn an_order_goes_from_cart_to_invoice_with_its_facts_frozen() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let m = market(&app, 1).await;
        let (pp, ppk) = (m.w.token("pejabat_pengadaan").to_owned(), m.w.token("ppk").to_owned());
        let kain = product(&app, &m, "Kain Tenun Ikat", 450_000, 20).await;
        let selendang = product(&app, &m, "Selendang Tenun", 150_000, 5).await;

        // The cart shows price, stock and whether each line can be bought.
        app.request("PUT", &format!("/api/v1/cart/lines/{kain}"), Some(&pp), Some(json!({ "quantity": 4 }))).await.expect(200);
        let cart = app
            .request("PUT", &format!("/api/v1/cart/lines/{selendang}"), Some(&pp), Some(json!({ "quantity": 2 })))
            .await
            .expect(200);
        assert_eq!(cart["total_idr"], 4 * 450_000 + 2 * 150_000, "[{}] {cart}", app.name());
        assert_eq!(cart["lines"][0]["buyable"], true);
        assert_eq!(cart["vendors"], 1);
        let bad = app.request("PUT", &format!("/api/v1/cart/lines/{kain}"), Some(&pp), Some(json!({ "quantity": 0 }))).await;
        assert_eq!(bad.expect_problem(422, "validation_failed")["errors"][0]["field"], "quantity");

        // Checkout without a key is refused; with one it is done once.
        let no_key = app.post("/api/v1/checkout", Some(&pp), checkout_body(&m)).await;
        assert_eq!(no_key.expect_problem(400, "invalid_header")["errors"][0]["field"], "Idempotency-Key");
        let key = b"checkout-1";
        let first = app
            .request_with("POST", "/api/v1/checkout", Some(&pp), &[("idempotency-key", key)], Some(checkout_body(&m)))
            .await
            .expect(201);
        let again = app
            .request_with("POST", "/api/v1/checkout", Some(&pp), &[("idempotency-key", key)], Some(checkout_body(&m)))
            .await;
        assert_eq!(again.header("idempotency-replayed"), Some("true"));
        assert_eq!(again.expect(201)["checkout_ref"], first["checkout_ref"]);
        assert_eq!(first["orders"].as_array().unwrap().len(), 1);
        let order = &first["orders"][0];
        let id = order["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/orders/{id}");
        assert_eq!(order["state"], "awaiting_ppk_approval");
        assert_eq!(order["total_idr"], 2_100_000);
        assert!(order["due_at"].is_string());
        assert_eq!((stock_of(&app, &kain), stock_of(&app, &selendang)), (16, 3), "[{}] stock reserved once", app.name());
        assert!(app.get("/api/v1/cart", Some(&pp)).await.expect(200)["lines"].as_array().unwrap().is_empty());
        assert!(app.mails_to("ppk@sdn1.test").iter().any(|mail| mail.subject.contains("menunggu persetujuan")));

        // Negotiation: offer, counter, accept; every round kept, never above the HST.
        let too_high = app
            .post(&format!("{path}/negotiation"), Some(&pp), json!({ "action": "offer", "lines": [{ "line": 1, "unit_price_idr": 450_001 }] }))
            .await;
        assert_eq!(too_high.expect_problem(422, "validation_failed")["errors"][0]["field"], "lines[0].unit_price_idr");
        app.post(&format!("{path}/negotiation"), Some(&pp), json!({ "action": "offer", "lines": [{ "line": 1, "unit_price_idr": 400_000 }] }))
            .await
            .expect(200);
        let early = app.post(&format!("{path}/approve"), Some(&ppk), json!({})).await;
        assert_eq!(early.expect_problem(409, "invalid_state")["errors"][0]["message"], "negotiation");
        app.post(
            &format!("{path}/negotiation"),
            Some(&m.vendor),
            json!({ "action": "counter", "lines": [{ "line": 1, "unit_price_idr": 425_000 }], "note": "harga bahan naik" }),
        )
        .await
        .expect(200);
        let agreed = app.post(&format!("{path}/negotiation"), Some(&pp), json!({ "action": "accept" })).await.expect(200);
        assert_eq!(agreed["state"], "awaiting_ppk_approval");
        assert_eq!(agreed["lines"][0]["unit_price_idr"], 425_000);
        assert_eq!(agreed["total_idr"], 4 * 425_000 + 2 * 150_000);
        assert_eq!(agreed["negotiation"].as_array().unwrap().len(), 3);

        // A PP never approves; the order's PPK signs the Surat Pesanan.
        app.post(&format!("{path}/approve"), Some(&pp), json!({})).await.expect_problem(403, "forbidden");
        let signed = app.post(&format!("{path}/approve"), Some(&ppk), json!({})).await.expect(200);
        let sp = &signed["surat_pesanan"];
        assert_eq!(signed["state"], "surat_pesanan_signed");
        assert!(sp["number"].as_str().unwrap().starts_with("SP-"), "{sp}");
        let content = sp["content"].as_str().unwrap();
        assert_eq!(sp["sha256"].as_str().unwrap(), hex::encode(<sha2::Sha256 as sha2::Digest>::digest(content.as_bytes())));
        assert_eq!(sp["signature"]["signer_id"], m.w.user_id("ppk"));
        assert!(signed["lines"].as_array().unwrap().iter().all(|l| l["frozen"] == true));
        assert_eq!(signed["lines"][0]["facts"]["tkdn_bp"], 4500);

        // The vendor countersigns, ships in two parts; the PPK inspects, signs the BAST.
        app.post(&format!("{path}/accept"), Some(&m.vendor), json!({})).await.expect(200);
        let over = app.post(&format!("{path}/shipments"), Some(&m.vendor), json!({ "lines": [{ "line": 1, "quantity": 5 }] })).await;
        assert_eq!(over.expect_problem(422, "validation_failed")["errors"][0]["field"], "lines[0].quantity");
        app.post(&format!("{path}/shipments"), Some(&m.vendor), json!({ "lines": [{ "line": 1, "quantity": 4 }], "courier": "JNE" }))
            .await
            .expect(200);
        let shipped = app
            .post(&format!("{path}/shipments"), Some(&m.vendor), json!({ "lines": [{ "line": 2, "quantity": 2 }] }))
            .await
            .expect(200);
        assert_eq!(shipped["shipments"].as_array().unwrap().len(), 2);
        let receipt = json!({ "lines": [
            { "line": 1, "accepted_quantity": 4, "condition": "good" },
            { "line": 2, "accepted_quantity": 1, "condition": "damaged", "note": "satu sobek" },
        ]});
        app.post(&format!("{path}/receipt"), Some(&ppk), receipt).await.expect(200);
        app.post(&format!("{path}/bast"), Some(&ppk), json!({ "bast_number": "027/BAST/SDN-K1/2026" })).await.expect(200);
        app.get(&format!("{path}/invoice"), Some(&pp)).await.expect_problem(404, "not_found");
        let invoiced = app.post(&format!("{path}/bast/countersign"), Some(&m.vendor), json!({})).await.expect(200);
        assert_eq!(invoiced["state"], "invoiced");

        // Only accepted units are billed, at the agreed prices; the figures add up.
        let inv = app.get(&format!("{path}/invoice"), Some(&m.w.token("bendahara").to_owned())).await.expect(200);
        let subtotal = 4 * 425_000 + 150_000;
        assert_eq!(inv["subtotal"], subtotal, "[{}] {inv}", app.name());
        assert!(inv["number"].as_str().unwrap().starts_with("INV-"));
        let gross = inv["gross_total"].as_i64().unwrap();
        assert_eq!(gross, subtotal + inv["ppn"].as_i64().unwrap());
        assert_eq!(inv["ppn"], 0, "a non-PKP vendor charges no PPN");
        assert_eq!(inv["pph22"], subtotal / 200, "PPh 22 at 0.5 % collected by the platform");

        // The PPK rates the vendor once.
        app.post(&format!("{path}/rating"), Some(&ppk), json!({ "score": 6 })).await.expect_problem(422, "validation_failed");
        app.post(&format!("{path}/rating"), Some(&ppk), json!({ "score": 5, "comment": "rapi" })).await.expect(200);
        app.post(&format!("{path}/rating"), Some(&ppk), json!({ "score": 4 })).await.expect_problem(409, "invalid_state");

        // Later changes to the product and the vendor leave the order as it was.
        let before = app.get(&path, Some(&pp)).await.expect(200);
        let lc = json!({ "local_content": { "certificate": "TKDN-78/2027", "tkdn_bp": 2000, "bmp_bp": 0, "valid_until": "2031-01-01" } });
        app.request("PATCH", &format!("/api/v1/products/{kain}"), Some(&m.vendor), Some(lc)).await.expect(200);
        app.post(&format!("/api/v1/products/{kain}/review"), Some(&m.curator), json!({ "decision": "approve" })).await.expect(200);
        app.request("PATCH", &format!("/api/v1/vendors/{}", m.vendor_id), Some(&m.vendor), Some(json!({ "business_capital_idr": 20_000_000_000i64 })))
            .await
            .expect(200);
        app.post(&format!("/api/v1/vendors/{}/facts/review", m.vendor_id), Some(&m.curator), json!({ "decision": "approve" }))
            .await
            .expect(200);
        let after = app.get(&path, Some(&pp)).await.expect(200);
        assert_eq!(after["lines"], before["lines"], "[{}] frozen facts never change", app.name());
        assert_eq!(after["lines"][0]["facts"]["umkk"], true);
        let actions: Vec<&str> = after["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
        assert_eq!(
            actions,
            [
                "order.checkout", "order.offer", "order.counter", "order.accept_prices", "order.approve", "order.accept",
                "order.ship", "order.ship", "order.receive", "order.sign_bast", "order.countersign_bast", "order.rate"
            ],
            "[{}]",
            app.name()
        );
        assert_eq!(pasar_db::audit::verify(&mut app.db()).unwrap().first_broken, None);
    }
}

#[actix_web::test]
async fn sixty_four_buyers_racing_for_ten_units_get_exactly_ten() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let m = market(&app, 2).await;
        let p = product(&app, &m, "Batik Tulis Sekar Jagad", 300_000, 10).await;
        let mut buyers = Vec::new();
        for i in 0..64 {
            let email = format!("pp{i}@sdn1.test");
            app.create_user(&m.w.admin, &m.w.satker_a, &email, &["pejabat_pengadaan"]).await;
            let t = app.login(&email, pasar_tests::PASSWORD).await;
            app.request("PUT", &format!("/api/v1/cart/lines/{p}"), Some(&t), Some(json!({ "quantity": 1 }))).await.expect(200);
            buyers.push(t);
        }
        let body = checkout_body(&m);
        let replies = futures_util::future::join_all(buyers.iter().map(|t| checkout_as(&app, t, body.clone()))).await;
        let mut ok = 0;
        for r in replies {
            match r.status {
                201 => ok += 1,
                409 => assert_eq!(r.expect_problem(409, "insufficient_stock")["errors"][0]["field"], "lines[0].quantity"),
                s => panic!("[{}] checkout answered {s}: {}", app.name(), r.body),
            }
        }
        assert_eq!(ok, 10, "[{}] exactly the ten units are sold", app.name());
        assert_eq!(stock_of(&app, &p), 0);
        let ordered: i64 = {
            use diesel::prelude::*;
            use pasar_db::schema::order_lines::dsl;
            dsl::order_lines.filter(dsl::product_id.eq(&p)).select(dsl::quantity).load::<i64>(&mut *app.db()).unwrap().iter().sum()
        };
        assert_eq!(ordered, 10, "[{}] no unit sold twice", app.name());
    }
}

#[actix_web::test]
async fn surat_pesanan_numbers_run_without_gaps_under_concurrency() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let m = market(&app, 3).await;
        let pp = m.w.token("pejabat_pengadaan").to_owned();
        let p = product(&app, &m, "Tas Anyaman Pandan", 75_000, 100).await;
        let mut ids = Vec::new();
        for _ in 0..12 {
            ids.push(order_of(&app, m.w.user_id("ppk"), &pp, &p, 1).await["id"].as_str().unwrap().to_owned());
        }
        let ppk = m.w.token("ppk").to_owned();
        let paths: Vec<String> = ids.iter().map(|id| format!("/api/v1/orders/{id}/approve")).collect();
        let replies = futures_util::future::join_all(paths.iter().map(|p| app.post(p, Some(&ppk), json!({})))).await;
        let mut numbers: Vec<String> =
            replies.into_iter().map(|r| r.expect(200)["surat_pesanan"]["number"].as_str().unwrap().to_owned()).collect();
        numbers.sort();
        let year = app.now().format("%Y").to_string();
        let expected: Vec<String> = (1..=12).map(|n| format!("SP-{year}-{n:05}")).collect();
        assert_eq!(numbers, expected, "[{}]", app.name());
        // Another satker counts from 1.
        let pb = order_of(&app, &m.ppk_b_id, &m.pp_b, &p, 1).await;
        let signed = app.post(&format!("/api/v1/orders/{}/approve", pb["id"].as_str().unwrap()), Some(&m.ppk_b), json!({})).await.expect(200);
        assert_eq!(signed["surat_pesanan"]["number"], format!("SP-{year}-00001"));
    }
}
