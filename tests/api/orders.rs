//! E-purchasing through the API, on both databases: cart, checkout, ceilings and
//! budgets, negotiation, the Surat Pesanan, deadlines, delivery, BAST and invoice, and
//! who may do what to whose order.

use pasar_tests::{backends, Options, TestApp, World};
use serde_json::{json, Value};

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";

/// A satker's buyers, a selling vendor with products, and strangers.
pub(crate) struct Market {
    pub(crate) w: World,
    /// token of the approved selling vendor's owner
    pub(crate) vendor: String,
    pub(crate) vendor_id: String,
    pub(crate) curator: String,
    /// a second PPK of satker A (not the order's)
    pub(crate) ppk2: String,
    /// a PP and a PPK of satker B
    pub(crate) pp_b: String,
    ppk_b: String,
    ppk_b_id: String,
}

pub(crate) async fn market(app: &TestApp, n: u32) -> Market {
    let w = World::build(app).await;
    let curator = w.token("curator").to_owned();
    let (vendor_id, vendor) = app
        .approved_vendor(&curator, &format!("jual{n}@toko.test"), "UD Tenun Ikat", &format!("91200020001{n:02}"))
        .await;
    app.create_user(&w.admin, &w.satker_a, "ppk2@sdn1.test", &["ppk"]).await;
    app.create_user(&w.admin, &w.satker_b, "pp@smpn2.test", &["pejabat_pengadaan"]).await;
    let ppk_b_id = app.create_user(&w.admin, &w.satker_b, "ppk@smpn2.test", &["ppk"]).await;
    let ppk2 = app.login("ppk2@sdn1.test", pasar_tests::PASSWORD).await;
    let pp_b = app.login("pp@smpn2.test", pasar_tests::PASSWORD).await;
    let ppk_b = app.login("ppk@smpn2.test", pasar_tests::PASSWORD).await;
    Market { w, vendor, vendor_id, curator, ppk2, pp_b, ppk_b, ppk_b_id }
}

