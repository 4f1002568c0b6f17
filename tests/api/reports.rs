//! P3DN realisation through the API, on both databases: random orders taken to different
//! ends, a report that equals, to the rupiah, the sum of its lines computed here from
//! what was bought, drill-down to those lines, nothing moved by later changes to
//! products or vendors, who may read, and bad parameters named.

use pasar_tests::snap::TestBank;
use pasar_tests::{backends, Options, TestApp, World};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";
const SERAGAM: &str = "0193a000-0000-7000-8000-000000000032";

struct Product {
    id: String,
    category: &'static str,
    price: i64,
    tkdn_bp: i64,
}

struct Vendor {
    id: String,
    token: String,
    umkk: bool,
    local: bool,
    products: Vec<Product>,
}

/// A satker's buyers.
struct Buyers {
    satker: String,
    pp: String,
    ppk: String,
    ppk_id: String,
    bendahara: String,
}

/// What one line should count, worked out from what was bought.
#[derive(Debug, Clone)]
struct Expected {
    satker: String,
    vendor: String,
    category: &'static str,
    order: usize,
    committed: i64,
    /// None when the order was not paid.
    realised: Option<i64>,
    tkdn_bp: i64,
    umkk: bool,
    local: bool,
}

async fn vendor(app: &TestApp, curator: &str, n: u32, umkk: bool) -> Vendor {
    let email = format!("jual{n}@toko.test");
    let (id, token) = app.register_vendor(&email, &format!("UD Penjual {n}"), "ud").await;
    app.complete_vendor(&id, &token, &format!("91200030001{n:02}")).await;
    if !umkk {
        // A medium business outside the regions the marketplace serves.
        let profile = json!({
            "business_capital_idr": 8_000_000_000_i64,
            "address": { "street": "Jl. Thamrin 1", "region_code": "31.71.01", "postal_code": "10310" },
        });
        app.request("PATCH", &format!("/api/v1/vendors/{id}"), Some(&token), Some(profile)).await.expect(200);
    }
    app.post(&format!("/api/v1/vendors/{id}/submit"), Some(&token), json!({})).await.expect(200);
    app.post(&format!("/api/v1/vendors/{id}/claim"), Some(curator), json!({})).await.expect(200);
    app.post(&format!("/api/v1/vendors/{id}/review"), Some(curator), json!({ "decision": "approve" }))
        .await
        .expect(200);
    let mut products = Vec::new();
    for (i, (category, price, tkdn)) in
        [(BATIK, 150_000 + i64::from(n) * 7_000, 4_500), (SERAGAM, 85_500, 0)].into_iter().enumerate()
    {
        let mut body = json!({
            "name": format!("Produk {n}-{i}"), "category_id": category, "unit": "pcs",
            "unit_price_idr": price, "stock": 1_000,
        });
        if tkdn > 0 {
            body["local_content"] =
                json!({ "certificate": "TKDN-9/2026", "tkdn_bp": tkdn, "bmp_bp": 500, "valid_until": "2030-01-01" });
        }
        let p = app.post("/api/v1/products", Some(&token), body).await.expect(201);
        let pid = p["id"].as_str().unwrap().to_owned();
        app.post(&format!("/api/v1/products/{pid}/submit"), Some(&token), json!({})).await.expect(200);
        app.post(&format!("/api/v1/products/{pid}/review"), Some(curator), json!({ "decision": "approve" }))
            .await
            .expect(200);
        products.push(Product { id: pid, category, price, tkdn_bp: tkdn });
    }
    Vendor { id, token, umkk, local: umkk, products }
}

async fn buyers(app: &TestApp, w: &World, satker: &str, tag: &str) -> Buyers {
    let mut tokens = Vec::new();
    let mut ppk_id = String::new();
    for role in ["pejabat_pengadaan", "ppk", "bendahara"] {
        let email = format!("{role}@{tag}.test");
        let id = app.create_user(&w.admin, satker, &email, &[role]).await;
        if role == "ppk" {
            ppk_id = id;
        }
        tokens.push(app.login(&email, pasar_tests::PASSWORD).await);
    }
    let bendahara = tokens.pop().unwrap();
    let ppk = tokens.pop().unwrap();
    let pp = tokens.pop().unwrap();
    Buyers { satker: satker.to_owned(), pp, ppk, ppk_id, bendahara }
}