/// A published product of the market's vendor.
pub(crate) async fn product(app: &TestApp, m: &Market, name: &str, price: i64, stock: i64) -> String {
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
pub(crate) async fn order_of(app: &TestApp, ppk_id: &str, token: &str, product: &str, qty: i64) -> Value {
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
        app.request("PUT", &format!("/api/v1/cart/lines/{kain}"), Some(&pp), Some(json!({ "quantity": 4 })))
            .await
            .expect(200);
        let cart = app
            .request("PUT", &format!("/api/v1/cart/lines/{selendang}"), Some(&pp), Some(json!({ "quantity": 2 })))
            .await
            .expect(200);
        assert_eq!(cart["total_idr"], 4 * 450_000 + 2 * 150_000, "[{}] {cart}", app.name());
        assert_eq!(cart["lines"][0]["buyable"], true);
        assert_eq!(cart["vendors"], 1);
        let bad =
            app.request("PUT", &format!("/api/v1/cart/lines/{kain}"), Some(&pp), Some(json!({ "quantity": 0 }))).await;
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
        assert_eq!(
            (stock_of(&app, &kain), stock_of(&app, &selendang)),
            (16, 3),
            "[{}] stock reserved once",
            app.name()
        );
        assert!(app.get("/api/v1/cart", Some(&pp)).await.expect(200)["lines"].as_array().unwrap().is_empty());
        assert!(app.mails_to("ppk@sdn1.test").iter().any(|mail| mail.subject.contains("menunggu persetujuan")));

        // Negotiation: offer, counter, accept; every round kept, never above the HST.
        let too_high = app
            .post(
                &format!("{path}/negotiation"),
                Some(&pp),
                json!({ "action": "offer", "lines": [{ "line": 1, "unit_price_idr": 450_001 }] }),
            )
            .await;
        assert_eq!(too_high.expect_problem(422, "validation_failed")["errors"][0]["field"], "lines[0].unit_price_idr");
        app.post(
            &format!("{path}/negotiation"),
            Some(&pp),
            json!({ "action": "offer", "lines": [{ "line": 1, "unit_price_idr": 400_000 }] }),
        )
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
        let agreed =
            app.post(&format!("{path}/negotiation"), Some(&pp), json!({ "action": "accept" })).await.expect(200);
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
        assert_eq!(
            sp["sha256"].as_str().unwrap(),
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(content.as_bytes()))
        );
        assert_eq!(sp["signature"]["signer_id"], m.w.user_id("ppk"));
        assert!(signed["lines"].as_array().unwrap().iter().all(|l| l["frozen"] == true));
        assert_eq!(signed["lines"][0]["facts"]["tkdn_bp"], 4500);

        // The vendor countersigns, ships in two parts; the PPK inspects, signs the BAST.
        app.post(&format!("{path}/accept"), Some(&m.vendor), json!({})).await.expect(200);
        let over = app
            .post(&format!("{path}/shipments"), Some(&m.vendor), json!({ "lines": [{ "line": 1, "quantity": 5 }] }))
            .await;
        assert_eq!(over.expect_problem(422, "validation_failed")["errors"][0]["field"], "lines[0].quantity");
        app.post(
            &format!("{path}/shipments"),
            Some(&m.vendor),
            json!({ "lines": [{ "line": 1, "quantity": 4 }], "courier": "JNE" }),
        )
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
        app.post(&format!("{path}/bast"), Some(&ppk), json!({ "bast_number": "027/BAST/SDN-K1/2026" }))
            .await
            .expect(200);
        app.get(&format!("{path}/invoice"), Some(&pp)).await.expect_problem(404, "not_found");
        let invoiced = app.post(&format!("{path}/bast/countersign"), Some(&m.vendor), json!({})).await.expect(200);
        assert_eq!(invoiced["state"], "invoiced");

        // Only accepted units are billed, at the agreed prices; the figures add up.
        let inv = app.get(&format!("{path}/invoice"), Some(m.w.token("bendahara"))).await.expect(200);
        let subtotal = 4 * 425_000 + 150_000;
        assert_eq!(inv["subtotal"], subtotal, "[{}] {inv}", app.name());
        assert!(inv["number"].as_str().unwrap().starts_with("INV-"));
        let gross = inv["gross_total"].as_i64().unwrap();
        assert_eq!(gross, subtotal + inv["ppn"].as_i64().unwrap());
        assert_eq!(inv["ppn"], 0, "a non-PKP vendor charges no PPN");
        assert_eq!(inv["pph22"], subtotal / 200, "PPh 22 at 0.5 % collected by the platform");

        // The PPK rates the vendor once.
        app.post(&format!("{path}/rating"), Some(&ppk), json!({ "score": 6 }))
            .await
            .expect_problem(422, "validation_failed");
        app.post(&format!("{path}/rating"), Some(&ppk), json!({ "score": 5, "comment": "rapi" })).await.expect(200);
        app.post(&format!("{path}/rating"), Some(&ppk), json!({ "score": 4 }))
            .await
            .expect_problem(409, "invalid_state");
        let rating = app.get(&format!("/api/v1/vendors/{}/rating", m.vendor_id), None).await.expect(200);
        assert_eq!((rating["average"].as_f64(), rating["count"].as_i64()), (Some(5.0), Some(1)), "{rating}");
        assert_eq!(rating["recent"][0]["comment"], "rapi");
        let profile = app.get(&format!("/api/v1/vendors/{}", m.vendor_id), None).await.expect(200);
        assert_eq!(profile["rating"], rating, "the public profile shows the rating");

        // Later changes to the product and the vendor leave the order as it was.
        let before = app.get(&path, Some(&pp)).await.expect(200);
        let lc = json!({ "local_content": { "certificate": "TKDN-78/2027", "tkdn_bp": 2000, "bmp_bp": 0, "valid_until": "2031-01-01" } });
        app.request("PATCH", &format!("/api/v1/products/{kain}"), Some(&m.vendor), Some(lc)).await.expect(200);
        app.post(&format!("/api/v1/products/{kain}/review"), Some(&m.curator), json!({ "decision": "approve" }))
            .await
            .expect(200);
        app.request(
            "PATCH",
            &format!("/api/v1/vendors/{}", m.vendor_id),
            Some(&m.vendor),
            Some(json!({ "business_capital_idr": 20_000_000_000i64 })),
        )
        .await
        .expect(200);
        app.post(
            &format!("/api/v1/vendors/{}/facts/review", m.vendor_id),
            Some(&m.curator),
            json!({ "decision": "approve" }),
        )
        .await
        .expect(200);
        let after = app.get(&path, Some(&pp)).await.expect(200);
        assert_eq!(after["lines"], before["lines"], "[{}] frozen facts never change", app.name());
        assert_eq!(after["lines"][0]["facts"]["umkk"], true);
        let actions: Vec<&str> =
            after["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
        assert_eq!(
            actions,
            [
                "order.checkout",
                "order.offer",
                "order.counter",
                "order.accept_prices",
                "order.approve",
                "order.accept",
                "order.ship",
                "order.ship",
                "order.receive",
                "order.sign_bast",
                "order.countersign_bast",
                "order.rate"
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
            app.request("PUT", &format!("/api/v1/cart/lines/{p}"), Some(&t), Some(json!({ "quantity": 1 })))
                .await
                .expect(200);
            buyers.push(t);
        }
        let body = checkout_body(&m);
        let replies = futures_util::future::join_all(buyers.iter().map(|t| checkout_as(&app, t, body.clone()))).await;
        let mut ok = 0;
        for r in replies {
            match r.status {
                201 => ok += 1,
                409 => {
                    assert_eq!(r.expect_problem(409, "insufficient_stock")["errors"][0]["field"], "lines[0].quantity")
                }
                s => panic!("[{}] checkout answered {s}: {}", app.name(), r.body),
            }
        }
        assert_eq!(ok, 10, "[{}] exactly the ten units are sold", app.name());
        assert_eq!(stock_of(&app, &p), 0);
        let ordered: i64 = {
            use diesel::prelude::*;
            use pasar_db::schema::order_lines::dsl;
            dsl::order_lines
                .filter(dsl::product_id.eq(&p))
                .select(dsl::quantity)
                .load::<i64>(&mut *app.db())
                .unwrap()
                .iter()
                .sum()
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
        let mut numbers: Vec<String> = replies
            .into_iter()
            .map(|r| r.expect(200)["surat_pesanan"]["number"].as_str().unwrap().to_owned())
            .collect();
        numbers.sort();
        let year = app.now().format("%Y").to_string();
        let expected: Vec<String> = (1..=12).map(|n| format!("SP-{year}-{n:05}")).collect();
        assert_eq!(numbers, expected, "[{}]", app.name());
        // Another satker counts from 1.
        let pb = order_of(&app, &m.ppk_b_id, &m.pp_b, &p, 1).await;
        let signed = app
            .post(&format!("/api/v1/orders/{}/approve", pb["id"].as_str().unwrap()), Some(&m.ppk_b), json!({}))
            .await
            .expect(200);
        assert_eq!(signed["surat_pesanan"]["number"], format!("SP-{year}-00001"));
    }
}

/// The tokens of everyone who may stand towards an order of satker A sold by the
/// market's vendor: its buyers, its treasurer, the vendor, strangers and the platform.
pub(crate) fn seats(m: &Market) -> Vec<(&'static str, String)> {
    vec![
        ("pp", m.w.token("pejabat_pengadaan").to_owned()),
        ("ppk", m.w.token("ppk").to_owned()),
        ("ppk2", m.ppk2.clone()),
        ("bendahara", m.w.token("bendahara").to_owned()),
        ("vendor", m.vendor.clone()),
        ("pp_b", m.pp_b.clone()),
        ("vendor_b", m.w.token("vendor_owner_b").to_owned()),
        ("curator", m.curator.clone()),
        ("auditor", m.w.token("auditor").to_owned()),
        ("admin", m.w.admin.clone()),
    ]
}

const STRANGERS: [(&str, u16); 3] = [("pp_b", 404), ("vendor_b", 404), ("curator", 404)];

/// Sends the same request as each seat in `cells`, in order, asserting each status.
pub(crate) async fn probe(
    app: &TestApp,
    seats: &[(&'static str, String)],
    method: &str,
    path: &str,
    body: Option<Value>,
    cells: &[(&str, u16)],
) {
    for (who, status) in cells {
        let token = &seats.iter().find(|(s, _)| s == who).unwrap_or_else(|| panic!("seat {who}")).1;
        let r = app.request(method, path, Some(token), body.clone()).await;
        assert_eq!(r.status, *status, "[{}] {method} {path} as {who}: {}", app.name(), r.body);
    }
}

/// `cells` plus the strangers' 404s first.
fn with_strangers(cells: &[(&'static str, u16)]) -> Vec<(&'static str, u16)> {
    STRANGERS.iter().copied().chain(cells.iter().copied()).collect()
}

/// Everyone but `allowed` (and the strangers) is refused with 403; `allowed` then succeeds.
fn only(allowed: &'static str) -> Vec<(&'static str, u16)> {
    let seen = ["pp", "ppk", "ppk2", "bendahara", "vendor", "auditor", "admin"];
    let mut cells: Vec<(&str, u16)> = seen.iter().filter(|s| **s != allowed).map(|s| (*s, 403)).collect();
    cells.push((allowed, 200));
    with_strangers(&cells)
}

/// One bank that collects payments (not connected: no bank calls in these tests).
fn with_a_bank() -> Options {
    let mut payments = pasar_tests::default_config().payments;
    payments.banks = vec![pasar_tests::bank("jatim", "Bank Jatim", "8808")];
    Options { payments: Some(payments), ..Options::default() }
}

#[actix_web::test]
async fn who_may_do_what_to_an_order() {
    for backend in backends() {
        let app = TestApp::start(backend, with_a_bank()).await;
        let m = market(&app, 4).await;
        let s = seats(&m);
        let pp = m.w.token("pejabat_pengadaan").to_owned();
        let p = product(&app, &m, "Kopi Bubuk Mojokerto", 60_000, 50).await;
        let readers = with_strangers(&[
            ("pp", 200),
            ("ppk", 200),
            ("ppk2", 200),
            ("bendahara", 200),
            ("vendor", 200),
            ("auditor", 200),
            ("admin", 200),
        ]);
        // The cart and checkout are a satker buyer's.
        let cart_cells =
            [("vendor", 403), ("bendahara", 403), ("curator", 403), ("auditor", 403), ("admin", 403), ("pp", 200)];
        probe(&app, &s, "GET", "/api/v1/cart", None, &cart_cells).await;
        let put = format!("/api/v1/cart/lines/{p}");
        probe(&app, &s, "PUT", &put, Some(json!({ "quantity": 1 })), &cart_cells[..5]).await;
        let key = [("idempotency-key", b"k-vendor".as_slice())];
        let r = app.request_with("POST", "/api/v1/checkout", Some(&m.vendor), &key, Some(checkout_body(&m))).await;
        r.expect_problem(403, "forbidden");

        let id = order_of(&app, m.w.user_id("ppk"), &pp, &p, 2).await["id"].as_str().unwrap().to_owned();
        let o = format!("/api/v1/orders/{id}");
        assert_eq!(app.get(&o, None).await.status, 401);
        probe(&app, &s, "GET", &o, None, &readers).await;
        let offer = json!({ "action": "offer", "lines": [{ "line": 1, "unit_price_idr": 55_000 }] });
        let buyers_only =
            with_strangers(&[("bendahara", 403), ("vendor", 403), ("auditor", 403), ("admin", 403), ("ppk2", 200)]);
        probe(&app, &s, "POST", &format!("{o}/negotiation"), Some(offer), &buyers_only).await;
        let counter = json!({ "action": "counter", "lines": [{ "line": 1, "unit_price_idr": 58_000 }] });
        let vendor_counters = with_strangers(&[
            ("pp", 403),
            ("ppk", 403),
            ("bendahara", 403),
            ("auditor", 403),
            ("admin", 403),
            ("vendor", 200),
        ]);
        probe(&app, &s, "POST", &format!("{o}/negotiation"), Some(counter), &vendor_counters).await;
        let accept = json!({ "action": "accept" });
        let buyer_accepts = with_strangers(&[("bendahara", 403), ("auditor", 403), ("vendor", 409), ("pp", 200)]);
        probe(&app, &s, "POST", &format!("{o}/negotiation"), Some(accept), &buyer_accepts).await;
        probe(&app, &s, "POST", &format!("{o}/approve"), Some(json!({})), &only("ppk")).await;
        let again = app.post(&format!("{o}/approve"), Some(&s[1].1), json!({})).await;
        assert_eq!(again.expect_problem(409, "invalid_state")["errors"][0]["field"], "state");
        probe(&app, &s, "POST", &format!("{o}/accept"), Some(json!({})), &only("vendor")).await;
        let addendum = json!({ "lines": [{ "line": 1, "quantity": 3 }], "reason": "tambah satu" });
        probe(&app, &s, "POST", &format!("{o}/addenda"), Some(addendum), &only("ppk")).await;
        probe(&app, &s, "POST", &format!("{o}/addenda/2/accept"), Some(json!({})), &only("vendor")).await;
        assert_eq!(stock_of(&app, &p), 47, "[{}] the addendum took one more unit", app.name());
        let ship = json!({ "lines": [{ "line": 1, "quantity": 3 }] });
        probe(&app, &s, "POST", &format!("{o}/shipments"), Some(ship), &only("vendor")).await;
        let receipt = json!({ "lines": [{ "line": 1, "accepted_quantity": 3, "condition": "good" }] });
        probe(&app, &s, "POST", &format!("{o}/receipt"), Some(receipt), &only("ppk")).await;
        probe(&app, &s, "POST", &format!("{o}/bast"), Some(json!({ "bast_number": "BAST-9" })), &only("ppk")).await;
        probe(&app, &s, "POST", &format!("{o}/bast/countersign"), Some(json!({})), &only("vendor")).await;
        probe(&app, &s, "GET", &format!("{o}/invoice"), None, &readers).await;
        probe(&app, &s, "POST", &format!("{o}/rating"), Some(json!({ "score": 4 })), &only("ppk")).await;
        // Payment: only the satker's bendahara asks for the VA; whoever reads the order reads it.
        let va = format!("{o}/virtual-account");
        let no_va_yet = with_strangers(&[("bendahara", 404), ("auditor", 404)]);
        probe(&app, &s, "GET", &va, None, &no_va_yet).await;
        let bendahara_asks = with_strangers(&[
            ("pp", 403),
            ("ppk", 403),
            ("ppk2", 403),
            ("vendor", 403),
            ("auditor", 403),
            ("admin", 403),
            ("bendahara", 201),
        ]);
        probe(&app, &s, "POST", &va, Some(json!({})), &bendahara_asks).await;
        probe(&app, &s, "GET", &va, None, &readers).await;

        // Ending an order: the buyer cancels, the PPK rejects, the vendor declines.
        let reason = json!({ "reason": "tidak jadi" });
        let cancel = order_of(&app, m.w.user_id("ppk"), &pp, &p, 1).await["id"].as_str().unwrap().to_owned();
        let buyer_cancels =
            with_strangers(&[("bendahara", 403), ("vendor", 403), ("auditor", 403), ("admin", 403), ("pp", 200)]);
        probe(&app, &s, "POST", &format!("/api/v1/orders/{cancel}/cancel"), Some(reason.clone()), &buyer_cancels).await;
        let reject = order_of(&app, m.w.user_id("ppk"), &pp, &p, 1).await["id"].as_str().unwrap().to_owned();
        probe(&app, &s, "POST", &format!("/api/v1/orders/{reject}/reject"), Some(reason.clone()), &only("ppk")).await;
        let decline = order_of(&app, m.w.user_id("ppk"), &pp, &p, 1).await["id"].as_str().unwrap().to_owned();
        app.post(&format!("/api/v1/orders/{decline}/approve"), Some(&s[1].1), json!({})).await.expect(200);
        probe(&app, &s, "POST", &format!("/api/v1/orders/{decline}/decline"), Some(reason), &only("vendor")).await;
        assert_eq!(stock_of(&app, &p), 47, "[{}] every ended order gave its stock back", app.name());

        // Lists: each sees its own tenant's orders, filters cannot reach further.
        for (who, expected) in
            [("pp", 4), ("bendahara", 4), ("vendor", 4), ("auditor", 4), ("pp_b", 0), ("vendor_b", 0)]
        {
            let t = &s.iter().find(|(n, _)| *n == who).unwrap().1;
            let page = app.get("/api/v1/orders?limit=100", Some(t)).await.expect(200);
            assert_eq!(page["items"].as_array().unwrap().len(), expected, "[{}] {who}", app.name());
        }
        let t_b = &s.iter().find(|(n, _)| *n == "pp_b").unwrap().1;
        let foreign = app.get(&format!("/api/v1/orders?satker_id={}", m.w.satker_a), Some(t_b)).await.expect(200);
        assert!(foreign["items"].as_array().unwrap().is_empty());
        app.get("/api/v1/orders", Some(&m.curator)).await.expect_problem(403, "forbidden");
        let cancelled = app.get("/api/v1/orders?state=cancelled", Some(&pp)).await.expect(200);
        assert_eq!(cancelled["items"].as_array().unwrap().len(), 3);
        app.get("/api/v1/orders?state=lost", Some(&pp)).await.expect_problem(400, "invalid_query");
        let page1 = app.get("/api/v1/orders?limit=3", Some(&pp)).await.expect(200);
        let cursor = page1["next_cursor"].as_str().expect("a second page");
        let page2 = app.get(&format!("/api/v1/orders?limit=3&cursor={cursor}"), Some(&pp)).await.expect(200);
        assert_eq!(page2["items"].as_array().unwrap().len(), 1);

        // Budgets: the satker's readers read, the PPK and administrators set.
        let budgets = format!("/api/v1/satkers/{}/budgets", m.w.satker_a);
        let budget_readers = [
            ("pp_b", 404),
            ("vendor", 404),
            ("curator", 404),
            ("pp", 200),
            ("bendahara", 200),
            ("auditor", 200),
            ("admin", 200),
        ];
        probe(&app, &s, "GET", &budgets, None, &budget_readers).await;
        let set = json!({ "fiscal_year": 2026, "lines": [{ "budget_line": "5.1.02.01.01.0024", "amount_idr": 900_000_000 }] });
        let setters = [
            ("pp_b", 404),
            ("vendor", 404),
            ("pp", 403),
            ("bendahara", 403),
            ("auditor", 403),
            ("ppk", 200),
            ("admin", 200),
        ];
        probe(&app, &s, "PUT", &budgets, Some(set.clone()), &setters).await;
        // Only a satker has budgets.
        let not_a_satker = format!("/api/v1/satkers/{}/budgets", m.vendor_id);
        app.get(&not_a_satker, Some(&m.w.admin)).await.expect_problem(404, "not_found");
        app.request("PUT", &not_a_satker, Some(&m.w.admin), Some(set)).await.expect_problem(404, "not_found");
    }
}

#[actix_web::test]
async fn ceilings_and_budgets_refuse_with_the_field_named() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let m = market(&app, 5).await;
        let (pp, ppk) = (m.w.token("pejabat_pengadaan").to_owned(), m.w.token("ppk").to_owned());
        let laptop = product(&app, &m, "Meja Jati Ukir", 100_000_000, 10).await;
        let cart = |t: String, q: i64| {
            let app = &app;
            let path = format!("/api/v1/cart/lines/{laptop}");
            async move { app.request("PUT", &path, Some(&t), Some(json!({ "quantity": q }))).await.expect(200) }
        };

        // Every bad field at once.
        cart(pp.clone(), 3).await;
        let mut bad = checkout_body(&m);
        bad["rup_code"] = json!("RUP-1");
        bad["budget_line"] = json!("5..1");
        bad["funding_source"] = json!("kas");
        bad["delivery_date"] = json!("2020-01-01");
        bad["ppk_id"] = json!(m.w.user_id("pejabat_pengadaan"));
        let r = checkout_as(&app, &pp, bad).await.expect_problem(422, "validation_failed");
        let fields: Vec<&str> = r["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        for f in ["rup_code", "budget_line", "funding_source", "delivery_date"] {
            assert!(fields.contains(&f), "[{}] {f} in {fields:?}", app.name());
        }
        let mut not_ppk = checkout_body(&m);
        not_ppk["ppk_id"] = json!(m.w.user_id("pejabat_pengadaan"));
        assert_eq!(
            checkout_as(&app, &pp, not_ppk).await.expect_problem(422, "validation_failed")["errors"][0]["field"],
            "ppk_id"
        );

        // Rp300,000,000: above a PP's ceiling, within a PPK's.
        checkout_as(&app, &pp, checkout_body(&m)).await.expect_problem(403, "ceiling_exceeded");
        cart(ppk.clone(), 3).await;
        let big = checkout_as(&app, &ppk, checkout_body(&m)).await.expect(201);
        let big_id = big["orders"][0]["id"].as_str().unwrap().to_owned();
        // A direct purchase is capped at Rp50,000,000.
        cart(ppk.clone(), 1).await;
        let mut direct = checkout_body(&m);
        direct["method"] = json!("pembelian_langsung");
        assert_eq!(
            checkout_as(&app, &ppk, direct).await.expect_problem(422, "validation_failed")["errors"][0]["field"],
            "method"
        );

        // A budget: never below what is committed; an order past it is refused.
        let budgets = format!("/api/v1/satkers/{}/budgets", m.w.satker_a);
        let line = "5.1.02.01.01.0024";
        let low = json!({ "fiscal_year": 2026, "lines": [{ "budget_line": line, "amount_idr": 100_000_000 }] });
        let r = app.request("PUT", &budgets, Some(&ppk), Some(low)).await.expect_problem(422, "validation_failed");
        assert_eq!(r["errors"][0]["field"], "lines[0].amount_idr");
        let set = json!({ "fiscal_year": 2026, "lines": [{ "budget_line": line, "amount_idr": 350_000_000 }] });
        let list = app.request("PUT", &budgets, Some(&ppk), Some(set)).await.expect(200);
        assert_eq!(
            (list[0]["committed_idr"].as_i64(), list[0]["remaining_idr"].as_i64()),
            (Some(300_000_000), Some(50_000_000))
        );
        let over = checkout_as(&app, &ppk, checkout_body(&m)).await.expect_problem(409, "budget_exceeded");
        assert_eq!(over["errors"][0]["field"], "budget_line");
        assert!(over["detail"].as_str().unwrap().contains("Rp50.000.000"), "{over}");
        assert_eq!(stock_of(&app, &laptop), 7, "[{}] a refused checkout takes nothing", app.name());
        app.post(&format!("/api/v1/orders/{big_id}/cancel"), Some(&ppk), json!({ "reason": "anggaran dialihkan" }))
            .await
            .expect(200);
        checkout_as(&app, &ppk, checkout_body(&m)).await.expect(201);
        assert_eq!(stock_of(&app, &laptop), 9);
    }
}

#[actix_web::test]
async fn orders_cancel_themselves_after_three_working_days() {
    use chrono::TimeZone;
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        // Wednesday 23 December 2026, 10:00 WIB: the 24th is cuti bersama, the 25th
        // Christmas, then a weekend. Three working days later is Wednesday the 30th.
        app.set_now(chrono::Utc.with_ymd_and_hms(2026, 12, 23, 3, 0, 0).unwrap());
        let m = market(&app, 6).await;
        let (pp, ppk) = (m.w.token("pejabat_pengadaan").to_owned(), m.w.token("ppk").to_owned());
        let p = product(&app, &m, "Keripik Tempe", 25_000, 10).await;
        let idle = order_of(&app, m.w.user_id("ppk"), &pp, &p, 2).await;
        // (The test clock moves in whole seconds: "10:00" is within a second of it.)
        let about_ten =
            |v: &Value| ["2026-12-30T02:59:5", "2026-12-30T03:00:"].iter().any(|p| v.as_str().unwrap().starts_with(p));
        assert!(about_ten(&idle["due_at"]), "{}", idle["due_at"]);
        let unconfirmed = order_of(&app, m.w.user_id("ppk"), &pp, &p, 3).await["id"].as_str().unwrap().to_owned();
        let signed =
            app.post(&format!("/api/v1/orders/{unconfirmed}/approve"), Some(&ppk), json!({})).await.expect(200);
        assert!(about_ten(&signed["due_at"]), "{}", signed["due_at"]);
        let idle = idle["id"].as_str().unwrap().to_owned();
        assert_eq!(stock_of(&app, &p), 5);

        // Two minutes before the deadline nothing happens.
        app.set_now(chrono::Utc.with_ymd_and_hms(2026, 12, 30, 2, 58, 0).unwrap());
        tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
        let state = |id: String| {
            let app = &app;
            async move {
                let t = app.admin_token().await;
                app.get(&format!("/api/v1/orders/{id}"), Some(&t)).await.expect(200)["state"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        assert_eq!(state(idle.clone()).await, "awaiting_ppk_approval");
        assert_eq!(state(unconfirmed.clone()).await, "surat_pesanan_signed");

        // Past it, both cancel themselves, give their stock back and tell everyone.
        app.set_now(chrono::Utc.with_ymd_and_hms(2026, 12, 30, 3, 1, 0).unwrap());
        app.eventually(10, "both orders cancelled", || stock_of(&app, &p) == 10).await;
        assert_eq!(state(idle.clone()).await, "cancelled");
        assert_eq!(state(unconfirmed.clone()).await, "cancelled");
        let t = app.admin_token().await;
        let o = app.get(&format!("/api/v1/orders/{idle}"), Some(&t)).await.expect(200);
        assert_eq!(o["history"].as_array().unwrap().last().unwrap()["action"], "order.expire");
        assert!(o["history"].as_array().unwrap().last().unwrap()["actor_id"].is_null());
        for to in ["ppk@sdn1.test", "pp@sdn1.test", "jual6@toko.test"] {
            let n = app.mails_to(to).iter().filter(|mail| mail.subject.contains("dibatalkan")).count();
            assert_eq!(n, 2, "[{}] {to} hears of both", app.name());
        }
    }
}