/// One random order: checked out, then rejected, signed, or taken all the way to paid.
/// Its lines' expected facts.
async fn random_order(
    app: &TestApp,
    bank: &TestBank,
    rng: &mut StdRng,
    n: usize,
    b: &Buyers,
    v: &Vendor,
) -> Vec<Expected> {
    let mut chosen = Vec::new();
    for p in &v.products {
        if chosen.is_empty() || rng.gen_bool(0.5) {
            let qty: i64 = rng.gen_range(1..=4);
            app.request("PUT", &format!("/api/v1/cart/lines/{}", p.id), Some(&b.pp), Some(json!({ "quantity": qty })))
                .await
                .expect(200);
            chosen.push((p, qty));
        }
    }
    let checkout = json!({
        "method": "e_purchasing", "rup_code": format!("{}", 45_000_000 + n), "budget_line": if n.is_multiple_of(2) { "5.1.02.01.01.0024" } else { "5.1.02.01.01.0026" },
        "funding_source": if n.is_multiple_of(3) { "dak" } else { "apbd" }, "delivery_address": "Jl. Kranggan 5, Mojokerto",
        "delivery_date": "2027-01-15", "ppk_id": b.ppk_id,
    });
    let key = uuid::Uuid::now_v7().to_string();
    let out = app
        .request_with("POST", "/api/v1/checkout", Some(&b.pp), &[("idempotency-key", key.as_bytes())], Some(checkout))
        .await
        .expect(201);
    let id = out["orders"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/orders/{id}");
    let fate = rng.gen_range(0..3);
    if fate == 0 {
        app.post(&format!("{path}/reject"), Some(&b.ppk), json!({ "reason": "Tidak jadi" })).await.expect(200);
        return Vec::new();
    }
    app.post(&format!("{path}/approve"), Some(&b.ppk), json!({})).await.expect(200);
    let mut accepted = vec![None; chosen.len()];
    if fate == 2 {
        app.post(&format!("{path}/accept"), Some(&v.token), json!({})).await.expect(200);
        let ship: Vec<Value> =
            chosen.iter().enumerate().map(|(i, (_, q))| json!({ "line": i + 1, "quantity": q })).collect();
        app.post(&format!("{path}/shipments"), Some(&v.token), json!({ "lines": ship })).await.expect(200);
        let mut receipt = Vec::new();
        for (i, (_, q)) in chosen.iter().enumerate() {
            // The PPK may accept fewer than were shipped; the invoice, and the
            // realised figure, count what was accepted.
            // (At least one unit, so that there is something to pay.)
            let ok = rng.gen_range(i64::from(i == 0)..=*q);
            accepted[i] = Some(ok);
            receipt.push(json!({ "line": i + 1, "accepted_quantity": ok, "condition": "good" }));
        }
        app.post(&format!("{path}/receipt"), Some(&b.ppk), json!({ "lines": receipt })).await.expect(200);
        app.post(&format!("{path}/bast"), Some(&b.ppk), json!({ "bast_number": format!("BAST-{n}") }))
            .await
            .expect(200);
        app.post(&format!("{path}/bast/countersign"), Some(&v.token), json!({})).await.expect(200);
        let va = app.post(&format!("{path}/virtual-account"), Some(&b.bendahara), json!({})).await.expect(201);
        let paid = bank.pay(app, va["virtual_account_no"].as_str().unwrap(), va["amount_idr"].as_i64().unwrap()).await;
        assert_eq!(paid["responseCode"], "2002500", "[{}] {paid}", app.name());
    }
    chosen
        .iter()
        .zip(accepted)
        .map(|((p, q), ok)| Expected {
            satker: b.satker.clone(),
            vendor: v.id.clone(),
            category: p.category,
            order: n,
            committed: q * p.price,
            realised: ok.map(|ok| ok * p.price),
            tkdn_bp: p.tkdn_bp,
            umkk: v.umkk,
            local: v.local,
        })
        .collect()
}

/// The figures the report must give for `lines`, at one point.
fn figures(lines: &[&Expected], realised: bool) -> Value {
    let lines: Vec<(&Expected, i64)> = lines
        .iter()
        .filter_map(|l| if realised { l.realised.map(|r| (*l, r)) } else { Some((*l, l.committed)) })
        .collect();
    let total: i64 = lines.iter().map(|(_, v)| v).sum();
    let part = |f: &dyn Fn(&Expected) -> bool| lines.iter().filter(|(l, _)| f(l)).map(|(_, v)| v).sum::<i64>();
    let share = |x: i64| if total == 0 { Value::Null } else { json!((x * 10_000 * 2 + total) / (total * 2)) };
    let tkdn: i64 = lines.iter().map(|(l, v)| v * l.tkdn_bp).sum();
    let orders: std::collections::BTreeSet<usize> = lines.iter().map(|(l, _)| l.order).collect();
    let vendors: std::collections::BTreeSet<&str> = lines.iter().map(|(l, _)| l.vendor.as_str()).collect();
    json!({
        "total_idr": total,
        "pdn": part(&|_| true), "pdn_share": share(part(&|_| true)),
        "umkk": part(&|l| l.umkk), "umkk_share": share(part(&|l| l.umkk)),
        "local": part(&|l| l.local), "local_share": share(part(&|l| l.local)),
        "tkdn_bp": if total == 0 { Value::Null } else { json!((tkdn * 2 + total) / (total * 2)) },
        "orders": orders.len(), "vendors": vendors.len(),
    })
}

/// The same figures as the report gives them.
fn figures_of(f: &Value) -> Value {
    json!({
        "total_idr": f["total_idr"],
        "pdn": f["pdn"]["idr"], "pdn_share": f["pdn"]["share_bp"],
        "umkk": f["umkk"]["idr"], "umkk_share": f["umkk"]["share_bp"],
        "local": f["local"]["idr"], "local_share": f["local"]["share_bp"],
        "tkdn_bp": f["tkdn"]["weighted_bp"],
        "orders": f["orders"], "vendors": f["vendors"],
    })
}

/// Every line of a drill-down, page by page; the sum it reports and the lines' own sum.
async fn drill(app: &TestApp, token: &str, query: &str) -> (i64, i64, usize) {
    let mut cursor = String::new();
    let (mut sum, mut seen, mut reported) = (0, 0, None);
    loop {
        let page =
            app.get(&format!("/api/v1/reports/p3dn/lines?{query}&limit=2{cursor}"), Some(token)).await.expect(200);
        reported.get_or_insert(page["sum_idr"].as_i64().unwrap());
        for l in page["items"].as_array().unwrap() {
            sum += l["value_idr"].as_i64().unwrap();
            seen += 1;
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    (reported.unwrap(), sum, seen)
}

#[actix_web::test]
async fn the_p3dn_report_is_the_sum_of_its_frozen_lines() {
    let seed: u64 = std::env::var("PASAR_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    eprintln!("p3dn report: PASAR_TEST_SEED={seed}");
    for backend in backends() {
        let bank = TestBank::new();
        let mut payments = pasar_tests::default_config().payments;
        payments.banks = vec![bank.config("jatim", "8808")];
        let app = TestApp::start(backend, Options { payments: Some(payments), ..Options::default() }).await;
        let mut rng = StdRng::seed_from_u64(seed);
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let auditor = w.token("auditor").to_owned();
        // A second OPD with a satker of its own.
        let opd2 = app.create_org(&w.admin, "opd", "Dinas Kesehatan", Some(&w.pemda)).await;
        let satker_c = app.create_org(&w.admin, "satker", "Puskesmas Kranggan", Some(&opd2)).await;
        let satkers = [buyers(&app, &w, &w.satker_a, "a").await, buyers(&app, &w, &satker_c, "c").await];
        let vendors = [vendor(&app, &curator, 1, true).await, vendor(&app, &curator, 2, false).await];

        let mut expected = Vec::new();
        for n in 0..7 {
            let b = &satkers[rng.gen_range(0..2)];
            let v = &vendors[rng.gen_range(0..2)];
            expected.extend(random_order(&app, &bank, &mut rng, n, b, v).await);
        }
        let year = pasar_core::Zone::JAKARTA.date(app.now()).format("%Y").to_string();
        let all: Vec<&Expected> = expected.iter().collect();

        // The whole pemda, and each OPD and satker, to the rupiah.
        let report = |q: String| {
            let (app, auditor, year) = (&app, auditor.clone(), year.clone());
            async move { app.get(&format!("/api/v1/reports/p3dn?period={year}&{q}"), Some(&auditor)).await.expect(200) }
        };
        let whole = report(format!("org={}", w.pemda)).await;
        assert_eq!(figures_of(&whole["committed"]), figures(&all, false), "[{}] committed {whole}", app.name());
        assert_eq!(figures_of(&whole["realised"]), figures(&all, true), "[{}] realised {whole}", app.name());
        assert_eq!(
            (whole["targets"]["pdn_share_bp"].clone(), whole["targets"]["umkk_share_bp"].clone()),
            (json!(9500), json!(4000))
        );
        assert_eq!(whole["scope"]["kind"], "pemda");
        assert!(whole["method"].as_str().unwrap().contains("Σ(TKDN × line value)"));
        let umkk_met = whole["committed"]["umkk"]["met"].clone();
        assert_eq!(umkk_met, json!(figures(&all, false)["umkk_share"].as_i64().map(|s| s >= 4_000)));
        for (org, kind) in [(&opd2, "opd"), (&w.opd, "opd"), (&satker_c, "satker"), (&w.satker_a, "satker")] {
            let r = report(format!("org={org}")).await;
            let mine: Vec<&Expected> = expected
                .iter()
                .filter(|l| if kind == "satker" { l.satker == *org } else { (l.satker == satker_c) == (org == &opd2) })
                .collect();
            assert_eq!(figures_of(&r["committed"]), figures(&mine, false), "[{}] {kind} {org}", app.name());
            assert_eq!(figures_of(&r["realised"]), figures(&mine, true), "[{}] {kind} {org}", app.name());
        }

        // Every breakdown: each group is the sum of its lines, and the groups add up.
        type Key = fn(&Expected) -> String;
        let dims: [(&str, Key); 4] = [
            ("satker", |l| l.satker.clone()),
            ("vendor", |l| l.vendor.clone()),
            ("category", |l| l.category.to_owned()),
            ("opd", |l| l.satker.clone()),
        ];
        for (dim, key) in dims {
            let r = report(format!("group_by={dim}")).await;
            assert_eq!(figures_of(&r["committed"]), figures(&all, false), "[{}] totals by {dim}", app.name());
            let groups = r["breakdown"]["groups"].as_array().unwrap();
            if dim == "opd" {
                assert_eq!(
                    groups.len(),
                    1 + usize::from(
                        expected.iter().any(|l| l.satker == satker_c) && expected.iter().any(|l| l.satker != satker_c)
                    )
                );
                continue;
            }
            let mut by: BTreeMap<String, Vec<&Expected>> = BTreeMap::new();
            for l in &expected {
                by.entry(key(l)).or_default().push(l);
            }
            assert_eq!(groups.len(), by.len(), "[{}] groups by {dim}: {r}", app.name());
            for g in groups {
                let lines = &by[g["key"].as_str().unwrap()];
                assert_eq!(figures_of(&g["committed"]), figures(lines, false), "[{}] {dim} {g}", app.name());
                assert_eq!(figures_of(&g["realised"]), figures(lines, true), "[{}] {dim} {g}", app.name());
                // Each group's figure drills down to exactly its lines.
                let key = g["key"].as_str().unwrap();
                let (reported, sum, seen) =
                    drill(&app, &auditor, &format!("period={year}&group_by={dim}&key={key}&point=committed")).await;
                assert_eq!((reported, sum, seen), (g["committed"]["total_idr"].as_i64().unwrap(), sum, lines.len()));
                assert_eq!(sum, reported);
            }
        }

        // Every figure of the whole report drills down to lines that add up to it.
        for point in ["committed", "realised"] {
            for part in ["all", "pdn", "umkk", "local"] {
                let (reported, sum, _) =
                    drill(&app, &auditor, &format!("period={year}&point={point}&part={part}")).await;
                let figure = if part == "all" { &whole[point]["total_idr"] } else { &whole[point][part]["idr"] };
                assert_eq!(
                    (reported, sum),
                    (figure.as_i64().unwrap(), figure.as_i64().unwrap()),
                    "[{}] {point} {part}",
                    app.name()
                );
            }
        }

        // The report and its lines as files: the same figures.
        app.get("/api/v1/reports/p3dn/export", Some(w.token("pejabat_pengadaan")))
            .await
            .expect_problem(403, "forbidden");
        let bad = app.get("/api/v1/reports/p3dn/export?format=pdf", Some(&auditor)).await;
        assert_eq!(bad.expect_problem(400, "invalid_query")["errors"][0]["field"], "format");
        let (status, _, csv) = app
            .download(
                &format!("/api/v1/reports/p3dn/export?period={year}&org={}&group_by=satker&format=csv", w.pemda),
                &auditor,
            )
            .await;
        assert_eq!(status, 200, "[{}] {}", app.name(), String::from_utf8_lossy(&csv));
        let mut rows = csv::Reader::from_reader(csv.as_slice());
        let header = rows.headers().unwrap().clone();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let first = rows.records().next().unwrap().unwrap();
        assert_eq!(
            first[col("committed_total_idr")].parse::<i64>().unwrap(),
            whole["committed"]["total_idr"].as_i64().unwrap()
        );
        assert_eq!(
            first[col("realised_umkk_idr")].parse::<i64>().unwrap(),
            whole["realised"]["umkk"]["idr"].as_i64().unwrap()
        );
        let (status, _, lines) =
            app.download(&format!("/api/v1/reports/p3dn/lines/export?period={year}&point=realised"), &auditor).await;
        assert_eq!(status, 200);
        let mut lines = csv::Reader::from_reader(lines.as_slice());
        let value = lines.headers().unwrap().iter().position(|h| h == "value_idr").unwrap();
        let sum: i64 = lines.records().map(|r| r.unwrap()[value].parse::<i64>().unwrap()).sum();
        assert_eq!(
            sum,
            whole["realised"]["total_idr"].as_i64().unwrap(),
            "[{}] lines of the realised figure",
            app.name()
        );
        let (status, _, xlsx) =
            app.download(&format!("/api/v1/reports/p3dn/export?period={year}&format=xlsx"), &auditor).await;
        assert_eq!((status, &xlsx[..2]), (200, &b"PK"[..]), "[{}] an XLSX is a zip", app.name());

        // Products and vendors change afterwards; the report does not.
        let before = report(format!("org={}&group_by=vendor", w.pemda)).await;
        for v in &vendors {
            for p in &v.products {
                let change = json!({
                    "unit_price_idr": p.price * 3,
                    "local_content": { "certificate": "TKDN-10/2027", "tkdn_bp": 8_000, "bmp_bp": 1_000, "valid_until": "2031-01-01" },
                });
                app.request("PATCH", &format!("/api/v1/products/{}", p.id), Some(&v.token), Some(change))
                    .await
                    .expect(200);
                // A change to an approved product goes to the curator; approved, it is what
                // buyers see from now on.
                app.post(
                    &format!("/api/v1/products/{}/review", p.id),
                    Some(&curator),
                    json!({ "decision": "approve" }),
                )
                .await
                .expect(200);
            }
        }
        // The medium vendor from outside becomes a local micro business; the other is suspended.
        let v = &vendors[1];
        let profile = json!({
            "business_capital_idr": 300_000_000,
            "address": { "street": "Jl. Majapahit 2", "region_code": "35.76.01", "postal_code": "61318" },
        });
        app.request("PATCH", &format!("/api/v1/vendors/{}", v.id), Some(&v.token), Some(profile)).await.expect(200);
        app.post(&format!("/api/v1/vendors/{}/facts/review", v.id), Some(&curator), json!({ "decision": "approve" }))
            .await
            .expect(200);
        let now = app.get(&format!("/api/v1/vendors/{}", v.id), Some(&w.admin)).await.expect(200);
        assert_eq!((now["umkk"].clone(), now["local"].clone()), (json!(true), json!(true)), "[{}] {now}", app.name());
        app.post(
            &format!("/api/v1/vendors/{}/suspend", vendors[0].id),
            Some(&w.admin),
            json!({ "reason": "Pemeriksaan" }),
        )
        .await
        .expect(200);
        assert_eq!(report(format!("org={}&group_by=vendor", w.pemda)).await, before, "[{}] changed", app.name());

        // Who may read: administrators and auditors; everyone else 403, nobody 401.
        let path = format!("/api/v1/reports/p3dn?period={year}");
        app.get(&path, Some(&w.admin)).await.expect(200);
        app.get(&path, None).await.expect_problem(401, "unauthenticated");
        for who in ["pejabat_pengadaan", "ppk", "bendahara", "vendor_owner", "curator"] {
            app.get(&path, Some(w.token(who))).await.expect_problem(403, "forbidden");
            app.get(&format!("/api/v1/reports/p3dn/lines?period={year}"), Some(w.token(who)))
                .await
                .expect_problem(403, "forbidden");
        }

        // Bad parameters are named.
        for (query, status, code, field) in [
            ("period=2026-13", 400, "invalid_query", "period"),
            ("period=2026-Q5", 400, "invalid_query", "period"),
            ("period=2026&from=2026-01-01&to=2026-02-01", 422, "validation_failed", "period"),
            ("from=2026-01-01", 422, "validation_failed", "to"),
            ("from=2026-03-01&to=2026-02-01", 422, "validation_failed", "to"),
            ("from=2026-02-30&to=2026-03-01", 400, "invalid_query", "from"),
            ("group_by=colour", 400, "invalid_query", "group_by"),
        ] {
            let r = app.get(&format!("/api/v1/reports/p3dn?{query}"), Some(&auditor)).await;
            assert_eq!(r.expect_problem(status, code)["errors"][0]["field"], field, "[{}] {query}", app.name());
        }
        let r = app.get(&format!("/api/v1/reports/p3dn?org={}", vendors[0].id), Some(&auditor)).await;
        assert_eq!(r.expect_problem(422, "validation_failed")["errors"][0]["field"], "org");
        let r = app.get(&format!("/api/v1/reports/p3dn?org={}", uuid::Uuid::now_v7()), Some(&auditor)).await;
        assert_eq!(r.expect_problem(422, "validation_failed")["errors"][0]["field"], "org");
        let r = app.get("/api/v1/reports/p3dn/lines?key=x", Some(&auditor)).await;
        assert_eq!(r.expect_problem(422, "validation_failed")["errors"][0]["field"], "key");
        for (query, field) in
            [("point=paid", "point"), ("part=import", "part"), ("cursor=zz", "cursor"), ("format=pdf", "format")]
        {
            let r = app.get(&format!("/api/v1/reports/p3dn/lines?{query}"), Some(&auditor)).await;
            assert_eq!(r.expect_problem(400, "invalid_query")["errors"][0]["field"], field, "[{}] {query}", app.name());
        }
    }
}

/// Checks out `qty` of `product` for the satker and has the PPK sign; the order id.
async fn signed(app: &TestApp, b: &Buyers, product: &str, qty: i64) -> String {
    app.request("PUT", &format!("/api/v1/cart/lines/{product}"), Some(&b.pp), Some(json!({ "quantity": qty })))
        .await
        .expect(200);
    let checkout = json!({
        "method": "e_purchasing", "rup_code": "45678912", "budget_line": "5.1.02.01.01.0024",
        "funding_source": "apbd", "delivery_address": "Jl. Kranggan 5, Mojokerto",
        "delivery_date": "2027-01-15", "ppk_id": b.ppk_id,
    });
    let key = uuid::Uuid::now_v7().to_string();
    let out = app
        .request_with("POST", "/api/v1/checkout", Some(&b.pp), &[("idempotency-key", key.as_bytes())], Some(checkout))
        .await
        .expect(201);
    let id = out["orders"][0]["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/orders/{id}/approve"), Some(&b.ppk), json!({})).await.expect(200);
    id
}

#[actix_web::test]
async fn red_flags_name_split_purchases_dear_lines_and_concentration() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let auditor = w.token("auditor").to_owned();
        let a = buyers(&app, &w, &w.satker_a, "a").await;
        let c = buyers(&app, &w, &w.satker_b, "b").await;
        let v1 = vendor(&app, &curator, 1, true).await;
        let v2 = vendor(&app, &curator, 2, false).await;
        let (cheap, dear) = (&v1.products[0], &v2.products[0]);

        // Three orders of one satker from one vendor, a day apart, each under the ceiling.
        let mut split = Vec::new();
        for _ in 0..3 {
            split.push(signed(&app, &a, &cheap.id, 2).await);
            app.advance_days(1);
        }
        // The second vendor raises its price fivefold just before the other satker buys.
        let raised = dear.price * 5;
        app.request(
            "PATCH",
            &format!("/api/v1/products/{}", dear.id),
            Some(&v2.token),
            Some(json!({ "unit_price_idr": raised })),
        )
        .await
        .expect(200);
        let dear_order = signed(&app, &c, &dear.id, 1).await;
        signed(&app, &c, &cheap.id, 1).await;

        let year = pasar_core::Zone::JAKARTA.date(app.now()).format("%Y").to_string();
        let path = format!("/api/v1/reports/red-flags?period={year}&split_ceiling_idr=800000&split_window_days=7");
        let flags = app.get(&path, Some(&auditor)).await.expect(200);
        let splits = flags["split_purchases"].as_array().unwrap();
        let by_vendor: Vec<&Value> = splits.iter().filter(|f| f["by"] == "vendor").collect();
        assert_eq!(by_vendor.len(), 1, "[{}] {flags}", app.name());
        assert_eq!(by_vendor[0]["orders"], json!(split));
        assert_eq!(
            (by_vendor[0]["satker_id"].clone(), by_vendor[0]["total_idr"].clone()),
            (json!(w.satker_a), json!(6 * cheap.price))
        );
        assert!(splits.iter().any(|f| f["by"] == "category" && f["orders"] == json!(split)));
        // Not flagged with the default ceiling.
        let quiet = app.get(&format!("/api/v1/reports/red-flags?period={year}"), Some(&auditor)).await.expect(200);
        assert!(quiet["split_purchases"].as_array().unwrap().is_empty());

        // The dear line: over 3× its category's median, and 5× its own price last week.
        let prices = flags["prices"].as_array().unwrap();
        let of = |what: &str| prices.iter().find(|p| p["compared_with"] == what).cloned().unwrap_or_default();
        assert_eq!(
            (of("product_history")["order_id"].clone(), of("product_history")["ratio_bp"].clone()),
            (json!(dear_order), json!(50_000)),
            "[{}] {flags}",
            app.name()
        );
        assert_eq!(
            (of("category_median")["order_id"].clone(), of("category_median")["reference_idr"].clone()),
            (json!(dear_order), json!(cheap.price))
        );
        assert_eq!(prices.len(), 2, "[{}] only the dear line: {flags}", app.name());

        // Concentration, from the orders' own figures.
        let (one, two) = (7 * cheap.price, raised);
        let total = one + two;
        let conc = &flags["concentration"];
        let hhi =
            (10_000 * 2 * (one * one + two * two) as i128 + (total * total) as i128) / (2 * (total * total) as i128);
        assert_eq!(conc["total_idr"], total);
        assert_eq!(
            (conc["top_share_bp"].clone(), conc["hhi"].clone(), conc["hhi_flagged"].clone()),
            (json!(10_000), json!(hhi), json!(true))
        );
        assert_eq!(conc["outside_idr"], two);
        assert_eq!(conc["outside_orders"], json!([dear_order]));

        // Auditors and administrators only; bad thresholds are named.
        app.get(&path, Some(&w.admin)).await.expect(200);
        for who in ["pejabat_pengadaan", "ppk", "vendor_owner", "curator"] {
            app.get(&path, Some(w.token(who))).await.expect_problem(403, "forbidden");
        }
        for (query, field) in [
            ("split_ceiling_idr=-5", "split_ceiling_idr"),
            ("split_window_days=0", "split_window_days"),
            ("period=20x6", "period"),
        ] {
            let r = app.get(&format!("/api/v1/reports/red-flags?{query}"), Some(&auditor)).await;
            assert_eq!(r.expect_problem(400, "invalid_query")["errors"][0]["field"], field, "[{}] {query}", app.name());
        }
    }
}
